"""Navigation links by role, contributed by each app from its ``AppConfig.ready()``.

    register_nav_link("public", 10, _("Offerings"), "listings:offering-list")

Roles: ``public`` (everyone), ``enterprise``, ``vendor`` (members of such an
organization) and ``admin`` (platform operators).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from matchmaking.core.extensions import ExtensionPoint

ROLES = ("public", "enterprise", "vendor", "admin")

#: What a signed-in viewer's header shows from a higher floor (notifications: the unread
#: count): the header is kept under these values (core/templatetags/site_chrome.py).
navigation_state = ExtensionPoint(
    "core.navigation_state",
    "f(user) -> a hashable value the signed-in header shows from that app "
    "(e.g. the unread notifications count); part of the kept header's key",
)


@dataclass(frozen=True)
class NavLink:
    role: str
    order: int
    label: str
    url_name: str

    @property
    def url(self) -> str:
        # Every page shows the links (a dozen reversals per render): each is reversed once
        # per URL configuration and script prefix (what ``reverse`` depends on here: the
        # links take no arguments and the URLs carry no language prefix).
        key = (self.url_name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
        found = _reversed.get(key)
        if found is None:
            found = _reversed[key] = reverse(self.url_name)
        return found


_links: list[NavLink] = []
_reversed: dict[tuple[str, str, str], str] = {}


def register_nav_link(role: str, order: int, label, url_name: str) -> None:
    if role not in ROLES:
        raise ValueError(f"Unknown navigation role {role!r}")
    link = NavLink(role, order, label, url_name)
    if all((existing.role, existing.url_name) != (role, url_name) for existing in _links):
        _links.append(link)
        _links.sort(key=lambda item: (item.role, item.order))


def links_for(role: str) -> list[NavLink]:
    return [link for link in _links if link.role == role]
