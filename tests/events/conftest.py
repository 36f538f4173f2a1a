"""An event with registration open, an enterprise and a vendor whose listings the matcher
pairs, both registered and approved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from matchmaking.events import services
from matchmaking.events.choices import EventStatus
from matchmaking.events.models import Event, Registration
from matchmaking.matching.services import suggestions_refresh_for_need
from tests import factories


def make_event(organizer, **fields) -> Event:
    now = timezone.now()
    start = timezone.localdate() + timedelta(days=10)
    fields.setdefault("title", "大模型供需对接会")
    fields.setdefault("title_en", "LLM matchmaking day")
    fields.setdefault("start_date", start)
    fields.setdefault("end_date", start)
    fields.setdefault("day_start", time(9, 0))
    fields.setdefault("day_end", time(11, 0))
    fields.setdefault("meeting_minutes", 20)
    fields.setdefault("breaks", "10:00-10:20")
    fields.setdefault("venue", "示例会议中心")
    fields.setdefault("registration_opens", now - timedelta(days=1))
    fields.setdefault(
        "registration_closes", timezone.make_aware(datetime.combine(start, time(0, 0)))
    )
    fields.setdefault("table_count", 3)
    fields.setdefault("status", EventStatus.PUBLISHED)
    return services.event_save(user=organizer, event=Event(**fields))


@dataclass
class World:
    organizer: object
    event: Event
    enterprise_user: object
    vendor_user: object
    need: object
    offering: object
    enterprise_reg: Registration
    vendor_reg: Registration


def register(user, event, *, needs=(), offerings=(), **kwargs) -> Registration:
    return services.registration_submit(
        user=user, event=event, members=[user], needs=needs, offerings=offerings, **kwargs
    )


@pytest.fixture
def world(db) -> World:
    organizer = factories.make_user(is_staff=True)
    event = make_event(organizer)
    enterprise = factories.make_organization(kind="enterprise")
    vendor = factories.make_organization(kind="vendor")
    enterprise_user = enterprise.memberships.get().user
    vendor_user = vendor.memberships.get().user
    need = factories.make_need(organization=enterprise, title="信用卡中心智能客服")
    offering = factories.make_offering(organization=vendor, title="金融智能客服大模型")
    suggestions_refresh_for_need(need=need, notify=False)
    enterprise_reg = register(enterprise_user, event, needs=[need])
    vendor_reg = register(vendor_user, event, offerings=[offering])
    services.registration_approve(registration=enterprise_reg, user=organizer)
    services.registration_approve(registration=vendor_reg, user=organizer)
    return World(
        organizer,
        event,
        enterprise_user,
        vendor_user,
        need,
        offering,
        enterprise_reg,
        vendor_reg,
    )
