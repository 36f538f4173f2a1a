"""Site-wide details a newcomer notices: the icon, the navigation, label colons, help texts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matchmaking.core.images import ImageUploadField
from tests import factories

pytestmark = pytest.mark.django_db


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


class UploadHelpTests:
    def test_upload_help_text_follows_the_language_of_the_page(self):
        from django.utils import translation

        field = ImageUploadField()
        with translation.override("en"):
            assert str(field.help_text).startswith("JPEG, PNG or WebP, at most")
        with translation.override("zh-hans"):
            assert "不超过" in str(field.help_text)

    def test_offering_form_upload_help_is_english_on_english_pages(self, english):
        vendor = factories.make_organization(kind="vendor")
        english.force_login(vendor.memberships.get().user)
        content = english.get(reverse("listings:offering-create")).content.decode()
        assert "JPEG, PNG or WebP, at most" in content
        assert "不超过" not in content
