"""Measure the matcher on a labelled `llm-match/v1` file, side by side with plain BM25.

    python manage.py evaluate_matching FILE [FILE …]

Each file is imported with the site's importer into a scratch database (a temporary SQLite
file, migrated from scratch; the configured database is never touched), turned into the
engine's documents by the same adapters the site uses, and every open need ranks every
published offering. Printed per method: nDCG@5, nDCG@10, P@3, MRR, Recall@10 and viol@5
(definitions in the data README; viol@5 must be 0), must@5 (share of needs with a must-have
breach — 信创, data on premises, 备案 — in the top 5) and stuff@5 (share of needs whose top 5
holds a box-ticking offering: ≥ 5 of 6 sectors and ≥ 5 of 6 application types).

The work happens in a child process whose DATABASE_URL points at the scratch file, so the
command also runs safely from tests and on PostgreSQL deployments.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from matchmaking.listings.io.importer import import_file
from matchmaking.matching import adapters
from matchmaking.matching.engine import MatchingEngine
from matchmaking.matching.engine.evaluate import Dataset, bm25_ranker, evaluate
from matchmaking.matching.runtime import engine_config, lexicon_extra

HEADERS = ["nDCG@5", "nDCG@10", "P@3", "MRR", "Recall@10", "viol@5", "must@5", "stuff@5"]
SCRATCH_FLAG = "--in-scratch-database"


class Command(BaseCommand):
    help = "Evaluate the matcher and a BM25 baseline on labelled llm-match/v1 files."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(SCRATCH_FLAG, action="store_true", help="(internal)")

    def handle(self, *args, **options):
        paths = [Path(p).resolve() for p in options["files"]]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: file not found")
        if options["in_scratch_database"]:
            for path in paths:
                self.evaluate(path)
            return
        for path in paths:
            self.stdout.write(self.run_in_scratch(path), ending="")

    def run_in_scratch(self, path: Path) -> str:
        with tempfile.TemporaryDirectory(prefix="evaluate-matching-") as tmp:
            db = Path(tmp) / "scratch.sqlite3"
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{db}",
                "DJANGO_SQLITE_PATH": str(db),
                "DJANGO_VAR_DIR": tmp,
                "TASKS_BACKEND": "immediate",
                "DJANGO_LOG_LEVEL": "WARNING",
            }
            env.pop("DJANGO_SETTINGS_MODULE", None)
            manage = Path(settings.BASE_DIR) / "manage.py"
            result = subprocess.run(  # noqa: S603 - our own manage.py
                [sys.executable, str(manage), "evaluate_matching", str(path), SCRATCH_FLAG],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        if result.returncode != 0:
            raise CommandError(f"evaluation of {path.name} failed:\n{result.stderr[-4000:]}")
        return result.stdout

    def evaluate(self, path: Path) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        report = import_file(path)
        if not report.ok:
            raise CommandError("\n".join(report.summary_lines()))
        data = json.loads(path.read_text(encoding="utf-8"))
        labels: dict[str, dict[str, int]] = {}
        for label in data.get("labels", []):
            labels.setdefault(label["need"], {})[label["offering"]] = int(label["grade"])
        docs = adapters.all_documents()
        ds = Dataset(docs.offerings, docs.needs, docs.cases, labels)
        engine = MatchingEngine(engine_config(), lexicon_extra=lexicon_extra()).fit(
            ds.offerings, ds.needs, ds.cases
        )
        n = len(ds.offerings)

        def engine_rank(need):
            # As the site ranks a need's own list (a private need's too: adapters.for_own_list).
            return [
                s.target_ref for s in engine.rank_offerings(adapters.for_own_list(need), top_k=n)
            ]

        reports = evaluate(ds, {"BM25 baseline": bm25_ranker(ds), "engine": engine_rank})
        width = max(len(name) for name in reports) + 2
        self.stdout.write(
            f"{path.name}: {len(ds.needs)} needs, {len(ds.offerings)} offerings, "
            f"{sum(len(v) for v in labels.values())} labels (scratch database)"
        )
        self.stdout.write("method".ljust(width) + "".join(h.rjust(11) for h in HEADERS))
        for name, rep in reports.items():
            self.stdout.write(name.ljust(width) + "".join(v.rjust(11) for v in rep.as_row()))
