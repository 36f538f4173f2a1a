"""The shared database cache culls the entries that expire soonest and never a version.

Django's own cull deletes the first third of the keys in key order, which always held the
cases, insights and listings versions (``…:cases:version`` sorts before ``…:page:…``): every
cull gave them fresh values and threw away every cached page keyed on them."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from matchmaking.core.shared_cache import SHARED_CACHE_TABLE, SharedDatabaseCache

pytestmark = pytest.mark.django_db

MAX_ENTRIES = 10


@pytest.fixture
def small_cache():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(SHARED_CACHE_TABLE)}")  # noqa: S608
    return SharedDatabaseCache(
        SHARED_CACHE_TABLE,
        {"KEY_PREFIX": "cull", "OPTIONS": {"MAX_ENTRIES": MAX_ENTRIES, "CULL_FREQUENCY": 3}},
    )


def _rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(SHARED_CACHE_TABLE)}")  # noqa: S608
        return cursor.fetchone()[0]


def test_versions_survive_every_cull_and_the_table_stays_bounded(small_cache):
    # Keys that sort before the pages', as the cases/insights/listings versions do.
    small_cache.add("a:cases:version", 1234, timeout=None)
    small_cache.add("b:listings:version", 5678, timeout=None)
    for number in range(60):
        small_cache.set(f"page:{number:03d}", "<html>", timeout=600)
        assert small_cache.get("a:cases:version") == 1234, number
        assert small_cache.get("b:listings:version") == 5678, number
    assert _rows() <= MAX_ENTRIES + 1  # Django's bound: a set culls when over the maximum
    assert small_cache.get("page:059") == "<html>"  # the newest entry is kept


def test_the_entries_expiring_soonest_go_first(small_cache):
    # Short-lived entries under keys that sort last, long-lived ones under keys that sort
    # first: key order would cull the long-lived ones; expiry order culls the short-lived.
    for number in range(MAX_ENTRIES):
        small_cache.set(f"z:short:{number}", "short", timeout=60)
    for number in range(MAX_ENTRIES // 2):
        small_cache.set(f"a:long:{number}", "long", timeout=86_400)
    assert all(small_cache.get(f"a:long:{n}") == "long" for n in range(MAX_ENTRIES // 2))
    assert sum(small_cache.get(f"z:short:{n}") is None for n in range(MAX_ENTRIES)) >= 3


def test_a_table_of_versions_alone_is_never_emptied(small_cache):
    for number in range(MAX_ENTRIES + 5):
        small_cache.add(f"v{number:02d}:version", number, timeout=None)
    small_cache.set("page:x", "<html>", timeout=60)
    assert [small_cache.get(f"v{n:02d}:version") for n in range(MAX_ENTRIES + 5)] == list(
        range(MAX_ENTRIES + 5)
    )


def test_a_cull_takes_its_share_even_when_every_entry_expires_in_the_same_second(db, monkeypatch):
    """Entries set in one second share their expiry (Django stores it to the second): the
    key breaks the tie, so a cull deletes its 1/CULL_FREQUENCY, not the whole second."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(SHARED_CACHE_TABLE)}")  # noqa: S608
    cache = SharedDatabaseCache(
        SHARED_CACHE_TABLE,
        {"KEY_PREFIX": "tie", "OPTIONS": {"MAX_ENTRIES": 40, "CULL_FREQUENCY": 4}},
    )
    expiry = int(time.time()) + 600
    monkeypatch.setattr(cache, "get_backend_timeout", lambda timeout=None: expiry)
    for number in range(42):
        cache.set(f"page:{number:03d}", "<html>", timeout=600)
    # 41 entries when the 42nd set culled: 41 // 4 = 10 went, the 42nd was then written
    assert _rows() == 42 - 10
    assert cache.get("page:041") == "<html>"


def test_cull_frequency_zero_clears_every_entry_but_the_versions(db):
    """CULL_FREQUENCY 0 is Django's "clear the cache" when full: the versions stay."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(SHARED_CACHE_TABLE)}")  # noqa: S608
    cache = SharedDatabaseCache(
        SHARED_CACHE_TABLE,
        {"KEY_PREFIX": "zero", "OPTIONS": {"MAX_ENTRIES": 5, "CULL_FREQUENCY": 0}},
    )
    cache.add("a:listings:version", 42, timeout=None)
    for number in range(7):
        cache.set(f"page:{number}", "<html>", timeout=600)
    assert cache.get("a:listings:version") == 42
    assert cache.get("page:6") == "<html>"  # the set that cleared still wrote its entry
    assert _rows() <= 5


def test_the_rows_are_counted_on_every_nth_set_and_the_table_stays_near_its_bound(db):
    """CULL_CHECK_EVERY = N: the count (a scan of the table on PostgreSQL) runs on the first
    set and then on every Nth; between counts the table passes MAX_ENTRIES by at most N."""
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(SHARED_CACHE_TABLE)}")  # noqa: S608
    every = 4
    cache = SharedDatabaseCache(
        SHARED_CACHE_TABLE,
        {
            "KEY_PREFIX": "every",
            "OPTIONS": {"MAX_ENTRIES": MAX_ENTRIES, "CULL_FREQUENCY": 3, "CULL_CHECK_EVERY": every},
        },
    )
    cache.add("a:cases:version", 1234, timeout=None)
    counted, largest = [], 0
    for number in range(60):
        with CaptureQueriesContext(connection) as queries:
            cache.set(f"page:{number:03d}", "<html>", timeout=600)
        if any("COUNT(*)" in query["sql"] for query in queries.captured_queries):
            counted.append(number)
        largest = max(largest, _rows())
    assert counted == list(range(0, 60, every))
    assert MAX_ENTRIES < largest <= MAX_ENTRIES + 1 + every
    assert cache.get("a:cases:version") == 1234
    assert cache.get("page:059") == "<html>"
