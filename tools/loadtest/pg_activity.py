"""What PostgreSQL is doing while the load runs: ``pg_stat_activity`` sampled every second.

    python -m tools.loadtest.pg_activity OUT [--interval 1.0]

Runs until stopped (SIGTERM/SIGINT), appending one line per sample to ``OUT``: the time, the
number of active client backends, how many wait and on what, and every job at work beside
them: autovacuum and autoanalyze workers with their table, and the parallel workers of a
client's query with its text (a query heavy enough to fan out shows there). ``summarize(OUT)`` (``--summary``)
prints how many seconds each background job ran and the busiest seconds, which the load-test
script prints after the load so that a stalled phase can be matched with what ran meanwhile.
Uses the project's database settings (``DATABASE_URL``); PostgreSQL only.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections import Counter
from pathlib import Path

QUERY = """
SELECT backend_type, state, wait_event_type, wait_event, left(query, 160)
FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND datname = current_database()
"""


def sample(cursor) -> dict:
    """One sample: active client backends, their waits, and the background jobs at work."""
    cursor.execute(QUERY)
    active, waits, jobs = 0, Counter(), []
    for backend_type, state, wait_type, wait_event, query in cursor.fetchall():
        if backend_type == "client backend":
            if state == "active":
                active += 1
                if wait_type and wait_type != "Client":
                    waits[f"{wait_type}:{wait_event}"] += 1
        elif backend_type in ("autovacuum worker", "parallel worker") or (
            query and query.lower().startswith(("autovacuum", "vacuum", "analyze"))
        ):
            jobs.append(query or backend_type)
    return {"t": round(time.time(), 1), "active": active, "waits": dict(waits), "jobs": jobs}


def record(out: Path, interval: float) -> None:
    from django.db import connection

    stop = False

    def _stop(*_args) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with out.open("a", encoding="utf-8") as fh, connection.cursor() as cursor:
        while not stop:
            fh.write(json.dumps(sample(cursor), ensure_ascii=False) + "\n")
            fh.flush()
            time.sleep(interval)


def summarize(out: Path) -> str:
    """Seconds per background job, and the samples with the most waiting backends."""
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]
    if not rows:
        return "pg_activity: no samples"
    jobs: Counter[str] = Counter(job for row in rows for job in row["jobs"])
    t0 = rows[0]["t"]
    busy = sorted(rows, key=lambda r: sum(r["waits"].values()), reverse=True)[:5]
    lines = [f"pg_activity: {len(rows)} samples over {rows[-1]['t'] - t0:.0f} s"]
    lines += [f"  {seconds:4d} samples  {job}" for job, seconds in jobs.most_common(12)]
    if not jobs:
        lines.append("  no autovacuum, vacuum or analyze at work in any sample")
    lines += [
        f"  {time.strftime('%H:%M:%S', time.localtime(row['t']))}: {row['active']} active, "
        f"waits {row['waits']}, jobs {len(row['jobs'])}"
        for row in busy
        if row["waits"]
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest.pg_activity")
    parser.add_argument("out", type=Path)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--summary", action="store_true", help="print the summary of OUT")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.summary:
        print(summarize(args.out))
        return
    from tools.command import setup_django

    setup_django()
    record(args.out, args.interval)


if __name__ == "__main__":
    main()
