"""The insights page, its staff-only section, the exports and cache invalidation."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from matchmaking.insights import reports
from matchmaking.insights.exports import csv_value
from matchmaking.listings import services as listing_services
from tests import factories

pytestmark = pytest.mark.django_db

INDEX = "/insights/"
PUBLIC = [report.slug for report in reports.REPORTS if not report.staff_only]
STAFF = sorted(report.slug for report in reports.REPORTS if report.staff_only)


def english_table(slug):
    with translation.override("en"):
        return reports.table(slug)


def page_table(html: str, slug: str) -> list[list[str]]:
    """The body rows of the page's <table data-table=slug>, as text."""
    match = re.search(rf'<table class="data" data-table="{slug}">(.*?)</table>', html, re.S)
    assert match, slug
    body = match.group(1).split("<tbody>")[1]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


class InsightsPageTests:
    def test_visitors_see_every_public_table_with_its_note_and_exports(self, world, english):
        response = english.get(INDEX)
        assert response.status_code == 200
        html = response.content.decode()
        for slug in PUBLIC:
            table = english_table(slug)
            assert unescape(table.title) in unescape(html)
            assert reverse("insights:export-csv", args=[slug]) in html
            assert reverse("insights:export-xlsx", args=[slug]) in html
        assert 'class="chart heat-map"' in html and 'role="img"' in html
        assert html.count('class="heat-cell"') == 36

    @pytest.mark.parametrize("who", ["visitor", "member"])
    def test_staff_only_figures_are_absent_for_others(self, world, english, who):
        if who == "member":
            english.force_login(world["member"])
        html = unescape(english.get(INDEX).content.decode())
        for slug in STAFF:
            assert english_table(slug).title not in html
            assert f'data-table="{slug}"' not in html
            assert reverse("insights:export-csv", args=[slug]) not in html
        assert "Hidden Co" not in html and "隐名企业" not in html  # anonymous poster
        assert "Acceptance rate" not in html

    def test_staff_see_the_staff_section(self, world, english):
        english.force_login(world["staff"])
        html = unescape(english.get(INDEX).content.decode())
        for slug in STAFF:
            assert english_table(slug).title in html
        assert "隐名企业" in html  # the staff unmet-needs table names the poster

    def test_every_page_table_equals_its_selector_rows(self, world, english):
        english.force_login(world["staff"])
        html = english.get(INDEX).content.decode()
        for slug in (report.slug for report in reports.REPORTS):
            expected = [
                ["—" if v is None else csv_value(v) for v in row]
                for row in english_table(slug).rows
            ]
            assert page_table(html, slug) == expected, slug

    def test_heat_map_cells_link_to_the_filtered_browse_pages(self, world, client):
        html = client.get(INDEX).content.decode()
        assert 'href="/offerings/?sector=finance&amp;app_type=qa"' in html
        assert 'href="/needs/?sector=finance&amp;app_type=qa"' in html

    def test_home_page_shows_the_top_gaps(self, world, english):
        html = english.get("/").content.decode()
        assert "Where demand is waiting" in html
        first_gap = reports.table("unmet-cells").links[0][2]
        assert first_gap.replace("&", "&amp;") in html


class ExportTests:
    @pytest.mark.parametrize("slug", [report.slug for report in reports.REPORTS])
    def test_csv_and_excel_equal_the_tables(self, world, english, slug):
        english.force_login(world["staff"])
        table = english_table(slug)
        response = english.get(reverse("insights:export-csv", args=[slug]))
        assert response.status_code == 200
        assert response.content.startswith("\ufeff".encode())
        parsed = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert parsed[0] == table.columns
        assert parsed[1:] == [[csv_value(v) for v in row] for row in table.rows]

        response = english.get(reverse("insights:export-xlsx", args=[slug]))
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert values[0] == table.columns
        assert values[1:] == [list(row) for row in table.rows]

    @pytest.mark.parametrize("slug", STAFF)
    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_staff_exports_are_not_found_for_others(self, world, client, slug, fmt):
        url = reverse(f"insights:export-{fmt}", args=[slug])
        assert client.get(url).status_code == 404
        client.force_login(world["member"])
        assert client.get(url).status_code == 404

    def test_public_exports_work_for_visitors_and_unknown_tables_are_404(self, world, client):
        assert client.get(reverse("insights:export-csv", args=["heat-map"])).status_code == 200
        assert client.get(reverse("insights:export-csv", args=["nope"])).status_code == 404

    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_a_report_declared_not_exportable_is_shown_but_not_downloadable(
        self, world, client, monkeypatch, fmt
    ):
        declared = reports.get("by-kind")
        monkeypatch.setattr(
            reports,
            "get",
            lambda slug: dataclasses.replace(declared, exportable=False)
            if slug == "by-kind"
            else declared,
        )
        monkeypatch.setattr(
            reports,
            "REPORTS",
            tuple(reports.get(r.slug) if r.slug == "by-kind" else r for r in reports.REPORTS),
        )
        url = reverse(f"insights:export-{fmt}", args=["by-kind"])
        assert client.get(url).status_code == 404
        html = client.get(INDEX).content.decode()
        assert 'data-table="by-kind"' in html
        assert url not in html
        assert reverse(f"insights:export-{fmt}", args=["by-layer"]) in html


class RegistryTests:
    def test_the_page_shows_the_reports_in_registry_order(self, world, client):
        html = client.get(INDEX).content.decode()
        shown = re.findall(r'<section id="([a-z-]+)" class="insights-section', html)
        assert shown == PUBLIC

    def test_staff_see_the_staff_reports_after_the_public_ones(self, world, client):
        client.force_login(world["staff"])
        html = client.get(INDEX).content.decode()
        shown = re.findall(r'<section id="([a-z-]+)" class="insights-section', html)
        assert shown == PUBLIC + [r.slug for r in reports.REPORTS if r.staff_only]

    def test_the_table_of_contents_links_each_labelled_report(self, world, english):
        html = english.get(INDEX).content.decode()
        toc = re.search(r'<nav class="insights-toc"[^>]*>(.*?)</nav>', html, re.S).group(1)
        assert re.findall(r'href="#([a-z-]+)"', toc) == [r.slug for r in reports.REPORTS if r.toc]
        assert ">Heat map</a>" in toc and ">Distributions</a>" in toc


class CacheTests:
    def test_a_new_listing_changes_the_cached_figures(self, world):
        before = {(c["sector"], c["app_type"]): c for c in reports.table("heat-map").chart["cells"]}
        assert reports.table("heat-map") is not None  # served from the cache now
        listing_services.need_create(
            organization=world["bank"],
            title="新的政务问答需求",
            description="政务热线常见问题自动回答",
            sectors=["government"],
            app_types=["qa"],
            publish=True,
        )
        after = {(c["sector"], c["app_type"]): c for c in reports.table("heat-map").chart["cells"]}
        assert after["government", "qa"]["needs"] == before["government", "qa"]["needs"] + 1

    def test_writes_outside_the_listings_services_also_invalidate(self, world):
        before = reports.table("by-kind").rows
        factories.make_offering(kind="data")
        assert reports.table("by-kind").rows != before

    def test_a_new_case_changes_the_vendor_table(self, world):
        from tests.insights.conftest import make_case

        vendor_b = world["vendors"][1]
        assert reports.table("top-vendors").rows[1][1] == 1
        make_case(vendor=vendor_b)
        make_case(vendor=vendor_b)
        assert reports.table("top-vendors").rows[0] == [vendor_b.display_name, 3]
