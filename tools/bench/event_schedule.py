"""Benchmark: schedule a synthetic 对接会 and print what was placed.

    python -m tools.bench event_schedule --participants 300 --requests 2000 --slots 12 --tables 40

The last line reads ``placed P of R requests (bound B) in T s, N conflicts``: B is the
solver's proven upper bound on the number of placeable requests, T the wall time of
``solve`` (the model build included), N what ``find_conflicts`` finds in the result.
"""

import dataclasses

from django.core.management.base import BaseCommand, CommandError

from matchmaking.events.scheduling import find_conflicts, solve
from matchmaking.events.synthetic import synthetic_problem


class Command(BaseCommand):
    help = "Schedule a synthetic matchmaking event and print placed / bound / time / conflicts."

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, default=300)
        parser.add_argument("--requests", type=int, default=2000)
        parser.add_argument("--slots", type=int, default=12)
        parser.add_argument("--tables", type=int, default=40)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--time-limit", type=float, default=8.0, help="seconds for the solver")
        parser.add_argument("--fixed", type=int, default=0, help="confirmed meetings to keep first")

    def handle(self, *args, **options):
        try:
            problem = synthetic_problem(
                participants=options["participants"],
                requests=options["requests"],
                slots=options["slots"],
                tables=options["tables"],
                seed=options["seed"],
                time_limit_s=options["time_limit"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if options["fixed"]:
            problem = _with_confirmed(problem, options["fixed"])
        capped = sum(1 for limit in problem.max_meetings.values())
        self.stdout.write(
            f"event: {options['participants']} participants, {options['slots']} slots "
            f"({len(problem.blocked_slots)} break), {options['tables']} tables; "
            f"{len(problem.unavailable)} with unavailable slots, {capped} with a maximum"
        )
        schedule = solve(problem)
        conflicts = find_conflicts(problem, schedule.placements)
        for conflict in conflicts[:10]:
            self.stdout.write(f"conflict: {conflict.message}")
        self.stdout.write(f"proven optimal: {'yes' if schedule.optimal else 'no'}")
        self.stdout.write(
            f"placed {schedule.placed} of {len(problem.requests)} requests "
            f"(bound {schedule.bound}) in {schedule.seconds:.1f} s, {len(conflicts)} conflicts"
        )


def _with_confirmed(problem, count):
    """Schedule once, then confirm the first ``count`` placements (for re-run measurements)."""

    first = solve(problem)
    keep = {p.request_id: (p.slot, p.table) for p in first.placements[:count]}
    requests = [
        dataclasses.replace(r, fixed=keep[r.id]) if r.id in keep else r for r in problem.requests
    ]
    return dataclasses.replace(problem, requests=requests)
