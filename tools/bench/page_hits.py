"""Per-request cost of an anonymous page served from the page cache, in process.

    DJANGO_DEBUG=0 DJANGO_BENCH_VIEWS=1 [DATABASE_URL=postgres://…] \
        python -m tools.bench page_hits [--runs 500] [--profile 20] [-v 2: the queries]

For each page (the trivial view, a filtered browse, a keyword search, an offering's and a
need's page) one anonymous request through Django's ``WSGIHandler`` stores the page, then
``--runs`` more are answered from the cache (``X-Page-Cache: hit``, checked) exactly as a
gunicorn worker answers them: ``request_started``/``request_finished`` fire, so the
connection is kept or health-checked per ``CONN_MAX_AGE``/``CONN_HEALTH_CHECKS``.

Printed per page: the median and p90 in ms, the median CPU time of the request's thread
(``thread_time``; on SQLite the queries run in this thread, on PostgreSQL the server's share
runs in another process and shows only in the wall time), and the queries of the last hit.
A hit's work beyond the trivial view's is the page cache's own: the data versions read
(``core.shared_cache.read_versions``), the key, the local copy. It prints figures and
asserts nothing.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tools.bench.timing import timed_runs, wsgi_get


def _targets() -> dict[str, str]:
    from matchmaking.listings.models import Need, Offering
    from matchmaking.taxonomy.models import Sector

    offering = Offering.objects.published().order_by("pk").first()
    need = Need.objects.public().order_by("pk").first()
    sector = Sector.objects.order_by("pk").first()
    targets = {"trivial": "/_bench/plain"}
    if sector is not None:
        targets["browse"] = f"/offerings/?sector={sector.code}"
    targets["search"] = "/offerings/?q=" + quote("客服")
    if offering is not None:
        targets["offering"] = offering.get_absolute_url()
    if need is not None:
        targets["need"] = need.get_absolute_url()
    return targets


class Command(BaseCommand):
    help = "Median ms, CPU and queries of anonymous page-cache hits, through the WSGI handler."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=500)
        parser.add_argument("--profile", type=int, default=0, help="cProfile's N slowest.")

    def handle(self, *args, runs: int, profile: int, **options):
        self.verbosity = options.get("verbosity", 1)
        if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        database = settings.DATABASES["default"]
        self.stdout.write(
            f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}, "
            f"DEBUG={settings.DEBUG}, CONN_MAX_AGE={database.get('CONN_MAX_AGE', 0)}, "
            f"CONN_HEALTH_CHECKS={database.get('CONN_HEALTH_CHECKS', False)}, "
            f"PAGE_CACHE_SECONDS={settings.PAGE_CACHE_SECONDS}, {runs} runs"
        )
        handler = WSGIHandler()
        for name, url in _targets().items():
            self._report(name, url, handler, runs, profile)

    @staticmethod
    def _get(handler, url) -> tuple[int, str]:
        status, headers, _body = wsgi_get(handler, url)
        return status, headers.get("X-Page-Cache", "")

    def _report(self, name, url, handler, runs, profile) -> None:
        status, _ = self._get(handler, url)  # stores the page (or finds it stored)
        if status != 200:
            self.stdout.write(f"{name:9} {url}: answered {status}, skipped")
            return
        expected = "" if name == "trivial" else "hit"
        answers = []

        def get():
            answers.append(self._get(handler, url))
            return answers[-1]

        timings = timed_runs(get, runs, profile, check=lambda answer: answer[1] == expected)
        if answers[-1][1] != expected:
            self.stdout.write(
                f"{name:9} {url}: X-Page-Cache {answers[-1][1]!r}, not a hit; stopped"
            )
            return
        with CaptureQueriesContext(connection) as captured:
            self._get(handler, url)
        self.stdout.write(
            f"{name:9} median {timings.median:6.3f} ms  p90 {timings.p90:6.3f} ms  "
            f"cpu median {timings.cpu_median:6.3f} ms  "
            f"{len(captured.captured_queries)} queries  {url}"
        )
        if self.verbosity > 1:
            for query in captured.captured_queries:
                self.stdout.write(f"    {query['time']}s {query['sql'][:200]}")
        if timings.profile:
            self.stdout.write(timings.profile)
