"""The meeting scheduler: no double booking, availability and maximums respected,
confirmed meetings never move, heavier requests first, an honest bound."""

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaking.events.scheduling import (
    MeetingRequest,
    Placement,
    SchedulingProblem,
    find_conflicts,
    solve,
)
from matchmaking.events.synthetic import synthetic_problem


@st.composite
def problems(draw):
    participants = draw(st.integers(min_value=2, max_value=10))
    slots = draw(st.integers(min_value=1, max_value=6))
    tables = draw(st.integers(min_value=1, max_value=4))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, participants - 1), st.integers(0, participants - 1)).filter(
                lambda pair: pair[0] != pair[1]
            ),
            max_size=25,
        )
    )
    requests = [
        MeetingRequest(i + 1, pair, weight=draw(st.integers(1, 100)))
        for i, pair in enumerate(pairs)
    ]
    unavailable = {
        p: frozenset(draw(st.sets(st.integers(0, slots - 1), max_size=slots)))
        for p in draw(st.sets(st.integers(0, participants - 1), max_size=participants))
    }
    max_meetings = {
        p: draw(st.integers(0, slots))
        for p in draw(st.sets(st.integers(0, participants - 1), max_size=participants))
    }
    blocked = frozenset(draw(st.sets(st.integers(0, slots - 1), max_size=1)))
    return SchedulingProblem(
        slots=slots,
        tables=tables,
        requests=requests,
        unavailable=unavailable,
        max_meetings=max_meetings,
        blocked_slots=blocked,
        time_limit_s=2.0,
    )


PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(problems())
def test_a_schedule_never_breaks_a_rule(problem):
    schedule = solve(problem)
    assert find_conflicts(problem, schedule.placements) == []
    # Checked again without find_conflicts, so the property does not rest on it alone.
    people_at = {}
    tables_at = set()
    meetings_of = {}
    by_id = {r.id: r for r in problem.requests}
    for placement in schedule.placements:
        assert 0 <= placement.slot < problem.slots and 0 <= placement.table < problem.tables
        assert placement.slot not in problem.blocked_slots
        assert (placement.slot, placement.table) not in tables_at
        tables_at.add((placement.slot, placement.table))
        for person in by_id[placement.request_id].participants:
            assert (person, placement.slot) not in people_at
            people_at[person, placement.slot] = placement.request_id
            assert placement.slot not in problem.unavailable.get(person, ())
            meetings_of[person] = meetings_of.get(person, 0) + 1
    for person, count in meetings_of.items():
        assert count <= problem.max_meetings.get(person, problem.slots)
    placed = {p.request_id for p in schedule.placements}
    assert placed.isdisjoint(schedule.unplaced)
    assert placed | set(schedule.unplaced) == set(by_id)
    assert schedule.placed <= schedule.bound


@PROPERTY_SETTINGS
@given(problems(), st.data())
def test_confirmed_meetings_never_move_on_a_rerun(problem, data):
    first = solve(problem)
    confirmed = (
        data.draw(st.lists(st.sampled_from(first.placements), unique=True))
        if first.placements
        else []
    )
    keep = {p.request_id: (p.slot, p.table) for p in confirmed}
    late = MeetingRequest(10_000, (0, 1), weight=100)  # a late request after confirmation
    rerun_problem = dataclasses.replace(
        problem,
        requests=[
            dataclasses.replace(r, fixed=keep[r.id]) if r.id in keep else r
            for r in problem.requests
        ]
        + [late],
    )
    rerun = solve(rerun_problem)
    where = {p.request_id: (p.slot, p.table) for p in rerun.placements}
    for request_id, place in keep.items():
        assert where[request_id] == place
    assert find_conflicts(rerun_problem, rerun.placements) == []


def test_heavier_requests_are_placed_first_when_seats_are_short():
    problem = SchedulingProblem(
        slots=1,
        tables=1,
        requests=[
            MeetingRequest(1, (1, 2), weight=10),
            MeetingRequest(2, (3, 4), weight=90),
            MeetingRequest(3, (5, 6), weight=40),
        ],
    )
    schedule = solve(problem)
    assert [p.request_id for p in schedule.placements] == [2]
    assert schedule.unplaced == [1, 3]
    assert schedule.bound == 1 and schedule.optimal


def test_count_comes_before_weight():
    # The heavy meeting (1, 2) would leave both light ones out; two meetings beat one.
    problem = SchedulingProblem(
        slots=1,
        tables=2,
        requests=[
            MeetingRequest(1, (1, 2), weight=100),
            MeetingRequest(2, (2, 3), weight=1),
            MeetingRequest(3, (1, 4), weight=1),
        ],
    )
    schedule = solve(problem)
    assert {p.request_id for p in schedule.placements} == {2, 3}
    assert schedule.bound == 2


def test_a_participant_keeps_their_table_between_consecutive_meetings():
    problem = SchedulingProblem(
        slots=3,
        tables=5,
        requests=[MeetingRequest(i, (0, i)) for i in range(1, 4)],
    )
    schedule = solve(problem)
    assert schedule.placed == 3
    assert len({p.table for p in schedule.placements}) == 1


def test_the_bound_is_the_b_matching_when_the_solver_alone_would_be_loose():
    # A vendor wanted by six enterprises, two slots: at most two meetings, whatever the tables.
    problem = SchedulingProblem(
        slots=2, tables=10, requests=[MeetingRequest(i, (i, 99)) for i in range(1, 7)]
    )
    schedule = solve(problem)
    assert schedule.placed == 2 and schedule.bound == 2


def test_nothing_to_place():
    schedule = solve(SchedulingProblem(slots=3, tables=2, requests=[]))
    assert schedule.placements == [] and schedule.bound == 0 and schedule.optimal


@pytest.mark.parametrize(
    "placements, kind",
    [
        ([Placement(1, 0, 0), Placement(2, 0, 1)], "participant_double_booked"),
        ([Placement(1, 0, 0), Placement(3, 0, 0)], "table_double_booked"),
        ([Placement(3, 1, 0)], "unavailable"),
        ([Placement(1, 2, 0)], "blocked_slot"),
        ([Placement(1, 0, 0), Placement(2, 1, 0)], "over_maximum"),
        ([Placement(1, 5, 0)], "out_of_range"),
        ([Placement(4, 1, 1)], "fixed_moved"),
        ([Placement(1, 0, 0), Placement(1, 1, 0)], "placed_twice"),
        ([Placement(77, 0, 0)], "unknown_request"),
    ],
)
def test_find_conflicts_names_each_broken_rule(placements, kind):
    problem = SchedulingProblem(
        slots=3,
        tables=2,
        requests=[
            MeetingRequest(1, (1, 2)),
            MeetingRequest(2, (1, 3)),
            MeetingRequest(3, (4, 5)),
            MeetingRequest(4, (6, 7), fixed=(0, 1)),
        ],
        unavailable={5: frozenset({1})},
        max_meetings={1: 1},
        blocked_slots=frozenset({2}),
    )
    found = find_conflicts(problem, placements)
    assert kind in {c.kind for c in found}
    assert all(c.message for c in found)


@pytest.mark.parametrize(
    "requests, message",
    [
        ([MeetingRequest(1, (1, 1))], "itself"),
        ([MeetingRequest(1, (1, 2)), MeetingRequest(1, (3, 4))], "twice"),
        ([MeetingRequest(1, (1, 2), weight=0)], "weight"),
    ],
)
def test_unreadable_problems_are_refused(requests, message):
    with pytest.raises(ValueError, match=message):
        solve(SchedulingProblem(slots=2, tables=2, requests=requests))


def test_synthetic_event_meets_the_goal_at_a_small_size():
    problem = synthetic_problem(
        participants=60, requests=300, slots=8, tables=10, seed=3, time_limit_s=3.0
    )
    schedule = solve(problem)
    assert find_conflicts(problem, schedule.placements) == []
    assert schedule.placed >= 0.95 * schedule.bound


def test_a_solver_out_of_time_still_returns_the_simple_pass():
    """On a busy machine CP-SAT may find nothing in its time: the greedy start is kept."""
    problem = synthetic_problem(
        participants=120, requests=800, slots=10, tables=30, seed=5, time_limit_s=0.001
    )
    schedule = solve(problem)
    assert find_conflicts(problem, schedule.placements) == []
    assert schedule.placed > 0.8 * schedule.bound


def test_meetings_take_the_earliest_slots_they_can():
    problem = SchedulingProblem(
        slots=6,
        tables=1,
        requests=[MeetingRequest(i, (2 * i, 2 * i + 1)) for i in range(1, 4)],
        unavailable={2: frozenset({0})},
    )
    schedule = solve(problem)
    assert sorted(p.slot for p in schedule.placements) == [0, 1, 2]
    assert find_conflicts(problem, schedule.placements) == []
