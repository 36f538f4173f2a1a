"""Rebuild the matching index and every stored suggestion (after a bulk import, nightly)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from matchmaking.matching.services import rebuild_workers, suggestions_rebuild_all


class Command(BaseCommand):
    help = "Rebuild all stored suggestions (both directions) from the current listings."

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=(
                "processes ranking the lists after the fit (forked, sharing the engine; this "
                f"process alone writes). Default: {rebuild_workers()} here (one per core, at "
                "most two)."
            ),
        )

    def handle(self, *args, **options):
        started = time.perf_counter()

        def progress(what: str, done: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {what}: {done}")

        counts = suggestions_rebuild_all(
            workers=0, rank_workers=options["workers"], progress=progress
        )
        self.stdout.write(
            f"{counts['suggestions']} suggestions stored for {counts['needs']} needs and "
            f"{counts['offerings']} offerings in {time.perf_counter() - started:.1f}s "
            f"(engine fit {counts['fit_s']} s, needs' lists {counts['needs_s']} s, offerings' "
            f"lists {counts['offerings_s']} s in {counts['rank_workers']} ranking processes; writes {counts['write_s']} s in all, longest "
            f"write transaction {counts['longest_write_ms']} ms)."
        )
