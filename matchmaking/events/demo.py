"""Demo for `seed_demo` (order 60): one upcoming 对接会 with the demo organizations registered
and approved, a few accepted meetings (each opening its connection through the services, like
a real one) and a schedule. Idempotent: nothing is added once the demo event exists."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.test.utils import override_settings
from django.utils import timezone

from matchmaking.accounts.models import Organization, User
from matchmaking.events import services
from matchmaking.events.choices import EventStatus
from matchmaking.events.models import Event, MeetingRequest, Registration
from matchmaking.listings.models import Need, Offering
from matchmaking.matching.models import Suggestion

DEMO_TITLE = "2026 大模型行业应用供需对接会（示例）"
DEMO_MEETINGS = 4
# The organizations of the README's demo sign-ins (enterprise@ and vendor@example.com): their
# pairs are met first, so whoever signs in with them finds meetings on their agenda, and the
# vendor also finds one request waiting for an answer.
SIGN_IN_REFS = frozenset({"demo-e-bank", "demo-v-zhiyun"})
PENDING_FOR_REF = "demo-v-zhiyun"


def seed_events(options: dict, stdout) -> list[str]:
    if Event.objects.filter(title=DEMO_TITLE).exists():
        return []
    organizer = User.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
    demo_orgs = list(Organization.objects.filter(ref__startswith="demo-").order_by("pk"))
    if organizer is None or not demo_orgs:
        return ["events: demo organizations or administrator missing; skipped"]
    start = timezone.localdate() + timedelta(days=21)
    now = timezone.now()
    event = services.event_save(
        user=organizer,
        event=Event(
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
            table_names="A1\nA2\nA3\nA4\nB1\nB2\nB3\nB4",
            capacity=60,
            approval_required=True,
            status=EventStatus.PUBLISHED,
        ),
    )
    registrations: dict[int, tuple[Registration, User]] = {}
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        CONNECTION_DAILY_LIMIT_PER_ORG=max(settings.CONNECTION_DAILY_LIMIT_PER_ORG, 100),
    ):
        for organization in demo_orgs:
            member = (
                User.objects.filter(membership__organization=organization, is_active=True)
                .order_by("pk")
                .first()
            )
            needs = list(Need.objects.filter(organization=organization, status="open")[:3])
            offerings = list(
                Offering.objects.filter(organization=organization, status="published")[:3]
            )
            if member is None or not (needs or offerings):
                continue
            registration = services.registration_submit(
                user=member,
                event=event,
                members=[member],
                needs=needs,
                offerings=offerings,
                max_meetings=6,
            )
            services.registration_approve(registration=registration, user=organizer)
            registrations[organization.pk] = (registration, member)
        made = 0
        brought_needs = set(
            Registration.needs.through.objects.filter(registration__event=event).values_list(
                "need_id", flat=True
            )
        )
        brought_offerings = set(
            Registration.offerings.through.objects.filter(registration__event=event).values_list(
                "offering_id", flat=True
            )
        )
        candidates = list(
            Suggestion.objects.filter(need_id__in=brought_needs, offering_id__in=brought_offerings)
            .select_related("need__organization", "offering__organization")
            .order_by("-score", "pk")
        )
        # Stable sort: the sign-ins' pairs first, each group still by score.
        candidates.sort(
            key=lambda s: not (
                {s.need.organization.ref, s.offering.organization.ref} & SIGN_IN_REFS
            )
        )
        for suggestion in candidates:
            sender = registrations.get(suggestion.need.organization_id)
            receiver = registrations.get(suggestion.offering.organization_id)
            if sender is None or receiver is None:
                continue
            if MeetingRequest.objects.filter(
                from_registration=sender[0], to_registration=receiver[0]
            ).exists():
                continue
            request = services.meeting_request_create(
                user=sender[1],
                event=event,
                to_registration=receiver[0],
                note="希望在对接会上当面了解方案、案例与报价。",
                need=suggestion.need,
                offering=suggestion.offering,
            )
            services.meeting_request_accept(request=request, user=receiver[1])
            made += 1
            if made >= DEMO_MEETINGS:
                break
        pending = _leave_one_request_waiting(candidates, registrations, event)
        schedule = services.event_schedule(event=event, user=organizer, time_limit_s=5.0)
    return [
        f"events: {event.title} ({len(registrations)} participants, {made} accepted meetings, "
        f"{schedule.placed} scheduled, {pending} awaiting an answer)"
    ]


def _leave_one_request_waiting(candidates, registrations, event) -> int:
    """One enterprise asks the demo vendor for a meeting and gets no answer yet (the vendor's
    side of the journey: accept or decline)."""
    for suggestion in candidates:
        if suggestion.offering.organization.ref != PENDING_FOR_REF:
            continue
        sender = registrations.get(suggestion.need.organization_id)
        receiver = registrations.get(suggestion.offering.organization_id)
        if sender is None or receiver is None:
            continue
        if suggestion.need.organization.ref in SIGN_IN_REFS:
            continue
        if MeetingRequest.objects.filter(
            event=event, from_registration=sender[0], to_registration=receiver[0]
        ).exists():
            continue
        services.meeting_request_create(
            user=sender[1],
            event=event,
            to_registration=receiver[0],
            note="想在会上了解贵司方案能否私有化部署，以及同类项目的实施周期。",
            need=suggestion.need,
            offering=suggestion.offering,
        )
        return 1
    return 0
