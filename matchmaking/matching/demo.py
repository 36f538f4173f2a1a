"""Demo world: store the suggestions of the seeded listings (seeder order 40)."""

from __future__ import annotations

from matchmaking.matching.services import suggestions_rebuild_all


def seed_suggestions(options: dict, stdout) -> list[str]:
    counts = suggestions_rebuild_all(workers=0)
    return [
        f"matching: {counts['suggestions']} suggestions for {counts['needs']} needs "
        f"and {counts['offerings']} offerings (engine fit {counts['fit_s']} s, needs' lists "
        f"{counts['needs_s']} s, offerings' lists {counts['offerings_s']} s in "
        f"{counts['rank_workers']} ranking processes; writes {counts['write_s']} s in all, "
        f"longest write transaction {counts['longest_write_ms']} ms)"
    ]
