"""Writes for connections: one function per action, each in a transaction.

Every action checks that the acting user is on the right side (raises PermissionDenied
otherwise), locks the row (`select_for_update`) and changes state with a conditional
UPDATE, so two members answering the same request at the same moment produce exactly one
answer. Each state change is recorded as a `ConnectionEvent`; notifications are created
in the same transaction and their emails go out after it commits (see notifications).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.accounts.models import Organization, User
from matchmaking.connections import selectors
from matchmaking.connections.choices import (
    DISCLOSED_STATES,
    FUNNEL_MARKS,
    TRANSITIONS,
    ConnectionKind,
    ConnectionState,
)
from matchmaking.connections.models import Connection, ConnectionEvent, Message
from matchmaking.core.domain_events import send_event
from matchmaking.core.permissions import user_organization_id
from matchmaking.core.uploads import CheckedFile
from matchmaking.notifications.choices import NotificationKind
from matchmaking.notifications.services import notify

S = ConnectionState
# Who may move a connection INTO each state (the from-state is checked by TRANSITIONS).
REQUIRED_PARTY = {
    S.ACCEPTED: "receiver",
    S.DECLINED: "receiver",
    S.WITHDRAWN: "initiator",
    S.IN_TALKS: "either",
    S.WON: "either",
    S.LOST: "either",
}


def _now() -> datetime:
    """Seam for tests (``mock.patch``) — the clock every action reads."""
    return timezone.now()


# --- Helpers ----------------------------------------------------------------------------


def _members(organization: Organization):
    return User.objects.filter(membership__organization=organization, is_active=True)


def _actor_org(user, kind: str) -> Organization:
    org_id = user_organization_id(user)
    if org_id is None:
        raise PermissionDenied(_("Join an organization first."))
    organization = user.membership.organization
    if organization.kind != kind:
        raise PermissionDenied(
            _("Only enterprise members can send requests.")
            if kind == OrganizationKind.ENTERPRISE
            else _("Only vendor members can send proposals.")
        )
    return organization


def _check_daily_limit(organization: Organization, now: datetime) -> None:
    limit = settings.CONNECTION_DAILY_LIMIT_PER_ORG
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    started_today = Connection.objects.filter(
        initiator_org=organization, created_at__gte=start_of_day
    ).count()
    if started_today >= limit:
        raise ValidationError(
            _(
                "Your organization has already sent %(limit)s requests and proposals today, the "
                "daily limit. Please try again tomorrow."
            )
            % {"limit": limit},
            code="rate_limited",
        )


def _record(connection: Connection, actor, from_state: str, to_state: str, note: str = "", at=None):
    return ConnectionEvent.objects.create(
        connection=connection,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        note=note,
        at=at or _now(),
    )


def _notify_org(connection: Connection, organization: Organization, kind: str, **extra) -> None:
    context = {
        "connection": connection,
        "counterpart_name": selectors.counterpart_name_for_org(connection, organization.pk),
        "days_left": settings.CONNECTION_EXPIRY_DAYS,
        **extra,
    }
    notify(
        recipients=_members(organization),
        kind=kind,
        url=connection.get_absolute_url(),
        context=context,
    )


def _create(connection: Connection, lookup: dict) -> tuple[Connection, bool]:
    """Save a new connection, or return the open one a concurrent attempt just made."""
    try:
        with transaction.atomic():
            connection.full_clean(validate_constraints=False)
            connection.save()
    except IntegrityError:
        existing = Connection.objects.open().filter(**lookup).first()
        if existing is None:
            raise
        return existing, False
    return connection, True


# --- Starting a connection --------------------------------------------------------------


@transaction.atomic
def connection_request(
    *, user, offering, message: str, need=None, pilot_requested: bool = False
) -> tuple[Connection, bool]:
    """An enterprise member asks a vendor about an offering. Returns (connection, created):
    if the organization already has an open request for the offering, that one, unchanged."""
    organization = _actor_org(user, OrganizationKind.ENTERPRISE)
    if (
        not selectors.visible_listings("offering", user)
        .filter(pk=offering.pk, status="published")
        .exists()
    ):
        raise ValidationError(_("This offering is not open to requests."), code="not_available")
    if offering.organization_id == organization.pk:
        raise ValidationError(_("You cannot send a request to yourself."), code="own_listing")
    if need is not None and need.organization_id != organization.pk:
        raise PermissionDenied(_("You can only tie a request to one of your own needs."))
    existing = selectors.existing_open_connection(
        kind=ConnectionKind.REQUEST, offering=offering, org_id=organization.pk
    )
    if existing is not None:
        return existing, False
    now = _now()
    _check_daily_limit(organization, now)
    connection = Connection(
        kind=ConnectionKind.REQUEST,
        offering=offering,
        need=need,
        initiator_org=organization,
        receiver_org=offering.organization,
        initiated_by=user,
        message=(message or "").strip(),
        pilot_requested=pilot_requested,
        expires_at=now + timedelta(days=settings.CONNECTION_EXPIRY_DAYS),
    )
    connection, created = _create(
        connection,
        {"kind": ConnectionKind.REQUEST, "offering": offering, "initiator_org": organization},
    )
    if created:
        _record(connection, user, "", S.PENDING, at=now)
        _notify_org(connection, connection.receiver_org, NotificationKind.REQUEST_RECEIVED)
    return connection, created


@transaction.atomic
def connection_propose(
    *,
    user,
    need,
    message: str,
    approach: str,
    indicative_price: int | None = None,
    timeline: str = "",
    offering=None,
    pilot_requested: bool = False,
) -> tuple[Connection, bool]:
    """A vendor member proposes to meet an enterprise's need. Returns (connection, created)."""
    organization = _actor_org(user, OrganizationKind.VENDOR)
    if not selectors.visible_listings("need", user).filter(pk=need.pk, status="open").exists():
        raise ValidationError(_("This need is not open to proposals."), code="not_available")
    if offering is not None and offering.organization_id != organization.pk:
        raise PermissionDenied(_("You can only name one of your own offerings."))
    existing = selectors.existing_open_connection(
        kind=ConnectionKind.PROPOSAL, need=need, org_id=organization.pk
    )
    if existing is not None:
        return existing, False
    now = _now()
    _check_daily_limit(organization, now)
    connection = Connection(
        kind=ConnectionKind.PROPOSAL,
        need=need,
        offering=offering,
        initiator_org=organization,
        receiver_org=need.organization,
        initiated_by=user,
        message=(message or "").strip(),
        approach=(approach or "").strip(),
        indicative_price=indicative_price,
        timeline=(timeline or "").strip(),
        pilot_requested=pilot_requested,
        expires_at=now + timedelta(days=settings.CONNECTION_EXPIRY_DAYS),
    )
    if not connection.approach:
        raise ValidationError({"approach": _("Describe how you would meet this need.")})
    connection, created = _create(
        connection,
        {"kind": ConnectionKind.PROPOSAL, "need": need, "initiator_org": organization},
    )
    if created:
        _record(connection, user, "", S.PENDING, at=now)
        _notify_org(connection, connection.receiver_org, NotificationKind.PROPOSAL_RECEIVED)
    return connection, created


# --- State changes ----------------------------------------------------------------------


def _check_party(connection: Connection, user, to_state: str) -> None:
    side = selectors.viewer_side(connection, user)
    required = REQUIRED_PARTY[to_state]
    if side is None or (required != "either" and side != required):
        raise PermissionDenied(_("You may not make this change to this connection."))


def _transition(
    connection: Connection, user, to_state: str, *, note: str = "", **updates
) -> Connection:
    """Move `connection` to `to_state` exactly once, however many try at the same moment."""
    if user is not None:
        _check_party(connection, user, to_state)
    now = _now()
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        from_state = locked.state
        if to_state != S.EXPIRED and (from_state, to_state) not in TRANSITIONS:
            raise ValidationError(
                _("This connection is “%(state)s” and can no longer be changed this way.")
                % {"state": locked.get_state_display()},
                code="invalid_transition",
            )
        if from_state == S.PENDING:
            updates.setdefault("first_response_at", now if to_state != S.EXPIRED else None)
        changed = Connection.objects.filter(pk=locked.pk, state=from_state).update(
            state=to_state, updated_at=now, **updates
        )
        if not changed:  # someone else changed it between our read and our write
            raise ValidationError(
                _("Someone else has just changed this connection."), code="concurrent_change"
            )
        locked.refresh_from_db()
        _record(locked, user, from_state, to_state, note=note, at=now)
    return locked


@transaction.atomic
def connection_accept(*, connection: Connection, user) -> Connection:
    connection = _transition(connection, user, S.ACCEPTED, accepted_at=_now())
    _notify_org(
        connection,
        connection.initiator_org,
        NotificationKind.CONNECTION_ANSWERED,
        contacts=connection.receiver_org,
    )
    send_event(
        "connection_accepted",
        connection_id=connection.pk,
        initiator_org_id=connection.initiator_org_id,
        receiver_org_id=connection.receiver_org_id,
    )
    return connection


@transaction.atomic
def connection_decline(*, connection: Connection, user, reason: str) -> Connection:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Tell the sender why, in a sentence or two.")}, code="required"
        )
    connection = _transition(
        connection, user, S.DECLINED, note=reason, decline_reason=reason, closed_at=_now()
    )
    _notify_org(connection, connection.initiator_org, NotificationKind.CONNECTION_ANSWERED)
    return connection


@transaction.atomic
def connection_withdraw(*, connection: Connection, user) -> Connection:
    connection = _transition(
        connection, user, S.WITHDRAWN, closed_at=_now(), first_response_at=None
    )
    _notify_org(connection, connection.receiver_org, NotificationKind.CONNECTION_ANSWERED)
    return connection


@transaction.atomic
def connection_mark(
    *,
    connection: Connection,
    user,
    state: str,
    contract_value: int | None = None,
    reason: str = "",
) -> Connection:
    """Record the funnel after acceptance: in talks, won (optional contract value) or lost."""
    if state not in FUNNEL_MARKS:
        raise ValidationError(_("Choose in talks, won or lost."), code="invalid_state")
    if contract_value is not None and state != S.WON:
        raise ValidationError(
            {"contract_value": _("A contract value only applies to a won connection.")}
        )
    updates: dict = {}
    if state in (S.WON, S.LOST):
        updates["closed_at"] = _now()
        updates["contract_value"] = contract_value
    reason = (reason or "").strip()
    if reason:
        updates["outcome_reason"] = reason
    connection = _transition(connection, user, state, note=reason, **updates)
    # Tell the other side what was recorded.
    other = selectors.counterpart_org(connection, user_organization_id(user))
    _notify_org(connection, other, NotificationKind.CONNECTION_ANSWERED)
    return connection


# --- Expiry and reminders (run by `run_connection_housekeeping`) -------------------------


def connection_expire_due(*, now: datetime | None = None) -> int:
    """Expire pending connections whose time is up; tell the senders. Returns how many."""
    now = now or _now()
    expired = 0
    due = Connection.objects.filter(state=S.PENDING, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            try:
                connection = _transition(Connection(pk=pk), None, S.EXPIRED, closed_at=now)
            except ValidationError:
                continue  # answered meanwhile
            _notify_org(connection, connection.initiator_org, NotificationKind.CONNECTION_ANSWERED)
            expired += 1
    return expired


def connection_remind_due(*, now: datetime | None = None) -> int:
    """Remind receivers of pending connections that expire within the reminder window."""
    now = now or _now()
    window_end = now + timedelta(days=settings.CONNECTION_REMINDER_DAYS_BEFORE)
    due = Connection.objects.filter(
        state=S.PENDING, reminded_at__isnull=True, expires_at__gt=now, expires_at__lte=window_end
    ).values_list("pk", flat=True)
    reminded = 0
    for pk in list(due):
        with transaction.atomic():
            if not Connection.objects.filter(
                pk=pk, state=S.PENDING, reminded_at__isnull=True
            ).update(reminded_at=now):
                continue
            connection = Connection.objects.select_related(
                "initiator_org", "receiver_org", "offering", "need"
            ).get(pk=pk)
            _notify_org(connection, connection.receiver_org, NotificationKind.CONNECTION_EXPIRING)
            reminded += 1
    return reminded


# --- Messages ---------------------------------------------------------------------------


@transaction.atomic
def message_post(
    *, connection: Connection, user, body: str, attachment: CheckedFile | None = None
) -> Message:
    side = selectors.viewer_side(connection, user)
    if side is None:
        raise PermissionDenied(_("Only the two organizations can write in this thread."))
    connection.refresh_from_db(fields=["state"])
    if connection.state not in DISCLOSED_STATES:
        raise ValidationError(
            _("Messages can be exchanged once the request has been accepted."),
            code="not_accepted",
        )
    body = (body or "").strip()
    if not body and attachment is None:
        raise ValidationError({"body": _("Write a message or attach a file.")}, code="required")
    message = Message(
        connection=connection,
        author=user,
        author_org=user.membership.organization,
        body=body,
    )
    if attachment is not None:
        message.attachment.save(attachment.content.name, attachment.content, save=False)
        message.attachment_name = attachment.name
        message.attachment_type = attachment.content_type
        message.attachment_size = attachment.size
    message.full_clean(exclude=["attachment"])
    message.save()
    other = selectors.counterpart_org(connection, user_organization_id(user))
    _notify_org(connection, other, NotificationKind.MESSAGE_RECEIVED, message=message)
    return message
