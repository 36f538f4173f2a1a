"""Time the insights page cold (empty cache) and warm, against the configured database.

    DJANGO_SQLITE_PATH=/tmp/bench.sqlite3 python -m tools.bench insights [--runs 3] [--staff]

Reads only (anonymous or staff GETs through the test client); prints the listing counts,
then each run's cold and warm times and the slowest tables computed cold.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.test import Client
from django.utils import translation

from matchmaking.insights import reports
from matchmaking.listings.models import Need, Offering


class Command(BaseCommand):
    help = "Print the insights page time with a cold and a warm cache."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--staff", action="store_true", help="Render the staff section too.")

    def handle(self, *args, runs: int, staff: bool, **options):
        if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        self.stdout.write(
            f"database: {settings.DATABASES['default']['NAME']} — "
            f"{Offering.objects.count()} offerings ({Offering.objects.published().count()} "
            f"published), {Need.objects.count()} needs ({Need.objects.public().count()} open public)"
        )
        client = Client()
        if staff:
            from matchmaking.accounts.models import User

            admin = User.objects.filter(is_staff=True, is_active=True).first()
            if admin is None:
                self.stderr.write("no staff user in this database; timing the public page")
            else:
                client.force_login(admin)  # writes a session row: use a copy of the database
        for run in range(1, runs + 1):
            cache.clear()
            cold = self._get(client)
            warm = self._get(client)
            self.stdout.write(f"run {run}: cold {cold:8.1f} ms   warm {warm:8.1f} ms")
        cache.clear()
        timings = []
        with translation.override(settings.LANGUAGE_CODE):
            for report in reports.REPORTS:
                start = time.perf_counter()
                report.table()
                timings.append(((time.perf_counter() - start) * 1000, report.slug))
        self.stdout.write(
            "tables computed cold (ms): "
            + ", ".join(f"{slug} {ms:.0f}" for ms, slug in sorted(timings, reverse=True))
        )

    def _get(self, client) -> float:
        start = time.perf_counter()
        response = client.get("/insights/")
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"/insights/ answered {response.status_code}")
        return elapsed
