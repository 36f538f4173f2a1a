"""A refresh or a rebuild batch that PostgreSQL aborts for a deadlock is run again
(``core.transactions.atomic_with_retry``), so the stored lists are right, not left stale
until the next rebuild. The deadlock is simulated here (a real one: tests/core/test_transactions.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from matchmaking.matching import services
from matchmaking.matching.models import Direction, Suggestion
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_engine")]


class _DriverDeadlock(Exception):
    sqlstate = "40P01"


def _deadlocked_once(monkeypatch):
    """``revise_need_lists`` does its work, then the first call fails as a deadlock would."""
    real = services.revise_need_lists
    calls = []

    def revise(needs):
        calls.append(1)
        real(needs)
        if len(calls) == 1:
            error = OperationalError("deadlock detected")
            error.__cause__ = _DriverDeadlock()
            raise error

    monkeypatch.setattr(services, "revise_need_lists", revise)
    return calls


def _pairs(direction: str) -> set[tuple[int, int]]:
    return set(Suggestion.objects.filter(direction=direction).values_list("need_id", "offering_id"))


@pytest.fixture
def world():
    offering = factories.make_offering()
    need = factories.make_need()
    services.suggestions_rebuild_all()
    stored = {direction: _pairs(direction) for direction in Direction.values}
    assert (need.pk, offering.pk) in stored[Direction.FOR_NEED]
    return offering, need, stored


def test_an_offering_refresh_aborted_by_a_deadlock_is_stored(world, monkeypatch):
    offering, need, stored = world
    Suggestion.objects.all().delete()
    calls = _deadlocked_once(monkeypatch)
    assert services.suggestions_refresh_for_offering(offering=offering) == 1
    assert len(calls) >= 2  # the aborted attempt, then the one that committed
    assert _pairs(Direction.FOR_OFFERING) == {(need.pk, offering.pk)}
    assert _pairs(Direction.FOR_NEED) == {(need.pk, offering.pk)}


def test_a_need_refresh_aborted_by_a_deadlock_is_stored(world, monkeypatch):
    offering, need, stored = world
    Suggestion.objects.all().delete()
    calls = _deadlocked_once(monkeypatch)
    assert services.suggestions_refresh_for_need(need=need) == 1
    assert len(calls) >= 2
    assert _pairs(Direction.FOR_NEED) == {(need.pk, offering.pk)}


def test_a_rebuild_batch_aborted_by_a_deadlock_is_stored(world, monkeypatch):
    offering, need, stored = world
    Suggestion.objects.all().delete()
    calls = _deadlocked_once(monkeypatch)
    services.suggestions_rebuild_all()
    assert len(calls) >= 2
    assert {direction: _pairs(direction) for direction in Direction.values} == stored


def test_a_dismissal_aborted_by_a_deadlock_is_recorded_once(world, monkeypatch):
    """The enterprise's "not relevant" (a web request) is retried too: one feedback row,
    the pair gone from the need's list."""
    from matchmaking.matching.models import SuggestionFeedback

    offering, need, stored = world
    user = factories.make_member(need.organization)
    calls = _deadlocked_once(monkeypatch)
    feedback = services.suggestion_dismiss(
        need=need, offering=offering, direction=Direction.FOR_NEED, user=user
    )
    assert len(calls) >= 2
    assert list(SuggestionFeedback.objects.values_list("pk", flat=True)) == [feedback.pk]
    assert (need.pk, offering.pk) not in _pairs(Direction.FOR_NEED)
    assert (need.pk, offering.pk) in _pairs(Direction.FOR_OFFERING)


def test_a_removal_aborted_by_a_deadlock_removes_the_lists(world, monkeypatch):
    offering, need, stored = world
    calls = _deadlocked_once(monkeypatch)
    services.suggestions_remove_for_offering(offering_id=offering.pk)
    assert len(calls) >= 2
    assert not Suggestion.objects.filter(offering_id=offering.pk).exists()
