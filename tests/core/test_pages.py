"""Site-wide pages: the styled error pages, the security headers on every response, and the
details a newcomer notices (the icon, the navigation, label colons)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import include, path, reverse

from matchmaking.core import views
from tests import factories

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


class FaviconTests:
    def test_favicon_ico_is_served(self, client):
        response = client.get("/favicon.ico")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/x-icon"
        body = b"".join(response.streaming_content)
        assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file

    def test_pages_link_their_icon(self, client):
        content = client.get("/").content.decode()
        assert '<link rel="icon" href="/static/img/favicon.ico"' in content


class NavigationTests:
    def test_staff_without_an_organization_are_not_asked_to_set_one_up(self, client):
        staff = factories.make_user(is_staff=True)
        client.force_login(staff)
        content = client.get("/").content.decode()
        header = content[content.index("<header") : content.index("</header>")]
        assert reverse("accounts:organization-create") not in header
        assert "设置您的机构" not in header

    def test_a_member_without_an_organization_is_offered_to_set_one_up(self, client):
        client.force_login(factories.make_user())
        content = client.get("/").content.decode()
        header = content[content.index("<header") : content.index("</header>")]
        assert reverse("accounts:organization-create") in header

    def test_account_links_sit_in_one_user_menu_named_after_the_organization(self, client):
        organization = factories.make_organization(kind="enterprise", name="菜单测试银行")
        client.force_login(organization.memberships.get().user)
        content = client.get("/").content.decode()
        menu = content[content.index('class="nav-dropdown user-menu"') :]
        menu = menu[: menu.index("</details>")]
        assert "菜单测试银行" in menu
        assert reverse("accounts:profile") in menu
        assert reverse("accounts:logout") in menu


class LabelColonTests:
    def test_form_labels_end_with_a_full_width_colon_in_chinese(self, client):
        content = client.get(reverse("accounts:login")).content.decode()
        assert "：</label>" in content
        assert ":</label>" not in content

    def test_form_labels_end_with_an_ascii_colon_in_english(self, english):
        content = english.get(reverse("accounts:login")).content.decode()
        assert ":</label>" in content
        assert "：</label>" not in content
