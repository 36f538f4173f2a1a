"""Load a running server (loopback only) and print per-endpoint figures.

    python -m tools.loadtest --url http://127.0.0.1:8100 --phase-seconds 10 --concurrency 20

Run it with the SAME settings/database as the server (it reads its pools from that database).

``--client wrk`` (the default) drives the server with wrk, a C load generator, so the figures
are the server's and not the client's: for every endpoint in ``urlfiles.ENDPOINTS`` (the
trivial view /_bench/plain first; needs DEBUG or DJANGO_BENCH_VIEWS=1 on the server) wrk runs
``--phase-seconds`` at ``--concurrency`` connections with a Lua script that draws each
request's URL from a generated file of ``--urls-per-file`` lines — once with the uniform
files, once with the skewed ones (a few filter combinations dominate), reported in two tables.
Each row: req/s, p50/p95/p99 (wrk's latency histogram), non-2xx/3xx responses, socket errors
and the ratio of its req/s to the trivial view's in the same table — and, since a shared
host's speed drifts within a run (the trivial view measured 2,559 req/s in one table and
3,911 in the next, minutes apart), an "adj." ratio over the mean of two short trivial runs
made just before and just after the endpoint (``--trivial-between`` seconds each). The signed-in pages (a
need's page with suggestions as its owner, a vendor's opportunities, the connections inbox)
carry real session cookies (``sessions.py``). Exit status 1 on any non-2xx/3xx or socket
error. Between two wrk runs the server is left to drain (:func:`drain_after`): requests wrk
sent just before it stopped are still queued in the workers, and without the pause the next
endpoint's first requests wait behind them (measured: the trivial view's p99 168–177 ms after
the vendor's opportunities, 14–15 ms otherwise).

``--client python`` is the older threads + http.client generator, which shares the server's
cores and caps the trivial view at a fraction of what the server can do (its ratios read
about four times too high on 2 cores). Phases, each bounded in time:

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

from tools.loadtest import runner, sessions, urlfiles, world, wrk
from tools.loadtest.http import LOOPBACK_HOSTS, Session

#: The longest pause between two wrk runs (seconds).
MAX_DRAIN_SECONDS = 5.0


def drain_seconds(result) -> float:
    """How long the server may still be busy with requests wrk sent before it stopped: the
    slowest of them had waited about the run's p99 in the queue (with ``--concurrency``
    connections, a request's latency is mostly the queue ahead of it), so 1.5 × p99 + 0.2 s,
    at most :data:`MAX_DRAIN_SECONDS`."""
    return min(MAX_DRAIN_SECONDS, 1.5 * result.p99_ms / 1000 + 0.2)


def drain_after(result) -> None:
    time.sleep(drain_seconds(result))


def adjacent_trivial(rows, checkpoints) -> list[float | None]:
    """For each row, the mean req/s of the trivial runs just before and just after it
    (``checkpoints[i]`` ran before row ``i``, ``checkpoints[-1]`` after the last; None where
    no trivial run came before the row — the trivial row itself, or --trivial-between 0)."""
    found = []
    for i in range(len(rows)):
        before = checkpoints[i]
        after = checkpoints[i + 1] if i + 1 < len(checkpoints) else None
        if before is None:
            found.append(None)
        else:
            found.append(before if after is None else (before + after) / 2)
    return found


class Command(BaseCommand):
    help = "Bounded load test of a loopback server: req/s, p50/p95/p99 and 5xx per endpoint."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="e.g. http://127.0.0.1:8100")
        parser.add_argument(
            "--prepare-only",
            action="store_true",
            help="create/find the load users and their needs, then stop (no requests)",
        )
        parser.add_argument(
            "--copy-world-from",
            default="",
            metavar="SQLITE_FILE",
            help="empty the configured database and copy every row of this SQLite world into "
            "it (the --postgres run: the same accounts and suggestions as the SQLite run), "
            "then stop (no requests)",
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
        parser.add_argument(
            "--client",
            choices=["wrk", "python"],
            default="wrk",
            help="wrk (default) or the Python client, which competes with the server for cores",
        )
        parser.add_argument("--wrk-threads", type=int, default=1)
        parser.add_argument(
            "--warmup-seconds",
            type=float,
            default=2.0,
            help="wrk: each endpoint this long with its uniform file first, not reported "
            "(every worker loads its indexes and caches), 0 = none",
        )
        parser.add_argument(
            "--trivial-between",
            type=float,
            default=3.0,
            metavar="SECONDS",
            help="wrk: the trivial view this long between two endpoints, so that each endpoint "
            "also has a ratio to the trivial view just before and after it ('adjacent'; "
            "0 = off): a shared host's speed drifts within a run",
        )
        parser.add_argument("--urls-per-file", type=int, default=urlfiles.URLS_PER_FILE)
        parser.add_argument(
            "--url-dir",
            default="",
            help="write (and keep) the URL files here (default: a temp dir)",
        )
        parser.add_argument(
            "--endpoints",
            default="",
            help="comma-separated subset of: " + ", ".join(key for key, _ in urlfiles.ENDPOINTS),
        )

    def handle(self, *args, **options):
        from urllib.parse import urlsplit

        if options["copy_world_from"]:
            from tools.loadtest.copy_world import copy_world

            copy_world(options["copy_world_from"], write=self.stdout.write)
            return
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
        if options["client"] == "wrk":
            self._handle_wrk(options)
            return
        self.stderr.write(
            "--client python: the load generator runs on the server's cores and competes with "
            "it; its req/s and ratios are not the server's."
        )
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
        out(f"\n== {label}: concurrency {concurrency}, Python client (competes for cores) ==")
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

    def _handle_wrk(self, options) -> None:
        import tempfile
        from pathlib import Path

        try:
            wrk.executable()
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        keys = [key for key, _ in urlfiles.ENDPOINTS]
        chosen = [k.strip() for k in options["endpoints"].split(",") if k.strip()] or keys
        unknown = sorted(set(chosen) - set(keys))
        if unknown:
            raise CommandError(f"Unknown endpoints: {', '.join(unknown)}")
        if "trivial" not in chosen:
            chosen.insert(0, "trivial")  # every ratio is over the trivial view of the same run
        if not 100 <= options["urls_per_file"] <= 100_000:
            raise CommandError("--urls-per-file must be between 100 and 100000.")
        url, seconds = options["url"], max(1.0, options["phase_seconds"])
        started = time.monotonic()
        pools = self._pools(options)
        probe = Session(url)
        if probe.get("/_bench/plain").status != 200:
            raise CommandError(
                "/_bench/plain is not routed: start the server with DJANGO_BENCH_VIEWS=1."
            )
        probe.close()
        signed = urlfiles.Signed(sessions.signed_in_cookies(url, pools), vendor="")
        if "vendor_opportunities" in chosen or "inbox" in chosen:
            vendor = sessions.vendor_user()
            if vendor is None:
                raise CommandError("No vendor organization with a member in this world.")
            signed.vendor = sessions.django_session_cookie(vendor)
        self.stderr.write(
            f"pools: {len(pools.offering_ids)} offerings, {len(pools.need_ids)} needs, "
            f"{len(pools.keywords)} keywords, {len(pools.users)} signed-in users "
            f"({time.monotonic() - started:.1f} s)"
        )
        with tempfile.TemporaryDirectory(prefix="loadtest-urls-") as temporary:
            directory = Path(options["url_dir"] or temporary)
            files = urlfiles.write_url_files(
                directory,
                pools,
                signed,
                count=options["urls_per_file"],
                seed=options["seed"],
                endpoints=chosen,
            )
            self._check_signed_in(url, files)
            warmup = min(options["warmup_seconds"], 30.0)
            if warmup > 0:
                for key, _name in urlfiles.ENDPOINTS:
                    if key in chosen:
                        drain_after(
                            wrk.run(
                                url,
                                files[key, "uniform"],
                                seconds=warmup,
                                connections=options["concurrency"],
                                threads=options["wrk_threads"],
                                seed=options["seed"] + 1000,
                            )
                        )
                self.stderr.write(f"  warmed up ({warmup:.0f} s per endpoint)")
            tables, bad = {}, 0
            between = min(max(options["trivial_between"], 0.0), 30.0)

            def load(path, duration):
                nonlocal bad
                result = wrk.run(
                    url,
                    path,
                    seconds=duration,
                    connections=options["concurrency"],
                    threads=options["wrk_threads"],
                    seed=options["seed"],
                )
                drain_after(result)
                bad += result.non_2xx_3xx + result.socket_errors
                return result

            for variant in urlfiles.VARIANTS:
                keyed = [(key, name) for key, name in urlfiles.ENDPOINTS if key in chosen]
                rows, checkpoints = [], []  # checkpoints[i]: trivial req/s just before row i
                for key, name in keyed:
                    if key != "trivial" and between > 0:
                        checkpoints.append(load(files["trivial", variant], between).rps)
                    else:
                        checkpoints.append(None)
                    result = load(files[key, variant], seconds)
                    rows.append((name, result))
                    self.stderr.write(f"  {variant} {name}: {result.rps:.1f} req/s")
                if between > 0 and len(keyed) > 1:
                    checkpoints.append(load(files["trivial", variant], between).rps)
                tables[variant] = (rows, checkpoints)
        label = options["label"] or url
        out = self.stdout.write
        out(
            f"\n== {label}: wrk, {options['concurrency']} connections, "
            f"{options['wrk_threads']} wrk thread(s), {seconds:.0f} s per endpoint, "
            f"{options['urls_per_file']} URLs per file =="
        )
        for variant, (rows, checkpoints) in tables.items():
            what = (
                "every URL drawn independently"
                if variant == "uniform"
                else f"{urlfiles.SKEW_COMBINATIONS} combinations, Zipf-weighted"
            )
            out(f"\n{variant} URL files ({what}):")
            out(self._wrk_table(rows, adjacent_trivial(rows, checkpoints)))
            measured = [rps for rps in checkpoints if rps is not None]
            if measured:
                out(
                    f"the trivial view between endpoints ({between:.0f} s each): "
                    f"{min(measured):.0f}–{max(measured):.0f} req/s (the table's first row: "
                    f"{rows[0][1].rps:.0f}); 'adj.' is each endpoint over the mean of the trivial "
                    "runs just before and after it"
                )
        out(f"\nnon-2xx/3xx responses and socket errors in all: {bad}")
        if bad:
            raise CommandError("Load test saw errors (see above).")

    def _check_signed_in(self, url: str, files) -> None:
        """Each signed-in URL file's first line answers 200 with its cookie (not a redirect
        to the login page): otherwise wrk would measure redirects."""
        for (key, variant), path in files.items():
            if key not in urlfiles.SIGNED_IN or variant != "uniform":
                continue
            line = path.read_text(encoding="utf-8").splitlines()[0]
            target, _, cookie = line.partition("\t")
            session = Session(url)
            session.cookies = dict(
                part.strip().split("=", 1) for part in cookie.split(";") if "=" in part
            )
            try:
                status = session.get(target).status
            finally:
                session.close()
            if status != 200:
                raise CommandError(f"{target} answered {status} to its signed-in user ({key}).")

    def _wrk_table(self, rows, adjacent=None) -> str:
        header = (
            f"{'endpoint':<28} {'req/s':>8} {'ratio':>7} {'adj.':>7} {'p50 ms':>8} "
            f"{'p95 ms':>8} {'p99 ms':>8} {'non-2xx/3xx':>11} {'sock err':>8}"
        )
        lines = [header, "-" * len(header)]
        trivial = rows[0][1].rps if rows else 0.0
        adjacent = adjacent or [None] * len(rows)
        for (name, result), near in zip(rows, adjacent, strict=True):
            ratio = result.rps / trivial * 100 if trivial else 0.0
            near_ratio = f"{result.rps / near * 100:>6.1f}%" if near else f"{'–':>7}"
            lines.append(
                f"{name:<28} {result.rps:>8.1f} {ratio:>6.1f}% {near_ratio} {result.p50_ms:>8.1f} "
                f"{result.p95_ms:>8.1f} {result.p99_ms:>8.1f} {result.non_2xx_3xx:>11} "
                f"{result.socket_errors:>8}"
            )
        return "\n".join(lines)

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
