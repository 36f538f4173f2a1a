"""Panels the notifications app adds to other apps' pages (see core/panels.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from matchmaking.core.panels import Panel, register_panel

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


def register() -> None:
    register_panel("browse-tools", 10, save_search_panel)
