"""Journey: a visitor signs up as an enterprise, sets up the organization, reads it in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from matchmaking.accounts.models import Organization, User
from tests.browser.helpers import fill_field, form_with, sign_up, submit, switch_language, url

pytestmark = pytest.mark.browser


class EnterpriseSignupJourneyTests:
    def test_visitor_signs_up_as_enterprise_in_chinese_then_reads_the_site_in_english(
        self, page, base_url
    ):
        """The site opens in Chinese; an enterprise signs up, creates its organization, lands
        on the organization's page, and the language switcher turns the UI into English."""
        page.goto(url(base_url, "/"))
        html = page.locator("html")
        expect(html).to_have_attribute("lang", "zh-hans")
        # The switcher offers English, named in Chinese by Django's own catalogue.
        expect(page.locator('button[data-language="en"]')).to_have_text("English")
        expect(page.locator('button[data-language="zh-hans"]')).to_have_count(0)

        sign_up(
            page,
            base_url,
            email="buyer@example.com",
            password="Qingdao-Harbour-2023",
            full_name="李明",
            kind="enterprise",
        )
        expect(page).to_have_url(re.compile(r"/accounts/organizations/new/\?kind=enterprise$"))
        assert User.objects.filter(email="buyer@example.com").exists()

        form = form_with(page, "contact_person")
        for name, value in {
            "name": "示例物流集团",
            "name_en": "Example Logistics Group",
            "region": "北京市",
            "contact_person": "李明",
            "contact_phone": "010-00001234",
            "contact_email": "buyer@example.com",
        }.items():
            fill_field(page, name, value, within=form)
        submit(form)

        organization = Organization.objects.get(name="示例物流集团")
        assert organization.kind == "enterprise"
        assert organization.memberships.get().user.email == "buyer@example.com"
        expect(page).to_have_url(re.compile(re.escape(organization.get_absolute_url()) + "$"))
        expect(html).to_have_attribute("lang", "zh-hans")
        expect(page.locator("body")).to_contain_text("示例物流集团")

        switch_language(page, "en")
        expect(html).to_have_attribute("lang", "en")
        expect(page).to_have_url(re.compile(re.escape(organization.get_absolute_url()) + "$"))
        expect(page.locator("nav")).to_contain_text("Sign out")
        expect(page.locator('button[data-language="zh-hans"]')).to_have_text("简体中文")
        expect(page.locator('button[data-language="en"]')).to_have_count(0)
