"""The site header is kept and written byte for byte as the include would write it: per
language for visitors; for signed-in viewers per everything the header shows of them, with
their own CSRF token put in per request."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, engines
from django.test import RequestFactory
from django.utils import translation

from matchmaking.accounts.choices import VerificationStatus
from matchmaking.core.templatetags import site_chrome
from matchmaking.notifications import services as notification_services
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


BOTH = KEPT + "<<>>" + INCLUDE


def _kept_and_included(request) -> tuple[str, str]:
    """The kept header and the include, rendered in one context (one CSRF token)."""
    kept, included = _render(BOTH, request).split("<<>>")
    return kept, included


def _fresh(user):
    """The user as the next request reads it (the header's values come from that read)."""
    return type(user).objects.select_related("membership__organization").get(pk=user.pk)


def _actors():
    enterprise = factories.make_organization(kind="enterprise").memberships.get().user
    vendor_org = factories.make_organization(kind="vendor")
    vendor_org.verification_status = VerificationStatus.VERIFIED
    vendor_org.save()
    vendor = vendor_org.memberships.get().user
    loner = factories.make_user(full_name="独行者")
    admin = factories.make_user(is_staff=True, is_superuser=True)
    return {"enterprise": enterprise, "vendor": vendor, "no organization": loner, "admin": admin}


class SignedInHeaderTests:
    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_each_actor_gets_the_includes_bytes_from_the_kept_header(self, language):
        with translation.override(language):
            for name, user in _actors().items():
                for path in PATHS:
                    request = _request(path, _fresh(user))
                    kept, included = _kept_and_included(request)
                    assert kept == included, (name, path)
                    assert site_chrome._CSRF_MARKER not in kept
        # one header per actor (paths and tokens are put in, not kept apart)
        assert len(site_chrome._headers) == 4

    def test_the_kept_header_carries_this_requests_csrf_token(self):
        from django.middleware.csrf import _unmask_cipher_token

        user = _actors()["vendor"]
        tokens = []
        for _ in range(2):
            request = _request("/offerings/", _fresh(user))
            html = _render(KEPT, request)
            tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1])
            # the tag's side effect: the CSRF cookie is sent with the response
            assert request.META.get("CSRF_COOKIE_NEEDS_UPDATE") is True
            assert _unmask_cipher_token(tokens[-1]) == request.META["CSRF_COOKIE"]
        assert tokens[0] != tokens[1]  # each request its own token, not the kept one

    def test_what_the_header_shows_is_never_stale(self):
        user = _actors()["vendor"]
        organization = user.membership.organization
        with translation.override("zh-hans"):
            first = _render(KEPT, _request("/", _fresh(user)))
            assert organization.name in first and "notification-count" not in first

            organization.name = "改名后的厂商"
            organization.save()
            renamed = _render(KEPT, _request("/", _fresh(user)))
            assert "改名后的厂商" in renamed

            organization.verification_status = VerificationStatus.PENDING
            organization.save()
            unverified = _render(KEPT, _request("/", _fresh(user)))
            assert "badge-verified" in renamed and "badge-verified" not in unverified

            notification_services.notify(
                recipients=[user], kind="case_published", url="/", title="新案例"
            )
            told = _render(KEPT, _request("/", _fresh(user)))
            assert 'data-unread-count="1"' in told and "notification-count" in told
            kept, included = _kept_and_included(_request("/", _fresh(user)))
            assert kept == included

    def test_a_role_change_changes_the_menus(self):
        user = factories.make_user()
        with translation.override("en"):
            before = _render(KEPT, _request("/", _fresh(user)))
            organization = factories.make_organization(kind="enterprise", owner=user)
            after = _render(KEPT, _request("/", _fresh(user)))
        assert "My work" not in before and "Set up your organization" in before
        assert "My work" in after and organization.name_en in after

    def test_the_kept_headers_are_bounded(self, monkeypatch):
        monkeypatch.setattr(site_chrome, "MAX_KEPT", 2)
        users = [factories.make_user(full_name=f"用户{n}") for n in range(3)]
        for user in users:
            _render(KEPT, _request("/", _fresh(user)))
        assert len(site_chrome._headers) == 2
        # the oldest was dropped; the newest two are kept
        assert [key[-2] for key in site_chrome._headers] == ["用户1", "用户2"]

    def test_without_a_csrf_token_in_the_context_the_include_is_rendered(self):
        user = _actors()["enterprise"]
        template = engines["django"].engine.from_string(KEPT)
        from django.template import Context

        html = template.render(
            Context({"user": user, "request": _request("/", user), "nav_role": "enterprise"})
        )
        assert site_chrome._CSRF_MARKER not in html
        assert not site_chrome._headers
