"""Mine suggested synonyms from the published listings and cases (for admin review).

    python manage.py mine_synonyms [--top 50] [--min-similarity 0.35] [--dry-run]

New candidates are stored as suggested synonyms awaiting review (Admin → Matching → Suggested
synonyms → approve or reject). Nothing unapproved affects ranking.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from matchmaking.matching import lexicon_mining


class Command(BaseCommand):
    help = "Mine suggested synonyms from the platform's listings and cases."

    def add_arguments(self, parser):
        parser.add_argument("--top", type=int, default=50)
        parser.add_argument("--min-similarity", type=float, default=0.35)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        texts = lexicon_mining.platform_texts()
        self.stdout.write(f"{len(texts)} texts")
        if options["dry_run"]:
            found = lexicon_mining.mine(
                texts,
                known=lexicon_mining.known_pairs(),
                top=options["top"],
                min_similarity=options["min_similarity"],
            )
        else:
            with transaction.atomic():
                found = lexicon_mining.suggested_synonyms_refresh(
                    texts=texts, top=options["top"], min_similarity=options["min_similarity"]
                )
        for c in found:
            self.stdout.write(
                f"{c.score:.2f}  {c.term} ↔ {c.synonym}  (in {c.support}+ listings; "
                f"context: {'、'.join(c.examples)})"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(found)} suggested synonyms" + (" (dry run)" if options["dry_run"] else "")
            )
        )
