"""Navigation links by role, contributed by each app from its ``AppConfig.ready()``.

    register_nav_link("public", 10, _("Offerings"), "listings:offering-list")

Roles: ``public`` (everyone), ``enterprise``, ``vendor`` (members of such an
organization) and ``admin`` (platform operators).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

ROLES = ("public", "enterprise", "vendor", "admin")


@dataclass(frozen=True)
class NavLink:
    role: str
    order: int
    label: str
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_links: list[NavLink] = []


def register_nav_link(role: str, order: int, label, url_name: str) -> None:
    if role not in ROLES:
        raise ValueError(f"Unknown navigation role {role!r}")
    link = NavLink(role, order, label, url_name)
    if all((existing.role, existing.url_name) != (role, url_name) for existing in _links):
        _links.append(link)
        _links.sort(key=lambda item: (item.role, item.order))


def links_for(role: str) -> list[NavLink]:
    return [link for link in _links if link.role == role]
