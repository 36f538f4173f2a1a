"""Panels the notifications app adds to other apps' pages (see core/panels.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from matchmaking.core.panels import Panel, register_panel
from matchmaking.core.permissions import user_organization_id
from matchmaking.notifications import services

BROWSE_TARGETS = {"offerings", "needs"}


def save_search_panel(request, target) -> Panel | None:
    """On a browse page, let a signed-in user save the current filters as an alert."""
    if target not in BROWSE_TARGETS or not request.user.is_authenticated:
        return None
    params = [
        (key, item) for key, values in request.GET.lists() if key != "page" for item in values
    ]
    query = urlencode([("target", target), *params])
    return Panel(
        template="notifications/includes/save_search_link.html",
        context={"save_search_url": f"{reverse('notifications:saved-search-create')}?{query}"},
    )


def need_no_match_actions(request, need) -> Panel | None:
    """Inside a need's "no strong match" box (matching's panel), for the need's own members:
    tell the vendors of close offerings, and an alert when a fitting offering appears."""

    if user_organization_id(request.user) != need.organization_id or not need.is_open:
        return None
    return Panel(
        template="notifications/includes/need_no_match_actions.html",
        context={
            "broadcast_url": reverse("notifications:need-broadcast", args=[need.pk]),
            "alert_url": reverse("notifications:need-alert", args=[need.pk]),
            **services.need_actions_state(need=need, user=request.user),
            "saved_searches_url": reverse("notifications:saved-search-list"),
        },
    )


def register() -> None:
    register_panel("browse-tools", 10, save_search_panel)
    register_panel("need-no-match-actions", 10, need_no_match_actions)
