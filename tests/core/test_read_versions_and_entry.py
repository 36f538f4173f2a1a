"""``shared_cache.read_versions_and_entry``: the versions and one shared entry in one round
trip, on every store of the shared cache (the table on SQLite; on PostgreSQL the sequences
and the table in one UNION statement)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import connection, connections, router
from django.test.utils import CaptureQueriesContext

from matchmaking.core.shared_cache import (
    begin_request,
    bump_version,
    end_request,
    read_version,
    read_versions,
    read_versions_and_entry,
    shared_cache,
)

pytestmark = pytest.mark.django_db

KEYS = ("listings:version", "pages:version")
PAST = datetime(2000, 1, 1, tzinfo=UTC if settings.USE_TZ else None)


def test_the_versions_and_a_present_entry_come_back_in_one_query():
    before = {key: read_version(key) for key in KEYS}
    shared_cache().set("page:x", (200, [("Content-Type", "text/html")], b"<p>x</p>"), 300)
    with CaptureQueriesContext(connection) as queries:
        versions, entry = read_versions_and_entry(KEYS, "page:x")
    assert versions == before
    assert entry == (200, [("Content-Type", "text/html")], b"<p>x</p>")
    assert len(queries) == 1


def test_a_missing_entry_is_none_and_the_versions_are_current():
    bump_version("listings:version")
    versions, entry = read_versions_and_entry(KEYS, "page:nowhere")
    assert entry is None
    assert versions == {key: read_version(key) for key in KEYS}


def test_an_expired_entry_is_none():
    cache = shared_cache()
    cache.set("page:old", "stale", 300)
    table = connections[router.db_for_write(cache.cache_model_class)].ops.quote_name(cache._table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET expires = %s WHERE cache_key = %s",  # noqa: S608 - quoted name
            [
                connection.ops.adapt_datetimefield_value(PAST),
                cache.make_and_validate_key("page:old"),
            ],
        )
    assert read_versions_and_entry(KEYS, "page:old")[1] is None


def test_versions_already_read_in_the_request_are_not_read_again():
    shared_cache().set("page:y", "kept", 300)
    begin_request()
    try:
        before = read_versions(*KEYS)
        with CaptureQueriesContext(connection) as queries:
            versions, entry = read_versions_and_entry(KEYS, "page:y")
        assert (versions, entry) == (before, "kept")
        assert len(queries) == 1
        assert "pages" not in queries[0]["sql"]  # the entry alone, no version (pages:version)
    finally:
        end_request()
