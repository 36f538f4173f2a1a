"""The site header, rendered once per language for visitors who are not signed in.

Every page includes ``includes/navigation.html``. For a visitor it is the same HTML on every
page but for one value: the language switcher's ``next`` (the page's own path). It depends on
nothing else a request carries — the links are registered at start-up
(``core.navigation``), their labels translated per language — and on no data. So the header
is rendered once per process, language, URL configuration and script prefix with a marker
for that path, kept, and each page replaces the marker with its escaped path: the bytes are
those the include writes (``tests/core/test_site_chrome.py`` compares them). Signed-in
viewers (their organization, unread count, role menus) get the include, as before.
"""

from __future__ import annotations

import threading

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

NAVIGATION_TEMPLATE = "includes/navigation.html"
# Letters and underscores only: escaping leaves it as it is, and no path of the site has it.
_PATH_MARKER = "__site_chrome_path_6c1f__"

_lock = threading.Lock()
_headers: dict[tuple, str] = {}


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


def _render(context, **changes) -> str:
    navigation = context.template.engine.get_template(NAVIGATION_TEMPLATE)
    with context.push(**changes):
        return navigation.render(context)


@register.simple_tag(takes_context=True)
def site_navigation(context):
    """``{% include "includes/navigation.html" %}``, kept per language for visitors."""
    if not _is_visitor(context):
        return _render(context)
    key = (get_language(), get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    kept = _headers.get(key)
    if kept is None:
        kept = _render(context, request=_MarkedRequest(context["request"]))
        if kept.count(_PATH_MARKER) != 1:  # the header changed shape: render it each time
            return _render(context)
        with _lock:
            _headers[key] = kept
    path = escape(context["request"].get_full_path())
    return mark_safe(kept.replace(_PATH_MARKER, path))


def forget_headers(**_kwargs) -> None:
    """Settings changed (tests): the kept headers may no longer be what the include writes."""
    with _lock:
        _headers.clear()


setting_changed.connect(forget_headers)
