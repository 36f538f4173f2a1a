"""A synthetic 对接会 for the scheduling benchmark and the property tests.

Half the participants are enterprises, half vendors; requests pair an enterprise with a
vendor, and a few vendors draw most of the interest (Zipf-like), as at real events. Some
participants miss a few slots, some cap their meetings, one slot may be a break, and each
request carries a weight from a synthetic match score, doubled when interest is mutual.
"""

from __future__ import annotations

import random

from .scheduling import MeetingRequest, SchedulingProblem


def synthetic_problem(
    *,
    participants: int,
    requests: int,
    slots: int,
    tables: int,
    seed: int = 0,
    time_limit_s: float = 8.0,
    with_break: bool = True,
) -> SchedulingProblem:
    if participants < 2:
        raise ValueError("an event needs at least two participants")
    rng = random.Random(seed)
    enterprises = list(range(participants // 2))
    vendors = list(range(participants // 2, participants))
    popularity = [1.0 / (rank + 1) ** 0.8 for rank in range(len(vendors))]
    max_pairs = len(enterprises) * len(vendors)
    if requests > max_pairs:
        raise ValueError(f"{participants} participants allow at most {max_pairs} requests")

    pairs: set[tuple[int, int]] = set()
    while len(pairs) < requests:
        enterprise = rng.choice(enterprises)
        vendor = rng.choices(vendors, weights=popularity)[0]
        pairs.add((enterprise, vendor))

    meeting_requests = []
    for request_id, (enterprise, vendor) in enumerate(sorted(pairs), start=1):
        score = rng.randint(40, 95)
        mutual = rng.random() < 0.3
        weight = score * (2 if mutual else 1)
        meeting_requests.append(MeetingRequest(request_id, (enterprise, vendor), weight=weight))

    unavailable = {}
    max_meetings = {}
    for participant in range(participants):
        if rng.random() < 0.15 and slots > 1:
            unavailable[participant] = frozenset(rng.sample(range(slots), rng.randint(1, 3)))
        if rng.random() < 0.25:
            max_meetings[participant] = rng.randint(2, max(2, slots - 2))
    blocked = frozenset({slots // 2}) if with_break and slots >= 6 else frozenset()
    return SchedulingProblem(
        slots=slots,
        tables=tables,
        requests=meeting_requests,
        unavailable=unavailable,
        max_meetings=max_meetings,
        blocked_slots=blocked,
        time_limit_s=time_limit_s,
    )
