"""Staff exports of the offering catalogue: ``/offerings/export/?export_format=…&<filters>``.

* ``json`` — an llm-match/v1 file (the exporter behind ``manage.py export_listings``): with
  ``scope=all`` the whole catalogue (organizations, offerings and needs in every status,
  cases); otherwise the published offerings the browse filters select, their vendors and
  their cases — a file ``/admin/listings/import/`` reads back into another site.
* ``csv`` / ``xlsx`` — the filtered offering list as a table, written through
  ``core.spreadsheets`` (formula-like text neutralised).

The filters are the browse page's own (``OfferingFilterSet``), so a staff member's "export"
link on ``/offerings/`` keeps what they see. Anyone but platform staff gets 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.core import spreadsheets
from matchmaking.core.permissions import is_platform_admin
from matchmaking.listings.browse.selectors import offering_browse
from matchmaking.listings.choices import price_unit_label
from matchmaking.listings.io.exporter import dumps, export_data

FORMATS = ("json", "csv", "xlsx")
CONTROL_PARAMETERS = ("export_format", "scope", "page")


def filtered_offerings(user, params):
    """The published offerings the browse filters in ``params`` select, in browse order,
    or None when a filter is not valid."""
    data = params.copy()
    for name in CONTROL_PARAMETERS:
        data.pop(name, None)
    found = offering_browse(params=data, user=user, page=None, paged=False)
    if found.filterset.is_bound and not found.filterset.is_valid():
        return None
    return found.ordered()


def offering_table(offerings) -> tuple[list[str], list[list]]:
    """(header, rows) of the offering list as staff read it in a spreadsheet."""
    columns = [
        _("Reference"),
        _("Title"),
        _("Vendor"),
        _("Verified vendor"),
        _("Generative-AI service filing number"),
        _("Kind"),
        _("Layer"),
        _("Sectors"),
        _("Application types"),
        _("Deployment"),
        _("Price from (CNY)"),
        _("Price up to (CNY)"),
        _("Price unit"),
        _("Regions served"),
        _("Domestic hardware/OS"),
        _("Data stays on premises"),
        _("Published"),
    ]
    rows = []
    for offering in offerings:
        organization = offering.organization
        rows.append(
            [
                offering.ref or f"offering-{offering.pk}",
                offering.title,
                organization.name,
                _("yes") if organization.is_verified else _("no"),
                organization.filing_number,
                offering.kind.name,
                offering.layer.name if offering.layer else "",
                "、".join(term.name for term in offering.sectors.all()),
                "、".join(term.name for term in offering.app_types.all()),
                "、".join(term.name for term in offering.deployment_modes.all()),
                offering.price_min,
                offering.price_max,
                price_unit_label(offering.price_unit),
                "、".join(offering.regions or []),
                "、".join(offering.domestic_platforms or []),
                _("yes") if offering.on_premises_data else _("no"),
                timezone.localtime(offering.published_at).strftime("%Y-%m-%d %H:%M")
                if offering.published_at
                else "",
            ]
        )
    return columns, rows


def offering_export_view(request):
    if not is_platform_admin(request.user):
        raise PermissionDenied
    export_format = request.GET.get("export_format", "json")
    if export_format not in FORMATS:
        return HttpResponseBadRequest(_("Unknown export format."))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if export_format == "json" and request.GET.get("scope") == "all":
        body, name = dumps(export_data()), f"catalogue-{stamp}.json"
        return _download(body.encode("utf-8"), "application/json; charset=utf-8", name)
    offerings = filtered_offerings(request.user, request.GET)
    if offerings is None:
        return HttpResponseBadRequest(_("These filters are not valid."))
    if export_format == "json":
        ids = list(offerings.values_list("pk", flat=True))
        body = dumps(export_data(include_unpublished=False, offering_ids=ids))
        return _download(
            body.encode("utf-8"), "application/json; charset=utf-8", f"offerings-{stamp}.json"
        )
    columns, rows = offering_table(offerings)
    if export_format == "csv":
        return _download(
            spreadsheets.csv_bytes(columns, rows),
            spreadsheets.CSV_CONTENT_TYPE,
            f"offerings-{stamp}.csv",
        )
    return _download(
        spreadsheets.xlsx_bytes(columns, rows, title="offerings"),
        spreadsheets.XLSX_CONTENT_TYPE,
        f"offerings-{stamp}.xlsx",
    )


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
