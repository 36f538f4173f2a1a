"""Journey: a need nothing fits says so plainly on its page and offers what to do."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from matchmaking.matching import services
from matchmaking.matching.runtime import holder
from matchmaking.notifications.models import Notification, SavedSearch
from tests import factories
from tests.browser.helpers import sign_in, url

pytestmark = pytest.mark.browser


class NoGoodMatchJourneyTests:
    def test_a_need_nothing_fits_shows_the_no_good_match_state_with_its_actions(
        self, page, base_url
    ):
        holder.reset()
        # Crowding alerts for metro platforms on domestic hardware: the only offering sharing
        # a category (recognition) reads medical images and lacks 信创; the other one is a
        # bank chatbot.
        near = factories.make_offering(
            title="医学影像辅助诊断系统",
            summary="肺结节与骨折影像识别",
            description="基于视觉模型辅助放射科医生阅读CT与X光片，标注可疑病灶。",
            sectors=["healthcare"],
            app_types=["recognition"],
            deployment=["private"],
            tags=["医学影像"],
        )
        factories.make_offering(title="金融智能客服大模型")
        enterprise = factories.make_organization(kind="enterprise", name="示例市交通委")
        need = factories.make_need(
            organization=enterprise,
            title="地铁站客流拥挤预警",
            description="需要在国产服务器上运行，分析站台摄像头画面，客流过密时提前预警。",
            sectors=["smart_city"],
            app_types=["recognition"],
            deployment=["private"],
            requires_domestic_hw=True,
        )
        services.suggestions_rebuild_all()
        user = enterprise.memberships.get().user

        sign_in(page, base_url, user.email, factories.DEFAULT_PASSWORD)
        page.goto(url(base_url, need.get_absolute_url()))
        state = page.locator("#no-good-match")
        expect(state).to_be_visible()
        expect(state).to_contain_text("暂无强匹配")
        # The collapsed "would fit if you relaxed 信创" line, with its count.
        relax = page.locator("#relax-must-haves")
        expect(relax).to_contain_text("放宽必须条件后可匹配 1 个供给")
        relax.locator("summary").click()
        expect(relax).to_contain_text("信创")
        expect(state).to_contain_text("放宽需求")

        # A saved search that alerts when a fitting offering appears.
        with page.expect_navigation():
            page.locator("#need-alert").click()
        expect(page.locator("body")).to_contain_text("有合适的供给发布时会提醒您")
        assert SavedSearch.objects.filter(user=user).count() == 1

        # Let the vendors of close offerings know.
        with page.expect_navigation():
            page.locator("#need-broadcast").click()
        expect(page.locator("#no-good-match")).to_contain_text("已于")
        vendor_user = near.organization.memberships.get().user
        assert Notification.objects.filter(recipient=vendor_user, kind="need_shared").exists()
