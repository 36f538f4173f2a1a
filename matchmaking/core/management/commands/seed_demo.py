"""Load the taxonomy and a believable demo world; idempotent.

Every app adds its part through ``core.seeding.register_seeder`` (the taxonomy first, order 0),
so this command imports no app above ``core``.
"""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from matchmaking.core.seeding import runs_atomically, seeders


class Command(BaseCommand):
    help = (
        "Create the demo world: organizations, a user for each role, needs, offerings and cases. "
        "Running it again changes nothing. With --offerings/--needs, also build a large "
        "synthetic world for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--offerings", type=int, default=0, help="Synthetic offerings to add (bulk)."
        )
        parser.add_argument("--needs", type=int, default=0, help="Synthetic needs to add (bulk).")
        parser.add_argument(
            "--seed", type=int, default=20231201, help="Random seed for synthetic data."
        )

    def handle(self, *args, **options):
        lines: list[str] = []
        for _order, name, seeder in seeders():
            if options["verbosity"] > 1:
                self.stdout.write(f"Running {name} …")
            started = time.perf_counter()
            if runs_atomically(name):
                with transaction.atomic():
                    lines.extend(seeder(options, self.stdout) or [])
            else:
                lines.extend(seeder(options, self.stdout) or [])
            if options["verbosity"] > 1:
                self.stdout.write(f"  {name}: {time.perf_counter() - started:.1f} s")
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo world ready."))
