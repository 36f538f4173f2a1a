"""Train the pairwise ranker on the engine's score components and store it.

    python manage.py train_ranker [--file FILE …] [--no-feedback] [--dry-run] [--output PATH]

Training pairs: the labelled files (every need against every offering the engine ranks) and the
platform's outcomes (won deals, accepted/declined connections, "not relevant" clicks). Prints,
per held-out labelled file (leave one file out) and per feedback fold, nDCG@5, nDCG@10, P@3 and
MRR of the engine's order (before) and of the ranker trained without that part (after). The
model trained on everything is stored with ``"active": true`` only when it measured better
(``learning.measured_better``); the site ignores an inactive model. Run ``calibrate_matching``
after it, since the calibrated score is fitted on what the site ranks by.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from matchmaking.matching import learning


class Command(BaseCommand):
    help = "Train the pairwise ranker from labelled files and platform feedback."

    def add_arguments(self, parser):
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
            pairs.extend(learning.file_pairs(path))
        if not options["no_feedback"]:
            found = learning.feedback_pairs()
            self.stdout.write(f"platform feedback: {len(found)} pairs")
            pairs.extend(found)
        results = learning.cross_validate(pairs)
        self.stdout.write(
            f"\n{'held out':<34}{'needs':>6}  {'nDCG@5':>15}  {'nDCG@10':>15}  {'P@3':>15}  "
            f"{'MRR':>15}"
        )
        for r in results:
            cells = "  ".join(
                f"{getattr(r.before, k):.3f} → {getattr(r.after, k):.3f}".rjust(15)
                for k in ("ndcg5", "ndcg10", "p3", "mrr")
            )
            self.stdout.write(f"{r.held_out:<34}{r.before.n:>6}  {cells}")
        try:
            ranker = learning.train(pairs)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        ranker.active = learning.measured_better(results)
        ranker.meta = {
            "version": timezone.now().strftime("%Y%m%d%H%M%S"),
            "trained_on": sorted({p.source for p in pairs}),
            "pairs": len(pairs),
            "cross_validation": [
                {
                    "held_out": r.held_out,
                    "needs": r.before.n,
                    "ndcg5_before": round(r.before.ndcg5, 4),
                    "ndcg5_after": round(r.after.ndcg5, 4),
                }
                for r in results
            ],
        }
        self.stdout.write(
            "\nweights: "
            + ", ".join(
                f"{f} {w:+.2f}" for f, w in zip(ranker.features, ranker.weights, strict=True)
            )
        )
        verdict = (
            "measured better: the site will use it"
            if ranker.active
            else ("not better than the engine's order: stored inactive, the site ignores it")
        )
        self.stdout.write(verdict)
        if options["dry_run"]:
            self.stdout.write("(dry run: nothing stored)")
            return
        path = learning.save(ranker, Path(options["output"]) if options["output"] else None)
        self.stdout.write(self.style.SUCCESS(f"stored {path}"))
