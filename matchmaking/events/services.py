"""Writes for matchmaking events: one function per action, each in a transaction.

Organizers (platform staff) create events, answer registrations, run the scheduler, move,
confirm and check in. Members of an organization register it, ask other participants for a
meeting and answer such requests; an accepted meeting opens (or reuses) an accepted
connection through the connections services, so contact disclosure stays decided there.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.accounts.models import User
from matchmaking.connections import services as connection_services
from matchmaking.connections.choices import OPEN_STATES, ConnectionState
from matchmaking.connections.models import Connection
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.events import scheduling
from matchmaking.events.choices import (
    ACTIVE_REQUEST_STATES,
    EventStatus,
    RegistrationStatus,
    RequestState,
)
from matchmaking.events.models import (
    Event,
    Meeting,
    MeetingOutcome,
    MeetingRequest,
    Registration,
)
from matchmaking.events.selectors import pair_score
from matchmaking.notifications.choices import NotificationKind
from matchmaking.notifications.services import notify

# Mutual interest (both sides asked) outweighs any difference in match score (0–100).
MUTUAL_BONUS = 200
SCHEDULE_TIME_LIMIT_S = 8.0


def _now() -> datetime:
    """Seam for tests (``mock.patch``)."""
    return timezone.now()


def _require_organizer(user) -> None:
    if not is_platform_admin(user):
        raise PermissionDenied(_("Only organizers can do this."))


def _org_members(organization_id: int):
    return User.objects.filter(membership__organization_id=organization_id, is_active=True)


# --- Events -------------------------------------------------------------------------------


@transaction.atomic
def event_save(*, user, event: Event, sectors=(), application_types=()) -> Event:
    """Create or update an event (organizers only)."""
    _require_organizer(user)
    if event.organizer_id is None:
        event.organizer = user
    event.full_clean()
    event.save()
    event.sectors.set(sectors)
    event.application_types.set(application_types)
    return event


# --- Registration -------------------------------------------------------------------------


@transaction.atomic
def registration_submit(
    *,
    user,
    event: Event,
    members,
    needs=(),
    offerings=(),
    unavailable_slots=(),
    max_meetings: int | None = None,
) -> Registration:
    """Register the user's organization (or update its registration while registration is
    open). Only the organization's own members, needs and published offerings can be named."""
    org_id = user_organization_id(user)
    if org_id is None:
        raise PermissionDenied(_("Join an organization first."))
    if not event.registration_open(_now()):
        raise ValidationError(_("Registration for this event is not open."), code="closed")
    members = list(members)
    if not members:
        raise ValidationError({"members": _("Choose at least one member who will attend.")})
    if any(
        getattr(m, "membership", None) is None or m.membership.organization_id != org_id
        for m in members
    ):
        raise PermissionDenied(_("Only members of your organization can attend for it."))
    needs, offerings = list(needs), list(offerings)
    if any(n.organization_id != org_id for n in needs) or any(
        o.organization_id != org_id for o in offerings
    ):
        raise PermissionDenied(_("You can only bring your own needs and offerings."))
    if not needs and not offerings:
        raise ValidationError(
            {None: _("Bring at least one of your needs or offerings to discuss.")}
        )
    slot_count = len(event.slots())
    unavailable = sorted({int(s) for s in unavailable_slots})
    if any(s < 0 or s >= slot_count for s in unavailable):
        raise ValidationError({"unavailable_slots": _("Choose slots of this event.")})
    registration = Registration.objects.filter(event=event, organization_id=org_id).first()
    if registration is None:
        if event.capacity is not None:
            taken = event.registrations.exclude(
                status__in=(RegistrationStatus.DECLINED, RegistrationStatus.WITHDRAWN)
            ).count()
            if taken >= event.capacity:
                raise ValidationError(_("This event is full."), code="full")
        registration = Registration(
            event=event,
            organization_id=org_id,
            registered_by=user,
            status=(
                RegistrationStatus.PENDING
                if event.approval_required
                else RegistrationStatus.APPROVED
            ),
        )
    elif registration.status in (RegistrationStatus.DECLINED,):
        raise ValidationError(_("The organizer has declined this registration."), code="declined")
    elif registration.status == RegistrationStatus.WITHDRAWN:
        registration.status = (
            RegistrationStatus.PENDING if event.approval_required else RegistrationStatus.APPROVED
        )
    registration.unavailable_slots = unavailable
    registration.max_meetings = max_meetings
    registration.full_clean(exclude=["event", "organization"])
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise ValidationError(
            _("Your organization has already registered."), code="duplicate"
        ) from None
    registration.members.set(members)
    registration.needs.set(needs)
    registration.offerings.set(offerings)
    return registration


def _answer_registration(registration: Registration, user, status: str) -> Registration:
    _require_organizer(user)
    updated = Registration.objects.filter(
        pk=registration.pk,
        status__in=(
            RegistrationStatus.PENDING,
            RegistrationStatus.APPROVED,
            RegistrationStatus.DECLINED,
        ),
    ).update(status=status, updated_at=_now())
    if not updated:
        raise ValidationError(_("This registration can no longer be changed."), code="invalid")
    registration.refresh_from_db()
    return registration


@transaction.atomic
def registration_approve(*, registration: Registration, user) -> Registration:
    return _answer_registration(registration, user, RegistrationStatus.APPROVED)


@transaction.atomic
def registration_decline(*, registration: Registration, user) -> Registration:
    registration = _answer_registration(registration, user, RegistrationStatus.DECLINED)
    _cancel_requests_of(registration)
    return registration


@transaction.atomic
def registration_withdraw(*, registration: Registration, user) -> Registration:
    if not Registration.objects.editable_by(user).filter(pk=registration.pk).exists():
        raise PermissionDenied(_("Only your own organization's registration can be withdrawn."))
    Registration.objects.filter(pk=registration.pk).update(
        status=RegistrationStatus.WITHDRAWN, updated_at=_now()
    )
    registration.refresh_from_db()
    _cancel_requests_of(registration)
    return registration


def _cancel_requests_of(registration: Registration) -> None:
    requests = MeetingRequest.objects.involving(registration).filter(
        state__in=ACTIVE_REQUEST_STATES
    )
    Meeting.objects.filter(request__in=requests).delete()
    requests.update(state=RequestState.CANCELLED, updated_at=_now())


@transaction.atomic
def registration_check_in(
    *, registration: Registration, user, present: bool = True
) -> Registration:
    _require_organizer(user)
    registration.checked_in_at = _now() if present else None
    registration.save(update_fields=["checked_in_at", "updated_at"])
    return registration


# --- Meeting requests ---------------------------------------------------------------------


def participant_registration(event: Event, user) -> Registration | None:
    """The user's organization's approved registration for ``event``, if any."""
    org_id = user_organization_id(user)
    if org_id is None:
        return None
    return (
        Registration.objects.approved()
        .filter(event=event, organization_id=org_id)
        .select_related("organization")
        .first()
    )


def _pair_listings(sender: Registration, receiver: Registration, need, offering):
    """The (need, offering) a request is about: one party's need, the other's offering."""
    if need is None and offering is None:
        return None, None
    own = {sender.pk, receiver.pk}
    need_ok = (
        need is None
        or Registration.needs.through.objects.filter(
            registration_id__in=own, need_id=need.pk
        ).exists()
    )
    offering_ok = (
        offering is None
        or Registration.offerings.through.objects.filter(
            registration_id__in=own, offering_id=offering.pk
        ).exists()
    )
    if not (need_ok and offering_ok):
        raise ValidationError(
            _("A meeting can only be about what the two participants brought."), code="listing"
        )
    if (
        need is not None
        and offering is not None
        and need.organization_id == offering.organization_id
    ):
        raise ValidationError(
            _("A meeting pairs one side's need with the other side's offering."), code="listing"
        )
    return need, offering


@transaction.atomic
def meeting_request_create(
    *,
    user,
    event: Event,
    to_registration: Registration,
    note: str = "",
    need=None,
    offering=None,
    score: float | None = None,
) -> MeetingRequest:
    sender = participant_registration(event, user)
    if sender is None:
        raise PermissionDenied(_("Only approved participants can ask for meetings."))
    if to_registration.event_id != event.pk or not to_registration.is_approved:
        raise ValidationError(_("This participant is not taking part in the event."), code="absent")
    if to_registration.pk == sender.pk:
        raise ValidationError(_("You cannot ask yourself for a meeting."), code="self")
    need, offering = _pair_listings(sender, to_registration, need, offering)
    active = MeetingRequest.objects.filter(state__in=ACTIVE_REQUEST_STATES)
    existing = active.filter(from_registration=sender, to_registration=to_registration).first()
    if existing is not None:
        raise ValidationError(
            _("You have already asked this participant for a meeting."), code="duplicate"
        )
    if score is None and need is not None and offering is not None:
        score = pair_score(need.pk, offering.pk)
    request = MeetingRequest(
        event=event,
        from_registration=sender,
        to_registration=to_registration,
        note=(note or "").strip(),
        need=need,
        offering=offering,
        score=score,
        requested_by=user,
    )
    request.full_clean(validate_constraints=False)
    request.save()
    _notify(
        to_registration,
        _("%(name)s asks for a meeting at %(event)s")
        % {"name": sender.organization.display_name, "event": event.display_title},
        url=_requests_url(event),
    )
    return request


def _requests_url(event: Event) -> str:
    return reverse("events:requests", args=[event.pk])


def _notify(registration: Registration, title: str, *, url: str) -> None:
    """Tell the registration's attending members (or, failing those, its organization)."""
    recipients = list(registration.members.filter(is_active=True)) or list(
        _org_members(registration.organization_id)
    )
    notify(
        recipients=recipients,
        kind=NotificationKind.EVENT_UPDATE,
        url=url,
        context={"event": registration.event, "message": title},
        title=title,
    )


def _receiver_check(request: MeetingRequest, user) -> None:
    if user_organization_id(user) != request.to_registration.organization_id:
        raise PermissionDenied(_("Only the participant asked can answer this request."))


def _open_connection(request: MeetingRequest, user) -> Connection | None:
    """Reuse an open connection between the two organizations about this pair, or open one
    through the connections services and accept it on behalf of the answering side."""
    need, offering = request.need, request.offering
    if need is None or offering is None:
        return None
    orgs = {request.from_registration.organization_id, request.to_registration.organization_id}
    existing = (
        Connection.objects.filter(state__in=OPEN_STATES)
        .filter(Q(offering=offering) | Q(need=need))
        .filter(initiator_org_id__in=orgs, receiver_org_id__in=orgs)
        .order_by("-created_at")
        .first()
    )
    sender_user = (
        request.requested_by
        or _org_members(request.from_registration.organization_id).order_by("pk").first()
    )
    if existing is None:
        sender_org = request.from_registration.organization
        if sender_org.kind == OrganizationKind.VENDOR:
            existing, _created = connection_services.connection_propose(
                user=sender_user,
                need=need,
                offering=offering,
                message=request.note or _("Meeting at %(event)s") % {"event": request.event.title},
                approach=request.note or _("To be discussed at the meeting."),
            )
        else:
            existing, _created = connection_services.connection_request(
                user=sender_user,
                offering=offering,
                need=need,
                message=request.note or _("Meeting at %(event)s") % {"event": request.event.title},
            )
    if existing.state == ConnectionState.PENDING:
        answering = user if existing.receiver_org_id == user_organization_id(user) else sender_user
        existing = connection_services.connection_accept(connection=existing, user=answering)
    return existing


@transaction.atomic
def meeting_request_accept(*, request: MeetingRequest, user) -> MeetingRequest:
    _receiver_check(request, user)
    locked = MeetingRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state != RequestState.REQUESTED:
        raise ValidationError(_("This request has already been answered."), code="answered")
    connection = _open_connection(locked, user)
    locked.state = RequestState.ACCEPTED
    locked.answered_at = _now()
    locked.connection = connection
    locked.save(update_fields=["state", "answered_at", "connection", "updated_at"])
    _notify(
        locked.from_registration,
        _("%(name)s accepted your meeting request")
        % {"name": locked.to_registration.organization.display_name},
        url=_requests_url(locked.event),
    )
    return locked


@transaction.atomic
def meeting_request_decline(*, request: MeetingRequest, user) -> MeetingRequest:
    _receiver_check(request, user)
    if not MeetingRequest.objects.filter(pk=request.pk, state=RequestState.REQUESTED).update(
        state=RequestState.DECLINED, answered_at=_now(), updated_at=_now()
    ):
        raise ValidationError(_("This request has already been answered."), code="answered")
    request.refresh_from_db()
    _notify(
        request.from_registration,
        _("%(name)s declined your meeting request")
        % {"name": request.to_registration.organization.display_name},
        url=_requests_url(request.event),
    )
    return request


@transaction.atomic
def meeting_request_cancel(*, request: MeetingRequest, user) -> MeetingRequest:
    if not MeetingRequest.objects.editable_by(user).filter(pk=request.pk).exists():
        raise PermissionDenied(_("Only the two participants can cancel this meeting."))
    if not MeetingRequest.objects.filter(pk=request.pk, state__in=ACTIVE_REQUEST_STATES).update(
        state=RequestState.CANCELLED, updated_at=_now()
    ):
        raise ValidationError(_("This request is no longer active."), code="inactive")
    Meeting.objects.filter(request=request).delete()
    request.refresh_from_db()
    return request


# --- Scheduling ---------------------------------------------------------------------------


def request_weight(request: MeetingRequest, mutual: bool) -> int:
    """Mutual interest first, then the match score (0–100); never below 1."""
    return 1 + (MUTUAL_BONUS if mutual else 0) + max(0, round(request.score or 0))


def build_problem(
    event: Event, *, time_limit_s: float = SCHEDULE_TIME_LIMIT_S, include_unconfirmed: bool = False
) -> scheduling.SchedulingProblem:
    """The event's accepted requests as a scheduling problem. Confirmed meetings are
    ``fixed`` where they are (and, with ``include_unconfirmed``, placed ones too)."""
    accepted = list(
        MeetingRequest.objects.filter(event=event, state=RequestState.ACCEPTED).select_related(
            "meeting"
        )
    )
    pairs = {(r.from_registration_id, r.to_registration_id) for r in accepted}
    all_pairs = (
        set(
            MeetingRequest.objects.filter(event=event)
            .exclude(state=RequestState.CANCELLED)
            .values_list("from_registration_id", "to_registration_id")
        )
        | pairs
    )
    requests = []
    for r in accepted:
        meeting = getattr(r, "meeting", None)
        fixed = None
        if meeting is not None and (meeting.confirmed or include_unconfirmed):
            fixed = (meeting.slot, meeting.table)
        mutual = (r.to_registration_id, r.from_registration_id) in all_pairs
        requests.append(
            scheduling.MeetingRequest(
                id=r.pk,
                participants=(r.from_registration_id, r.to_registration_id),
                weight=request_weight(r, mutual),
                fixed=fixed,
            )
        )
    registrations = Registration.objects.approved().filter(event=event)
    unavailable = {
        reg.pk: frozenset(int(s) for s in reg.unavailable_slots or ()) for reg in registrations
    }
    maximums = {reg.pk: reg.max_meetings for reg in registrations if reg.max_meetings}
    return scheduling.SchedulingProblem(
        slots=len(event.slots()),
        tables=event.table_count,
        requests=requests,
        unavailable=unavailable,
        max_meetings=maximums,
        blocked_slots=event.blocked_slots(),
        time_limit_s=time_limit_s,
    )


@transaction.atomic
def event_schedule(
    *, event: Event, user, time_limit_s: float = SCHEDULE_TIME_LIMIT_S
) -> scheduling.Schedule:
    """Place the accepted requests; confirmed meetings stay exactly where they are, the other
    placements are replaced by the solver's."""
    _require_organizer(user)
    Event.objects.select_for_update().filter(pk=event.pk).first()
    problem = build_problem(event, time_limit_s=time_limit_s)
    schedule = scheduling.solve(problem)
    fixed_ids = {r.id for r in problem.requests if r.fixed is not None}
    Meeting.objects.filter(event=event, confirmed=False).delete()
    # Meetings whose request is no longer accepted have been removed by the answer; the
    # remaining confirmed ones are the fixed ones.
    Meeting.objects.bulk_create(
        [
            Meeting(event=event, request_id=p.request_id, slot=p.slot, table=p.table)
            for p in schedule.placements
            if p.request_id not in fixed_ids
        ]
    )
    event.scheduled_at = _now()
    event.save(update_fields=["scheduled_at", "updated_at"])
    return schedule


def conflict_message(conflict: scheduling.Conflict) -> str:
    """The conflict in the reader's language."""
    messages = {
        "participant_double_booked": _("A participant already has a meeting in this slot."),
        "table_double_booked": _("This table is already taken in this slot."),
        "unavailable": _("A participant is not available in this slot."),
        "blocked_slot": _("This slot is a break."),
        "over_maximum": _("A participant would exceed its maximum number of meetings."),
        "out_of_range": _("This slot or table does not exist."),
        "fixed_moved": _("A confirmed meeting would move."),
    }
    return messages.get(conflict.kind, _("This placement breaks a scheduling rule."))


def meeting_conflicts(meeting: Meeting, slot: int, table: int) -> list[scheduling.Conflict]:
    """What moving ``meeting`` to (slot, table) would break, given every other placement."""
    event = meeting.event
    problem = build_problem(event, time_limit_s=1.0)
    confirmed = set(
        Meeting.objects.filter(event=event, confirmed=True)
        .exclude(pk=meeting.pk)
        .values_list("request_id", flat=True)
    )
    # The moved meeting is not fixed for the check (moving it is the point).
    requests = [
        r if r.id in confirmed else scheduling.MeetingRequest(r.id, r.participants, r.weight, None)
        for r in problem.requests
    ]
    problem = scheduling.SchedulingProblem(
        slots=problem.slots,
        tables=problem.tables,
        requests=requests,
        unavailable=problem.unavailable,
        max_meetings=problem.max_meetings,
        blocked_slots=problem.blocked_slots,
    )
    placements = [
        scheduling.Placement(m.request_id, m.slot, m.table)
        for m in Meeting.objects.filter(event=event).exclude(pk=meeting.pk)
    ]
    placements.append(scheduling.Placement(meeting.request_id, slot, table))
    return [
        c
        for c in scheduling.find_conflicts(problem, placements)
        if meeting.request_id in c.request_ids
    ]


@transaction.atomic
def meeting_move(*, meeting: Meeting, user, slot: int, table: int) -> Meeting:
    """Move a meeting by hand; refused (with every conflict) if it breaks a rule."""
    _require_organizer(user)
    conflicts = meeting_conflicts(meeting, slot, table)
    if conflicts:
        raise ValidationError([conflict_message(c) for c in conflicts], code="conflict")
    meeting.slot, meeting.table = slot, table
    meeting.save(update_fields=["slot", "table", "updated_at"])
    return meeting


@transaction.atomic
def meeting_confirm(*, meeting: Meeting, user, confirmed: bool = True) -> Meeting:
    _require_organizer(user)
    meeting.confirmed = confirmed
    meeting.save(update_fields=["confirmed", "updated_at"])
    return meeting


# --- After the event ----------------------------------------------------------------------


@transaction.atomic
def meeting_outcome_record(
    *, meeting: Meeting, user, attendance: str, follow_up: bool, notes: str = ""
) -> MeetingOutcome:
    """One side records how the meeting went. A follow-up moves the meeting's connection on
    to "in talks" in the connections funnel (if it is still just accepted)."""
    org_id = user_organization_id(user)
    request = meeting.request
    registration = next(
        (
            reg
            for reg in (request.from_registration, request.to_registration)
            if reg.organization_id == org_id
        ),
        None,
    )
    if registration is None:
        raise PermissionDenied(_("Only the two participants can record how it went."))
    if meeting.event.start_date > timezone.localdate(_now()):
        raise ValidationError(
            _("Outcomes can be recorded once the event has started."), code="early"
        )
    outcome, _created = MeetingOutcome.objects.update_or_create(
        meeting=meeting,
        registration=registration,
        defaults={
            "attendance": attendance,
            "follow_up": follow_up,
            "notes": (notes or "").strip(),
            "recorded_by": user,
        },
    )
    outcome.full_clean()
    connection = request.connection
    if follow_up and connection is not None:
        connection.refresh_from_db(fields=["state"])
        if connection.state == ConnectionState.ACCEPTED:
            connection_services.connection_mark(
                connection=connection,
                user=user,
                state=ConnectionState.IN_TALKS,
                reason=_("Follow-up after %(event)s") % {"event": meeting.event.title},
            )
    return outcome


# --- Reminders (run by `run_event_housekeeping`) ------------------------------------------


REMINDER_DAYS_BEFORE = 2


def event_remind_due(*, now: datetime | None = None) -> int:
    """Remind the attending members of each scheduled participant, once per event, when the
    event starts within ``REMINDER_DAYS_BEFORE`` days. Returns how many events were reminded."""

    now = now or _now()
    today = timezone.localdate(now)
    due = Event.objects.filter(
        status=EventStatus.PUBLISHED,
        reminded_at__isnull=True,
        start_date__gte=today,
        start_date__lte=today + timedelta(days=REMINDER_DAYS_BEFORE),
    )
    reminded = 0
    for event in due:
        with transaction.atomic():
            if not Event.objects.filter(pk=event.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            counts: dict[int, int] = {}
            for from_id, to_id in Meeting.objects.filter(event=event).values_list(
                "request__from_registration_id", "request__to_registration_id"
            ):
                counts[from_id] = counts.get(from_id, 0) + 1
                counts[to_id] = counts.get(to_id, 0) + 1
            for registration in Registration.objects.approved().filter(event=event):
                _notify(
                    registration,
                    _("%(event)s starts on %(date)s: %(count)s meetings in your agenda")
                    % {
                        "event": event.display_title,
                        "date": event.start_date.isoformat(),
                        "count": counts.get(registration.pk, 0),
                    },
                    url=reverse("events:agenda", args=[event.pk]),
                )
            reminded += 1
    return reminded
