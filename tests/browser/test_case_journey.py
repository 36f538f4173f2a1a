"""Journey: a vendor submits a case, an admin scores and publishes it, a visitor finds it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from matchmaking.cases.choices import CaseStatus
from matchmaking.cases.models import Case
from matchmaking.taxonomy.models import ApplicationType, Layer, Sector
from tests import factories
from tests.browser.helpers import fill_field, form_with, sign_in, submit, url

pytestmark = pytest.mark.browser

TITLE = "城商行智能客服知识库建设"


class CaseJourneyTests:
    def test_vendor_submits_admin_scores_and_publishes_visitor_finds_it_by_sector(
        self, page, browser, base_url
    ):
        """The case travels draft → submitted → scored → published, and only then appears in
        the gallery, where a visitor filtering by the finance sector finds it."""
        vendor = factories.make_organization(kind="vendor", name="示例语言智能")
        vendor_user = vendor.memberships.get().user
        factories.make_user(email="curator@example.com", is_staff=True)

        # 1. The vendor writes the case and submits it for review.
        sign_in(page, base_url, vendor_user.email, factories.DEFAULT_PASSWORD)
        page.goto(url(base_url, "/cases/new/"))
        form = form_with(page, "challenge")
        for name, value in {
            "title": TITLE,
            "client": "某城市商业银行",
            "sector": str(Sector.objects.get(code="finance").pk),
            "app_type": str(ApplicationType.objects.get(code="qa").pk),
            "layer": str(Layer.objects.get(code="application").pk),
            "challenge": "信用卡账单日前后来电集中，排队时间长。",
            "solution": "在行内私有云部署客服机器人，并为坐席实时推荐话术。",
            "outcome": "高峰时段等待时间明显下降。",
            "metrics-0-name": "高峰时段平均等待时长",
            "metrics-0-value": "-35%",
        }.items():
            fill_field(page, name, value, within=form)
        submit(form)
        case = Case.objects.get(title=TITLE)
        expect(page).to_have_url(re.compile(re.escape(case.get_absolute_url()) + "$"))
        expect(page.locator(".case-metric-value")).to_have_text("-35%")
        with page.expect_navigation():
            page.locator('[data-action="submit-case"]').click()
        expect(page).to_have_url(re.compile(r"/cases/mine/$"))
        expect(page.locator(f'tr[data-case="{case.pk}"] [data-status]')).to_have_attribute(
            "data-status", "submitted"
        )

        # Not yet in the gallery for anyone else.
        visitor = browser.new_context(base_url=base_url, locale="zh-CN")
        visitor_page = visitor.new_page()
        visitor_page.goto(url(base_url, "/cases/?sector=finance"))
        expect(visitor_page.get_by_text(TITLE)).to_have_count(0)

        # 2. An admin scores the four dimensions on the review queue and publishes.
        curator = browser.new_context(base_url=base_url, locale="zh-CN")
        admin_page = curator.new_page()
        sign_in(admin_page, base_url, "curator@example.com", factories.DEFAULT_PASSWORD)
        admin_page.goto(url(base_url, "/cases/review/"))
        card = admin_page.locator(f"#case-{case.pk}")
        expect(card).to_contain_text(TITLE)
        score_form = card.locator('form[data-form="score"]')
        prefix = f"case-{case.pk}-score"
        for name, value in {
            "innovation": "4",
            "demonstration": "5",
            "benefit": "4",
            "replicability": "5",
        }.items():
            fill_field(admin_page, f"{prefix}-{name}", value, within=score_form)
        fill_field(admin_page, f"{prefix}-comment", "示范性和可推广性强。", within=score_form)
        submit(score_form)
        submit(admin_page.locator(f'#case-{case.pk} form[data-form="publish"]'))
        case.refresh_from_db()
        assert case.status == CaseStatus.PUBLISHED
        assert str(case.overall_score) == "4.50"
        curator.close()

        # 3. A visitor filters the gallery by sector and opens the case.
        visitor_page.goto(url(base_url, "/cases/"))
        filters = visitor_page.locator("form.filter-form")
        fill_field(visitor_page, "sector", "finance", within=filters)
        submit(filters)
        expect(visitor_page).to_have_url(re.compile(r"sector=finance"))
        link = visitor_page.get_by_role("link", name=TITLE)
        expect(link).to_be_visible()
        with visitor_page.expect_navigation():
            link.click()
        expect(visitor_page.locator("h1")).to_have_text(TITLE)
        expect(visitor_page.locator(".case-metric-value")).to_have_text("-35%")
        expect(visitor_page.locator(".case-score-large strong")).to_have_text("4.50")

        # Another sector does not list it.
        visitor_page.goto(url(base_url, "/cases/?sector=healthcare"))
        expect(visitor_page.get_by_text(TITLE)).to_have_count(0)
        visitor.close()
