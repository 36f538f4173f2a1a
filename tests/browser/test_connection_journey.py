"""Journey: an enterprise requests → the vendor accepts → both see contacts and talk."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from matchmaking.connections.models import Connection
from tests import factories
from tests.browser.helpers import fill_field, form_with, sign_in, submit, url

pytestmark = pytest.mark.browser


class ConnectionJourneyTests:
    def test_enterprise_requests_vendor_accepts_both_see_contacts_and_exchange_messages(
        self, page, browser, base_url
    ):
        """The enterprise sends a request from the offering page without seeing the vendor's
        contacts; the vendor accepts from its inbox; then each side sees the other's contact
        details and they exchange a message each way."""
        enterprise = factories.make_organization(
            kind="enterprise",
            name="京华示例银行",
            contact_person="王经理",
            contact_phone="010-00001111",
            contact_email="wang@bank.example.com",
        )
        vendor = factories.make_organization(
            kind="vendor",
            name="智云示例科技",
            contact_person="李商务",
            contact_phone="010-00002222",
            contact_email="li@vendor.example.com",
        )
        buyer = enterprise.memberships.get().user
        seller = factories.make_member(vendor, email="seller@example.com")
        offering = factories.make_offering(organization=vendor, title="金融智能客服大模型")

        # Enterprise: offering page → request form → the request's page, no contacts yet.
        sign_in(page, base_url, buyer.email, factories.DEFAULT_PASSWORD)
        page.goto(url(base_url, offering.get_absolute_url()))
        expect(page.locator("body")).not_to_contain_text("010-00002222")
        with page.expect_navigation():
            page.locator('[data-action="request"]').click()
        form = form_with(page, "message")
        fill_field(page, "message", "我们想在信用卡中心试点智能客服，能否安排演示？", within=form)
        form.locator('input[name="pilot_requested"]').check()
        submit(form)
        connection = Connection.objects.get()
        expect(page).to_have_url(re.compile(re.escape(connection.get_absolute_url()) + "$"))
        body = page.locator("body")
        expect(body).not_to_contain_text("010-00002222")
        expect(body).not_to_contain_text("li@vendor.example.com")

        # Vendor (its own browser session): inbox → the request → accept.
        vendor_context = browser.new_context(base_url=base_url, locale="zh-CN")
        vendor_page = vendor_context.new_page()
        try:
            sign_in(vendor_page, base_url, seller.email, factories.DEFAULT_PASSWORD)
            vendor_page.goto(url(base_url, "/connections/"))
            expect(vendor_page.locator("body")).not_to_contain_text("010-00001111")
            with vendor_page.expect_navigation():
                vendor_page.get_by_role("link", name="金融智能客服大模型").first.click()
            expect(vendor_page.locator("body")).to_contain_text("能否安排演示")
            expect(vendor_page.locator("body")).not_to_contain_text("王经理")
            with vendor_page.expect_navigation():
                vendor_page.locator('[data-action="accept"]').click()
            contacts = vendor_page.locator("[data-contacts]")
            expect(contacts).to_contain_text("王经理")
            expect(contacts).to_contain_text("010-00001111")
            expect(contacts).to_contain_text("wang@bank.example.com")

            # Vendor writes first.
            message_form = form_with(vendor_page, "body")
            fill_field(
                vendor_page,
                "body",
                "您好，下周二下午可以线上演示：https://example.com/demo",
                within=message_form,
            )
            submit(message_form)
            expect(vendor_page.locator(".message-list")).to_contain_text("下周二下午可以线上演示")
            link = vendor_page.locator('.message-list a[href="https://example.com/demo"]')
            expect(link).to_have_attribute("rel", re.compile("noopener"))

            # Enterprise: sees the vendor's contacts and the message, and replies.
            page.reload()
            contacts = page.locator("[data-contacts]")
            expect(contacts).to_contain_text("李商务")
            expect(contacts).to_contain_text("010-00002222")
            expect(contacts).to_contain_text("li@vendor.example.com")
            expect(page.locator(".message-list")).to_contain_text("下周二下午可以线上演示")
            reply_form = form_with(page, "body")
            fill_field(page, "body", "好的，周二见。", within=reply_form)
            submit(reply_form)

            vendor_page.reload()
            expect(vendor_page.locator(".message-list")).to_contain_text("好的，周二见。")
        finally:
            vendor_context.close()

        connection.refresh_from_db()
        assert connection.state == "accepted" and connection.messages.count() == 2
