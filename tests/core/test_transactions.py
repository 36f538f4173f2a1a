"""``core.transactions.atomic_with_retry``: a transaction PostgreSQL aborted for a deadlock is
run again; any other error, and any error inside someone else's transaction, is raised.

The deadlock test uses two real transactions on two connections (one per thread); run it
with ``scripts/with-postgres.sh .venv/bin/pytest tests/core/test_transactions.py``.
"""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, transaction
from django.db.models import F

from matchmaking.core.transactions import atomic_with_retry, is_conflict
from matchmaking.listings.models import Need
from tests import factories
from tests.threads import in_thread

WAIT_SECONDS = 30


class _DriverDeadlock(Exception):
    sqlstate = "40P01"


def _deadlock() -> OperationalError:
    """What Django raises for PostgreSQL's deadlock_detected: its wrapper, the driver's
    error as the cause."""
    error = OperationalError("deadlock detected")
    error.__cause__ = _DriverDeadlock()
    return error


def _bump(pk: int) -> None:
    Need.objects.filter(pk=pk).update(suggestions_revision=F("suggestions_revision") + 1)


def _revisions(*needs) -> tuple[int, ...]:
    found = dict(
        Need.objects.filter(pk__in=[n.pk for n in needs]).values_list("pk", "suggestions_revision")
    )
    return tuple(found[n.pk] for n in needs)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_transactions_locking_rows_in_opposite_orders_both_commit():
    """Each thread bumps one need, waits for the other to hold its own, then bumps the
    other's: a real deadlock. PostgreSQL aborts one (after ``deadlock_timeout``); it runs
    again once the other has committed."""
    first, second = factories.make_need(), factories.make_need()
    before = _revisions(first, second)
    both_hold_one = threading.Barrier(2, timeout=WAIT_SECONDS)
    attempts = {"a": 0, "b": 0}
    errors = []

    def transfer(name: str, one: int, other: int):
        def work():
            attempts[name] += 1
            _bump(one)
            if attempts[name] == 1:
                both_hold_one.wait()
            _bump(other)

        return in_thread(lambda: atomic_with_retry(work), errors)

    threads = [transfer("a", first.pk, second.pk), transfer("b", second.pk, first.pk)]
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert not errors, errors
    assert sorted(attempts.values()) == [1, 2]  # one aborted, run again
    assert _revisions(first, second) == (before[0] + 2, before[1] + 2)


@pytest.mark.django_db(transaction=True)
def test_a_conflict_is_retried_and_the_aborted_attempt_leaves_nothing():
    need = factories.make_need()
    (before,) = _revisions(need)
    calls = []

    def work():
        calls.append(1)
        _bump(need.pk)
        if len(calls) < 3:
            raise _deadlock()
        return "stored"

    assert atomic_with_retry(work) == "stored"
    assert len(calls) == 3
    assert _revisions(need) == (before + 1,)  # the two aborted bumps were rolled back


@pytest.mark.django_db(transaction=True)
def test_other_errors_and_endless_conflicts_are_raised():
    calls = []

    def broken():
        calls.append(1)
        raise OperationalError("disk full")

    with pytest.raises(OperationalError, match="disk full"):
        atomic_with_retry(broken)
    assert len(calls) == 1

    def always_deadlocked():
        calls.append(1)
        raise _deadlock()

    calls.clear()
    with pytest.raises(OperationalError, match="deadlock"):
        atomic_with_retry(always_deadlocked, attempts=3)
    assert len(calls) == 3


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_a_conflict_goes_to_the_caller_at_once():
    """The outer transaction is lost with the inner work: running only the inner part again
    would commit it without the outer work that came before."""
    calls = []

    def work():
        calls.append(1)
        raise _deadlock()

    with pytest.raises(OperationalError), transaction.atomic():
        atomic_with_retry(work)
    assert len(calls) == 1


def test_conflicts_are_told_by_their_sqlstate():
    assert is_conflict(_deadlock())
    serialization = OperationalError("could not serialize access")
    serialization.__cause__ = type("Serialization", (Exception,), {"sqlstate": "40001"})()
    assert is_conflict(serialization)
    assert not is_conflict(OperationalError("database is locked"))
