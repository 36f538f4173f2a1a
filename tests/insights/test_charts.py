"""Chart geometry: labels that tell bars apart, and axis labels inside the drawing."""

from __future__ import annotations

from django.template.loader import render_to_string

from matchmaking.insights import charts
from matchmaking.insights.reports import Table


def _unmet_cells_table() -> Table:
    return Table(
        slug="unmet-cells",
        title="Largest unmet demand: cells",
        note="",
        columns=["Sector", "Application type", "Open needs", "Few", "Offerings", "Ratio"],
        rows=[
            ["传统产业赋能", "数据分析", 3, 2, 0, None],
            ["传统产业赋能", "智能识别", 2, 2, 1, 0.5],
            ["传统产业赋能", "智能问答", 2, 1, 1, 0.5],
        ],
    )


def _trend_table(months: int = 12) -> Table:
    return Table(
        slug="trends",
        title="Trends",
        note="",
        columns=["Month", "a", "b"],
        rows=[[f"2026-{m:02d}", m, 2 * m] for m in range(1, months + 1)],
    )


class BarChartLabelTests:
    def test_unmet_cells_are_labelled_by_sector_and_application_type(self):
        chart = charts.bar_chart(_unmet_cells_table(), label_columns=(0, 1), value_columns=(3, 4))
        labels = [group["label"] for group in chart["groups"]]
        assert labels == [
            "传统产业赋能 × 数据分析",
            "传统产业赋能 × 智能识别",
            "传统产业赋能 × 智能问答",
        ]
        assert len(set(labels)) == len(labels)
        svg = render_to_string(
            "insights/includes/bar_chart.html", {"chart": chart, "table": _unmet_cells_table()}
        )
        assert svg.count("传统产业赋能 × ") >= 3
        assert "传统产业赋能 × 数据分析</text>" in svg  # drawn in full, not cut

    def test_a_single_column_label_is_unchanged(self):
        chart = charts.bar_chart(_unmet_cells_table(), value_columns=(2,))
        assert [g["label"] for g in chart["groups"]] == ["传统产业赋能"] * 3

    def test_the_page_draws_the_unmet_cells_with_both_columns(self):
        from matchmaking.insights import reports

        options = reports.get("unmet-cells").chart_options
        assert options["label_columns"] == (0, 1)


class LineChartTests:
    def test_the_last_month_label_fits_inside_the_drawing(self):
        """A centred label about 50 px wide needs 25 px right of its tick."""
        chart = charts.line_chart(_trend_table(), value_columns=(1, 2))
        last = max(tick["x"] for tick in chart["ticks"])
        assert last + 25 <= chart["width"]
        assert chart["ticks"][-1]["label"] == "2026-12"
