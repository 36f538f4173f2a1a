"""Exports never hand a spreadsheet program a live formula typed by a user (CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from matchmaking.core import spreadsheets

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.test/x","Click for details")'
CALC = "@SUM(1+1)*cmd|' /C calc'!A0"


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_sheet(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active


def cell_for(sheet, value):
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} not in the sheet")


@pytest.fixture
def hostile(world):
    vendor_a, vendor_b = world["vendors"]
    vendor_a.name_en = HYPERLINK
    vendor_a.save(update_fields=["name_en"])
    vendor_b.name_en = CALC
    vendor_b.save(update_fields=["name_en"])
    need = world["needs"][0]
    need.region = CALC
    need.save(update_fields=["region"])
    return world


class FormulaInjectionTests:
    def test_anonymous_top_vendors_csv_neutralises_a_formula_name(self, hostile, english):
        rows = csv_rows(english.get(reverse("insights:export-csv", args=["top-vendors"])))
        names = [row[0] for row in rows[1:]]
        assert "'" + HYPERLINK in names
        assert not any(name.startswith(spreadsheets.FORMULA_TRIGGERS) for name in names)

    def test_anonymous_top_vendors_xlsx_writes_the_name_as_a_string(self, hostile, english):
        sheet = xlsx_sheet(english.get(reverse("insights:export-xlsx", args=["top-vendors"])))
        names = [sheet.cell(row, 1) for row in range(2, sheet.max_row + 1)]
        assert HYPERLINK in [cell.value for cell in names]
        assert sheet["A2"].data_type == "s"
        assert all(cell.data_type == "s" for cell in names)
        # The counts stay numbers.
        assert sheet["B2"].data_type == "n"

    def test_staff_vendor_acceptance_exports_are_neutralised(self, hostile, english):
        english.force_login(hostile["staff"])
        rows = csv_rows(english.get(reverse("insights:export-csv", args=["vendor-acceptance"])))
        names = {row[0] for row in rows[1:]}
        assert {"'" + HYPERLINK, "'" + CALC} <= names
        sheet = xlsx_sheet(english.get(reverse("insights:export-xlsx", args=["vendor-acceptance"])))
        assert cell_for(sheet, HYPERLINK).data_type == "s"
        assert cell_for(sheet, CALC).data_type == "s"

    def test_a_need_region_is_neutralised_in_by_region(self, hostile, english):
        rows = csv_rows(english.get(reverse("insights:export-csv", args=["by-region"])))
        assert "'" + CALC in [row[0] for row in rows[1:]]
        assert CALC not in [row[0] for row in rows[1:]]
        sheet = xlsx_sheet(english.get(reverse("insights:export-xlsx", args=["by-region"])))
        assert cell_for(sheet, CALC).data_type == "s"


class SpreadsheetHelperTests:
    @pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
    def test_every_trigger_is_prefixed(self, text):
        assert spreadsheets.csv_cell(text) == "'" + text

    def test_numbers_and_plain_text_are_left_alone(self):
        assert spreadsheets.csv_cell(-3) == "-3"
        assert spreadsheets.csv_cell(None) == ""
        assert spreadsheets.csv_cell("北京 = 首都") == "北京 = 首都"

    def test_xlsx_text_is_never_a_formula(self):
        data = spreadsheets.xlsx_bytes(["a", "b"], [["=1+1", 2], ["-x", -2.5]], title="t")
        sheet = load_workbook(io.BytesIO(data)).active
        assert [c.data_type for c in sheet[2]] == ["s", "n"]
        assert sheet["A2"].value == "=1+1"
        assert sheet["B3"].value == -2.5
        assert sheet["A1"].font.bold


def test_no_module_writes_spreadsheets_except_the_helper():
    """Every CSV/XLSX export goes through core.spreadsheets (one place neutralises formulas)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "matchmaking"
    helper = root / "core" / "spreadsheets.py"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path != helper
        and any(
            needle in path.read_text(encoding="utf-8")
            for needle in ("csv.writer(", "csv.DictWriter(", "import openpyxl", "from openpyxl")
        )
    ]
    assert offenders == []
