"""Layout at a desktop width (1280 px) and a phone width (390 px): no page scrolls sideways,
and the navigation's items stay on one row on the desktop (on the phone it folds into a menu).

The pages a signed-in enterprise member sees most: home, browse (offerings), a need, a
connection with its message thread, and the dashboard. Every visit is also checked by axe-core
(the harness's accessibility hook), so the same pages are checked at both widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from matchmaking.connections import services as connection_services
from tests import factories
from tests.browser.helpers import sign_in, switch_language, url

pytestmark = pytest.mark.browser

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# The distinct row positions (top edges, rounded) of the navigation's visible items.
NAV_ROWS = """() => {
  const items = document.querySelectorAll(
    ".site-header .nav > .brand, .site-header .nav-links > li, .site-header .nav-account > li");
  const tops = new Set();
  for (const item of items) {
    const box = item.getBoundingClientRect();
    if (box.width && box.height) tops.add(Math.round(box.top + box.height / 2));
  }
  return [...tops].sort((a, b) => a - b);
}"""


@pytest.fixture
def world():
    enterprise = factories.make_organization(
        kind="enterprise", name="京华布局测试银行（一家名字相当长的示例金融机构）"
    )
    vendor = factories.make_organization(
        kind="vendor",
        name="智云布局测试科技",
        name_en="Zhiyun Language Intelligence Technology (Beijing) Co., Ltd.",
    )
    buyer = enterprise.memberships.get().user
    seller = vendor.memberships.get().user
    offering = factories.make_offering(
        organization=vendor,
        title="金融智能客服大模型（私有化部署、知识库问答、坐席辅助与通话小结一体化）",
        price_min=500_000,
        price_max=2_500_000,
    )
    need = factories.make_need(organization=enterprise, title="信用卡中心智能客服")
    connection, _created = connection_services.connection_request(
        user=buyer, offering=offering, need=need, message="我们想试点智能客服，能否安排演示？"
    )
    connection_services.connection_accept(connection=connection, user=seller)
    connection_services.message_post(
        connection=connection, user=seller, body="可以，下周二上午方便吗？" * 8
    )
    return {"buyer": buyer, "seller": seller, "need": need, "connection": connection}


def _pages(world) -> list[str]:
    return [
        "/",
        "/offerings/",
        world["need"].get_absolute_url(),
        world["connection"].get_absolute_url(),
        "/connections/dashboard/",
    ]


def _check(page, base_url, paths, *, desktop: bool) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(url(base_url, path))
        assert response is not None and response.status == 200, path
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            problems.append(f"{path}: {overflow}px wider than the window")
        if desktop:
            rows = page.evaluate(NAV_ROWS)
            if len(rows) != 1:
                problems.append(f"{path}: navigation on {len(rows)} rows ({rows})")
    return problems


class LayoutTests:
    def test_desktop_pages_fit_and_the_navigation_is_one_row(self, page, base_url, world):
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, base_url, world["buyer"].email, factories.DEFAULT_PASSWORD)
        assert _check(page, base_url, _pages(world), desktop=True) == []
        # The thread has the wide column: wider than the side column beside it.
        page.goto(url(base_url, world["connection"].get_absolute_url()))
        thread = page.locator("#thread").bounding_box()
        assert thread is not None and thread["width"] > 600

    def test_desktop_navigation_of_a_vendor_is_one_row_in_both_languages(
        self, page, base_url, world
    ):
        """A vendor has the most links of all (offerings, cases, opportunities, …)."""
        sign_in(page, base_url, world["seller"].email, factories.DEFAULT_PASSWORD)
        paths = ["/", "/offerings/", world["connection"].get_absolute_url()]
        assert _check(page, base_url, paths, desktop=True) == []
        switch_language(page, "en")
        assert _check(page, base_url, paths, desktop=True) == []

    def test_desktop_navigation_of_staff_is_one_row(self, page, base_url):
        staff = factories.make_user(is_staff=True, is_superuser=True, full_name="运营人员")
        sign_in(page, base_url, staff.email, factories.DEFAULT_PASSWORD)
        for path in ("/", "/offerings/"):
            page.goto(url(base_url, path))
            assert len(page.evaluate(NAV_ROWS)) == 1, path
            expect(page.locator(".site-header")).not_to_contain_text("设置您的机构")

    def test_phone_pages_do_not_scroll_sideways(self, page, base_url, world):
        page.set_viewport_size({"width": 390, "height": 844})
        sign_in(page, base_url, world["buyer"].email, factories.DEFAULT_PASSWORD)
        assert _check(page, base_url, _pages(world), desktop=False) == []
        # The collapsed menu opens and shows the account links.
        page.goto(url(base_url, "/"))
        page.locator("[data-nav-toggle]").click()
        expect(page.locator("#nav-menu")).to_be_visible()
        assert page.evaluate(OVERFLOW) <= 0

    def test_anonymous_pages_fit_at_both_widths(self, page, base_url, world):
        for width, desktop in ((1280, True), (390, False)):
            page.set_viewport_size({"width": width, "height": 900})
            assert _check(page, base_url, ["/", "/offerings/"], desktop=desktop) == []

    def test_phone_tables_scroll_inside_themselves_in_english(self, page, base_url, world):
        """English words do not break like Chinese characters: a wide table (the inbox, the
        dashboard) scrolls within itself, the page does not scroll sideways."""
        sign_in(page, base_url, world["buyer"].email, factories.DEFAULT_PASSWORD)
        switch_language(page, "en")
        page.set_viewport_size({"width": 390, "height": 844})
        paths = ["/connections/", "/connections/dashboard/"]
        assert _check(page, base_url, paths, desktop=False) == []

    def test_phone_table_columns_stay_readable_in_chinese(self, page, base_url, world):
        """A column is never squeezed to one character a line: the table scrolls instead."""
        sign_in(page, base_url, world["buyer"].email, factories.DEFAULT_PASSWORD)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(url(base_url, "/connections/dashboard/"))
        widths = page.eval_on_selector_all(
            "table.data td", "cells => cells.map(c => c.getBoundingClientRect().width)"
        )
        assert widths and min(widths) >= 70, widths
        assert page.evaluate(OVERFLOW) <= 0

    def test_vendor_opportunities_filter_and_fit_at_both_widths(self, page, base_url, world):
        """商机: the filters sit above the list, fit a phone, and choosing one of the vendor's
        offerings narrows the list to the needs suggested for it."""
        from matchmaking.matching.models import Direction, Suggestion

        seller = world["seller"]
        offering = world["connection"].offering
        other = factories.make_offering(organization=offering.organization, title="坐席质检助手")
        other_need = factories.make_need(title="客服录音质检")
        for need, target, score in ((world["need"], offering, 82.0), (other_need, other, 64.0)):
            Suggestion.objects.create(
                need=need, offering=target, direction=Direction.FOR_OFFERING, score=score, rank=1
            )
        sign_in(page, base_url, seller.email, factories.DEFAULT_PASSWORD)
        for width, desktop in ((1280, True), (390, False)):
            page.set_viewport_size({"width": width, "height": 900})
            assert _check(page, base_url, ["/matching/opportunities/"], desktop=desktop) == []
        items = page.locator(".match-item .match-title > a")
        expect(items).to_have_text([world["need"].title, other_need.title])
        page.select_option("select[name=offering]", str(other.pk))
        page.locator("form.filter-form button[type=submit]").click()
        expect(items).to_have_text([other_need.title])
        assert f"offering={other.pk}" in page.url
