"""``SharedDatabaseCache.set``: one upsert after Django's count, same results as Django's set.

Every page-cache miss stores its page in the shared cache, so a set is on the path of every
first render. Django's own set takes BEGIN, COUNT, SELECT, INSERT/UPDATE and COMMIT."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from matchmaking.core.shared_cache import SHARED_CACHE_TABLE, SharedDatabaseCache


def _cache(prefix: str, **options) -> SharedDatabaseCache:
    return SharedDatabaseCache(SHARED_CACHE_TABLE, {"KEY_PREFIX": prefix, "OPTIONS": options})


def _expires(cache, key: str):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT expires FROM {connection.ops.quote_name(SHARED_CACHE_TABLE)} "  # noqa: S608
            "WHERE cache_key = %s",
            [cache.make_and_validate_key(key)],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_set_writes_a_new_entry_and_replaces_an_old_one_with_its_expiry():
    cache = _cache("set-replace")
    cache.set("page:a", {"body": "第一版"}, timeout=60)
    first_expiry = _expires(cache, "page:a")
    cache.set("page:a", {"body": "第二版"}, timeout=3_600)
    assert cache.get("page:a") == {"body": "第二版"}
    assert _expires(cache, "page:a") > first_expiry
    cache.set("page:b", b"\x00bytes", timeout=None)  # no timeout: kept for good, like a version
    assert cache.get("page:b") == b"\x00bytes"


@pytest.mark.django_db
def test_an_expired_entry_is_replaced_by_a_set():
    cache = _cache("set-expired")
    cache.set("page:a", "old", timeout=-1)  # already expired
    assert cache.get("page:a") is None
    cache.set("page:a", "new", timeout=60)
    assert cache.get("page:a") == "new"


@pytest.mark.django_db(transaction=True)
def test_a_set_in_autocommit_is_two_statements():
    cache = _cache("set-statements", MAX_ENTRIES=100_000)
    cache.set("page:a", "x" * 30_000, timeout=60)  # an existing entry: the update path
    with CaptureQueriesContext(connection) as replaced:
        cache.set("page:a", "y" * 30_000, timeout=60)
    with CaptureQueriesContext(connection) as inserted:
        cache.set("page:b", "z" * 30_000, timeout=60)
    # The count, then the upsert: no select of the key, no transaction of its own.
    assert len(replaced.captured_queries) == 2, replaced.captured_queries
    assert len(inserted.captured_queries) == 2, inserted.captured_queries
    assert cache.get("page:a") == "y" * 30_000


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning")
def test_a_set_that_fails_inside_a_transaction_leaves_the_transaction_usable():
    """As with Django's set, an entry the database refuses is simply not stored; the write
    has a savepoint of its own, so the caller's transaction goes on."""
    cache = _cache("set-refused")
    with transaction.atomic():
        cache.set("k" * 300, "value", timeout=60)  # longer than the key column (255)
        cache.set("page:ok", "value", timeout=60)
    assert cache.get("page:ok") == "value"
    assert cache.get("k" * 300) is None
