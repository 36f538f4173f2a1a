"""Fit the score calibration on labelled files and platform feedback, print it, store it.

    python manage.py calibrate_matching [--method isotonic|platt] [--no-feedback] [--dry-run]
                                        [--file FILE …] [--output PATH]

Deterministic and fast (the labelled files are ranked in memory with the current engine; the
feedback is read from the database). Prints the fitted mapping (raw → calibrated at every 10
points) and a reliability table (mean predicted vs observed share of good fits per score bin)
before (raw score read as a percentage) and after calibration, then writes the versioned JSON
file the site loads (``matching/data/calibration.json`` unless ``--output``). Re-run it
whenever the engine's scoring changes (e.g. after a new engine is merged) or a ranker is
trained: the mapping is fitted on the score the site would show before calibration.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from matchmaking.matching import calibration, learning


class Command(BaseCommand):
    help = "Fit and store the match-score calibration (isotonic or Platt)."

    def add_arguments(self, parser):
        parser.add_argument("--method", choices=("isotonic", "platt"), default="isotonic")
        parser.add_argument("--file", action="append", dest="files", metavar="FILE")
        parser.add_argument("--no-feedback", action="store_true")
        parser.add_argument("--dry-run", action="store_true", help="print, do not store")
        parser.add_argument("--output", metavar="PATH")

    def handle(self, *args, **options):
        files = [Path(f) for f in options["files"] or []] or learning.labelled_files()
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: file not found")
        pairs: list[learning.Pair] = []
        for path in files:
            found = learning.file_pairs(path)
            self.stdout.write(f"{path.name}: {len(found)} pairs")
            pairs.extend(found)
        if not options["no_feedback"]:
            found = learning.feedback_pairs()
            self.stdout.write(f"platform feedback: {len(found)} pairs")
            pairs.extend(found)
        base = [learning.base_score(p.raw, p.components) for p in pairs]
        good = [p.good for p in pairs]
        weights = [learning.FEEDBACK_WEIGHT if p.source == "feedback" else 1.0 for p in pairs]
        try:
            fitted = calibration.fit(base, good, method=options["method"], weights=weights)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        after = [fitted(s) for s in base]
        self.stdout.write(f"\nmapping ({fitted.method}; raw → calibrated):")
        self.stdout.write("  " + "  ".join(f"{r:>3}→{fitted(r):5.1f}" for r in range(0, 101, 10)))
        for title, predicted in (("before (raw score)", base), ("after (calibrated)", after)):
            self.print_table(title, predicted, good)
        ranker = learning.active_ranker()
        fitted = calibration.Calibration(
            fitted.x,
            fitted.y,
            fitted.method,
            {
                "version": timezone.now().strftime("%Y%m%d%H%M%S"),
                "fitted_on": [p.name for p in files]
                + ([] if options["no_feedback"] else ["feedback"]),
                "pairs": len(pairs),
                "good_pairs": int(sum(good)),
                "scores_from": "ranker" if ranker else "engine",
                "ece_before": round(calibration.expected_calibration_error(base, good), 2),
                "ece_after": round(calibration.expected_calibration_error(after, good), 2),
            },
        )
        if options["dry_run"]:
            self.stdout.write("\n(dry run: nothing stored)")
            return
        path = calibration.save(fitted, Path(options["output"]) if options["output"] else None)
        self.stdout.write(self.style.SUCCESS(f"\nstored {path}"))

    def print_table(self, title, predicted, good) -> None:
        self.stdout.write(f"\nreliability {title}:")
        self.stdout.write(f"  {'bin':>9} {'pairs':>6} {'predicted':>9} {'observed':>9}")
        for row in calibration.reliability(predicted, good):
            self.stdout.write(
                f"  {row.low:>4.0f}–{row.high:<4.0f} {row.count:>6} {row.predicted:>9.1f} "
                f"{row.observed:>9.1f}"
            )
        self.stdout.write(
            f"  ECE {calibration.expected_calibration_error(predicted, good):.1f} points, "
            f"Brier {calibration.brier(predicted, good):.4f}"
        )
