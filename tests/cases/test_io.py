"""The `cases` section of llm-match/v1 through import_listings / export_listings."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from matchmaking.cases.choices import CaseStatus
from matchmaking.cases.models import Case
from matchmaking.listings.io.importer import import_data
from tests.cases.conftest import make_case

pytestmark = pytest.mark.django_db

DEV_FILE = Path(settings.BASE_DIR).parent / "shared" / "data" / "matching-dev.json"


def run(command: str, *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


class CaseImportTests:
    def test_importing_the_dev_file_publishes_its_ten_cases_with_their_scores(self):
        output = run("import_listings", str(DEV_FILE))
        assert "cases: 10 created, 0 updated" in output
        assert Case.objects.count() == 10
        assert Case.objects.published().count() == 10
        case = Case.objects.get(ref="c-001")
        # c-001 scores 3, 4, 4, 4 → overall 3.75
        assert (case.score_innovation, case.score_replicability) == (3, 4)
        assert case.overall_score == Decimal("3.75")
        assert case.vendor.ref == "v-huiyan" and case.offering.ref == "o-020"
        assert (case.sector.code, case.app_type.code, case.layer.code) == (
            "finance",
            "qa",
            "application",
        )
        assert [m.value for m in case.metrics.all()] == ["58%", "-22%", "-35%", "8周缩短至5周"]
        assert case.published_at is not None

    def test_importing_again_updates_and_never_duplicates(self):
        run("import_listings", str(DEV_FILE))
        output = run("import_listings", str(DEV_FILE))
        assert "cases: 0 created, 10 updated" in output
        assert Case.objects.count() == 10
        assert Case.objects.get(ref="c-001").metrics.count() == 4

    def test_export_writes_the_cases_back_and_they_reimport_unchanged(self, tmp_path):
        run("import_listings", str(DEV_FILE))
        target = tmp_path / "export.json"
        output = run("export_listings", str(target))
        assert "10 cases" in output
        exported = json.loads(target.read_text(encoding="utf-8"))
        source = {case["ref"]: case for case in json.loads(DEV_FILE.read_text())["cases"]}
        assert sorted(row["ref"] for row in exported["cases"]) == sorted(source)
        for row in exported["cases"]:
            original = source[row["ref"]]
            for key in ("vendor", "offering", "client", "title", "sector", "app_type", "layer"):
                assert row[key] == original[key]
            assert row["scores"] == original["scores"]
            assert row["metrics"] == original["metrics"]
        before = list(Case.objects.order_by("ref").values_list("ref", "overall_score"))
        assert "cases: 0 created, 10 updated" in run("import_listings", str(target))
        assert list(Case.objects.order_by("ref").values_list("ref", "overall_score")) == before


class CaseImportValidationTests:
    def file_with(self, **overrides) -> dict:
        record = {
            "ref": "c-x",
            "vendor": "v-a",
            "offering": None,
            "client": "某银行",
            "title": "示例",
            "sector": "finance",
            "app_type": "qa",
            "layer": "application",
            "challenge": "c",
            "solution": "s",
            "outcome": "o",
            "metrics": [{"name": "时间", "value": "-40%"}],
            "scores": {"innovation": 3, "demonstration": 3, "benefit": 3, "replicability": 3},
        }
        record.update(overrides)
        return {
            "format": "llm-match/v1",
            "organizations": [
                {"ref": "v-a", "kind": "vendor", "name": "甲厂商"},
                {"ref": "e-a", "kind": "enterprise", "name": "乙企业"},
            ],
            "cases": [record],
        }

    def test_a_valid_case_is_imported_published(self):
        report = import_data(self.file_with())
        assert report.ok, report.errors
        case = Case.objects.get(ref="c-x")
        assert case.status == CaseStatus.PUBLISHED and case.overall_score == Decimal("3.00")

    @pytest.mark.parametrize(
        ("overrides", "place"),
        [
            ({"vendor": "e-a"}, "cases[0].vendor"),
            ({"vendor": "v-missing"}, "cases[0].vendor"),
            ({"offering": "o-missing"}, "cases[0].offering"),
            ({"sector": "fintech"}, "cases[0].sector"),
            ({"app_type": None}, "cases[0].app_type"),
            ({"layer": "middle"}, "cases[0].layer"),
            ({"title": ""}, "cases[0].title"),
            (
                {"scores": {"innovation": 6, "demonstration": 3, "benefit": 3, "replicability": 3}},
                "cases[0].scores.innovation",
            ),
            ({"scores": {"innovation": 3}}, "cases[0].scores.benefit"),
            ({"scores": None}, "cases[0].scores"),
            ({"metrics": [{"name": "时间"}]}, "cases[0].metrics[0].value"),
            ({"metrics": "快"}, "cases[0].metrics"),
        ],
    )
    def test_a_bad_record_is_reported_at_its_place_and_nothing_is_written(self, overrides, place):
        report = import_data(self.file_with(**overrides))
        assert not report.ok
        assert any(error.startswith(place + ":") for error in report.errors), report.errors
        assert not Case.objects.exists()

    def test_an_offering_of_another_vendor_is_refused(self, vendor):
        from matchmaking.listings.models import Offering
        from matchmaking.taxonomy.models import OfferingKind

        vendor.ref = "v-other"
        vendor.save()
        Offering.objects.create(
            organization=vendor,
            ref="o-other",
            title="t",
            summary="s",
            description="d",
            kind=OfferingKind.objects.get(code="product"),
        )
        report = import_data(self.file_with(offering="o-other"))
        assert any(e.startswith("cases[0].offering:") for e in report.errors)

    def test_a_broken_file_is_refused_by_the_command_with_every_error(self, tmp_path):
        path = tmp_path / "bad.json"
        path.write_text(
            json.dumps(self.file_with(sector="fintech", layer="middle"), ensure_ascii=False),
            encoding="utf-8",
        )
        with pytest.raises(CommandError) as excinfo:
            run("import_listings", str(path))
        assert "cases[0].sector" in str(excinfo.value) and "cases[0].layer" in str(excinfo.value)
        assert not Case.objects.exists()

    def test_export_skips_unpublished_cases(self, vendor):
        from matchmaking.listings.io.exporter import export_data

        make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        published = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="已发布")
        rows = export_data()["cases"]
        assert [row["ref"] for row in rows] == [f"case-{published.pk}"]
        assert rows[0]["vendor"] == (vendor.ref or f"org-{vendor.pk}")
