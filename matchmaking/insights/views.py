"""The insights page and the exports of its tables. Thin: the selectors count, the charts
module draws, these choose which tables a viewer may read (staff-only ones → 404)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views import View
from django.views.generic import TemplateView

from matchmaking.core.permissions import is_platform_admin
from matchmaking.insights import charts, exports, selectors

# (slug, chart kind, chart options) in page order; tables without a chart show the table only.
PUBLIC_SECTIONS = (
    ("heat-map", "heat", {}),
    ("unmet-cells", "bar", {"label_columns": (0, 1), "value_columns": (3, 4)}),
    ("unmet-needs", None, {}),
    ("trends", "line", {}),
    ("funnel", "bar", {"value_columns": (1,)}),
    ("response-time", None, {}),
    ("by-layer", "bar", {"value_columns": (1,)}),
    ("by-kind", "bar", {"value_columns": (1,)}),
    ("by-deployment", "bar", {"value_columns": (1, 2)}),
    ("by-region", "bar", {"value_columns": (1, 2)}),
    ("top-vendors", "bar", {"value_columns": (1,)}),
    ("event-outcomes", "bar", {"value_columns": (3, 4, 5, 6, 7)}),
    ("event-outcomes-by-cell", "bar", {"value_columns": (1, 2, 3, 4, 5)}),
)
STAFF_SECTIONS = (
    ("vendor-acceptance", "bar", {"value_columns": (5,)}),
    ("staff-unmet-needs", None, {}),
    ("listing-states", None, {}),
)


def _section(slug: str, kind: str | None, options: dict, *, staff: bool) -> dict:
    table = selectors.table_for(slug, staff=staff)
    chart = None
    if kind == "heat":
        chart = charts.heat_map_chart(table)
    elif kind == "bar" and table.rows:
        chart = charts.bar_chart(table, **options)
    elif kind == "line" and table.rows:
        chart = charts.line_chart(table)
    return {"table": table, "kind": kind, "chart": chart, "rows": _cells(table)}


def _cells(table) -> list[list[dict]]:
    links = table.links or [[None] * len(row) for row in table.rows]
    return [
        [{"value": value, "url": url} for value, url in zip(row, row_links, strict=False)]
        for row, row_links in zip(table.rows, links, strict=False)
    ]


class InsightsView(TemplateView):
    template_name = "insights/insights_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        staff = is_platform_admin(self.request.user)
        context["sections"] = {
            slug.replace("-", "_"): _section(slug, kind, options, staff=staff)
            for slug, kind, options in PUBLIC_SECTIONS
        }
        context["staff_sections"] = (
            [_section(slug, kind, options, staff=True) for slug, kind, options in STAFF_SECTIONS]
            if staff
            else []
        )
        context["funnel_median_hours"] = context["sections"]["funnel"]["table"].chart.get(
            "median_response_hours"
        )
        return context


class ExportView(View):
    fmt = "csv"

    def get(self, request, slug: str):
        table = selectors.table_for(slug, staff=is_platform_admin(request.user))
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
