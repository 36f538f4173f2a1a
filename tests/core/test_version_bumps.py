"""Bumping the shared cache versions (``core.shared_cache.bump_version``) never makes writers
wait for each other, and a bump inside a transaction is repeated once after its commit.

The PostgreSQL tests use two real transactions on two connections (one per thread); run them
with ``scripts/with-postgres.sh .venv/bin/pytest tests/core/test_version_bumps.py``.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, transaction

from matchmaking.core.shared_cache import bump_version, read_version, read_versions
from matchmaking.insights.caching import VERSION_KEY as INSIGHTS_VERSION_KEY
from matchmaking.listings.caching import VERSION_KEY as LISTINGS_VERSION_KEY
from matchmaking.listings.caching import bump_listings_version
from tests import factories
from tests.threads import in_thread

# Long enough for the other thread to finish its whole transaction many times over; a lock
# wait longer than this is the failure these tests exist to catch.
WAIT_SECONDS = 30


def _no_lock_waits() -> None:
    """Any wait for a lock in this transaction fails at once instead of queueing."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '1s'")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_writers_bumping_versions_in_opposite_orders_neither_wait_nor_deadlock():
    """One transaction bumps listings then insights and stays open; another bumps them in
    the opposite order and commits meanwhile. With a version row locked until commit the
    second would queue behind the first (and, were the first to bump again, deadlock)."""
    read_versions(LISTINGS_VERSION_KEY, INSIGHTS_VERSION_KEY)  # both exist before the race
    first_bumped, second_done = threading.Event(), threading.Event()
    first_errors, second_errors = [], []

    def first_writer():
        with transaction.atomic():
            bump_listings_version()  # as the listings services do
            factories.make_organization()  # post_save → the insights version
            first_bumped.set()
            assert second_done.wait(WAIT_SECONDS), "the other writer never committed"
            bump_listings_version()  # again, after the other writer took both

    def second_writer():
        assert first_bumped.wait(WAIT_SECONDS)
        with transaction.atomic():
            _no_lock_waits()
            factories.make_organization()  # insights first
            bump_listings_version()  # then listings
        second_done.set()

    first = in_thread(first_writer, first_errors)
    second = in_thread(second_writer, second_errors)
    second.join(WAIT_SECONDS)
    first.join(WAIT_SECONDS)

    assert not second_errors, second_errors  # no lock timeout, no deadlock abort
    assert not first_errors, first_errors
    assert second_done.is_set()
    assert not first.is_alive() and not second.is_alive()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_bump_in_an_open_transaction_is_seen_at_once_and_repeated_after_commit():
    """Another connection sees the first bump while the writer's transaction is still open
    (it only invalidates), and a higher version once it commits: whatever that reader cached
    from the old rows under the first bump is unreachable after the commit."""
    key = "test:visible"
    before = read_version(key)
    bumped, read_done = threading.Event(), threading.Event()
    seen, errors = {}, []

    def writer():
        with transaction.atomic():
            _no_lock_waits()
            bump_version(key)
            bump_version(key)  # a second write in the same transaction
            bumped.set()
            assert read_done.wait(WAIT_SECONDS)

    def reader():
        assert bumped.wait(WAIT_SECONDS)
        seen["during"] = read_version(key)
        read_done.set()

    threads = [in_thread(writer, errors), in_thread(reader, errors)]
    for thread in threads:
        thread.join(WAIT_SECONDS)

    assert not errors, errors
    assert seen["during"] == before + 2
    assert read_version(key) == before + 3  # one bump after commit, not one per write


@pytest.mark.django_db
def test_bumps_inside_a_transaction_queue_one_bump_per_version_after_commit(
    django_capture_on_commit_callbacks,
):
    """On every backend: each bump counts at once, and the commit adds one more per version."""
    listings_before, other_before = read_version("test:a"), read_version("test:b")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for _ in range(5):
            bump_version("test:a")
            bump_version("test:b")
        assert read_version("test:a") == listings_before + 5
    assert len(callbacks) == 2
    assert read_version("test:a") == listings_before + 6
    assert read_version("test:b") == other_before + 6


@pytest.mark.django_db(transaction=True)
def test_a_bump_outside_any_transaction_happens_once():
    before = read_version("test:autocommit")
    bump_version("test:autocommit")
    assert read_version("test:autocommit") == before + 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_the_next_one_its_after_commit_bump():
    """The bookkeeping that queues one after-commit bump per transaction forgets a
    transaction that was rolled back (its callbacks were dropped with it)."""
    before = read_version("test:rollback")
    with pytest.raises(RuntimeError), transaction.atomic():
        bump_version("test:rollback")
        raise RuntimeError("rolled back")
    with transaction.atomic():
        bump_version("test:rollback")
    # 1 (rolled back: a sequence or Redis keeps it, a table row does not) + 1 + 1 after commit
    rolled_back_bump = 1 if connection.vendor == "postgresql" else 0
    assert read_version("test:rollback") == before + rolled_back_bump + 2


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_version_first_used_in_a_rolled_back_transaction_keeps_its_sequence():
    """The sequence is made on a connection of its own, so the writer's rollback keeps it
    (and another connection can read the version while that transaction is still open)."""
    key = f"test:first-use-{uuid.uuid4().hex[:8]}"
    seen, errors = {}, []
    with pytest.raises(RuntimeError), transaction.atomic():
        first = bump_version(key)
        reader = in_thread(lambda: seen.update(during=read_version(key)), errors)
        reader.join(WAIT_SECONDS)
        raise RuntimeError("rolled back")
    assert not errors, errors
    assert seen["during"] == first
    assert read_version(key) == first  # still there, and the rolled-back bump counted
