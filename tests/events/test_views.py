"""Event pages: public list and detail in both languages, organizer pages, registration
form errors, proposals → request → accept, scheduling, agenda and its .ics, API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from matchmaking.events import services
from matchmaking.events.choices import EventStatus, RequestState
from matchmaking.events.models import Event, Meeting, MeetingRequest, Registration
from matchmaking.taxonomy.models import Sector
from tests import factories
from tests.api.conftest import client_for
from tests.events.conftest import make_event, register

pytestmark = pytest.mark.django_db


def _scheduled(world):
    request = services.meeting_request_create(
        user=world.enterprise_user,
        event=world.event,
        to_registration=world.vendor_reg,
        need=world.need,
        offering=world.offering,
        note="面谈",
    )
    services.meeting_request_accept(request=request, user=world.vendor_user)
    services.event_schedule(event=world.event, user=world.organizer)
    return Meeting.objects.get(request=request)


class PublicPagesTests:
    def test_list_shows_upcoming_and_past_events_but_not_drafts(self, client, world):
        past = make_event(
            world.organizer,
            title="往届对接会",
            start_date=timezone.localdate() - timedelta(days=30),
            end_date=timezone.localdate() - timedelta(days=30),
            registration_opens=timezone.now() - timedelta(days=60),
            registration_closes=timezone.now() - timedelta(days=31),
        )
        make_event(world.organizer, title="草稿对接会", status=EventStatus.DRAFT)
        text = client.get("/events/").content.decode()
        assert world.event.title in text and past.title in text
        assert "草稿对接会" not in text

    def test_detail_is_bilingual(self, client, english, world):
        assert "LLM matchmaking day" in english.get(f"/events/{world.event.pk}/").content.decode()

    def test_detail_in_chinese(self, world):
        from django.test import Client

        text = Client().get(f"/events/{world.event.pk}/").content.decode()
        assert "大模型供需对接会" in text

    def test_draft_is_404_for_the_public(self, client, world):
        world.event.status = EventStatus.DRAFT
        world.event.save()
        assert client.get(f"/events/{world.event.pk}/").status_code == 404


class OrganizerPagesTests:
    def test_organizer_creates_an_event_and_bad_input_keeps_the_form(self, client, world):
        client.force_login(world.organizer)
        data = {
            "title": "新对接会",
            "start_date": "2030-05-10",
            "end_date": "2030-05-09",
            "day_start": "09:00",
            "day_end": "12:00",
            "meeting_minutes": "30",
            "breaks": "",
            "venue": "会场",
            "registration_opens": "2030-04-01T09:00",
            "registration_closes": "2030-05-01T09:00",
            "table_count": "5",
            "status": "published",
            "sectors": [Sector.objects.get(code="finance").pk],
        }
        response = client.post("/events/new/", data)
        assert response.status_code == 400
        assert "新对接会" in response.content.decode()
        assert not Event.objects.filter(title="新对接会").exists()
        data["end_date"] = "2030-05-10"
        response = client.post("/events/new/", data)
        event = Event.objects.get(title="新对接会")
        assert response.status_code == 302 and event.organizer == world.organizer
        assert len(event.slots()) == 6
        assert [s.code for s in event.sectors.all()] == ["finance"]

    def test_enterprise_cannot_open_organizer_pages(self, client, world):
        client.force_login(world.enterprise_user)
        for path in (
            "new/",
            f"{world.event.pk}/manage/",
            f"{world.event.pk}/table-plan/",
            f"{world.event.pk}/check-in/",
        ):
            assert client.get(f"/events/{path}").status_code == 403

    def test_schedule_table_plan_and_check_in(self, client, world):
        meeting = _scheduled(world)
        client.force_login(world.organizer)
        assert client.post(f"/events/{world.event.pk}/schedule/").status_code == 302
        plan = client.get(f"/events/{world.event.pk}/table-plan/").content.decode()
        assert world.enterprise_reg.organization.name in plan
        assert f'data-plan-meeting="{Meeting.objects.get().pk}"' in plan
        client.post(
            f"/events/{world.event.pk}/check-in/",
            {"registration": world.vendor_reg.pk, "present": "1"},
        )
        world.vendor_reg.refresh_from_db()
        assert world.vendor_reg.checked_in_at is not None
        assert meeting.pk

    def test_a_conflicting_move_is_refused_with_the_reason(self, client, world):
        meeting = _scheduled(world)
        other_slot = 0 if meeting.slot != 0 else 1
        # Block the target: the vendor cannot attend it.
        world.vendor_reg.unavailable_slots = [other_slot]
        world.vendor_reg.save()
        client.force_login(world.organizer)
        response = client.post(
            f"/events/meetings/{meeting.pk}/move/",
            {f"m{meeting.pk}-slot": other_slot, f"m{meeting.pk}-table": 0},
            follow=True,
        )
        assert "有参会方在该时段无法参加" in response.content.decode()
        meeting.refresh_from_db()
        assert meeting.slot != other_slot


class ParticipantPagesTests:
    def test_registration_form_error_sits_next_to_the_field_and_nothing_is_saved(
        self, client, world
    ):
        other = factories.make_organization(kind="vendor")
        user = other.memberships.get().user
        client.force_login(user)
        response = client.post(f"/events/{world.event.pk}/register/", {"max_meetings": "0"})
        assert response.status_code == 400
        assert 'data-field="members"' in response.content.decode()
        assert not Registration.objects.filter(organization=other).exists()

    def test_request_then_accept_through_the_pages(self, client, world):
        client.force_login(world.enterprise_user)
        page = client.get(f"/events/{world.event.pk}/participants/").content.decode()
        assert world.vendor_reg.organization.name in page
        client.post(
            f"/events/{world.event.pk}/participants/{world.vendor_reg.pk}/request/",
            {"note": "想聊聊", "need": world.need.pk, "offering": world.offering.pk},
        )
        request = MeetingRequest.objects.get()
        assert request.need == world.need and request.score is not None
        client.force_login(world.vendor_user)
        assert "想聊聊" in client.get(f"/events/{world.event.pk}/requests/").content.decode()
        client.post(f"/events/requests/{request.pk}/accept/")
        request.refresh_from_db()
        assert request.state == RequestState.ACCEPTED and request.connection is not None

    def test_agenda_and_ics_show_the_slot_table_and_other_party(self, client, world):
        meeting = _scheduled(world)
        client.force_login(world.vendor_user)
        page = client.get(f"/events/{world.event.pk}/agenda/").content.decode()
        assert world.enterprise_reg.organization.name in page
        response = client.get(f"/events/{world.event.pk}/agenda.ics")
        assert response["Content-Type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        (entry,) = calendar.walk("VEVENT")
        slot = world.event.slots()[meeting.slot]
        assert entry.decoded("dtstart") == slot.start
        assert world.event.table_label(meeting.table) in str(entry.get("location"))
        assert world.enterprise_reg.organization.name in str(entry.get("summary"))

    def test_non_participant_agenda_is_404(self, client, world):
        _scheduled(world)
        outsider = factories.make_organization(kind="vendor").memberships.get().user
        client.force_login(outsider)
        for path in ("agenda/", "agenda.ics", "participants/", "requests/"):
            assert client.get(f"/events/{world.event.pk}/{path}").status_code == 404


class ApiTests:
    def test_events_are_public_and_the_agenda_is_the_participants_own(self, world):
        _scheduled(world)
        anonymous = client_for(None)
        listing = anonymous.get("/api/v1/events/").json()
        assert listing["results"][0]["title"] == world.event.title
        assert anonymous.get(f"/api/v1/events/{world.event.pk}/agenda/").status_code == 401
        agenda = client_for(world.vendor_user).get(f"/api/v1/events/{world.event.pk}/agenda/")
        assert agenda.status_code == 200
        assert agenda.json()[0]["with_organization"] == world.enterprise_reg.organization.name
        outsider = factories.make_organization(kind="vendor").memberships.get().user
        assert (
            client_for(outsider).get(f"/api/v1/events/{world.event.pk}/agenda/").status_code == 404
        )


class OutcomePageTests:
    def test_outcome_form_appears_once_the_event_starts_and_records_a_follow_up(
        self, client, world
    ):
        meeting = _scheduled(world)
        client.force_login(world.enterprise_user)
        page = client.get(f"/events/{world.event.pk}/agenda/").content.decode()
        assert "data-outcome-form" not in page
        Event.objects.filter(pk=world.event.pk).update(
            start_date=timezone.localdate(), end_date=timezone.localdate()
        )
        page = client.get(f"/events/{world.event.pk}/agenda/").content.decode()
        assert "data-outcome-form" in page
        client.post(
            f"/events/meetings/{meeting.pk}/outcome/", {"attendance": "held", "follow_up": "on"}
        )
        outcome = meeting.outcomes.get()
        assert outcome.attendance == "held" and outcome.follow_up
        meeting.request.connection.refresh_from_db()
        assert meeting.request.connection.state == "in_talks"

    def test_outcome_of_someone_elses_meeting_is_404(self, client, world):
        meeting = _scheduled(world)
        outsider = factories.make_organization(kind="vendor").memberships.get().user
        client.force_login(outsider)
        response = client.post(f"/events/meetings/{meeting.pk}/outcome/", {"attendance": "held"})
        assert response.status_code == 404
        assert not meeting.outcomes.exists()


class AdminTests:
    def test_admin_lists_open(self, client, world):
        _scheduled(world)
        admin = factories.make_user(is_staff=True, is_superuser=True)
        client.force_login(admin)
        for model in ("event", "registration", "meetingrequest", "meeting", "meetingoutcome"):
            assert client.get(f"/admin/events/{model}/").status_code == 200
        assert client.get(f"/admin/events/event/{world.event.pk}/change/").status_code == 200


class EventPagesLookTests:
    """The event pages use the site's own styles: the sub-navigation marks the page it is on
    (styled by site.css, which every page loads), action buttons are buttons, and the event's
    facts take the wide column beside a narrow 'Take part' box."""

    def test_sub_navigation_marks_the_current_page_and_is_styled_site_wide(self, client, world):
        from django.conf import settings

        client.force_login(world.enterprise_user)
        for name in ("proposals", "requests", "agenda"):
            html = client.get(
                f"/events/{world.event.pk}/{'participants' if name == 'proposals' else name}/"
            ).content.decode()
            assert f'data-nav="{name}" aria-current="page"' in html, name
        detail = client.get(f"/events/{world.event.pk}/").content.decode()
        assert 'aria-current="page">' in detail and "layout-sidebar-end" in detail
        css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text(encoding="utf-8")
        assert ".tabs {" in css and '.tabs a[aria-current="page"]' in css

    def test_withdraw_and_decline_are_styled_buttons(self, client, world):
        client.force_login(world.enterprise_user)
        detail = client.get(f"/events/{world.event.pk}/").content.decode()
        assert 'class="button button-secondary button-small">' in detail
        services.meeting_request_create(
            user=world.enterprise_user,
            event=world.event,
            to_registration=world.vendor_reg,
            need=world.need,
            offering=world.offering,
            note="面谈",
        )
        client.force_login(world.vendor_user)
        requests = client.get(f"/events/{world.event.pk}/requests/").content.decode()
        assert 'class="button button-secondary" data-action="decline"' in requests


def test_a_request_awaiting_an_answer_says_so_in_chinese(client, world):
    """The state "Requested" is not the "Requested" column of dates (申请时间)."""
    services.meeting_request_create(
        user=world.enterprise_user,
        event=world.event,
        to_registration=world.vendor_reg,
        need=world.need,
        offering=world.offering,
        note="面谈",
    )
    client.force_login(world.vendor_user)
    html = client.get(f"/events/{world.event.pk}/requests/").content.decode()
    assert "待答复" in html and "申请时间" not in html


def test_the_agenda_names_the_meeting_table_in_chinese(client, world):
    """ "Table" on an agenda is the meeting table (洽谈桌), not a data table (表格)."""
    _scheduled(world)
    client.force_login(world.enterprise_user)
    html = client.get(f"/events/{world.event.pk}/agenda/").content.decode()
    assert "<th>洽谈桌</th>" in html and "表格" not in html
    client.force_login(world.organizer)
    manage = client.get(f"/events/{world.event.pk}/manage/").content.decode()
    assert "<th>洽谈桌</th>" in manage and "表格" not in manage


def test_participants_without_a_match_fold_away_below_the_proposals(client, world):
    """The matched vendor is proposed first; another enterprise (nothing to match) is listed
    only under the folded 'other participants', still with its request form."""
    other = factories.make_organization(kind="enterprise", name="另一家示例企业")
    other_user = other.memberships.get().user
    other_need = factories.make_need(organization=other, title="另一项需求")
    services.registration_approve(
        registration=register(other_user, world.event, needs=[other_need]),
        user=world.organizer,
    )
    client.force_login(world.enterprise_user)
    html = client.get(f"/events/{world.event.pk}/participants/").content.decode()
    folded = html[html.index("data-others") :]
    main = html[: html.index("data-others")]
    assert world.vendor_reg.organization.display_name in main
    assert "另一家示例企业" in folded and "另一家示例企业" not in main
    assert "另有 1 个参会方暂无匹配" in folded and 'data-action="request-meeting"' in folded


def test_the_move_selects_have_accessible_names(client, world):
    _scheduled(world)
    client.force_login(world.organizer)
    html = client.get(f"/events/{world.event.pk}/manage/").content.decode()
    assert 'aria-label="时段"' in html and 'aria-label="洽谈桌"' in html


def test_the_ics_includes_the_time_zone_its_events_refer_to(client, world):
    """RFC 5545: a TZID parameter refers to a VTIMEZONE in the same file."""
    _scheduled(world)
    client.force_login(world.vendor_user)
    calendar = Calendar.from_ical(client.get(f"/events/{world.event.pk}/agenda.ics").content)
    (entry,) = calendar.walk("VEVENT")
    tzid = entry["dtstart"].params["TZID"]
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == [tzid]


def test_the_calendar_button_appears_once_there_is_something_to_add(client, world):
    client.force_login(world.vendor_user)
    empty = client.get(f"/events/{world.event.pk}/agenda/").content.decode()
    assert 'data-action="download-ics"' not in empty
    _scheduled(world)
    full = client.get(f"/events/{world.event.pk}/agenda/").content.decode()
    assert 'data-action="download-ics"' in full
