"""Demo: one upcoming 对接会 with the demo organizations registered and a few accepted
meetings (idempotent: found again by its title on a second run)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from matchmaking.accounts.models import Organization, User
from matchmaking.events.choices import EventStatus, RegistrationStatus, RequestState
from matchmaking.events.models import Event, MeetingRequest, Registration
from matchmaking.listings.models import Need, Offering
from matchmaking.matching.models import Suggestion

DEMO_TITLE = "2026 大模型行业应用供需对接会（示例）"


def seed_events(options: dict, stdout) -> list[str]:
    if Event.objects.filter(title=DEMO_TITLE).exists():
        return []
    admin = User.objects.filter(is_staff=True).order_by("pk").first()
    today = timezone.localdate()
    start = today + timedelta(days=21)
    now = timezone.now()
    event = Event.objects.create(
        title=DEMO_TITLE,
        title_en="2026 LLM Applications Supply–Demand Matchmaking (demo)",
        description="企业与厂商围绕已发布的需求与产品进行一对一洽谈，每场 20 分钟。",
        description_en="One-to-one meetings of 20 minutes between enterprises and vendors, "
        "around their published needs and offerings.",
        start_date=start,
        end_date=start,
        day_start=time(9, 0),
        day_end=time(12, 0),
        meeting_minutes=20,
        breaks="10:20-10:40",
        venue="北京市海淀区示例会议中心 3 层",
        registration_opens=now - timedelta(days=1),
        registration_closes=timezone.make_aware(datetime.combine(start, time(0, 0))),
        table_count=8,
        capacity=60,
        approval_required=True,
        organizer=admin,
        status=EventStatus.PUBLISHED,
    )
    registrations: dict[int, Registration] = {}
    enterprises = list(Organization.objects.filter(kind="enterprise").order_by("pk")[:4])
    vendors = list(Organization.objects.filter(kind="vendor").order_by("pk")[:4])
    for organization in [*enterprises, *vendors]:
        members = list(User.objects.filter(membership__organization=organization)[:2])
        needs = list(Need.objects.filter(organization=organization, status="open")[:2])
        offerings = list(Offering.objects.filter(organization=organization, status="published")[:2])
        if not members or not (needs or offerings):
            continue
        registration = Registration.objects.create(
            event=event,
            organization=organization,
            registered_by=members[0],
            status=RegistrationStatus.APPROVED,
            max_meetings=6,
        )
        registration.members.set(members)
        registration.needs.set(needs)
        registration.offerings.set(offerings)
        registrations[organization.pk] = registration
    # A few accepted meetings between enterprises and vendors whose listings the matcher paired.
    made = 0
    for suggestion in Suggestion.objects.filter(
        need__organization_id__in=[o.pk for o in enterprises],
        offering__organization_id__in=[o.pk for o in vendors],
    ).order_by("-score"):
        sender = registrations.get(suggestion.need.organization_id)
        receiver = registrations.get(suggestion.offering.organization_id)
        if sender is None or receiver is None:
            continue
        if (
            not sender.needs.filter(pk=suggestion.need_id).exists()
            or not receiver.offerings.filter(pk=suggestion.offering_id).exists()
        ):
            continue
        if MeetingRequest.objects.filter(
            from_registration=sender, to_registration=receiver
        ).exists():
            continue
        MeetingRequest.objects.create(
            event=event,
            from_registration=sender,
            to_registration=receiver,
            note="希望在对接会上当面了解方案与报价。",
            state=RequestState.ACCEPTED,
            need=suggestion.need,
            offering=suggestion.offering,
            score=suggestion.score,
            requested_by=sender.registered_by,
            answered_at=now,
        )
        made += 1
        if made >= 4:
            break
    return [
        f"Matchmaking event: {event.title} ({len(registrations)} participants, {made} accepted meetings)"
    ]
