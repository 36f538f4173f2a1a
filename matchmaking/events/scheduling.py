"""Placing accepted meeting requests of a 对接会 into time slots and tables.

A pure module (no Django): the events services translate an event into a
:class:`SchedulingProblem`, call :func:`solve`, and store the :class:`Placement` rows;
:func:`find_conflicts` checks any set of placements (a hand-made move included) against
the same rules.

The model (OR-Tools CP-SAT):

* one boolean ``x[r, s]`` per movable request ``r`` and slot ``s`` the request may use
  (not a break, both participants available, neither already in a fixed meeting then);
* a request takes at most one slot; a participant sits in at most one meeting per slot;
  a slot holds at most as many meetings as there are free tables; a participant takes
  part in at most its maximum number of meetings (fixed meetings count against it);
* a greedy pass (heaviest first, first slot that fits) gives the solver a feasible start
  and is the answer if the solver finds nothing better in its time;
* phase 1 maximises the number of placed requests and proves an upper bound on it
  (the ``bound`` reported: the smaller of CP-SAT's bound and a b-matching flow bound);
  phase 2 keeps that number and maximises the requests' weights (mutual interest and
  match score first), then the earliest slots, starting from phase 1's answer.
  ``time_limit_s`` covers the whole call, model building included.

Tables are then dealt per slot: a fixed meeting keeps its table, and a participant who
sat at a table in the previous slot keeps it where it is free (fewer people walking
between meetings); any free table otherwise. Tables never change the number placed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from matchmaking.core.cores import usable_cores

if TYPE_CHECKING:  # for annotations; imported where a solver runs (see _solver)
    from ortools.sat.python import cp_model


#: Share of the time limit given to phase 1 (maximise the count and prove its bound).
COUNT_PHASE_SHARE = 0.6


@dataclass(frozen=True)
class MeetingRequest:
    """An accepted request between two participants (registration ids)."""

    id: int
    participants: tuple[int, int]
    weight: int = 1
    fixed: tuple[int, int] | None = None  # (slot, table) of a confirmed meeting: never moved


@dataclass(frozen=True)
class SchedulingProblem:
    slots: int
    tables: int
    requests: Sequence[MeetingRequest]
    unavailable: Mapping[int, frozenset[int]] = field(default_factory=dict)
    max_meetings: Mapping[int, int] = field(default_factory=dict)
    blocked_slots: frozenset[int] = frozenset()
    time_limit_s: float = 8.0


@dataclass(frozen=True)
class Placement:
    request_id: int
    slot: int
    table: int


@dataclass
class Schedule:
    placements: list[Placement]
    unplaced: list[int]
    bound: int
    optimal: bool
    seconds: float

    @property
    def placed(self) -> int:
        return len(self.placements)


@dataclass(frozen=True)
class Conflict:
    """One rule that a set of placements breaks."""

    kind: str  # participant_double_booked, table_double_booked, unavailable, blocked_slot,
    #            over_maximum, out_of_range, fixed_moved, placed_twice, unknown_request
    request_ids: tuple[int, ...]
    slot: int | None
    message: str


def validate(problem: SchedulingProblem) -> None:
    """Refuse a problem that cannot be read (not one that merely has conflicts)."""
    if problem.slots < 0 or problem.tables < 0:
        raise ValueError("slots and tables cannot be negative")
    seen: set[int] = set()
    for request in problem.requests:
        if request.id in seen:
            raise ValueError(f"request {request.id} appears twice")
        seen.add(request.id)
        first, second = request.participants
        if first == second:
            raise ValueError(f"request {request.id} pairs participant {first} with itself")
        if request.weight < 1:
            raise ValueError(
                f"request {request.id} has weight {request.weight}; weights start at 1"
            )


def solve(problem: SchedulingProblem) -> Schedule:
    """Place as many requests as possible, heavier ones first; fixed meetings never move."""
    validate(problem)
    started = time.perf_counter()
    fixed = [r for r in problem.requests if r.fixed is not None]
    movable = [r for r in problem.requests if r.fixed is None]

    busy: dict[int, set[int]] = defaultdict(set)  # participant -> slots taken by fixed meetings
    fixed_per_slot: dict[int, int] = defaultdict(int)
    fixed_per_participant: dict[int, int] = defaultdict(int)
    for request in fixed:
        slot = request.fixed[0]
        fixed_per_slot[slot] += 1
        for participant in request.participants:
            busy[participant].add(slot)
            fixed_per_participant[participant] += 1

    usable_slots = [s for s in range(problem.slots) if s not in problem.blocked_slots]
    capacity = {s: max(0, problem.tables - fixed_per_slot[s]) for s in usable_slots}
    remaining = {
        p: max(0, limit - fixed_per_participant[p]) for p, limit in problem.max_meetings.items()
    }

    candidates = _candidate_slots(problem, movable, usable_slots, capacity, busy)
    deadline = started + problem.time_limit_s
    chosen_slot, bound, optimal = _solve_slots(
        problem, movable, candidates, capacity, remaining, deadline
    )

    placements = [Placement(r.id, r.fixed[0], r.fixed[1]) for r in fixed]
    placements += _deal_tables(problem, movable, chosen_slot, fixed)
    placed_ids = {p.request_id for p in placements}
    unplaced = [r.id for r in problem.requests if r.id not in placed_ids]
    return Schedule(
        placements=sorted(placements, key=lambda p: (p.slot, p.table)),
        unplaced=unplaced,
        bound=bound + len(fixed),
        optimal=optimal,
        seconds=time.perf_counter() - started,
    )


def _candidate_slots(problem, movable, usable_slots, capacity, busy) -> dict[int, list[int]]:
    unavailable = problem.unavailable
    candidates: dict[int, list[int]] = {}
    for request in movable:
        first, second = request.participants
        if problem.max_meetings.get(first, 1) <= 0 or problem.max_meetings.get(second, 1) <= 0:
            candidates[request.id] = []
            continue
        blocked = (
            set(unavailable.get(first, ()))
            | set(unavailable.get(second, ()))
            | busy.get(first, set())
            | busy.get(second, set())
        )
        candidates[request.id] = [s for s in usable_slots if capacity[s] > 0 and s not in blocked]
    return candidates


def _solve_slots(problem, movable, candidates, capacity, remaining, deadline):
    """Returns ({request id: slot}, upper bound on the count placed, proven optimal)."""
    from ortools.sat.python import cp_model  # loaded by scheduling only (see _solver)

    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    placed: dict[int, cp_model.LinearExpr] = {}
    by_participant_slot: dict[tuple[int, int], list] = defaultdict(list)
    by_slot: dict[int, list] = defaultdict(list)
    by_participant: dict[int, list] = defaultdict(list)
    for request in movable:
        slots = candidates[request.id]
        if not slots:
            continue
        variables = []
        for slot in slots:
            var = model.new_bool_var(f"x_{request.id}_{slot}")
            x[request.id, slot] = var
            variables.append(var)
            by_slot[slot].append(var)
            for participant in request.participants:
                by_participant_slot[participant, slot].append(var)
        model.add_at_most_one(variables)
        placed[request.id] = sum(variables)
        for participant in request.participants:
            by_participant[participant].append(placed[request.id])
    if not x:
        return {}, 0, True

    for variables in by_participant_slot.values():
        if len(variables) > 1:
            model.add_at_most_one(variables)
    for slot, variables in by_slot.items():
        if len(variables) > capacity[slot]:
            model.add(sum(variables) <= capacity[slot])
    open_slots = _open_slot_counts(by_participant_slot)
    for participant, terms in by_participant.items():
        # At most its maximum, and at most once per slot it can use (implied by the
        # constraints above; stated so the search sees it at once).
        limit = min(remaining.get(participant, open_slots[participant]), open_slots[participant])
        if len(terms) > limit:
            model.add(sum(terms) <= limit)

    count = sum(placed.values())
    weights = {r.id: r.weight for r in movable if r.id in placed}
    flow_bound = _flow_bound(movable, candidates, capacity, remaining, open_slots)

    # A feasible start, so the solver never ends with less than a simple pass would place
    # (on a busy machine its time can run out before it finds a first answer of its own).
    greedy = _greedy(movable, candidates, capacity, remaining)
    for key, var in x.items():
        model.add_hint(var, greedy.get(key[0]) == key[1])

    # Phase 1: as many meetings as possible, with a proven bound.
    model.maximize(count)
    # The time limit covers the whole call: what building the model took is not given again.
    solver = _solver((deadline - time.perf_counter()) * COUNT_PHASE_SHARE)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value >= len(greedy):
        best_count = round(solver.objective_value)
        bound = min(int(solver.best_objective_bound + 1e-6), flow_bound)
        first_answer = {key for key, var in x.items() if solver.boolean_value(var)}
    else:
        best_count = len(greedy)
        bound = max(best_count, flow_bound)
        first_answer = set(greedy.items())
    optimal = best_count >= bound

    # Phase 2: keep that many, prefer the heavier requests, then the earlier slots (people
    # would rather meet in the morning than wait all day). The slot term is scaled below one
    # unit of weight, so it only ever breaks ties between equally heavy answers.
    chosen = first_answer
    if first_answer:
        model.add(count >= best_count)
        model.clear_hints()
        for key, var in x.items():
            model.add_hint(var, key in first_answer)
        scale = problem.slots * len(x) + 1
        model.maximize(sum((weights[rid] * scale - slot) * var for (rid, slot), var in x.items()))
        solver = _solver(max(0.2, deadline - time.perf_counter()))
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = {key for key, var in x.items() if solver.boolean_value(var)}
    return {rid: slot for rid, slot in chosen}, bound, optimal


def _greedy(movable, candidates, capacity, remaining) -> dict[int, int]:
    """Heaviest requests first, each in the first slot where it fits: {request id: slot}."""
    free = dict(capacity)
    busy: set[tuple[int, int]] = set()
    left = dict(remaining)
    chosen: dict[int, int] = {}
    for request in sorted(movable, key=lambda r: (-r.weight, r.id)):
        first, second = request.participants
        if left.get(first, 1) <= 0 or left.get(second, 1) <= 0:
            continue
        for slot in candidates[request.id]:
            if free[slot] > 0 and (first, slot) not in busy and (second, slot) not in busy:
                chosen[request.id] = slot
                free[slot] -= 1
                busy.update({(first, slot), (second, slot)})
                for participant in (first, second):
                    if participant in left:
                        left[participant] -= 1
                break
    return chosen


def _open_slot_counts(by_participant_slot) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for participant, _slot in by_participant_slot:
        counts[participant] += 1
    return counts


def _flow_bound(movable, candidates, capacity, remaining, open_slots) -> int:
    """An upper bound on the count from a relaxation CP-SAT's own bound is often far from:
    forget which slot each meeting takes and keep only how many meetings each participant
    can have (its maximum and its open slots) — a b-matching, solved as a maximum flow
    from each request's first participant to its second (exact when every request pairs
    an enterprise with a vendor, an upper bound otherwise) — capped by the free tables."""
    from ortools.graph.python import max_flow

    flow = max_flow.SimpleMaxFlow()
    source, sink = 0, 1
    node: dict[tuple[str, int], int] = {}

    def node_of(side: str, participant: int) -> int:
        key = (side, participant)
        if key not in node:
            node[key] = len(node) + 2
            limit = min(
                remaining.get(participant, open_slots[participant]), open_slots[participant]
            )
            if side == "out":
                flow.add_arc_with_capacity(source, node[key], limit)
            else:
                flow.add_arc_with_capacity(node[key], sink, limit)
        return node[key]

    for request in movable:
        if candidates[request.id]:
            first, second = request.participants
            flow.add_arc_with_capacity(node_of("out", first), node_of("in", second), 1)
    if flow.solve(source, sink) != flow.OPTIMAL:
        return len(movable)
    return min(flow.optimal_flow(), sum(capacity.values()))


def _solver(seconds: float) -> cp_model.CpSolver:
    # OR-Tools (with pandas: ~1 s) is imported when an event is scheduled, never by a web
    # worker starting up.
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    solver.parameters.num_workers = min(8, usable_cores())
    solver.parameters.random_seed = 0
    return solver


def _deal_tables(problem, movable, chosen_slot, fixed) -> list[Placement]:
    taken: dict[int, set[int]] = defaultdict(set)  # slot -> tables in use
    seat: dict[tuple[int, int], int] = {}  # (participant, slot) -> table
    for request in fixed:
        slot, table = request.fixed
        taken[slot].add(table)
        for participant in request.participants:
            seat[participant, slot] = table
    by_slot: dict[int, list[MeetingRequest]] = defaultdict(list)
    for request in movable:
        if request.id in chosen_slot:
            by_slot[chosen_slot[request.id]].append(request)

    placements = []
    for slot in sorted(by_slot):
        for request in sorted(by_slot[slot], key=lambda r: r.id):
            table = None
            for participant in request.participants:
                previous = seat.get((participant, slot - 1))
                if previous is not None and previous not in taken[slot]:
                    table = previous
                    break
            if table is None:
                table = next(t for t in range(problem.tables) if t not in taken[slot])
            taken[slot].add(table)
            for participant in request.participants:
                seat[participant, slot] = table
            placements.append(Placement(request.id, slot, table))
    return placements


def find_conflicts(problem: SchedulingProblem, placements: Sequence[Placement]) -> list[Conflict]:
    """Every rule that ``placements`` break, in a stable order."""
    requests = {r.id: r for r in problem.requests}
    conflicts: list[Conflict] = []
    seen: dict[int, Placement] = {}
    by_participant_slot: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_table_slot: dict[tuple[int, int], list[int]] = defaultdict(list)
    per_participant: dict[int, list[int]] = defaultdict(list)

    for placement in placements:
        rid, slot, table = placement.request_id, placement.slot, placement.table
        request = requests.get(rid)
        if request is None:
            conflicts.append(
                Conflict("unknown_request", (rid,), slot, f"Request {rid} is unknown.")
            )
            continue
        if rid in seen:
            conflicts.append(
                Conflict("placed_twice", (rid,), slot, f"Request {rid} is placed twice.")
            )
            continue
        seen[rid] = placement
        if not (0 <= slot < problem.slots) or not (0 <= table < problem.tables):
            conflicts.append(
                Conflict(
                    "out_of_range",
                    (rid,),
                    slot,
                    f"Request {rid} is placed at slot {slot}, table {table}, outside the event.",
                )
            )
            continue
        if request.fixed is not None and request.fixed != (slot, table):
            conflicts.append(
                Conflict(
                    "fixed_moved",
                    (rid,),
                    slot,
                    f"Confirmed meeting {rid} was moved from slot {request.fixed[0]}, "
                    f"table {request.fixed[1]}.",
                )
            )
        if slot in problem.blocked_slots:
            conflicts.append(
                Conflict("blocked_slot", (rid,), slot, f"Slot {slot} is a break (request {rid}).")
            )
        by_table_slot[table, slot].append(rid)
        for participant in request.participants:
            by_participant_slot[participant, slot].append(rid)
            per_participant[participant].append(rid)
            if slot in problem.unavailable.get(participant, ()):
                conflicts.append(
                    Conflict(
                        "unavailable",
                        (rid,),
                        slot,
                        f"Participant {participant} is not available in slot {slot} "
                        f"(request {rid}).",
                    )
                )

    for (participant, slot), rids in sorted(by_participant_slot.items()):
        if len(rids) > 1:
            conflicts.append(
                Conflict(
                    "participant_double_booked",
                    tuple(sorted(rids)),
                    slot,
                    f"Participant {participant} has {len(rids)} meetings in slot {slot}.",
                )
            )
    for (table, slot), rids in sorted(by_table_slot.items()):
        if len(rids) > 1:
            conflicts.append(
                Conflict(
                    "table_double_booked",
                    tuple(sorted(rids)),
                    slot,
                    f"Table {table} holds {len(rids)} meetings in slot {slot}.",
                )
            )
    for participant, rids in sorted(per_participant.items()):
        limit = problem.max_meetings.get(participant)
        if limit is None or len(rids) <= limit:
            continue
        fixed_count = sum(1 for rid in rids if requests[rid].fixed is not None)
        if len(rids) > max(limit, fixed_count):
            conflicts.append(
                Conflict(
                    "over_maximum",
                    tuple(sorted(rids)),
                    None,
                    f"Participant {participant} has {len(rids)} meetings; the maximum is {limit}.",
                )
            )
    return conflicts
