"""Figures of the shared matching engine: snapshot write time and size, open time in a fresh
process and that process's memory (shared vs private pages, from /proc/self/smaps_rollup),
before and after it also holds the browse indexes (as a web worker does).

    manage.py measure_snapshot            # publish the engine of this database, then measure
    manage.py measure_snapshot --reuse    # measure the current snapshot as it is
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matchmaking.matching import snapshots
from matchmaking.matching.engine import snapshot as files
from matchmaking.matching.runtime import holder, lexicon_extra

# Run in a fresh interpreter: open the current snapshot like a web worker does, touch the
# arrays a query reads, and report time and memory.
_PROBE = """
import json, os, time
import django
django.setup()
from matchmaking.matching import snapshots

def rollup():
    out = {}
    with open("/proc/self/smaps_rollup") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3 and parts[-1] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1]) // 1024
    return out

before = rollup()
started = time.perf_counter()
loaded = snapshots.load_current()
opened = time.perf_counter() - started
engine = loaded.engine
for seg in engine.offerings.segments:  # read every mapped page once (a query's worth or more)
    seg.X.data.sum(); seg.X.indices.sum()
    for array in seg.arrays.values():
        array.sum()
after = rollup()
# the browse indexes as a web worker holds them (opened from their snapshot when there is one)
from matchmaking.listings.browse.needs import need_index
from matchmaking.listings.browse.offerings import offering_index
started = time.perf_counter()
offering_index(), need_index()
browse_seconds = time.perf_counter() - started
print(json.dumps({"open_seconds": opened, "before": before, "after": after,
                  "browse_seconds": browse_seconds, "browse": rollup()}))
"""


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file()) / 2**20


class Command(BaseCommand):
    help = "Measure the matching engine snapshot: write time, size, open time, memory."

    def add_arguments(self, parser):
        parser.add_argument("--reuse", action="store_true", help="Measure the current snapshot.")

    def handle(self, *args, **options):
        if settings.MATCHING_WEB_WORKER:
            raise CommandError("run it where the engine may be fitted (MATCHING_WEB_WORKER=0)")
        if not options["reuse"]:
            started = time.perf_counter()
            holder.build(workers=0)
            self.stdout.write(f"fit + publish: {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            snapshots.publish_engine(
                holder.engine,
                lexicon_extra=lexicon_extra(),
                position=snapshots.cursor_position(holder.cursor),
                offering_pk_by_ref=holder.offering_pk_by_ref,
                need_pk_by_ref=holder.need_pk_by_ref,
            )
            self.stdout.write(f"snapshot write: {time.perf_counter() - started:.2f} s")
        path = files.current(snapshots.root())
        if path is None:
            raise CommandError("no snapshot published for this database")
        manifest = json.loads((path / files.MANIFEST).read_text())
        self.stdout.write(
            f"snapshot {path.name}: {manifest['offerings']} offerings, {manifest['needs']} "
            f"needs, {manifest['vocabulary']} features, {_size_mb(path):.1f} MB on disk"
        )
        result = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            env={**os.environ, "MATCHING_WEB_WORKER": "1"},
            cwd=Path(settings.BASE_DIR),
            check=True,
        )
        probe = json.loads(result.stdout.strip().splitlines()[-1])
        before, after = probe["before"], probe["after"]
        self.stdout.write(f"open in a fresh process: {probe['open_seconds']:.2f} s")
        # Anonymous = private to this worker; Pss_File = its share of the mapped snapshot files.
        browse = probe["browse"]
        self.stdout.write(
            f"browse indexes (opened from their snapshot, or built): {probe['browse_seconds']:.2f} s"
        )
        self.stdout.write(f"  {'MB':<14} {'Django':>6} {'+engine':>8} {'+browse':>8}")
        for key in ("Rss", "Pss", "Anonymous", "Pss_File", "Shared_Clean"):
            self.stdout.write(
                f"  {key:<14} {before.get(key, 0):>6} {after.get(key, 0):>8} {browse.get(key, 0):>8}"
            )
