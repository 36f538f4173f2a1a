"""Staff exports of the offering catalogue (listings/exports.py): who may export, the filters
they keep, llm-match/v1 files that import back into an empty site, and CSV/Excel tables whose
formula-like text is neutralised (core/spreadsheets.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from matchmaking.accounts.models import Organization
from matchmaking.cases.models import Case
from matchmaking.core import spreadsheets
from matchmaking.listings.io.exporter import export_data
from matchmaking.listings.io.importer import import_data
from matchmaking.listings.models import Need, Offering
from tests import factories
from tests.cases.conftest import make_case

pytestmark = pytest.mark.django_db

URL = reverse("listings:offering-export")


@pytest.fixture
def catalogue(db):
    vendor = factories.make_organization(kind="vendor", name='=HYPERLINK("http://x","点我")')
    vendor.filing_number = "Beijing-WangXin-2024-0001"
    vendor.save()
    other = factories.make_organization(kind="vendor", name="普通厂商")
    domestic = factories.make_offering(
        organization=vendor, title="信创客服", domestic_platforms=["昇腾"], on_premises_data=True
    )
    factories.make_offering(organization=other, title="公有云客服", sectors=("healthcare",))
    factories.make_offering(
        organization=other, title="国产算力", domestic_platforms=["海光"], sectors=()
    )
    factories.make_offering(organization=vendor, status="draft", title="草稿")
    make_case(vendor=vendor, status="published", offering=domestic)
    factories.make_need(title="某银行需求")
    return {"vendor": vendor, "domestic": domestic}


def _csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


class ExportPermissionTests:
    @pytest.mark.parametrize("export_format", ["json", "csv", "xlsx"])
    def test_anonymous_members_and_vendors_get_403(
        self, client, catalogue, enterprise_owner, vendor_owner, export_format
    ):
        assert client.get(URL, {"export_format": export_format}).status_code == 403
        for user in (enterprise_owner, vendor_owner):
            client.force_login(user)
            assert client.get(URL, {"export_format": export_format}).status_code == 403
        client.logout()
        member = catalogue["vendor"].memberships.get().user
        client.force_login(member)
        assert client.get(URL, {"export_format": export_format, "scope": "all"}).status_code == 403

    @pytest.mark.parametrize("export_format", ["json", "csv", "xlsx"])
    def test_staff_download_each_format(self, client, admin_user, catalogue, export_format):
        client.force_login(admin_user)
        response = client.get(URL, {"export_format": export_format})
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Disposition"].endswith(f'.{export_format}"')

    def test_only_staff_see_the_export_links_and_they_keep_the_filters(
        self, client, admin_user, vendor_owner, catalogue
    ):
        listing = reverse("listings:offering-list")
        assert "data-staff-export" not in client.get(listing).content.decode()
        client.force_login(vendor_owner)
        assert "data-staff-export" not in client.get(listing).content.decode()
        client.force_login(admin_user)
        html = client.get(listing, {"domestic": "true", "sector": "finance"}).content.decode()
        assert f"{URL}?export_format=csv&amp;domestic=true&amp;sector=finance" in html

    def test_the_admin_import_page_offers_the_export(self, client, admin_user):
        client.force_login(admin_user)
        html = client.get("/admin/listings/import/").content.decode()
        assert f"{URL}?export_format=json&amp;scope=all" in html
        assert f"{URL}?export_format=xlsx" in html

    def test_invalid_filters_or_format_are_a_bad_request(self, client, admin_user, catalogue):
        client.force_login(admin_user)
        assert client.get(URL, {"export_format": "csv", "sector": "nope"}).status_code == 400
        assert client.get(URL, {"export_format": "pdf"}).status_code == 400


class ExportContentTests:
    def test_csv_lists_the_filtered_offerings_in_browse_order(self, client, admin_user, catalogue):
        client.force_login(admin_user)
        rows = _csv_rows(client.get(URL, {"export_format": "csv", "domestic": "1"}))
        assert [row[1] for row in rows[1:]] == ["国产算力", "信创客服"]
        rows = _csv_rows(client.get(URL, {"export_format": "csv", "filed": "1"}))
        assert [row[1] for row in rows[1:]] == ["信创客服"]
        assert rows[1][4] == "Beijing-WangXin-2024-0001"

    def test_the_price_unit_is_its_label_in_the_exports_language(
        self, client, admin_user, catalogue
    ):
        from matchmaking.listings.models import Offering

        Offering.objects.filter(title="信创客服").update(price_unit="year")
        client.force_login(admin_user)
        rows = _csv_rows(client.get(URL, {"export_format": "csv", "filed": "1"}))
        assert rows[1][12] == "按年"
        client.cookies["django_language"] = "en"
        rows = _csv_rows(client.get(URL, {"export_format": "csv", "filed": "1"}))
        assert rows[1][12] == "per year"

    def test_a_formula_in_a_vendor_name_is_neutralised_in_csv_and_excel(
        self, client, admin_user, catalogue
    ):
        from openpyxl import load_workbook

        client.force_login(admin_user)
        rows = _csv_rows(client.get(URL, {"export_format": "csv", "filed": "1"}))
        assert rows[1][2] == '\'=HYPERLINK("http://x","点我")'
        response = client.get(URL, {"export_format": "xlsx", "filed": "1"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        cell = sheet.cell(row=2, column=3)
        assert cell.value == '=HYPERLINK("http://x","点我")' and cell.data_type == "s"
        assert sheet.cell(row=2, column=2).value == "信创客服"
        assert sheet.cell(row=2, column=11).value == 100_000  # numbers stay numbers

    def test_the_helper_neutralises_every_formula_prefix(self):
        for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
            assert spreadsheets.csv_cell(text) == "'" + text
        assert spreadsheets.csv_cell("客服") == "客服" and spreadsheets.csv_cell(-5) == "-5"
        assert spreadsheets.csv_cell(None) == ""

    def test_a_filtered_llm_match_export_imports_into_an_empty_site_unchanged(
        self, client, admin_user, catalogue
    ):
        """export(domestic=1) → empty site → import → the same offerings (and their case)."""
        client.force_login(admin_user)
        response = client.get(URL, {"export_format": "json", "domestic": "true"})
        exported = json.loads(response.content)
        assert exported["format"] == "llm-match/v1"
        assert {o["title"] for o in exported["offerings"]} == {"信创客服", "国产算力"}
        assert exported["needs"] == []
        assert len(exported["organizations"]) == 2
        Case.objects.all().delete()
        Need.objects.all().delete()
        Offering.objects.all().delete()
        Organization.objects.all().delete()
        assert import_data(exported).ok
        again = export_data()
        assert again["offerings"] == exported["offerings"]
        assert again["organizations"] == exported["organizations"]
        assert [case["title"] for case in again.get("cases", [])] == [
            case["title"] for case in exported.get("cases", [])
        ]
        assert len(exported.get("cases", [])) == 1

    def test_the_whole_catalogue_includes_drafts_and_needs(self, client, admin_user, catalogue):
        client.force_login(admin_user)
        data = json.loads(client.get(URL, {"export_format": "json", "scope": "all"}).content)
        assert {"草稿", "信创客服"} <= {o["title"] for o in data["offerings"]}
        assert "某银行需求" in {n["title"] for n in data["needs"]}
