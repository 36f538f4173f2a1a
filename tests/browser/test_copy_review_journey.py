"""Journey: a vendor rewrites its old, harmless listing into a competitor's text. The
moderator sees in the queue that the proposed text copies another vendor's live offering,
opens the proposal, compares with the original it names, and declines with a reason the
vendor then reads on its listing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from matchmaking.listings.models import ListingRevision
from matchmaking.matching.runtime import holder
from tests import factories
from tests.browser.helpers import fill_field, form_with, sign_in, submit, url

pytestmark = pytest.mark.browser

TITLE, SUMMARY, TEXT = factories.COPIED_TITLE, factories.COPIED_SUMMARY, factories.COPIED_TEXT
REASON = "文字与其他厂商已发布的供给雷同，请说明自己产品的能力。"


class CopyReviewJourneyTests:
    def test_the_moderator_sees_the_copy_and_declines_it(self, page, browser, base_url):
        holder.reset()
        original, placeholder = factories.make_copy_market("抄袭示例科技")
        copier = placeholder.organization
        holder.get()
        admin = factories.make_user(email="moderator@example.com", is_staff=True)

        # The copier pastes the competitor's text into its live listing.
        sign_in(page, base_url, copier.memberships.get().user.email, factories.DEFAULT_PASSWORD)
        page.goto(url(base_url, f"/offerings/{placeholder.pk}/edit/"))
        form = form_with(page, "description")
        fill_field(page, "title", TITLE + "（旗舰版）", within=form)
        fill_field(page, "summary", SUMMARY, within=form)
        fill_field(page, "description", TEXT, within=form)
        submit(form)
        expect(page).to_have_url(re.compile(rf"/offerings/{placeholder.pk}/$"))
        revision = ListingRevision.objects.get(offering=placeholder, status="pending")

        # The moderator is told in the queue, and on the proposal's page.
        moderator_context = browser.new_context(base_url=base_url, locale="zh-CN")
        moderator = moderator_context.new_page()
        sign_in(moderator, base_url, admin.email, factories.DEFAULT_PASSWORD)
        moderator.goto(url(base_url, "/moderation/"))
        row = moderator.locator(f'#text-copies-table tr[data-original="{original.pk}"]')
        expect(row).to_have_count(1)
        expect(row).to_contain_text(original.organization.display_name)
        with moderator.expect_navigation():
            row.locator(f'a[href$="/revisions/{revision.pk}/"]').click()
        expect(moderator.locator("#text-copies")).to_have_text("与其他厂商供给雷同的文字")
        expect(moderator.locator("#text-copies-table")).to_contain_text(TITLE)
        decline = moderator.locator(f'form[action$="/revisions/{revision.pk}/reject/"]')
        fill_field(moderator, "reason", REASON, within=decline)
        with moderator.expect_navigation():
            decline.locator("button").click()
        revision.refresh_from_db()
        assert revision.status == "rejected"

        # The listing stayed as it was; its vendor reads why.
        page.goto(url(base_url, placeholder.get_absolute_url()))
        expect(page.locator("h1")).to_have_text("数字化转型咨询")
        expect(page.locator("body")).to_contain_text(REASON)
        moderator_context.close()
