"""Profile the first render of the anonymous pages (the page cache off), per template.

    DJANGO_SQLITE_PATH=/tmp/w.sqlite3 PAGE_CACHE_SECONDS=0 DJANGO_DEBUG=0 \
        python -m tools.bench first_render [--runs 7] [--profile 15]

Reads only (anonymous GETs through the test client). Before measuring it requests other
pages once (the browse indexes are built, the templates loaded). Each page is then
requested at ``--runs`` distinct URLs (other pages of the list, other ids), first "cold rows"
(rows never rendered in this process), then the same URLs again, "warm rows" (the row
cache holds their rows; the page cache is off). For each it prints the median total time,
the median time inside each template (inclusive, per template name, with the number of
renders) and the queries of the first URL; ``--profile N`` adds cProfile's N slowest
functions (cumulative) of the first cold request.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections import defaultdict
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.template import base as template_base
from django.test import Client
from django.test.utils import CaptureQueriesContext

from matchmaking.listings.models import Need, Offering


@contextmanager
def template_timer():
    """{template name: [seconds, renders]}, the time counted once for nested renders of
    the same name (outermost wins) and inclusive of what a template includes."""
    totals = defaultdict(lambda: [0.0, 0])
    depth = defaultdict(int)
    original = template_base.Template.render

    def render(self, context):
        name = self.origin.template_name if self.origin else "<string>"
        depth[name] += 1
        started = time.perf_counter()
        try:
            return original(self, context)
        finally:
            depth[name] -= 1
            totals[name][1] += 1
            if not depth[name]:
                totals[name][0] += time.perf_counter() - started

    template_base.Template.render = render
    try:
        yield totals
    finally:
        template_base.Template.render = original


class Command(BaseCommand):
    help = "Profile the first render of each anonymous page, per template."

    def add_arguments(self, parser):
        parser.add_argument(
            "--runs", type=int, default=7, help="Distinct URLs per page (the median is shown)."
        )
        parser.add_argument("--profile", type=int, default=0, help="cProfile's N slowest.")

    def handle(self, *args, runs: int, profile: int, **options):
        if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        self.stdout.write(
            f"database: {settings.DATABASES['default']['NAME']}, DEBUG={settings.DEBUG}, "
            f"PAGE_CACHE_SECONDS={settings.PAGE_CACHE_SECONDS}, {runs} URLs per page"
        )
        offerings = list(Offering.objects.published().order_by("pk").values_list("pk", flat=True))
        need_ids = list(Need.objects.public().order_by("pk").values_list("pk", flat=True))
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        for url in (
            "/offerings/?sort=price_desc&page=40",
            "/needs/?sort=budget_desc&page=20",
            f"/offerings/{offerings[0]}/",
            f"/needs/{need_ids[0]}/",
            "/",
        ):
            client.get(url)  # indexes built, templates loaded: not measured
        # each run a URL whose rows this process has not rendered yet (another page, id)
        pages = (
            ("filtered browse", lambda n: f"/offerings/?sector=finance&kind=product&page={n}"),
            ("keyword search", lambda n: f"/offerings/?q=%E6%99%BA%E8%83%BD&page={n}"),
            ("offering detail", lambda n: f"/offerings/{offerings[len(offerings) // 2 + n]}/"),
            ("need detail", lambda n: f"/needs/{need_ids[len(need_ids) // 2 + n]}/"),
            ("needs browse", lambda n: f"/needs/?sort=deadline&page={n}"),
        )
        for label, url_of in pages:
            for state in ("cold rows", "warm rows"):
                measured = [
                    self._measure(client, url_of(n), profile if n == 1 else 0)
                    for n in range(1, runs + 1)
                ]
                self._report(label, state, url_of(1), measured)

    def _measure(self, client, url, profile):
        profiler = cProfile.Profile() if profile else None
        with template_timer() as templates, CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            response = client.get(url)
            if profiler:
                profiler.disable()
            total = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        stats = ""
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile)
            stats = out.getvalue()
        return total, len(queries), dict(templates), stats

    def _report(self, label, state, url, measured):
        totals = sorted(total for total, *_ in measured)
        median = totals[len(totals) // 2]
        _, queries, templates, stats = measured[0]
        self.stdout.write(
            f"\n{label} ({state}) {url} …: median {median * 1000:.1f} ms "
            f"(min {totals[0] * 1000:.1f}, max {totals[-1] * 1000:.1f}), {queries} queries"
        )
        per_template = defaultdict(list)
        for _, _, run_templates, _ in measured:
            for name, (seconds, count) in run_templates.items():
                per_template[name].append((seconds, count))
        for name, values in sorted(
            per_template.items(), key=lambda item: -sum(v[0] for v in item[1])
        ):
            seconds = sorted(value[0] for value in values)[len(values) // 2]
            if seconds * 1000 >= 0.3:
                self.stdout.write(f"  {seconds * 1000:7.1f} ms  {values[0][1]:3d}×  {name}")
        if stats and state == "cold rows":
            self.stdout.write(stats)
