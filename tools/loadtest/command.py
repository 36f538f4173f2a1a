"""Load a running server (loopback only) with a realistic mix and print per-endpoint figures.

    python -m tools.loadtest --url http://127.0.0.1:8100 --duration 30 --concurrency 20

Run it with the SAME settings/database as the server (it reads its pools from that database).
Phases, each bounded in time (the command stops by itself):

1. isolated (``--phase-seconds`` each, 0 = skip): the trivial view (/_bench/plain; needs
   DEBUG or DJANGO_BENCH_VIEWS=1 on the server), then each read endpoint alone at the same
   concurrency — its req/s over the trivial view's is the "ratio" column;
2. mixed (``--duration``): filtered browse and keyword search with filters and keywords drawn
   per request, detail pages, a need's page as its poster (suggestions panel), posting needs
   and sending connection requests through the HTML forms (CSRF), plus the trivial view.

Users: by default it creates (or finds, on later runs) ``loadtest-e1..N@example.com``
(password ``loadtest-pass-2026``), each owning an enterprise organization "压测企业 N" with
one published need. ``--users-from-db`` instead signs in the demo enterprise accounts of
``seed_demo`` (enterprise@example.com, member@example.com; ``--password``, default
demo-pass-2023) and uses their organization's needs — nothing is written during setup.
Exit status 1 if any request got a 5xx, failed, or a body said "database is locked".
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from tools.loadtest import runner, world
from tools.loadtest.http import LOOPBACK_HOSTS, Session


class Command(BaseCommand):
    help = "Bounded load test of a loopback server: req/s, p50/p95/p99 and 5xx per endpoint."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="e.g. http://127.0.0.1:8100")
        parser.add_argument(
            "--prepare-only",
            action="store_true",
            help="create/find the load users and their needs, then stop (no requests)",
        )
        parser.add_argument("--duration", type=float, default=30.0, help="mixed phase, seconds")
        parser.add_argument("--phase-seconds", type=float, default=8.0)
        parser.add_argument("--concurrency", type=int, default=20)
        parser.add_argument("--mix", choices=sorted(runner.MIXES), default="default")
        parser.add_argument("--users", type=int, default=20, help="load users to create/find")
        parser.add_argument("--users-from-db", action="store_true")
        parser.add_argument("--password", default="demo-pass-2023")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--label", default="", help="printed above the tables")

    def handle(self, *args, **options):
        from urllib.parse import urlsplit

        if options["prepare_only"]:
            pools = self._pools(options)
            self.stdout.write(f"{len(pools.users)} load users ready.")
            return
        if urlsplit(options["url"]).hostname not in LOOPBACK_HOSTS:
            raise CommandError("Only loopback addresses (127.0.0.1, localhost, ::1) are loaded.")
        if options["concurrency"] < 1 or options["concurrency"] > 200:
            raise CommandError("--concurrency must be between 1 and 200.")
        if options["duration"] > 900 or options["phase_seconds"] > 120:
            raise CommandError("Phases are bounded: --duration ≤ 900, --phase-seconds ≤ 120.")
        started = time.monotonic()
        pools = self._pools(options)
        self.stderr.write(
            f"pools: {len(pools.offering_ids)} offerings, {len(pools.need_ids)} needs, "
            f"{len(pools.keywords)} keywords, {len(pools.users)} users "
            f"({time.monotonic() - started:.1f} s)"
        )
        probe = Session(options["url"]).get("/_bench/plain")
        if probe.status != 200:
            raise CommandError(
                "/_bench/plain is not routed: start the server with DJANGO_BENCH_VIEWS=1."
            )
        concurrency = options["concurrency"]
        sessions = runner.make_sessions(options["url"], pools, concurrency, signed_in=True)
        failed = 0
        rows_isolated = []
        if options["phase_seconds"] > 0:
            trivial_rps = None
            for index, (scenario, name) in enumerate(runner.ISOLATED):
                stats = runner.run_phase(
                    sessions,
                    pools,
                    {scenario: 1},
                    seconds=options["phase_seconds"],
                    seed=options["seed"] + index,
                )
                row = stats.row(name)
                trivial_rps = trivial_rps or row["rps"]
                row["ratio"] = row["rps"] / trivial_rps if trivial_rps else 0.0
                rows_isolated.append(row)
                failed += sum(stats.errors.values()) + stats.locked
                self.stderr.write(f"  isolated {name}: {row['rps']:.1f} req/s")
        stats = runner.run_phase(
            sessions,
            pools,
            runner.MIXES[options["mix"]],
            seconds=options["duration"],
            seed=options["seed"] + 100,
        )
        for session in sessions:
            session.close()
        failed += sum(stats.errors.values()) + stats.locked
        label = options["label"] or options["url"]
        out = self.stdout.write
        out(f"\n== {label}: concurrency {concurrency} ==")
        if rows_isolated:
            out(f"\nEach endpoint alone for {options['phase_seconds']:.0f} s:")
            out(self._table(rows_isolated, ratio=True))
        out(
            f"\nMixed '{options['mix']}' for {stats.elapsed:.1f} s: "
            f"{sum(len(v) for v in stats.latencies.values()) / stats.elapsed:.1f} req/s in all"
        )
        trivial_rows = [stats.row(runner.TRIVIAL)] if runner.TRIVIAL in stats.latencies else []
        mixed_rows = [stats.row(n) for n in sorted(stats.latencies) if n != runner.TRIVIAL]
        out(self._table(trivial_rows + mixed_rows, ratio=False))
        posted = len(getattr(stats, "posted_need_ids", []))
        missing = self._missing_needs(stats.posted_need_ids)
        out(
            f"\nneeds posted (302): {posted}; missing from the database: {missing}; "
            f'"database is locked" in responses: {stats.locked}; '
            f"5xx/transport errors in all phases: {failed - stats.locked}"
        )
        for exc in getattr(stats, "failures", []):
            out(f"  transport failure: {exc!r}")
        if failed or missing:
            raise CommandError("Load test saw errors (see above).")

    def _pools(self, options) -> world.Pools:
        pools = world.from_db(users=0 if options["users_from_db"] else options["users"])
        if options["users_from_db"]:
            from django.apps import apps

            Need = apps.get_model("listings", "Need")
            users = []
            for email in ("enterprise@example.com", "member@example.com"):
                user = apps.get_model("accounts", "User").objects.filter(email=email).first()
                if user is None:
                    raise CommandError(f"{email} not found: run seed_demo first.")
                ids = list(
                    Need.objects.filter(
                        organization_id=user.membership.organization_id
                    ).values_list("pk", flat=True)
                )
                users.append(world.LoadUser(email=email, need_ids=ids))
            pools.users, pools.password = users, options["password"]
        if not pools.users or not all(user.need_ids for user in pools.users):
            raise CommandError("No load users with needs.")
        return pools

    def _missing_needs(self, ids: list[int]) -> int:
        from django.apps import apps

        if not ids:
            return 0
        Need = apps.get_model("listings", "Need")
        found = Need.objects.filter(pk__in=ids).count()
        return len(set(ids)) - found

    def _table(self, rows: list[dict], *, ratio: bool) -> str:
        header = f"{'endpoint':<30} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'5xx':>5} {'4xx':>5}"
        if ratio:
            header += f" {'ratio':>7}"
        lines = [header, "-" * len(header)]
        for row in rows:
            line = (
                f"{row['endpoint']:<30} {row['requests']:>8} {row['rps']:>8.1f} {row['p50']:>8.1f} "
                f"{row['p95']:>8.1f} {row['p99']:>8.1f} {row['errors']:>5} {row['rejected']:>5}"
            )
            if ratio:
                line += f" {row['ratio'] * 100:>6.1f}%"
            lines.append(line)
        return "\n".join(lines)
