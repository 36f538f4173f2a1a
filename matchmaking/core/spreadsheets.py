"""The one way to write a CSV or Excel file a person will open in a spreadsheet program.

Every CSV/XLSX export goes through these helpers, so a value a user typed (an organization's
English name, a need's region) can never become a live formula on a staff member's machine
(CSV/formula injection). Following the OWASP guidance:

* CSV: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
  prefixed with a single quote, which spreadsheet programs show as text and never evaluate.
  Numbers are written as they are (``-3`` is a number, not a formula).
* XLSX: every text cell is written with the string data type, so openpyxl never stores it as a
  formula, whatever it starts with; numbers stay numbers.

Files start with a UTF-8 byte-order mark, so Excel opens Chinese text correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The first characters that make a spreadsheet program read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_NUMBERS = (int, float, Decimal)


def neutralise(text: str) -> str:
    """``text`` with a leading single quote when it would otherwise start a formula."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_cell(value) -> str:
    """One CSV cell: empty for None, numbers as written, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, _NUMBERS):
        return str(value)
    return neutralise(str(value))


def csv_row(values: Iterable) -> list[str]:
    return [csv_cell(value) for value in values]


def csv_bytes(columns: Sequence, rows: Iterable[Sequence]) -> bytes:
    """A whole CSV file: UTF-8 with a byte-order mark, the header row, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_row(columns))
    for row in rows:
        writer.writerow(csv_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_append(sheet, values: Iterable, *, bold: bool = False) -> None:
    """Append one row to an openpyxl worksheet, text cells forced to the string type."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value is not None else 1
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        if value is None:
            continue
        if isinstance(value, (bool, *_NUMBERS)):
            cell.value = value
        elif isinstance(value, (datetime, date)):
            cell.value = value.replace(tzinfo=None) if isinstance(value, datetime) else value
        else:
            # Assigning a str that starts with "=" makes openpyxl store a formula; setting
            # the type afterwards keeps it an inert string.
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
            cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)


def xlsx_bytes(columns: Sequence, rows: Iterable[Sequence], *, title: str = "Sheet") -> bytes:
    """A whole workbook of one sheet: a bold header row, then the rows."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (title or "Sheet")[:31]
    xlsx_append(sheet, columns, bold=True)
    for row in rows:
        xlsx_append(sheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
