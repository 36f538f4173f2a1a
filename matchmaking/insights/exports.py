"""CSV and Excel renderings of an insight table: the header row, then exactly its rows."""

from __future__ import annotations

import csv
import io

from matchmaking.insights.selectors import Table

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_value(value) -> str:
    return "" if value is None else str(value)


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese labels correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([csv_value(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.slug[:31]
    sheet.append(list(table.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
