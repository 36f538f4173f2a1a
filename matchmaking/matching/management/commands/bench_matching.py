"""Speed of the matcher on synthetic listings (delegates to matching.engine.bench).

Prints, for 1k, 10k and 100k offerings, the median and p95 time to rank one need, and the time
to rebuild all suggestions for 10k needs × 100k offerings (skipped with --quick).
"""

from __future__ import annotations

import contextlib

from django.core.management.base import BaseCommand

from matchmaking.matching.engine import bench


class Command(BaseCommand):
    help = "Time ranking one need among 1k/10k/100k offerings and a full rebuild."

    def add_arguments(self, parser):
        parser.add_argument("--quick", action="store_true", help="skip the 10k × 100k rebuild")
        parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
        parser.add_argument("--queries", type=int, default=200, help="needs timed per size")
        parser.add_argument("--needs", type=int, default=10_000, help="needs in the rebuild")

    def handle(self, *args, **options):
        with contextlib.redirect_stdout(self.stdout._out):
            bench.run(options["sizes"], options["queries"], not options["quick"], options["needs"])
