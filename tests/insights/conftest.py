"""A small world for the insights tests: a few listings in every state that matters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories


@pytest.fixture(autouse=True)
def _empty_cache(empty_default_cache):
    """Cached tables must not leak from one test's (rolled back) database into the next."""


def make_connection(*, need=None, offering=None, initiator, receiver, state="pending", **fields):
    from matchmaking.connections.models import Connection

    now = timezone.now()
    kind = "proposal" if offering is None else "request"
    return Connection.objects.create(
        kind=kind,
        need=need,
        offering=offering,
        initiator_org=initiator,
        receiver_org=receiver,
        message="测试对接",
        state=state,
        expires_at=now + timedelta(days=14),
        **fields,
    )


def make_case(*, vendor, status="published", sector="finance", app_type="qa"):
    from matchmaking.cases.models import Case
    from matchmaking.taxonomy.models import ApplicationType, Sector

    return Case.objects.create(
        vendor=vendor,
        title="案例",
        client="某银行",
        sector=Sector.objects.get(code=sector),
        app_type=ApplicationType.objects.get(code=app_type),
        challenge="问题",
        solution="方案",
        outcome="成效",
        status=status,
        score_innovation=4,
        score_demonstration=4,
        score_benefit=4,
        score_replicability=4,
        overall_score=4,
        published_at=timezone.now() if status == "published" else None,
    )


@pytest.fixture
def world(db):
    """Listings in and out of the public figures, connections in several states, cases."""
    vendor_a = factories.make_organization(kind="vendor", name="甲厂商", name_en="Vendor A")
    vendor_b = factories.make_organization(kind="vendor", name="乙厂商", name_en="Vendor B")
    bank = factories.make_organization(kind="enterprise", name="示例银行", name_en="Demo Bank")
    secret = factories.make_organization(kind="enterprise", name="隐名企业", name_en="Hidden Co")
    o = factories.make_offering
    offerings = [
        o(organization=vendor_a, sectors=("finance",), app_types=("qa",), regions=["北京"]),
        o(
            organization=vendor_a,
            sectors=("finance", "healthcare"),
            app_types=("qa", "content_generation"),
            kind="service",
            layer="industry",
            deployment=("saas", "private"),
            regions=["北京", "上海"],
        ),
        # Sector-agnostic: serves every sector.
        o(organization=vendor_b, sectors=(), app_types=("qa",), layer=None, regions=["全国"]),
        o(organization=vendor_b, sectors=("government",), app_types=(), kind="compute"),
        # Not published: counted nowhere in the public figures.
        o(organization=vendor_b, status="draft", sectors=("finance",), app_types=("qa",)),
        o(organization=vendor_b, status="hidden", sectors=("healthcare",), app_types=("hardware",)),
    ]
    n = factories.make_need
    needs = [
        n(organization=bank, sectors=("finance",), app_types=("qa",), region="北京"),
        n(
            organization=bank,
            sectors=("finance",),
            app_types=("qa", "data_analysis"),
            deployment=("private",),
            region="上海",
        ),
        n(
            organization=secret,
            visibility="anonymous",
            sectors=("healthcare",),
            app_types=("recognition",),
            title="匿名需求：影像识别",
            region="北京",
        ),
        n(organization=bank, sectors=("government",), app_types=("hardware",)),
        # Not in the public figures.
        n(organization=secret, visibility="private", sectors=("finance",), app_types=("qa",)),
        n(organization=bank, status="closed", sectors=("finance",), app_types=("qa",)),
        n(organization=bank, status="draft", sectors=("finance",), app_types=("qa",)),
    ]
    now = timezone.now()
    connections = [
        make_connection(
            need=needs[0],
            initiator=vendor_a,
            receiver=bank,
            state="won",
            first_response_at=now + timedelta(hours=2),
            accepted_at=now + timedelta(hours=2),
            closed_at=now + timedelta(hours=3),
        ),
        make_connection(
            need=needs[1],
            initiator=vendor_b,
            receiver=bank,
            state="accepted",
            first_response_at=now + timedelta(hours=10),
            accepted_at=now + timedelta(hours=10),
        ),
        make_connection(
            offering=offerings[0],
            need=needs[2],
            initiator=secret,
            receiver=vendor_a,
            state="declined",
            first_response_at=now + timedelta(hours=30),
        ),
        make_connection(offering=offerings[1], initiator=bank, receiver=vendor_a),
        make_connection(
            offering=offerings[2],
            initiator=bank,
            receiver=vendor_b,
            state="accepted",
            first_response_at=now + timedelta(hours=1),
            accepted_at=now + timedelta(hours=1),
        ),
    ]
    cases = [
        make_case(vendor=vendor_a),
        make_case(vendor=vendor_a),
        make_case(vendor=vendor_b),
        make_case(vendor=vendor_b, status="draft"),
    ]
    staff = factories.make_user(is_staff=True)
    member = factories.make_member(bank)
    event = _event_with_a_meeting(staff, bank, vendor_a, needs[0], offerings[0], connections[0])
    return {
        "event": event,
        "vendors": (vendor_a, vendor_b),
        "bank": bank,
        "secret": secret,
        "offerings": offerings,
        "needs": needs,
        "connections": connections,
        "cases": cases,
        "staff": staff,
        "member": member,
    }


def _event_with_a_meeting(organizer, enterprise, vendor, need, offering, connection):
    """A published 对接会: the enterprise met the vendor (held), the meeting's connection is the
    won one above (made directly, so the other tables' connection counts stay as they are)."""
    from datetime import time

    from matchmaking.events.models import (
        Event,
        Meeting,
        MeetingOutcome,
        MeetingRequest,
        Registration,
    )

    day = timezone.localdate() - timedelta(days=3)
    event = Event.objects.create(
        title="示例对接会",
        title_en="Demo matchmaking day",
        start_date=day,
        end_date=day,
        day_start=time(9, 0),
        day_end=time(10, 0),
        venue="会场",
        registration_opens=timezone.now() - timedelta(days=30),
        registration_closes=timezone.now() - timedelta(days=4),
        organizer=organizer,
        status="published",
    )
    registrations = [
        Registration.objects.create(event=event, organization=org, status="approved")
        for org in (enterprise, vendor)
    ]
    request = MeetingRequest.objects.create(
        event=event,
        from_registration=registrations[0],
        to_registration=registrations[1],
        state="accepted",
        need=need,
        offering=offering,
        connection=connection,
    )
    meeting = Meeting.objects.create(event=event, request=request, slot=0, table=0)
    MeetingOutcome.objects.create(
        meeting=meeting, registration=registrations[1], attendance="held", follow_up=True
    )
    return event
