"""The site header, rendered once and kept: per language for visitors, per what the header
shows of them for signed-in viewers.

Every page includes ``includes/navigation.html``. For a visitor it is the same HTML on every
page but for one value: the language switcher's ``next`` (the page's own path). It depends on
nothing else a request carries — the links are registered at start-up
(``core.navigation``), their labels translated per language — and on no data. So the header
is rendered once per process, language, URL configuration and script prefix with a marker
for that path, kept, and each page replaces the marker with its escaped path: the bytes are
those the include writes (``tests/core/test_site_chrome.py`` compares them).

A signed-in viewer's header also shows their role's menus, their organization (name,
verification, profile link) or their own name, the sign-out form's CSRF token and what
higher floors contribute through :data:`navigation_state` (the notifications' unread count).
It is kept under all of those values read on this request, so a renamed organization or a
new notification is a new key, never a stale header; the CSRF token is a second marker, put
in per request from the request's own token (which also marks the CSRF cookie as used, as
the ``{% csrf_token %}`` tag does). At most :data:`MAX_KEPT` headers are kept (least recently
used dropped).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from matchmaking.core.navigation import navigation_state

register = template.Library()

NAVIGATION_TEMPLATE = "includes/navigation.html"
# Letters and underscores only: escaping leaves it as it is, and no path of the site has it.
_PATH_MARKER = "__site_chrome_path_6c1f__"
_CSRF_MARKER = "__site_chrome_csrf_6c1f__"
MAX_KEPT = 4096

_lock = threading.Lock()
_headers: OrderedDict[tuple, str] = OrderedDict()


class _MarkedRequest:
    """The request as the header sees it while it is rendered for keeping: its full path is
    the marker."""

    def __init__(self, request):
        self._request = request

    def get_full_path(self) -> str:
        return _PATH_MARKER

    def __getattr__(self, name):
        return getattr(self._request, name)


def _is_visitor(context) -> bool:
    user = context.get("user")
    return (
        context.get("request") is not None
        and user is not None
        and not user.is_authenticated
        and context.get("nav_role") == "visitor"
    )


def _place() -> tuple:
    return (get_language(), get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def _member_key(context) -> tuple | None:
    """Everything a signed-in viewer's header reads but the path and the CSRF token, or None
    when the page does not give what the header needs (it is then rendered)."""
    user = context.get("user")
    token = context.get("csrf_token")
    if (
        context.get("request") is None
        or user is None
        or not user.is_authenticated
        or "nav_role" not in context
        or not token
        or str(token) == "NOTPROVIDED"
    ):
        return None
    organization = context.get("nav_organization")
    shown = (
        (organization.pk, organization.display_name, organization.is_verified)
        if organization is not None
        else str(user)
    )
    return (
        "member",
        *_place(),
        context.get("nav_role"),
        bool(context.get("nav_is_admin")),
        bool(user.is_staff),
        shown,
        tuple(provider(user) for provider in navigation_state.providers()),
    )


def _render(context, **changes) -> str:
    navigation = context.template.engine.get_template(NAVIGATION_TEMPLATE)
    with context.push(**changes):
        return navigation.render(context)


def _kept(key: tuple) -> str | None:
    with _lock:
        kept = _headers.get(key)
        if kept is not None:
            _headers.move_to_end(key)
        return kept


def _keep(key: tuple, header: str) -> None:
    with _lock:
        _headers[key] = header
        while len(_headers) > MAX_KEPT:
            _headers.popitem(last=False)


@register.simple_tag(takes_context=True)
def site_navigation(context):
    """``{% include "includes/navigation.html" %}``, kept per language for visitors and per
    :func:`_member_key` for signed-in viewers."""
    if _is_visitor(context):
        key, markers = _place(), {}
    else:
        key = _member_key(context)
        if key is None:
            return _render(context)
        markers = {"csrf_token": _CSRF_MARKER}
    header = _kept(key)
    if header is None:
        header = _render(context, request=_MarkedRequest(context["request"]), **markers)
        if header.count(_PATH_MARKER) != 1 or header.count(_CSRF_MARKER) != len(markers):
            return _render(context)  # the header changed shape: render it each time
        _keep(key, header)
    header = header.replace(_PATH_MARKER, escape(context["request"].get_full_path()))
    if markers:
        header = header.replace(_CSRF_MARKER, escape(str(context["csrf_token"])))
    return mark_safe(header)  # noqa: S308 - the include's output, values escaped above


def forget_headers(**_kwargs) -> None:
    """Settings changed (tests): the kept headers may no longer be what the include writes."""
    with _lock:
        _headers.clear()


setting_changed.connect(forget_headers)
