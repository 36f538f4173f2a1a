"""What the engine reads survives llm-match/v1: file → import → engine documents, and
export → file (filing numbers, must-haves of needs, compliance fields of offerings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from matchmaking.accounts.models import Organization
from matchmaking.listings.io.exporter import export_data
from matchmaking.listings.io.importer import import_data
from matchmaking.matching import adapters
from matchmaking.matching.engine.evaluate import load_dataset

pytestmark = pytest.mark.django_db

ADVERSARIAL = Path(settings.BASE_DIR) / "fixtures" / "matching-adversarial.json"

#: Fields of the engine's documents that come from the file (not from the site's own activity).
OFFERING_FIELDS = (
    "org_ref", "title", "kind", "layer", "sectors", "app_types", "deployment", "price_min",
    "price_max", "regions", "tags", "has_filing", "domestic_hw", "on_premises",
)  # fmt: skip
NEED_FIELDS = (
    "org_ref", "title", "description", "sectors", "app_types", "deployment", "budget_min",
    "budget_max", "region", "requires_domestic_hw", "requires_on_premises", "requires_filing",
)  # fmt: skip


def source() -> dict:
    return json.loads(ADVERSARIAL.read_text(encoding="utf-8"))


def project(doc, names) -> dict:
    out = {}
    for name in names:
        value = getattr(doc, name)
        if isinstance(value, tuple | list):
            value = sorted(value)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        out[name] = value
    return out


def by_ref(docs, names) -> dict:
    return {d.ref: project(d, names) for d in docs}


class FileRoundTripTests:
    def test_filing_numbers_are_imported_and_exported(self):
        report = import_data(source())
        assert report.ok, report.errors
        org = Organization.objects.get(ref="v-zhengwen")
        assert org.filing_number == "Beijing-ZW-2024004"
        exported = {o["ref"]: o for o in export_data()["organizations"]}
        assert exported["v-zhengwen"]["filing_number"] == "Beijing-ZW-2024004"
        assert exported["v-hengyu"]["filing_number"] == ""

    def test_a_file_without_filing_numbers_keeps_those_on_the_site(self):
        import_data(source())
        data = source()
        for org in data["organizations"]:
            org.pop("filing_number", None)
        assert import_data(data).ok
        assert Organization.objects.get(ref="v-zhengwen").filing_number == "Beijing-ZW-2024004"

    def test_every_field_the_engine_reads_survives_import_and_export(self):
        original = load_dataset(source())
        assert import_data(source()).ok
        docs = adapters.all_documents()
        # file → database → engine documents
        assert by_ref(docs.offerings, OFFERING_FIELDS) == by_ref(
            original.offerings, OFFERING_FIELDS
        )
        assert by_ref(docs.needs, NEED_FIELDS) == by_ref(original.needs, NEED_FIELDS)
        # database → file → documents, and the file imports back unchanged
        exported = export_data()
        again = load_dataset(exported)
        assert by_ref(again.offerings, OFFERING_FIELDS) == by_ref(
            original.offerings, OFFERING_FIELDS
        )
        assert by_ref(again.needs, NEED_FIELDS) == by_ref(original.needs, NEED_FIELDS)
        assert import_data(exported).ok
        redo = adapters.all_documents()
        assert by_ref(redo.offerings, OFFERING_FIELDS) == by_ref(docs.offerings, OFFERING_FIELDS)
        assert by_ref(redo.needs, NEED_FIELDS) == by_ref(docs.needs, NEED_FIELDS)

    def test_imported_stuffed_and_hyped_offerings_are_flagged(self):
        assert import_data(source()).ok
        from matchmaking.listings.models import Offering

        flags = dict(Offering.objects.values_list("ref", "hype_flags"))
        assert "tag_stuffing" in flags["a-stuff-1"]
        assert "superlatives" in flags["a-hype-qa"]
        assert flags["a-bank-qa-xc"] == []
