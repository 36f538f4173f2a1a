"""The visitor's site header is kept per language and written byte for byte as the include
would write it; signed-in viewers get the include."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, engines
from django.test import RequestFactory
from django.utils import translation

from matchmaking.core.templatetags import site_chrome
from tests import factories

pytestmark = pytest.mark.django_db

INCLUDE = '{% include "includes/navigation.html" %}'
KEPT = "{% load site_chrome %}{% site_navigation %}"
PATHS = (
    "/offerings/",
    "/offerings/?sector=finance&sector=healthcare&q=%E6%99%BA%E8%83%BD",
    '/needs/?q="<script>"&page=2',
    "/offerings/?q=智能",
)


def _render(source: str, request) -> str:
    template = engines["django"].engine.from_string(source)
    return template.render(RequestContext(request))


def _unmasked(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)


def _request(path: str, user):
    request = RequestFactory().get(path)
    request.user = user
    return request


@pytest.fixture(autouse=True)
def _nothing_kept():
    site_chrome.forget_headers()
    yield
    site_chrome.forget_headers()


class SiteNavigationTests:
    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_a_visitor_gets_the_includes_bytes_with_the_pages_own_path(self, language):
        with translation.override(language):
            for path in PATHS:
                request = _request(path, AnonymousUser())
                assert _render(KEPT, request) == _render(INCLUDE, request), path
        assert len(site_chrome._headers) == 1  # rendered once, then kept

    def test_each_language_keeps_its_own_header(self):
        request = _request("/offerings/", AnonymousUser())
        with translation.override("en"):
            english = _render(KEPT, request)
        with translation.override("zh-hans"):
            chinese = _render(KEPT, request)
        assert "Sign in" in english
        assert "Sign in" not in chinese
        with translation.override("zh-hans"):
            assert chinese == _render(INCLUDE, request) != english

    def test_a_signed_in_viewer_never_gets_the_visitors_header(self):
        user = factories.make_organization(kind="vendor").memberships.get().user
        with translation.override("en"):
            _render(KEPT, _request("/offerings/", AnonymousUser()))  # a visitor's header kept
            request = _request("/offerings/", user)
            html = _render(KEPT, request)
            # the same but for the CSRF token of the sign-out form (masked anew each time)
            assert _unmasked(html) == _unmasked(_render(INCLUDE, request))
        assert "Sign out" in html
        assert "Sign in" not in html

    def test_pages_show_the_same_header_as_before(self, client, english):
        """Through a whole page: the visitor's header has the page's path in the language
        switcher, escaped."""
        path = '/offerings/?q="<x>"&sector=finance'
        html = english.get(path).content.decode()
        assert (
            'name="next" type="hidden" value="/offerings/?q=%22%3Cx%3E%22&amp;sector=finance"'
            in html
        )
        assert site_chrome._PATH_MARKER not in html
