"""Moderation: administrators approve or hide needs and offerings, and decide the revisions
organizations propose for their live listings."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.core.domain_events import send_event
from matchmaking.core.permissions import user_organization_id
from matchmaking.listings import revisions
from matchmaking.listings.choices import NeedStatus, OfferingStatus, RevisionStatus
from matchmaking.listings.models import ListingRevision, Need, Offering, OfferingScreenshot
from matchmaking.listings.services.common import (
    _require_admin,
    _text_of,
    need_changed,
    offering_changed,
)
from matchmaking.listings.services.needs import _need_apply, _need_expiry
from matchmaking.listings.services.offerings import _offering_apply
from matchmaking.listings.services.proposals import _close_pending_revision, _finish
from matchmaking.listings.text_dating import date_live_text


@transaction.atomic
def need_approve(*, need: Need, by) -> Need:
    """An admin has reviewed an open need (or restores a hidden one)."""
    _require_admin(by)
    if need.status not in (NeedStatus.OPEN, NeedStatus.HIDDEN):
        raise ValidationError(_("Only open or hidden needs can be approved."), code="bad_status")
    need.status = NeedStatus.OPEN
    need.moderation_reason = ""
    need.reviewed_at = timezone.now()
    need.reviewed_text = _text_of(need)
    if need.expires_on is None:
        need.expires_on = _need_expiry(need)
    need.save()
    need_changed(need.pk)
    return need


@transaction.atomic
def need_hide(*, need: Need, by, reason: str) -> Need:
    """An admin hides a need from everyone but its poster, with a reason the poster sees."""
    _require_admin(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why the need is hidden."), code="required")}
        )
    need.status = NeedStatus.HIDDEN
    need.moderation_reason = reason
    need.reviewed_at = timezone.now()
    need.save()
    _close_pending_revision(need)
    need_changed(need.pk)
    return need


@transaction.atomic
def offering_approve(*, offering: Offering, by) -> Offering:
    _require_admin(by)
    if offering.status not in (OfferingStatus.PENDING, OfferingStatus.HIDDEN):
        raise ValidationError(
            _("Only pending or hidden offerings can be approved."), code="bad_status"
        )
    offering.status = OfferingStatus.PUBLISHED
    offering.moderation_reason = ""
    now = timezone.now()
    offering.published_at = offering.published_at or now
    text = _text_of(offering)
    date_live_text(offering, text, previous=offering.reviewed_text, now=now)
    offering.reviewed_text = text
    offering.save(
        update_fields=[
            "status",
            "moderation_reason",
            "published_at",
            "reviewed_text",
            "text_since",
            "dated_text",
            "updated_at",
        ]
    )
    offering_changed(offering.pk)
    return offering


@transaction.atomic
def offering_hide(*, offering: Offering, by, reason: str) -> Offering:
    """An admin hides an offering with a reason its vendor sees."""
    _require_admin(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why the offering is hidden."), code="required")}
        )
    offering.status = OfferingStatus.HIDDEN
    offering.moderation_reason = reason
    offering.save(update_fields=["status", "moderation_reason", "updated_at"])
    _close_pending_revision(offering)
    offering_changed(offering.pk)
    return offering


def _emit_decision(revision: ListingRevision) -> None:
    send_event("revision_decided", revision_id=revision.pk)


@transaction.atomic
def revision_approve(*, revision: ListingRevision, by) -> ListingRevision:
    """A moderator accepts the proposed changes: they replace the live values (suggestions
    refresh through the listing's save), proposed screenshots join the offering."""
    _require_admin(by)
    revision = ListingRevision.objects.select_for_update().get(pk=revision.pk)
    if not revision.is_pending:
        raise ValidationError(_("This revision was already decided."), code="decided")
    listing = revision.listing
    if not _listing_is_live(listing):
        raise ValidationError(
            _("The listing is no longer published; the revision cannot be applied."),
            code="not_live",
        )
    revision.previous = {
        name: value
        for name, value in revisions.snapshot(listing).items()
        if name in revision.changes
    }
    fields = revisions.to_service_fields(revision.changes)
    if isinstance(listing, Offering):
        live_text = _text_of(listing)
        _offering_apply(offering=listing, fields=fields)
        date_live_text(listing, _text_of(listing), previous=live_text, now=timezone.now())
        order = (listing.screenshots.aggregate(m=Max("order"))["m"] or 0) + 1
        for index, shot in enumerate(revision.screenshots.all()):
            OfferingScreenshot.objects.create(
                offering=listing,
                image=shot.image.name,
                thumbnail=shot.thumbnail.name,
                caption=shot.caption,
                order=order + index,
            )
        revision.screenshots.all().delete()  # the files now belong to the offering
    else:
        _need_apply(need=listing, fields=fields)
        listing.reviewed_at = timezone.now()
    listing.reviewed_text = _text_of(listing)
    listing.save()
    _finish(revision, status=RevisionStatus.APPROVED, by=by)
    _emit_decision(revision)
    return revision


@transaction.atomic
def revision_reject(*, revision: ListingRevision, by, reason: str) -> ListingRevision:
    """A moderator declines the proposed changes with a reason the organization sees; the
    live listing stays as it is."""
    _require_admin(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why the changes are declined."), code="required")}
        )
    revision = ListingRevision.objects.select_for_update().get(pk=revision.pk)
    if not revision.is_pending:
        raise ValidationError(_("This revision was already decided."), code="decided")
    _finish(revision, status=RevisionStatus.REJECTED, by=by, reason=reason)
    _emit_decision(revision)
    return revision


@transaction.atomic
def revision_withdraw(*, revision: ListingRevision, by) -> ListingRevision:
    """The listing's organization takes back its pending changes."""
    revision = ListingRevision.objects.select_for_update().get(pk=revision.pk)
    if user_organization_id(by) != revision.organization_id:
        raise PermissionDenied
    if not revision.is_pending:
        raise ValidationError(_("This revision was already decided."), code="decided")
    _finish(revision, status=RevisionStatus.WITHDRAWN, by=by)
    return revision


def _listing_is_live(listing) -> bool:
    if isinstance(listing, Offering):
        return listing.status == OfferingStatus.PUBLISHED
    return listing.status == NeedStatus.OPEN
