"""Journeys: a need that requires 信创 never shows a non-信创 offering among its suggestions;
a hype listing appears flagged, with its reason, in the admins' moderation queue, and so does
box-ticking in the text, with the offerings suggested to the most needs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from matchmaking.listings import services as listing_services
from matchmaking.listings.models import Need
from matchmaking.matching.models import Direction, Suggestion
from matchmaking.matching.runtime import holder
from tests import factories
from tests.browser.helpers import fill_field, form_with, sign_in, submit, url

pytestmark = pytest.mark.browser

ALL_SECTORS = ["government", "finance", "healthcare", "industry", "culture_tourism", "smart_city"]
ALL_APPS = ["content_generation", "qa", "it_support", "data_analysis", "recognition", "hardware"]


class MustHaveJourneyTests:
    def test_a_need_requiring_xinchuang_never_shows_a_non_xinchuang_offering(self, page, base_url):
        holder.reset()
        xinchuang = factories.make_offering(
            title="银行信创智能客服",
            summary="适配昇腾服务器和麒麟操作系统的银行智能客服",
            description="智能客服机器人自动回答持卡人常见问题，支持坐席辅助，行内私有化部署。",
            domestic_platforms=["昇腾", "麒麟"],
        )
        # The same product without domestic hardware/OS support: a better text match, unbuyable.
        plain = factories.make_offering(
            title="银行信用卡中心智能客服",
            summary="银行信用卡中心智能客服与坐席辅助，自动回答持卡人常见问题",
            description="信用卡中心账单日来电排队严重时，智能客服机器人自动回答持卡人常见问题。",
        )
        enterprise = factories.make_organization(kind="enterprise", name="信创示例银行")
        user = enterprise.memberships.get().user

        sign_in(page, base_url, user.email, factories.DEFAULT_PASSWORD)
        page.goto(url(base_url, "/needs/new/"))
        form = form_with(page, "description")
        fill_field(page, "title", "信用卡中心客服热线分流（信创）", within=form)
        fill_field(
            page,
            "description",
            "信用卡中心账单日来电排队严重，希望用智能客服机器人自动回答持卡人常见问题。",
            within=form,
        )
        form.locator('[name="requires_domestic_hw"]').check()
        submit(form)

        need = Need.objects.get(title="信用卡中心客服热线分流（信创）")
        assert need.requires_domestic_hw
        expect(page).to_have_url(re.compile(re.escape(need.get_absolute_url()) + "$"))
        panel = page.locator("#suggested-offerings")
        expect(panel).to_contain_text(xinchuang.title)
        expect(panel).not_to_contain_text(plain.title)


class HypeModerationJourneyTests:
    def test_a_hype_listing_appears_flagged_in_the_moderation_queue(self, page, base_url):
        vendor = factories.make_organization(kind="vendor", name="全栈示例科技")
        hyped = listing_services.offering_create(
            organization=vendor,
            title="全栈AI赋能平台",
            summary="业界第一的全场景大模型，赋能千行百业",
            description="准确率100%，颠覆传统，一站式满足所有行业的所有需求。",
            kind="product",
            sectors=ALL_SECTORS,
            app_types=ALL_APPS,
            submit=True,
        )
        admin = factories.make_user(email="moderator@example.com", is_staff=True, is_superuser=True)

        sign_in(page, base_url, admin.email, factories.DEFAULT_PASSWORD)
        page.goto(url(base_url, "/moderation/"))
        table = page.locator("#hype-flags")
        row = table.locator(f'tr[data-offering="{hyped.pk}"]')
        expect(row).to_contain_text(hyped.title)
        expect(row).to_contain_text("几乎勾选了全部行业和应用类型")
        expect(row).to_contain_text("夸大或无法验证的宣传用语")
        pending = page.locator(f'article[data-offering="{hyped.pk}"]')
        expect(pending.locator(".hype-flag").first).to_be_visible()

    def test_text_box_ticking_and_the_most_suggested_offerings_show_in_the_queue(
        self, page, base_url
    ):
        vendor = factories.make_organization(kind="vendor", name="启衡智能")
        spread = listing_services.offering_create(
            organization=vendor,
            title="企业级大模型应用定制",
            summary="面向多个行业提供大模型应用",
            description=(
                "为银行和保险机构建设智能客服；为政府部门提供政策咨询；为医院提供导诊问答；"
                "为制造企业提供产线质检；为景区提供游客咨询；为城市管理部门提供应急指挥辅助。"
            ),
            kind="product",
            submit=True,
        )
        admin = factories.make_user(email="moderator@example.com", is_staff=True, is_superuser=True)
        listing_services.offering_approve(offering=spread, by=admin)
        for index in range(3):
            Suggestion.objects.create(
                need=factories.make_need(title=f"需求{index}"),
                offering=spread,
                direction=Direction.FOR_NEED,
                score=80,
                rank=1,
                components={},
                reasons=[],
            )

        sign_in(page, base_url, admin.email, factories.DEFAULT_PASSWORD)
        page.goto(url(base_url, "/moderation/"))
        flagged = page.locator(f'#hype-flags tr[data-offering="{spread.pk}"]')
        expect(flagged).to_contain_text("正文点名了几乎所有行业的客户")
        hub = page.locator(f'#suggestion-hubs-table tr[data-offering="{spread.pk}"]')
        expect(hub).to_contain_text(spread.title)
        expect(hub).to_contain_text("100%")
