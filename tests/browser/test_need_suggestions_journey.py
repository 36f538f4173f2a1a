"""Journey: an enterprise posts a need (the form suggests its categories live) and sees the
suggested offerings with their reasons on the need's page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from matchmaking.listings.models import Need
from matchmaking.matching.models import SuggestionFeedback
from matchmaking.matching.runtime import holder
from tests import factories
from tests.browser.helpers import fill_field, form_with, sign_in, submit, url

pytestmark = pytest.mark.browser


class NeedSuggestionsJourneyTests:
    def test_enterprise_posts_a_need_and_sees_suggestions_with_reasons(self, page, base_url):
        """Typing the need suggests 金融 / 智能问答 (a click ticks the box); after publishing,
        the need's page lists the matching offerings with met/missing reasons, and "not
        relevant" hides one."""
        holder.reset()
        bot = factories.make_offering(
            title="金融智能客服大模型",
            summary="银行信用卡中心智能客服与坐席辅助",
            description="智能客服机器人自动回答持卡人常见问题，支持知识库问答与坐席辅助。",
            deployment=["private", "saas"],
        )
        second = factories.make_offering(
            title="银行知识库问答助手",
            summary="面向银行的知识库问答",
            description="把制度文件和产品手册变成可问答的知识库，客服与员工都能用。",
            deployment=["private"],
        )
        enterprise = factories.make_organization(kind="enterprise", name="京华示例银行")
        user = enterprise.memberships.get().user

        sign_in(page, base_url, user.email, factories.DEFAULT_PASSWORD)
        page.goto(url(base_url, "/needs/new/"))
        form = form_with(page, "description")
        fill_field(page, "title", "信用卡中心客服热线分流", within=form)
        page.locator('[name="description"]').press_sequentially(
            "银行信用卡中心账单日来电排队严重，希望用智能客服机器人自动回答持卡人的常见问题。",
            delay=5,
        )
        chips = page.locator("#category-suggestions .category-chip")
        expect(chips.first).to_be_visible()
        finance_chip = page.locator('#category-suggestions .category-chip[data-code="finance"]')
        expect(finance_chip).to_be_visible()
        # The chips sit right above the checkboxes they tick, not at the end of the form.
        chips_box = page.locator("#need-suggestions").bounding_box()
        sectors_box = page.locator('div.field[data-field="sectors"]').bounding_box()
        assert chips_box is not None and sectors_box is not None
        gap = sectors_box["y"] - (chips_box["y"] + chips_box["height"])
        assert 0 <= gap < 60, gap
        finance_chip.click()
        expect(finance_chip).to_have_attribute("aria-pressed", "true")
        submit(form)

        need = Need.objects.get(title="信用卡中心客服热线分流")
        assert list(need.sectors.values_list("code", flat=True)) == ["finance"]
        expect(page).to_have_url(re.compile(re.escape(need.get_absolute_url()) + "$"))
        panel = page.locator("#suggested-offerings")
        expect(panel).to_contain_text(bot.title)
        expect(panel).to_contain_text(second.title)
        expect(panel.locator(".reason-met").first).to_be_visible()

        # Not relevant: the second offering disappears from the list and the feedback is kept.
        item = panel.locator(".match-item", has=page.locator(f'a:text("{second.title}")'))
        with page.expect_navigation():
            item.locator(".match-dismiss button").click()
        expect(page.locator("#suggested-offerings")).not_to_contain_text(second.title)
        expect(page.locator("#suggested-offerings")).to_contain_text(bot.title)
        assert SuggestionFeedback.objects.filter(need=need, offering=second).exists()
