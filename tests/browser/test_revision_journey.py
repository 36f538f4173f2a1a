"""Journey: a vendor changes the price of a live offering that already has a won deal. The
offering stays online for the buyer; the moderator reads the diff and approves; the new price
is shown and the buyer's need's suggestions are computed from it."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from matchmaking.connections import services as connection_services
from matchmaking.listings.models import ListingRevision
from matchmaking.matching import services as matching_services
from matchmaking.matching.models import Suggestion
from matchmaking.matching.runtime import holder
from tests import factories
from tests.browser.helpers import fill_field, form_with, sign_in, submit, url

pytestmark = pytest.mark.browser

NEW_PRICE = re.compile(r"1,?500,?000|150\s*万")


def _reason_codes(need, offering) -> set[str]:
    suggestion = Suggestion.objects.filter(need=need, offering=offering).first()
    assert suggestion is not None, "the offering is no longer suggested for the need"
    return {reason["code"] for reason in suggestion.reasons if reason.get("met") is not None}


class RevisionJourneyTests:
    def test_vendor_edits_a_live_offering_with_a_won_deal_and_the_moderator_approves(
        self, page, browser, base_url
    ):
        holder.reset()
        vendor = factories.make_organization(kind="vendor", name="修订示例厂商")
        vendor_user = vendor.memberships.get().user
        offering = factories.make_offering(
            organization=vendor,
            title="信用卡中心智能客服大模型",
            price_min=100_000,
            price_max=500_000,
            deployment=["private"],
        )
        enterprise = factories.make_organization(kind="enterprise", name="修订示例银行")
        buyer = enterprise.memberships.get().user
        need = factories.make_need(
            organization=enterprise,
            title="信用卡中心客服热线分流",
            budget_min=200_000,
            budget_max=1_000_000,
            deployment=["private"],
        )
        matching_services.suggestions_refresh_for_need(need=need)
        assert "budget_overlap" in _reason_codes(need, offering)
        connection, _created = connection_services.connection_request(
            user=buyer, offering=offering, message="想采购", need=need
        )
        connection_services.connection_accept(connection=connection, user=vendor_user)
        connection_services.connection_mark(
            connection=connection, user=buyer, state="won", contract_value=480_000
        )
        admin = factories.make_user(email="moderator@example.com", is_staff=True)

        # The vendor raises the price in the edit form.
        sign_in(page, base_url, vendor_user.email, factories.DEFAULT_PASSWORD)
        page.goto(url(base_url, f"/offerings/{offering.pk}/edit/"))
        expect(page.locator("#revision-help")).to_be_visible()
        form = form_with(page, "price_min")
        fill_field(page, "price_min", "1500000", within=form)
        fill_field(page, "price_max", "2500000", within=form)
        submit(form)
        expect(page).to_have_url(re.compile(rf"/offerings/{offering.pk}/$"))
        banner = page.locator("#revision-state")
        expect(banner).to_be_visible()
        expect(banner.locator('tr[data-field="price_min"]')).to_contain_text("¥1,500,000")
        revision = ListingRevision.objects.get(offering=offering, status="pending")

        # The buyer still opens the offering, at the old price, and sees no proposal.
        buyer_context = browser.new_context(base_url=base_url, locale="zh-CN")
        buyer_page = buyer_context.new_page()
        sign_in(buyer_page, base_url, buyer.email, factories.DEFAULT_PASSWORD)
        response = buyer_page.goto(url(base_url, offering.get_absolute_url()))
        assert response.status == 200
        expect(buyer_page.locator("h1")).to_have_text(offering.title)
        expect(buyer_page.locator(".facts")).not_to_contain_text(NEW_PRICE)
        expect(buyer_page.locator("#revision-state")).to_have_count(0)
        buyer_page.goto(url(base_url, f"/connections/{connection.pk}/"))
        expect(buyer_page.locator("body")).to_contain_text(offering.title)

        # The moderator reads the diff in the queue and approves.
        moderator_context = browser.new_context(base_url=base_url, locale="zh-CN")
        moderator = moderator_context.new_page()
        sign_in(moderator, base_url, admin.email, factories.DEFAULT_PASSWORD)
        moderator.goto(url(base_url, "/moderation/"))
        item = moderator.locator(f'[data-revision="{revision.pk}"]')
        price_row = item.locator('tr[data-field="price_min"]')
        expect(price_row.locator(".diff-old")).to_have_text("¥100,000")
        expect(price_row.locator(".diff-new")).to_have_text("¥1,500,000")
        expect(item.locator('tr[data-field="price_max"] .diff-new')).to_have_text("¥2,500,000")
        with moderator.expect_navigation():
            item.locator(f'form[action$="/revisions/{revision.pk}/approve/"] button').click()
        expect(moderator.locator(f'[data-revision="{revision.pk}"]')).to_have_count(0)

        # The buyer sees the new price; the need's suggestions were recomputed from it.
        buyer_page.goto(url(base_url, offering.get_absolute_url()))
        expect(buyer_page.locator(".facts")).to_contain_text(NEW_PRICE)
        codes = _reason_codes(need, offering)
        assert "budget_overlap" not in codes
        assert "price_slightly_above_budget" in codes
        buyer_page.goto(url(base_url, need.get_absolute_url()))
        with translation.override("zh-hans"):
            above = gettext("Minimum price slightly above budget")
        panel = buyer_page.locator("#suggested-offerings")
        item = panel.locator(".match-item", has=buyer_page.locator(f'a:text("{offering.title}")'))
        expect(item).to_contain_text(above)

        # The vendor's page no longer shows a pending proposal.
        page.goto(url(base_url, offering.get_absolute_url()))
        expect(page.locator("#revision-state")).to_have_count(0)
        expect(page.locator(".facts")).to_contain_text(NEW_PRICE)
        buyer_context.close()
        moderator_context.close()
