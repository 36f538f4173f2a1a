"""Site-wide pages: the styled error pages and the security headers on every response."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import include, path

from matchmaking.core import views

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


# This module doubles as a URL configuration: the site's URLs plus one view that fails.
urlpatterns = [
    path("boom/", _boom),
    path("", include("matchmaking.urls")),
]
handler404 = "matchmaking.core.views.page_not_found"
handler500 = "matchmaking.core.views.server_error"


class NotFoundPageTests:
    def test_unknown_url_shows_the_styled_404_page_with_a_home_link(self, english, settings):
        """An unknown address answers 404 with the site's own page, not Django's."""
        settings.DEBUG = False
        response = english.get("/no-such-page/")
        assert response.status_code == 404
        assert "errors/404.html" in [t.name for t in response.templates]
        content = response.content.decode()
        assert 'class="error-page"' in content
        assert "Page not found" in content
        assert 'href="/"' in content
        assert "Back to the home page" in content

    def test_404_page_is_in_chinese_by_default(self, client, settings):
        """Without a language choice the 404 page is served as a Chinese page."""
        settings.DEBUG = False
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert '<html lang="zh-hans">' in response.content.decode()


class ServerErrorPageTests:
    def test_500_handler_renders_the_static_template(self, rf):
        """The 500 handler renders templates/errors/500.html without a request context."""
        response = views.server_error(rf.get("/"))
        assert response.status_code == 500
        content = response.content.decode()
        assert "服务器出错了" in content
        assert "Server error" in content
        assert 'href="/"' in content

    def test_unhandled_exception_answers_with_the_500_page(self, settings):
        """A view that raises produces the static 500 page, status 500."""
        settings.DEBUG = False
        settings.ROOT_URLCONF = __name__
        client = Client(raise_request_exception=False)
        response = client.get("/boom/")
        assert response.status_code == 500
        assert "Server error" in response.content.decode()


class SecurityHeaderTests:
    def test_responses_forbid_framing_and_mime_sniffing(self, client):
        """Every page says X-Frame-Options: DENY, nosniff and a same-origin referrer policy."""
        response = client.get("/healthz")
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"

    def test_error_pages_carry_the_same_headers(self, client, settings):
        """The headers are set on error pages too."""
        settings.DEBUG = False
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
