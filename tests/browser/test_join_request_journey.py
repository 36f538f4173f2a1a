"""Journey: a second employee joins their company through its unified social credit code.

They sign up, type the company's code on the organization form, are offered to ask to join
instead of an error, send the request; the owner approves it on the members page; the
employee then sees the company's connections in the inbox.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from matchmaking.accounts.models import JoinRequest, Membership
from matchmaking.connections import services as connection_services
from tests import factories
from tests.browser.helpers import (
    DEFAULT_TIMEOUT_MS,
    fill_field,
    form_with,
    sign_in,
    sign_up,
    submit,
    url,
)
from tests.factories import DEFAULT_PASSWORD, VALID_USCC

pytestmark = pytest.mark.browser


def test_second_employee_requests_to_join_and_the_owner_approves(page, browser, base_url):
    company = factories.make_organization(
        kind="enterprise", name="示例港口集团", name_en="Example Port Group", uscc=VALID_USCC
    )
    owner = company.memberships.get().user
    vendor = factories.make_organization(kind="vendor")
    offering = factories.make_offering(
        organization=vendor, status="published", title="港口调度智能问答"
    )
    connection, _ = connection_services.connection_request(
        user=owner, offering=offering, message="想了解部署方式"
    )

    # The employee signs up and types the company's code while setting up "their" organization.
    sign_up(
        page,
        base_url,
        email="colleague@example.com",
        password=DEFAULT_PASSWORD,
        full_name="王芳",
        kind="enterprise",
    )
    expect(page).to_have_url(re.compile(r"/accounts/organizations/new/"))
    form = form_with(page, "contact_person")
    fill_field(page, "name", "示例港口集团", within=form)
    fill_field(page, "uscc", VALID_USCC, within=form)
    submit(form)
    body = page.locator("body")
    expect(body).to_contain_text("示例港口集团")
    expect(body).not_to_contain_text("具有 统一社会信用代码")
    join_url = reverse("accounts:join-request-create", args=[company.pk])
    with page.expect_navigation():
        page.locator(f'a[href="{join_url}"]').first.click()
    form = form_with(page, "message")
    fill_field(page, "message", "我在调度中心工作，工号 1024。", within=form)
    submit(form)
    join_request = JoinRequest.objects.get(user__email="colleague@example.com")
    assert join_request.status == "pending" and join_request.organization == company
    withdraw_url = reverse("accounts:join-request-withdraw", args=[join_request.pk])
    expect(page.locator(f'form[action="{withdraw_url}"]')).to_have_count(1)

    # The owner, in their own browser, approves on the members page.
    owner_context = browser.new_context(
        base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    owner_context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        owner_page = owner_context.new_page()
        sign_in(owner_page, base_url, owner.email, DEFAULT_PASSWORD)
        owner_page.goto(url(base_url, reverse("accounts:organization-members", args=[company.pk])))
        expect(owner_page.locator("body")).to_contain_text("我在调度中心工作")
        approve_url = reverse("accounts:join-request-approve", args=[company.pk, join_request.pk])
        submit(owner_page.locator(f'form[action="{approve_url}"]'))
        expect(owner_page.locator("table.data")).to_contain_text("colleague@example.com")
    finally:
        owner_context.close()
    membership = Membership.objects.get(user__email="colleague@example.com")
    assert membership.organization == company and membership.role == "member"

    # The employee now sees the company's connections.
    page.goto(url(base_url, reverse("connections:inbox") + "?box=sent"))
    expect(page.locator("main")).to_contain_text("港口调度智能问答")
    with page.expect_navigation():
        page.locator(
            f'main a[href$="{reverse("connections:detail", args=[connection.pk])}"]'
        ).first.click()
    expect(page.locator("main")).to_contain_text("想了解部署方式")
