"""CSV and Excel renderings of an insight table: the header row, then exactly its rows.

Both go through core.spreadsheets, which keeps user-typed text from becoming a formula."""

from __future__ import annotations

from matchmaking.core import spreadsheets
from matchmaking.insights.reports import Table

CSV_CONTENT_TYPE = spreadsheets.CSV_CONTENT_TYPE
XLSX_CONTENT_TYPE = spreadsheets.XLSX_CONTENT_TYPE

csv_value = spreadsheets.csv_cell


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese labels correctly."""
    return spreadsheets.csv_bytes(table.columns, table.rows)


def table_xlsx(table: Table) -> bytes:
    return spreadsheets.xlsx_bytes(table.columns, table.rows, title=table.slug)
