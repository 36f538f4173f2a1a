"""Print suggestions as JSON (other tools read this output; the shape is a contract).

    python manage.py suggest_matches --need REF [--top K] --format json
        → [{"need": REF, "matches": [{"offering": REF, "score": 87.5, "reasons": ["…"]}]}]
    python manage.py suggest_matches --offering REF [--top K] --format json
        → [{"offering": REF, "matches": [{"need": REF, "score": …, "reasons": […]}]}]
    python manage.py suggest_matches --all-needs [--top K] --format json
        → one entry per open need, as for --need

Rankings are computed now by the same services that store the suggestions (hard constraints,
dismissed pairs and need visibility included); reasons are in the active language
(``--language``, default the site's LANGUAGE_CODE).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from matchmaking.listings.models import Need, Offering
from matchmaking.matching import adapters, services
from matchmaking.matching.management.commands._refs import find_by_ref
from matchmaking.matching.reason_texts import reasons_text


class Command(BaseCommand):
    help = "Print the suggested offerings of needs (or needs of an offering) as JSON."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--need", metavar="REF", help="ref of one need")
        which.add_argument("--offering", metavar="REF", help="ref of one offering")
        which.add_argument("--all-needs", action="store_true", help="every open need")
        parser.add_argument("--top", type=int, default=10, metavar="K", help="matches per item")
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--language", default=None, help="language of the reasons")

    def handle(self, *args, **options):
        top = max(1, options["top"])
        with translation.override(options["language"] or settings.LANGUAGE_CODE):
            if options["offering"]:
                offering = find_by_ref(Offering, options["offering"], "offering")
                output = [self.offering_entry(offering, top)]
            elif options["need"]:
                need = find_by_ref(Need, options["need"], "need")
                output = [self.need_entry(need.pk, top)]
            else:
                output = self.all_needs(top)
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))

    @staticmethod
    def _offering_refs(ids) -> dict[int, str]:
        return {
            pk: adapters.offering_ref(pk, ref)
            for pk, ref in Offering.objects.filter(pk__in=list(ids)).values_list("pk", "ref")
        }

    @staticmethod
    def _need_refs(ids) -> dict[int, str]:
        return {
            pk: adapters.need_ref(pk, ref)
            for pk, ref in Need.objects.filter(pk__in=list(ids)).values_list("pk", "ref")
        }

    def _need_output(self, need_id: int, items) -> dict:
        refs = self._offering_refs(item.offering_id for item in items)
        need_ref = self._need_refs([need_id])[need_id]
        return {
            "need": need_ref,
            "matches": [
                {
                    "offering": refs[item.offering_id],
                    "score": item.score,
                    "reasons": reasons_text(item.reasons),
                }
                for item in items
            ],
        }

    def need_entry(self, need_id: int, top: int) -> dict:
        return self._need_output(need_id, services.rank_offerings_for_need(need_id, top=top))

    def offering_entry(self, offering: Offering, top: int) -> dict:
        items = services.rank_needs_for_offering(offering.pk, top=top)
        refs = self._need_refs(item.need_id for item in items)
        return {
            "offering": adapters.offering_ref(offering.pk, offering.ref),
            "matches": [
                {
                    "need": refs[item.need_id],
                    "score": item.score,
                    "reasons": reasons_text(item.reasons),
                }
                for item in items
            ],
        }

    def all_needs(self, top: int) -> list[dict]:
        entries = {
            need_id: self._need_output(need_id, items)
            for need_id, items in services.iter_ranked_needs(top=top)
        }
        return [entries[pk] for pk in sorted(entries)]
