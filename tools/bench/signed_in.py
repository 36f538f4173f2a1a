"""Per-request cost of the signed-in pages, in process: a need's page with its suggestions
(as its owner), a vendor's opportunities, the connections inbox.

    DJANGO_SQLITE_PATH=/tmp/w.sqlite3 DJANGO_DEBUG=0 \
        DJANGO_BENCH_VIEWS=1 python -m tools.bench signed_in [--runs 30] [--profile 25] \
        [--pages trivial,need,opportunities,inbox] [-v 2: the queries; -v 3: in full]

Reads only (GETs), on a prepared world (``scripts/loadtest.sh`` prepares the load users
``loadtest-e<N>@example.com`` with a need each; without them the owner of the open need with
the most stored suggestions is used). Each page is requested once unmeasured (versions,
caches and templates warmed), then ``--runs`` times; printed per page and per path:

* ``client``: Django's test client with ``force_login`` (the path the query-count tests use);
* ``wsgi``: Django's ``WSGIHandler`` itself with a real session cookie, as gunicorn calls it
  (``request_started``/``request_finished`` fire, so connections are closed or kept per
  ``CONN_MAX_AGE`` exactly as in a worker).

The median and p90 in ms, the median CPU time of the request's thread (``thread_time``: what
a request costs the cores, whatever else runs on them — the SQLite queries run in this
thread too), the number of queries of the last run, and with ``--profile N``
cProfile's N slowest functions (cumulative) over the runs of the ``wsgi`` path. It prints
figures and asserts nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tools.bench.timing import timed_runs, wsgi_get
from tools.loadtest.sessions import django_session_cookie

PAGES = ("trivial", "need", "opportunities", "inbox")


def _owner_and_need():
    from django.db.models import Count

    from matchmaking.accounts.models import User
    from matchmaking.listings.models import Need

    user = (
        User.objects.filter(email__startswith="loadtest-e", membership__isnull=False)
        .order_by("pk")
        .first()
    )
    needs = Need.objects.filter(status="open")
    if user is not None:
        needs = needs.filter(organization=user.membership.organization)
    need = needs.annotate(n=Count("suggestions")).order_by("-n", "pk").first()
    if need is None:
        raise SystemExit("No open need with an owner in this world.")
    if user is None:
        user = User.objects.filter(membership__organization=need.organization).first()
    return user, need


class Command(BaseCommand):
    help = "Median ms and queries of the signed-in pages, test client and WSGI handler."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--profile", type=int, default=0, help="cProfile's N slowest.")
        parser.add_argument("--pages", default=",".join(PAGES), help=", ".join(PAGES))

    def handle(self, *args, runs: int, profile: int, pages: str, **options):
        self.verbosity = options.get("verbosity", 1)
        if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        from tools.loadtest.sessions import vendor_user

        owner, need = _owner_and_need()
        vendor = vendor_user()
        targets = {
            # The plain view signed in (DJANGO_BENCH_VIEWS=1): the per-request floor
            # (middleware, session, user) every signed-in page pays.
            "trivial": (owner, "/_bench/plain"),
            "need": (owner, need.get_absolute_url()),
            "opportunities": (vendor, "/matching/opportunities/"),
            "inbox": (owner, "/connections/"),
        }
        self.stdout.write(
            f"database: {settings.DATABASES['default']['NAME']}, DEBUG={settings.DEBUG}, "
            f"SESSION_ENGINE={settings.SESSION_ENGINE}, "
            f"CONN_MAX_AGE={settings.DATABASES['default'].get('CONN_MAX_AGE', 0)}, "
            f"{runs} runs; need {need.pk} of {owner.email}"
        )
        handler = WSGIHandler()
        for name in [p.strip() for p in pages.split(",") if p.strip()]:
            user, url = targets[name]
            if user is None:
                self.stdout.write(f"{name}: no user in this world, skipped")
                continue
            client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            client.force_login(user)
            cookie = django_session_cookie(user)
            self._report(name, "client", lambda c=client, u=url: self._client_get(c, u), runs, 0)
            self._report(
                name, "wsgi", lambda u=url, c=cookie: self._wsgi_get(handler, u, c), runs, profile
            )

    @staticmethod
    def _client_get(client, url) -> int:
        return client.get(url).status_code

    @staticmethod
    def _wsgi_get(handler, url, cookie) -> int:
        return wsgi_get(handler, url, cookie)[0]

    def _report(self, name, path, get, runs, profile) -> None:
        assert get() == 200, f"{name} ({path}) did not answer 200"
        timings = timed_runs(get, runs, profile)
        with CaptureQueriesContext(connection) as captured:
            get()
        self.stdout.write(
            f"{name:14} {path:7} median {timings.median:6.1f} ms  p90 {timings.p90:6.1f} ms  "
            f"cpu median {timings.cpu_median:6.1f} ms  {len(captured.captured_queries)} queries"
        )
        if self.verbosity > 1:
            for query in captured.captured_queries:
                sql = query["sql"] if self.verbosity > 2 else query["sql"][:160]
                self.stdout.write(f"    {query['time']}s {sql}")
        if timings.profile:
            self.stdout.write(timings.profile)
