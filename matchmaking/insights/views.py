"""The insights page and the exports of its tables. Thin: the reports count, the charts
module draws, the registry (``reports/__init__.py``) says which tables a viewer may read
(staff-only ones → 404) and in which order the page shows them."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views import View
from django.views.generic import TemplateView

from matchmaking.core.permissions import is_platform_admin
from matchmaking.insights import charts, exports, reports


def _section(report: reports.Report) -> dict:
    table = report.table()
    chart = None
    if report.chart == "heat":
        chart = charts.heat_map_chart(table)
    elif report.chart == "bar" and table.rows:
        chart = charts.bar_chart(table, **report.chart_options)
    elif report.chart == "line" and table.rows:
        chart = charts.line_chart(table)
    return {
        "table": table,
        "kind": report.chart,
        "chart": chart,
        "rows": _cells(table),
        "exportable": report.exportable,
    }


def _cells(table) -> list[list[dict]]:
    links = table.links or [[None] * len(row) for row in table.rows]
    return [
        [{"value": value, "url": url} for value, url in zip(row, row_links, strict=False)]
        for row, row_links in zip(table.rows, links, strict=False)
    ]


def _groups(sections: list[dict]) -> list[dict]:
    """Consecutive sections of grid reports share one grid; the others stand alone."""
    groups: list[dict] = []
    for section in sections:
        if section["grid"] and groups and groups[-1]["grid"]:
            groups[-1]["sections"].append(section)
        else:
            groups.append({"grid": section["grid"], "sections": [section]})
    return groups


class InsightsView(TemplateView):
    template_name = "insights/insights_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        staff = is_platform_admin(self.request.user)
        public = [r for r in reports.visible_reports(staff=staff) if not r.staff_only]
        context["toc"] = [(r.slug, r.toc) for r in public if r.toc]
        context["groups"] = _groups([{**_section(r), "grid": r.grid} for r in public])
        context["staff_sections"] = [
            _section(r) for r in reports.visible_reports(staff=staff) if r.staff_only
        ]
        return context


class ExportView(View):
    fmt = "csv"

    def get(self, request, slug: str):
        table = reports.table_for(slug, staff=is_platform_admin(request.user), export=True)
        if table is None:
            raise Http404("No such table.")
        if self.fmt == "xlsx":
            response = HttpResponse(
                exports.table_xlsx(table), content_type=exports.XLSX_CONTENT_TYPE
            )
        else:
            response = HttpResponse(exports.table_csv(table), content_type=exports.CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="insights-{slug}.{self.fmt}"'
        if not table.public:
            response["Cache-Control"] = "private, no-store"
        return response
