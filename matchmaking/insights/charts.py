"""Geometry for the server-rendered SVG charts (no JavaScript, no inline styles).

Each function turns a `Table` into plain numbers the chart partials in
templates/insights/includes/ draw; colours come from CSS classes in static/css/insights.css
(``heat-0``…``heat-5`` for the heat map, ``series-1``…``series-5`` for bars and lines).
"""

from __future__ import annotations

from matchmaking.insights.reports import Table

HEAT_LABEL_WIDTH = 140
HEAT_HEADER_HEIGHT = 48
HEAT_CELL_WIDTH = 116
HEAT_CELL_HEIGHT = 58

BAR_LABEL_WIDTH = 170
BAR_WIDE_LABEL_WIDTH = 280  # for labels made of two columns ("sector × application type")
BAR_LABEL_CHARS = 18
BAR_WIDE_LABEL_CHARS = 32
BAR_AREA_WIDTH = 420
BAR_VALUE_WIDTH = 70
BAR_HEIGHT = 16
BAR_GAP = 10


def heat_map_chart(table: Table) -> dict:
    sectors = table.chart["sectors"]
    app_types = table.chart["app_types"]
    by_pair = {(c["sector"], c["app_type"]): c for c in table.chart["cells"]}
    width = HEAT_LABEL_WIDTH + HEAT_CELL_WIDTH * len(app_types)
    height = HEAT_HEADER_HEIGHT + HEAT_CELL_HEIGHT * len(sectors)
    columns = [
        {
            "label": name,
            "x": HEAT_LABEL_WIDTH + HEAT_CELL_WIDTH * i + HEAT_CELL_WIDTH / 2,
            "y": HEAT_HEADER_HEIGHT - 14,
        }
        for i, (_code, name) in enumerate(app_types)
    ]
    rows = []
    for j, (sector_code, sector_name) in enumerate(sectors):
        y = HEAT_HEADER_HEIGHT + HEAT_CELL_HEIGHT * j
        cells = []
        for i, (app_code, _name) in enumerate(app_types):
            cell = dict(by_pair[(sector_code, app_code)])
            x = HEAT_LABEL_WIDTH + HEAT_CELL_WIDTH * i
            cell.update(
                x=x + 1,
                y=y + 1,
                w=HEAT_CELL_WIDTH - 2,
                h=HEAT_CELL_HEIGHT - 2,
                half_h=(HEAT_CELL_HEIGHT - 2) / 2,
                mid_y=y + 1 + (HEAT_CELL_HEIGHT - 2) / 2,
                text_x=x + HEAT_CELL_WIDTH / 2,
                need_text_y=y + HEAT_CELL_HEIGHT / 2 - 6,
                offering_text_y=y + HEAT_CELL_HEIGHT / 2 + 17,
            )
            cells.append(cell)
        rows.append(
            {
                "label": sector_name,
                "label_x": HEAT_LABEL_WIDTH - 8,
                "label_y": y + 34,
                "cells": cells,
            }
        )
    return {"width": width, "height": height, "columns": columns, "rows": rows}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(table: Table, *, label_columns=(0,), value_columns=(1,)) -> dict:
    """Horizontal bars: one group per row, one bar per value column (a series). A group's label
    joins its `label_columns` with " × " (e.g. sector × application type for the unmet cells,
    which a sector alone would not tell apart)."""
    wide = len(label_columns) > 1
    label_width = BAR_WIDE_LABEL_WIDTH if wide else BAR_LABEL_WIDTH
    label_chars = BAR_WIDE_LABEL_CHARS if wide else BAR_LABEL_CHARS
    values = [[row[c] or 0 for c in value_columns] for row in table.rows]
    top = max([v for group in values for v in group] or [0]) or 1
    per_group = len(value_columns) * (BAR_HEIGHT + 2) + BAR_GAP
    groups = []
    for index, row in enumerate(table.rows):
        y0 = 8 + index * per_group
        bars = []
        for s, column in enumerate(value_columns):
            value = row[column] or 0
            y = y0 + s * (BAR_HEIGHT + 2)
            width = round(BAR_AREA_WIDTH * value / top, 1)
            bars.append(
                {
                    "x": label_width,
                    "y": y,
                    "w": max(width, 1 if value else 0),
                    "h": BAR_HEIGHT,
                    "css": f"series-{s + 1}",
                    "value": row[column],
                    "series": table.columns[column],
                    "value_x": label_width + width + 6,
                    "text_y": y + BAR_HEIGHT - 4,
                }
            )
        label = " × ".join(str(row[c]) for c in label_columns)
        groups.append(
            {
                "label": label,
                "short_label": _short(label, label_chars),
                "label_x": label_width - 8,
                "label_y": y0 + (len(value_columns) * (BAR_HEIGHT + 2)) / 2 + 4,
                "bars": bars,
            }
        )
    return {
        "width": label_width + BAR_AREA_WIDTH + BAR_VALUE_WIDTH,
        "height": 8 + len(table.rows) * per_group,
        "groups": groups,
        "legend": [
            {"label": table.columns[c], "css": f"series-{s + 1}"}
            for s, c in enumerate(value_columns)
        ]
        if len(value_columns) > 1
        else [],
    }


LINE_WIDTH = 760
LINE_HEIGHT = 240
LINE_LEFT = 44
LINE_BOTTOM = 30
LINE_TOP = 12
# Room right of the last month for its centred label ("2026-12" is about 50 px wide).
LINE_RIGHT = 36


def line_chart(table: Table, *, value_columns=(1, 2, 3, 4, 5)) -> dict:
    """Lines over the rows (months), one per value column."""
    count = len(table.rows)
    top = max([row[c] or 0 for row in table.rows for c in value_columns] or [0]) or 1
    plot_w = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    plot_h = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    step = plot_w / max(count - 1, 1)

    def point(i, value):
        return (
            round(LINE_LEFT + i * step, 1),
            round(LINE_TOP + plot_h - plot_h * (value or 0) / top, 1),
        )

    series = []
    for s, column in enumerate(value_columns):
        points = [
            {
                "x": point(i, row[column])[0],
                "y": point(i, row[column])[1],
                "value": row[column],
                "month": row[0],
            }
            for i, row in enumerate(table.rows)
        ]
        series.append(
            {
                "label": table.columns[column],
                "css": f"series-{s + 1}",
                "points": points,
                "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
            }
        )
    ticks = [
        {"x": point(i, 0)[0], "label": row[0]}
        for i, row in enumerate(table.rows)
        if i % 2 == (count - 1) % 2
    ]
    grid = [
        {"y": round(LINE_TOP + plot_h - plot_h * f, 1), "label": round(top * f)}
        for f in (0, 0.5, 1)
    ]
    return {
        "width": LINE_WIDTH,
        "height": LINE_HEIGHT,
        "series": series,
        "ticks": ticks,
        "grid": grid,
        "left": LINE_LEFT,
        "right": LINE_WIDTH - LINE_RIGHT,
        "tick_y": LINE_HEIGHT - 10,
    }
