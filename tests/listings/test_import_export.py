"""Import and export of the llm-match/v1 format (issue part 7)."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from matchmaking.accounts.models import Organization
from matchmaking.listings.io import registry
from matchmaking.listings.io.exporter import export_data
from matchmaking.listings.io.importer import import_data, import_file
from matchmaking.listings.io.registry import get_import_section
from matchmaking.listings.io.sections import offerings as offering_section
from matchmaking.listings.models import Need, Offering
from tests import factories

DEV_FILE = Path(settings.BASE_DIR).parent / "shared" / "data" / "matching-dev.json"
EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "llm-match-example.json"
ERRORS_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "llm-match-errors.json"

pytestmark = pytest.mark.django_db


def dev_data() -> dict:
    return json.loads(DEV_FILE.read_text(encoding="utf-8"))


def small_data() -> dict:
    return json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))


def counts() -> tuple[int, int, int, int, int]:
    return (
        Organization.objects.count(),
        Offering.objects.count(),
        Need.objects.count(),
        Offering.sectors.through.objects.count(),
        Need.deployment_modes.through.objects.count(),
    )


def cases_registered() -> bool:
    return get_import_section("cases") is not None


class ImportTests:
    def test_importing_the_dev_file_creates_exactly_its_counts(self):
        """matching-dev.json: every organization, offering and need once; cases are created
        when the case library handles them, otherwise reported as skipped; labels ignored."""
        data = dev_data()
        report = import_file(DEV_FILE)
        assert report.ok, report.errors
        assert Organization.objects.count() == len(data["organizations"]) == 48
        assert Offering.objects.count() == len(data["offerings"]) == 60
        assert Need.objects.count() == len(data["needs"]) == 30
        assert report.results["offerings"].created == 60
        if cases_registered():
            assert report.results["cases"].created == len(data["cases"]) == 10
        else:
            assert "cases" in report.skipped_sections
            assert "cases: 10 skipped (no handler)" in report.summary_lines()
        assert report.ignored_sections == ["labels"]

    def test_importing_twice_updates_instead_of_duplicating(self):
        import_data(dev_data())
        data = dev_data()
        data["offerings"][0]["title"] = "城市视频智能分析（新版）"
        data["offerings"][0]["sectors"] = ["government"]
        data["needs"][0]["budget_max"] = 3_000_000
        before = counts()

        report = import_data(data)

        assert report.ok
        assert counts()[:3] == before[:3]
        assert report.results["offerings"].created == 0
        assert report.results["offerings"].updated == 60
        offering = Offering.objects.get(ref=data["offerings"][0]["ref"])
        assert offering.title == "城市视频智能分析（新版）"
        assert list(offering.sectors.values_list("code", flat=True)) == ["government"]
        assert "（新版）" in offering.search_text
        assert Need.objects.get(ref=data["needs"][0]["ref"]).budget_max == 3_000_000

    def test_imported_offerings_are_published_and_needs_open_by_default(self):
        import_data(small_data())
        offering = Offering.objects.get(ref="ex-o-1")
        assert offering.status == "published"
        assert offering.published_at is not None
        need = Need.objects.get(ref="ex-n-1")
        assert need.status == "open"
        assert need.published_at is not None
        assert need.expires_on.isoformat() == "2027-06-30"

    def test_imported_open_needs_count_as_reviewed(self):
        """An operator's bulk import is the review: imported needs skip the review queue."""
        import_data(small_data())
        assert Need.objects.get(ref="ex-n-1").reviewed_at is not None
        assert not Need.objects.awaiting_review().filter(ref="ex-n-1").exists()

    def test_a_records_status_overrides_the_default(self):
        data = small_data()
        data["needs"][0]["status"] = "closed"
        import_data(data)
        assert Offering.objects.get(ref="ex-o-2").status == "draft"
        assert Offering.objects.get(ref="ex-o-2").published_at is None
        assert Need.objects.get(ref="ex-n-1").status == "closed"

    def test_fields_codes_and_search_indexes_are_stored(self):
        import_data(small_data())
        offering = Offering.objects.get(ref="ex-o-1")
        assert offering.organization.ref == "ex-v-acme"
        assert offering.kind.code == "product"
        assert offering.layer.code == "application"
        assert list(offering.app_types.values_list("code", flat=True)) == ["qa"]
        assert list(offering.deployment_modes.values_list("code", flat=True)) == ["appliance"]
        assert (offering.price_min, offering.price_max, offering.price_unit) == (
            380000,
            980000,
            "unit",
        )
        assert offering.regions_index == "|北京|"
        assert "知识库问答一体机" in offering.search_text
        assert "示例智能科技" in offering.search_text
        need = Need.objects.get(ref="ex-n-1")
        assert need.visibility == "anonymous"
        assert need.requires_on_premises is True
        assert sorted(need.deployment_modes.values_list("code", flat=True)) == [
            "appliance",
            "private",
        ]

    def test_records_may_refer_to_organizations_already_on_the_site(self):
        vendor = factories.make_organization(kind="vendor")
        vendor.ref = "site-vendor"
        vendor.save()
        data = {
            "format": "llm-match/v1",
            "offerings": [
                {
                    "ref": "o-x",
                    "org": "site-vendor",
                    "title": "数据标注",
                    "description": "标注服务",
                    "kind": "service",
                }  # fmt: skip
            ],
        }
        report = import_data(data)
        assert report.ok, report.errors
        offering = Offering.objects.get(ref="o-x")
        assert offering.organization == vendor
        assert offering.summary == "标注服务"

    def test_importing_an_organization_does_not_touch_its_contacts(self):
        org = factories.make_organization(kind="vendor", contact_person="张三")
        org.ref = "ex-v-acme"
        org.save()
        import_data(small_data())
        org.refresh_from_db()
        assert org.name == "示例智能科技"
        assert org.contact_person == "张三"

    def test_a_dry_run_reports_and_changes_nothing(self):
        before = counts()
        report = import_data(small_data(), dry_run=True)
        assert report.ok
        assert report.results["offerings"].created == 2
        assert counts() == before

    def test_the_command_prints_a_summary_per_section(self, capsys):
        call_command("import_listings", str(EXAMPLE_FILE))
        out = capsys.readouterr().out
        assert "organizations: 2 created, 0 updated" in out
        assert "offerings: 2 created, 0 updated" in out
        assert "labels: 1 ignored" in out


class ImportErrorTests:
    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            (
                lambda d: d["offerings"][0].update(sectors=["finance", "fintech"]),
                'offerings[0].sectors: unknown code "fintech"',
            ),
            (
                lambda d: d["offerings"][0].update(org="ex-e-bank"),
                'offerings[0].org: "ex-e-bank" is not a vendor organization',
            ),
            (
                lambda d: d["needs"][0].update(org="ex-v-acme"),
                'needs[0].org: "ex-v-acme" is not an enterprise organization',
            ),
            (
                lambda d: d["needs"][0].update(org="nobody"),
                'needs[0].org: unknown organizations ref "nobody"',
            ),
            (
                lambda d: d["needs"][0].update(budget_min=900000),
                "needs[0].budget_min: budget_min 900000 is greater than budget_max 800000",
            ),
            (
                lambda d: d["offerings"][1].update(price_min=100, price_max=10),
                "offerings[1].price_min: price_min 100 is greater than price_max 10",
            ),
            (
                lambda d: d["needs"][0].update(deadline="2027-02-30"),
                'needs[0].deadline: expected a date YYYY-MM-DD, got "2027-02-30"',
            ),
            (
                lambda d: d["needs"].append(dict(d["needs"][0])),
                'needs[1].ref: duplicate ref "ex-n-1" (also needs[0])',
            ),
            (lambda d: d["offerings"][1].pop("title"), "offerings[1].title: required"),
            (
                lambda d: d["offerings"][1].update(kind="model"),
                'offerings[1].kind: unknown code "model"',
            ),
            (
                lambda d: d["needs"][0].update(status="pending"),
                'needs[0].status: unknown value "pending"',
            ),
            (
                lambda d: d["organizations"][0].update(kind="company"),
                'organizations[0].kind: unknown value "company"',
            ),
            (
                lambda d: d["offerings"][0].update(price_min="很多"),
                'offerings[0].price_min: expected a whole number of CNY or null, got "很多"',
            ),
            (lambda d: d["needs"].append("n-2"), 'needs[1]: expected an object, got "n-2"'),
            (lambda d: d.update(needs={"ref": "x"}), "needs: expected a list of records"),
        ],
    )
    def test_each_error_is_reported_with_its_place_and_nothing_changes(self, change, expected):
        data = small_data()
        change(data)
        before = counts()
        report = import_data(data)
        assert not report.ok
        assert any(error.startswith(expected) for error in report.errors), report.errors
        assert counts() == before

    def test_every_error_of_a_file_is_reported(self):
        report = import_file(ERRORS_FILE)
        assert len(report.errors) == 13
        assert counts() == (0, 0, 0, 0, 0)

    def test_errors_only_in_the_last_section_change_nothing(self):
        import_data(small_data())
        data = dev_data()
        data["needs"][-1]["deadline"] = "tomorrow"
        before = counts()
        report = import_data(data)
        assert report.errors == [
            f'needs[{len(data["needs"]) - 1}].deadline: expected a date YYYY-MM-DD, got "tomorrow"'
        ]
        assert counts() == before
        assert not Organization.objects.filter(ref=data["organizations"][0]["ref"]).exists()

    def test_a_failure_while_writing_rolls_back_every_section(self, monkeypatch):
        """A worker dying half-way (here: the needs section raising) leaves the database
        exactly as it was: the whole import is one transaction."""

        def boom(items, ctx):
            raise RuntimeError("worker killed")

        section = get_import_section("needs")
        monkeypatch.setitem(registry._sections, "needs", dataclasses.replace(section, apply=boom))
        before = counts()
        with pytest.raises(RuntimeError):
            import_data(dev_data())
        assert counts() == before

    def test_invalid_json_is_reported_with_its_position(self):
        report = import_data(b'{"format": "llm-match/v1", "offerings": [}')
        assert report.errors == ["file: invalid JSON at line 1, column 42: Expecting value"]

    def test_a_wrong_format_is_refused(self):
        report = import_data({"format": "llm-match/v2", "offerings": []})
        assert report.errors == ['format: expected "llm-match/v1", got "llm-match/v2"']
        report = import_data(b"[]")
        assert report.errors == ['file: expected a JSON object with a "format" key']

    def test_the_command_exits_non_zero_with_every_error(self):
        with pytest.raises(CommandError) as raised:
            call_command("import_listings", str(ERRORS_FILE))
        message = str(raised.value)
        assert "13 error(s); nothing was changed" in message
        assert 'offerings[0].sectors: unknown code "fintech"' in message
        assert "offerings[2].title: required" in message
        assert counts() == (0, 0, 0, 0, 0)

    def test_an_unknown_section_is_skipped_not_refused(self):
        data = small_data()
        data["partners"] = [{"ref": "p-1"}]
        report = import_data(data)
        assert report.ok
        assert "partners" in report.skipped_sections


def _without_cases(data: dict) -> dict:
    data = copy.deepcopy(data)
    data.pop("cases", None)
    return data


def _clear_listings() -> None:
    Need.objects.all().delete()
    Offering.objects.all().delete()
    Organization.objects.all().delete()


class RoundTripTests:
    def test_import_export_import_is_lossless(self):
        """import(A) → export E1 → import E1 into empty tables → export E2: E1 == E2, and E1
        carries every value of A (lists of codes as sets)."""
        original = _without_cases(dev_data())
        assert import_data(original).ok
        first = export_data()
        _clear_listings()
        assert counts() == (0, 0, 0, 0, 0)
        assert import_data(first).ok
        second = export_data()
        assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)

        for section in ("organizations", "offerings", "needs"):
            exported = {record["ref"]: record for record in first[section]}
            assert set(exported) == {record["ref"] for record in original[section]}
            for record in original[section]:
                for name, value in record.items():
                    got = exported[record["ref"]][name]
                    if name in ("sectors", "app_types", "deployment"):
                        assert set(got) == set(value), (section, record["ref"], name)
                    else:
                        assert got == value, (section, record["ref"], name)

    def test_the_command_writes_readable_utf8_json(self, tmp_path):
        import_data(small_data())
        target = tmp_path / "out.json"
        call_command("export_listings", str(target))
        text = target.read_text(encoding="utf-8")
        assert "知识库问答一体机" in text
        data = json.loads(text)
        assert data["format"] == "llm-match/v1"
        assert [o["ref"] for o in data["offerings"]] == ["ex-o-1", "ex-o-2"]

    def test_records_created_on_the_site_get_stable_refs(self):
        org = factories.make_organization(kind="vendor")
        data = export_data()
        assert {"ref": f"org-{org.pk}", "kind": "vendor"}.items() <= next(
            r for r in data["organizations"] if r["ref"] == f"org-{org.pk}"
        ).items()

    def test_published_only_leaves_out_drafts(self):
        import_data(small_data())
        data = export_data(include_unpublished=False)
        assert [o["ref"] for o in data["offerings"]] == ["ex-o-1"]


class AdminImportTests:
    url = "/admin/listings/import/"

    def test_staff_upload_a_file_and_it_is_imported(self, client, admin_user):
        client.force_login(admin_user)
        upload = SimpleUploadedFile("listings.json", EXAMPLE_FILE.read_bytes())
        response = client.post(self.url, {"file": upload})
        assert response.status_code == 200
        assert Offering.objects.filter(ref="ex-o-1").exists()
        assert "offerings: 2 created, 0 updated" in response.context["summary"]

    def test_staff_see_every_error_and_nothing_changes(self, client, admin_user):
        client.force_login(admin_user)
        upload = SimpleUploadedFile("bad.json", ERRORS_FILE.read_bytes())
        response = client.post(self.url, {"file": upload})
        assert response.status_code == 200
        assert len(response.context["report"].errors) == 13
        assert "offerings[0].sectors: unknown code &quot;fintech&quot;" in response.content.decode()
        assert Offering.objects.count() == 0

    def test_a_dry_run_upload_changes_nothing(self, client, admin_user):
        client.force_login(admin_user)
        upload = SimpleUploadedFile("listings.json", EXAMPLE_FILE.read_bytes())
        response = client.post(self.url, {"file": upload, "dry_run": "on"})
        assert response.context["report"].ok
        assert Offering.objects.count() == 0

    def test_the_page_is_for_staff_only(self, client, enterprise_owner):
        assert client.get(self.url).status_code == 302
        client.force_login(enterprise_owner)
        upload = SimpleUploadedFile("listings.json", EXAMPLE_FILE.read_bytes())
        response = client.post(self.url, {"file": upload})
        assert response.status_code in (302, 403)
        assert Offering.objects.count() == 0

    def test_the_page_is_reachable_by_its_admin_url_name(self):
        assert reverse("admin:listings-import") == self.url


def test_listings_sections_are_registered_in_apply_order():
    assert get_import_section("organizations").order < get_import_section("offerings").order
    assert get_import_section("offerings").order < get_import_section("needs").order
    assert get_import_section("offerings").apply is offering_section.apply_offerings


class OrganizationKindsTests:
    """Listing records name their organizations by ref; their kinds (a vendor's offering, an
    enterprise's need) are read for the whole section in a few queries, not one per ref."""

    def _file(self, vendors: list[str], enterprise: str) -> dict:
        offering = small_data()["offerings"][0]
        offerings = [
            {**offering, "ref": f"kinds-o-{i}", "org": ref} for i, ref in enumerate(vendors)
        ]
        offerings.append({**offering, "ref": "kinds-o-wrong", "org": enterprise})
        offerings.append({**offering, "ref": "kinds-o-bad", "org": ["not", "a", "ref"]})
        return {"format": small_data()["format"], "offerings": offerings}

    def test_the_kinds_are_read_in_one_query_and_a_wrong_kind_is_still_reported(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        vendors = []
        for i in range(30):
            org = factories.make_organization(kind="vendor")
            Organization.objects.filter(pk=org.pk).update(ref=f"kinds-v-{i}")
            vendors.append(f"kinds-v-{i}")
        enterprise = factories.make_organization(kind="enterprise")
        Organization.objects.filter(pk=enterprise.pk).update(ref="kinds-e")
        with CaptureQueriesContext(connection) as queries:
            report = import_data(self._file(vendors, "kinds-e"), dry_run=True)
        assert 'offerings[30].org: "kinds-e" is not a vendor organization' in report.errors
        assert any(error.startswith("offerings[31].org") for error in report.errors)
        assert not any(f'"{ref}"' in error for error in report.errors for ref in vendors)
        kind_reads = [
            q for q in queries if '"kind"' in q["sql"] and "accounts_organization" in q["sql"]
        ]
        assert 1 <= len(kind_reads) <= 2, [q["sql"] for q in kind_reads]
        assert Offering.objects.filter(ref__startswith="kinds-o-").count() == 0
