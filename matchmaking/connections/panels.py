"""Panels this app adds to lower floors' pages (registered in apps.py)."""

from __future__ import annotations

from matchmaking.connections import selectors
from matchmaking.connections.choices import ConnectionKind, ConnectionState
from matchmaking.connections.models import Connection
from matchmaking.core.panels import Panel
from matchmaking.core.permissions import user_organization_id


def _viewer_org(request):
    user = request.user
    return user.organization if user.is_authenticated else None


def offering_connect_panel(request, offering) -> Panel | None:
    """On an offering page: send a request (enterprises), or see requests (its vendor)."""
    organization = _viewer_org(request)
    context = {"offering": offering, "viewer_org": organization}
    if organization is not None and organization.pk == offering.organization_id:
        received = Connection.objects.filter(offering=offering, kind=ConnectionKind.REQUEST)
        context["mode"] = "owner"
        context["counts"] = selectors.state_counts(received)
        context["pending"] = context["counts"].get(ConnectionState.PENDING, 0)
    elif organization is not None and organization.is_enterprise:
        context["mode"] = "enterprise"
        context["existing"] = selectors.existing_open_connection(
            kind=ConnectionKind.REQUEST, offering=offering, org_id=organization.pk
        )
        context["can_request"] = offering.status == "published"
    elif organization is not None:
        return None  # other vendors: nothing to do here
    else:
        context["mode"] = "visitor"
    return Panel("connections/panels/offering_connect.html", context)


def need_connect_panel(request, need) -> Panel | None:
    """On a need page: send a proposal (vendors), or see proposals (its enterprise)."""
    organization = _viewer_org(request)
    context = {"need": need, "viewer_org": organization}
    if organization is not None and organization.pk == need.organization_id:
        context["mode"] = "owner"
        # Read with the need on its page (selectors.need_page_connection_total); counted here
        # for a need read elsewhere.
        total = getattr(need, selectors.NEED_PAGE_CONNECTION_TOTAL, None)
        context["total"] = (
            total if total is not None else Connection.objects.filter(need=need).count()
        )
    elif organization is not None and organization.is_vendor:
        context["mode"] = "vendor"
        context["existing"] = selectors.existing_open_connection(
            kind=ConnectionKind.PROPOSAL, need=need, org_id=organization.pk
        )
        context["can_propose"] = need.status == "open"
    elif organization is not None:
        return None
    else:
        context["mode"] = "visitor"
    return Panel("connections/panels/need_connect.html", context)


def organization_stats_panel(request, organization) -> Panel | None:
    """On an organization page: how fast and how often it answers requests."""
    stats = selectors.organization_response_stats(organization)
    context = {
        "stats": stats,
        "median_display": selectors.format_duration(stats["median_response_seconds"]),
        "acceptance_percent": None
        if stats["acceptance_rate"] is None
        else round(stats["acceptance_rate"] * 100),
        "own": user_organization_id(request.user) == organization.pk,
    }
    return Panel("connections/panels/organization_stats.html", context)
