"""CSV and Excel files of a table (a header row, then rows), safe to open in a spreadsheet.

Formula injection: a text cell starting with ``= + - @``, a tab or a carriage return is read
by Excel/LibreOffice as a formula (``=HYPERLINK(...)`` in a vendor's name would become a live
link). Every text cell is neutralised by a leading apostrophe, the usual spreadsheet marker for
"this is text"; numbers stay numbers. In Excel files, text cells are also written with the
string type, so nothing is ever stored as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value as a spreadsheet should store it: None → "", formula-like text prefixed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(str(column)) for column in columns])
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(columns: Sequence[str], rows: Iterable[Sequence], *, title: str = "Sheet") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])

    def cell(value, *, bold: bool = False):
        value = neutralise(value)
        made = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            made.data_type = "s"  # text, never a formula
        if bold:
            made.font = Font(bold=True)
        return made

    sheet.append([cell(str(column), bold=True) for column in columns])
    for row in rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
