"""Profile the first render of the anonymous pages (the page cache off), per template.

    DJANGO_SQLITE_PATH=/tmp/w.sqlite3 PAGE_CACHE_SECONDS=0 DJANGO_DEBUG=0 \
        python -m tools.bench first_render [--profile 15]

Reads only (anonymous GETs through the test client). Before measuring it requests other
pages once (the browse indexes are built, the templates loaded). Each page is then
requested twice: "cold rows" (its rows never rendered in this process) and "warm rows"
(the same URL again: the row cache holds its rows, the page cache is off). For each it
prints the total time, the time inside templates (inclusive, per template name, with the
number of renders) and the number of queries; ``--profile N`` adds cProfile's N slowest
functions (cumulative) of the cold request.
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
        parser.add_argument("--profile", type=int, default=0, help="cProfile's N slowest.")

    def handle(self, *args, profile: int, **options):
        if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        self.stdout.write(
            f"database: {settings.DATABASES['default']['NAME']}, DEBUG={settings.DEBUG}, "
            f"PAGE_CACHE_SECONDS={settings.PAGE_CACHE_SECONDS}"
        )
        offerings = list(Offering.objects.published().order_by("pk").values_list("pk", flat=True))
        need_ids = list(Need.objects.public().order_by("pk").values_list("pk", flat=True))
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        for url in (
            "/offerings/?sort=price_desc&page=7",
            "/needs/?sort=budget_desc&page=5",
            f"/offerings/{offerings[0]}/",
            f"/needs/{need_ids[0]}/",
            "/",
        ):
            client.get(url)  # indexes built, templates loaded: not measured
        pages = (
            ("filtered browse", "/offerings/?sector=finance&kind=product&deployment=private"),
            ("keyword search", "/offerings/?q=%E6%99%BA%E8%83%BD%E5%AE%A2%E6%9C%8D"),
            ("offering detail", f"/offerings/{offerings[len(offerings) // 2]}/"),
            ("need detail", f"/needs/{need_ids[len(need_ids) // 2]}/"),
            ("needs browse", "/needs/?sector=finance&sort=deadline"),
        )
        for label, url in pages:
            for state in ("cold rows", "warm rows"):
                self._measure(client, label, state, url, profile if state == "cold rows" else 0)

    def _measure(self, client, label, state, url, profile):
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
        rendered = sum(count for _, count in templates.values())
        self.stdout.write(
            f"\n{label} ({state}) {url}: {total * 1000:.1f} ms, {len(queries)} queries, "
            f"{rendered} template renders"
        )
        for name, (seconds, count) in sorted(templates.items(), key=lambda item: -item[1][0]):
            if seconds * 1000 >= 0.5:
                self.stdout.write(f"  {seconds * 1000:7.1f} ms  {count:3d}×  {name}")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile)
            self.stdout.write(out.getvalue())
