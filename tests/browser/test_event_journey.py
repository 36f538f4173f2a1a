"""Journey: an organizer creates a 对接会; an enterprise and a vendor register; the enterprise
asks the vendor for a meeting from a proposed match; the vendor accepts; the organizer
schedules; both see the meeting in their agendas and download the .ics."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from matchmaking.events.models import Event, Meeting, MeetingRequest
from matchmaking.matching.services import suggestions_refresh_for_need
from tests import factories
from tests.browser.helpers import fill_field, form_with, sign_in, submit, url

pytestmark = pytest.mark.browser


def _new_page(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="zh-CN", accept_downloads=True)
    return context, context.new_page()


def _download_ics(page, base_url, event) -> Calendar:
    page.goto(url(base_url, f"/events/{event.pk}/agenda/"))
    with page.expect_download() as info:
        page.locator('[data-action="download-ics"]').click()
    with open(info.value.path(), "rb") as handle:
        return Calendar.from_ical(handle.read())


class EventJourneyTests:
    def test_organizer_creates_event_participants_meet_and_download_their_agendas(
        self, page, browser, base_url
    ):
        organizer = factories.make_user(email="organizer@example.com", is_staff=True)
        enterprise = factories.make_organization(kind="enterprise", name="京华示例银行")
        vendor = factories.make_organization(kind="vendor", name="智云示例科技")
        buyer = enterprise.memberships.get().user
        seller = vendor.memberships.get().user
        need = factories.make_need(organization=enterprise, title="信用卡中心智能客服")
        offering = factories.make_offering(organization=vendor, title="金融智能客服大模型")
        suggestions_refresh_for_need(need=need, notify=False)
        day = timezone.localdate() + timedelta(days=14)
        now = timezone.localtime()

        # Organizer: new event form → the event's organizer page.
        sign_in(page, base_url, organizer.email, factories.DEFAULT_PASSWORD)
        page.goto(url(base_url, "/events/"))
        with page.expect_navigation():
            page.locator('[data-action="create-event"]').click()
        form = form_with(page, "title")
        for name, value in {
            "title": "金融大模型供需对接会",
            "title_en": "Finance LLM matchmaking",
            "start_date": day.isoformat(),
            "end_date": day.isoformat(),
            "day_start": "09:00",
            "day_end": "11:00",
            "meeting_minutes": "20",
            "breaks": "10:00-10:20",
            "venue": "北京示例会议中心",
            "registration_opens": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "registration_closes": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            "table_count": "4",
            "status": "published",
        }.items():
            fill_field(page, name, value, within=form)
        submit(form)
        event = Event.objects.get(title="金融大模型供需对接会")
        expect(page).to_have_url(re.compile(rf"/events/{event.pk}/manage/$"))

        # Enterprise and vendor register (each in its own browser session).
        sessions = {}
        for user, field, listing in ((buyer, "needs", need), (seller, "offerings", offering)):
            context, other = _new_page(browser, base_url)
            sessions[user.pk] = (context, other)
            sign_in(other, base_url, user.email, factories.DEFAULT_PASSWORD)
            other.goto(url(base_url, f"/events/{event.pk}/"))
            with other.expect_navigation():
                other.locator('[data-action="register"]').click()
            form = form_with(other, field)
            form.locator(f'input[name="{field}"][value="{listing.pk}"]').check()
            submit(form)
            expect(other.locator("[data-registration-status]")).to_have_attribute(
                "data-registration-status", "pending"
            )
        buyer_page, seller_page = sessions[buyer.pk][1], sessions[seller.pk][1]
        try:
            # Organizer approves both.
            for name in ("京华示例银行", "智云示例科技"):
                page.goto(url(base_url, f"/events/{event.pk}/manage/"))
                row = page.locator(f'tr[data-registration="{name}"]')
                with page.expect_navigation():
                    row.locator('[data-action="approve"]').click()
                expect(
                    page.locator(f'tr[data-registration="{name}"] [data-status]')
                ).to_have_attribute("data-status", "approved")

            # Enterprise: proposed meetings → the vendor, with the match's reasons → request.
            buyer_page.goto(url(base_url, f"/events/{event.pk}/participants/"))
            card = buyer_page.locator('[data-participant="智云示例科技"]')
            expect(card.locator("[data-score]")).to_be_visible()
            expect(card).to_contain_text("金融智能客服大模型")
            card.locator('textarea[name="note"]').fill("想了解信用卡客服的落地案例")
            with buyer_page.expect_navigation():
                card.locator('[data-action="request-meeting"]').click()
            expect(buyer_page.locator('[data-to="智云示例科技"] [data-state]')).to_have_attribute(
                "data-state", "requested"
            )

            # Vendor accepts.
            seller_page.goto(url(base_url, f"/events/{event.pk}/requests/"))
            received = seller_page.locator('[data-from="京华示例银行"]')
            expect(received).to_contain_text("想了解信用卡客服的落地案例")
            with seller_page.expect_navigation():
                received.locator('[data-action="accept"]').click()
            expect(received.locator("[data-state]")).to_have_attribute("data-state", "accepted")
            expect(received.locator("[data-connection]")).to_be_visible()

            # Organizer schedules.
            page.goto(url(base_url, f"/events/{event.pk}/manage/"))
            with page.expect_navigation():
                page.locator('[data-action="schedule"]').click()
            meeting = Meeting.objects.get(request=MeetingRequest.objects.get())
            expect(page.locator(f'tr[data-meeting="{meeting.pk}"]')).to_be_visible()
            table = event.table_label(meeting.table)

            # Both see the meeting in their agendas and download it.
            for own_page, other_name in (
                (buyer_page, "智云示例科技"),
                (seller_page, "京华示例银行"),
            ):
                own_page.goto(url(base_url, f"/events/{event.pk}/agenda/"))
                row = own_page.locator(f'tr[data-meeting="{meeting.pk}"]')
                expect(row.locator("[data-with]")).to_contain_text(other_name)
                expect(row.locator("[data-table]")).to_have_text(table)
                calendar = _download_ics(own_page, base_url, event)
                (entry,) = calendar.walk("VEVENT")
                assert other_name in str(entry.get("summary"))
                assert table in str(entry.get("location"))
                assert entry.decoded("dtstart") == event.slots()[meeting.slot].start
        finally:
            for context, _page in sessions.values():
                context.close()
