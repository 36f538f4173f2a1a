"""Writes of needs: create, edit (directly or as a proposed revision), publish, close, renew,
expire."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.accounts.models import Organization
from matchmaking.core.changes import record_changes
from matchmaking.core.domain_events import send_event
from matchmaking.listings import revisions
from matchmaking.listings.caching import bump_listings_version
from matchmaking.listings.choices import NeedStatus
from matchmaking.listings.fields import NEED_FIELDS
from matchmaking.listings.indexing import apply_need_index
from matchmaking.listings.models import Need
from matchmaking.listings.services.common import (
    _check_range,
    _pop_m2m,
    _raise_if_unknown,
    _set_m2m,
    _text_of,
    _today,
    need_changed,
)
from matchmaking.listings.services.proposals import (
    _close_pending_revision,
    _needs_revision,
    _propose,
)


def _need_expiry(need: Need) -> date:
    if need.deadline:
        return need.deadline
    return _today() + timedelta(days=settings.NEED_DEFAULT_LIFETIME_DAYS)


def _validate_need(need: Need, *, deadline_changed: bool) -> None:
    _check_range(
        need.budget_min,
        need.budget_max,
        field="budget_max",
        message=_("The maximum budget cannot be lower than the minimum."),
    )
    if deadline_changed and need.deadline and need.deadline < _today():
        raise ValidationError(
            {"deadline": ValidationError(_("The deadline cannot be in the past."), code="past")}
        )
    if need.ref == "":
        need.ref = None
    apply_need_index(need)
    need.full_clean()


@transaction.atomic
def need_create(
    *,
    organization: Organization,
    created_by=None,
    publish: bool = False,
    **fields,
) -> Need:
    """Create a need (a draft unless ``publish``) for an enterprise organization."""
    if organization.kind != OrganizationKind.ENTERPRISE:
        raise ValidationError(
            _("Only enterprise organizations can post needs."), code="not_enterprise"
        )
    _raise_if_unknown(fields, NEED_FIELDS)
    m2m = _pop_m2m(fields)
    need = Need(organization=organization, created_by=created_by, **fields)
    _validate_need(need, deadline_changed=True)
    if publish:
        _open(need)
    need.save()
    _set_m2m(need, m2m)
    need_changed(need.pk, created=True)
    return need


@transaction.atomic
def need_update(*, need: Need, proposed_by=None, **fields) -> Need:
    """Change a need's card. Its status is not changed here (see publish/close/renew).

    Policy (docs/revisions.md): a material edit of an open need a moderator has already
    reviewed, posted by an organization that is not verified, becomes a pending revision and
    the live need stays as it was until a moderator approves it. Every other edit is applied
    at once; a material one puts the need back in the moderators' review queue."""
    _raise_if_unknown(fields, NEED_FIELDS)
    if _needs_revision(need):
        return _propose(
            listing=need,
            fields=fields,
            proposed_by=proposed_by,
            prepare=_prepare_candidate,
            apply=_need_apply_reviewed,
        )
    need = _need_apply(need=need, fields=fields)
    _close_pending_revision(need)
    return need


def _prepare_candidate(candidate: Need, live: Need, edit: dict) -> None:
    for name, value in edit.items():
        setattr(candidate, name, value)
    _validate_need(candidate, deadline_changed=candidate.deadline != live.deadline)


def _need_apply(*, need: Need, fields: dict) -> Need:
    fields = dict(fields)
    m2m = _pop_m2m(fields)
    live = Need.objects.get(pk=need.pk)
    before = revisions.snapshot(live)
    old_deadline = live.deadline
    for name, value in fields.items():
        setattr(need, name, value)
    deadline_changed = need.deadline != old_deadline
    _validate_need(need, deadline_changed=deadline_changed)
    if deadline_changed and need.status == NeedStatus.OPEN:
        need.expires_on = _need_expiry(need)
        need.expiry_warned_at = None
    desired = revisions.snapshot(
        need, terms={name: [term.pk for term in terms] for name, terms in m2m.items()}
    )
    changes = {name: value for name, value in desired.items() if value != before[name]}
    if changes and need.reviewed_at is not None:
        if not need.reviewed_text:
            need.reviewed_text = _text_of(live)
        if not revisions.is_minor(live, changes, desired, need.reviewed_text):
            need.reviewed_at = None  # back in the review queue, live meanwhile
    need.save()
    _set_m2m(need, m2m)
    need_changed(need.pk)
    return need


def _open(need: Need) -> None:
    if need.deadline and need.deadline < _today():
        raise ValidationError(
            {
                "deadline": ValidationError(
                    _("The deadline has passed; choose a new one first."), code="past"
                )
            }
        )
    need.status = NeedStatus.OPEN
    need.published_at = need.published_at or timezone.now()
    need.expires_on = _need_expiry(need)
    need.expiry_warned_at = None
    need.reviewed_at = None


@transaction.atomic
def need_publish(*, need: Need) -> Need:
    """Draft → open: the need becomes visible (per its visibility) and starts its lifetime."""
    if need.status != NeedStatus.DRAFT:
        raise ValidationError(_("Only a draft can be published."), code="not_draft")
    _open(need)
    need.save()
    need_changed(need.pk)
    return need


@transaction.atomic
def need_close(*, need: Need, fulfilled: bool = False) -> Need:
    """The poster closes a need, saying whether it was fulfilled."""
    if need.status not in (NeedStatus.DRAFT, NeedStatus.OPEN, NeedStatus.EXPIRED):
        raise ValidationError(_("This need cannot be closed now."), code="not_closable")
    need.status = NeedStatus.FULFILLED if fulfilled else NeedStatus.CLOSED
    need.save(update_fields=["status", "updated_at"])
    _close_pending_revision(need)
    need_changed(need.pk)
    return need


@transaction.atomic
def need_renew(*, need: Need, deadline: date | None = None) -> Need:
    """Extend an open or expired need: to ``deadline`` (in the future), or by the default
    lifetime from today. A deadline already past is dropped (one-click renewal)."""
    if need.status not in (NeedStatus.OPEN, NeedStatus.EXPIRED):
        raise ValidationError(_("Only open or expired needs can be renewed."), code="not_renewable")
    if deadline is not None:
        if deadline < _today():
            raise ValidationError(
                {"deadline": ValidationError(_("The deadline cannot be in the past."), code="past")}
            )
        need.deadline = deadline
    elif need.deadline and need.deadline <= _today() + timedelta(
        days=settings.NEED_EXPIRY_WARNING_DAYS
    ):
        need.deadline = None
    need.status = NeedStatus.OPEN
    need.expires_on = _need_expiry(need)
    need.expiry_warned_at = None
    need.full_clean()
    need.save()
    need_changed(need.pk)
    return need


@transaction.atomic
def need_expire_due(*, today: date | None = None) -> int:
    """Open needs whose expiry day has passed become expired. Returns how many."""
    today = today or _today()
    due = Need.objects.filter(status=NeedStatus.OPEN, expires_on__lt=today)
    expired = list(due.values_list("pk", flat=True))
    count = due.filter(pk__in=expired).update(status=NeedStatus.EXPIRED, updated_at=timezone.now())
    record_changes(Need, expired)  # an update() sends no signal
    if expired:
        bump_listings_version()
    for pk in expired:  # each leaves the suggestion lists (matching subscribes)
        send_event("need_saved", need_id=pk, created=False)
    return count


def need_mark_expiry_warned(*, need: Need) -> None:
    need.expiry_warned_at = timezone.now()
    need.save(update_fields=["expiry_warned_at"])


def _need_apply_reviewed(*, need: Need, fields: dict) -> Need:
    """Apply a minor or approved change to a need that stays reviewed."""
    reviewed_at = need.reviewed_at
    need = _need_apply(need=need, fields=fields)
    if need.reviewed_at != reviewed_at:
        need.reviewed_at = reviewed_at
        need.save(update_fields=["reviewed_at"])
    return need
