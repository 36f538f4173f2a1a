"""Proposed changes of live listings (``ListingRevision``): recording an edit as a pending
revision (or applying it at once when minor, docs/revisions.md), closing one, and the revision's
screenshots. The needs and offerings modules pass in how to validate and apply their listing."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.core.changes import record_changes
from matchmaking.core.images import ProcessedImage, store_image
from matchmaking.listings import revisions
from matchmaking.listings.choices import NeedStatus, OfferingStatus, RevisionStatus
from matchmaking.listings.models import ListingRevision, Need, Offering, RevisionScreenshot
from matchmaking.listings.services.common import MAX_SCREENSHOTS, _pop_m2m, _text_of


def _needs_revision(listing) -> bool:
    """Whether material edits of ``listing`` wait for review as a revision (see need_update,
    offering_update)."""
    if isinstance(listing, Offering):
        return listing.status == OfferingStatus.PUBLISHED
    return (
        listing.status == NeedStatus.OPEN
        and listing.reviewed_at is not None
        and not listing.organization.is_verified
    )


def pending_revision(listing) -> ListingRevision | None:
    """The listing's pending revision, if any."""
    return listing.revisions.pending().first()


def _close_pending_revision(listing, *, status: str = RevisionStatus.WITHDRAWN) -> None:
    """A listing that leaves publication (or is changed directly) drops its proposal."""
    revision = pending_revision(listing)
    if revision is not None:
        _finish(revision, status=status, by=None)


def _finish(revision: ListingRevision, *, status: str, by, reason: str = "") -> None:
    revision.status = status
    revision.decided_by = by
    revision.decided_at = timezone.now()
    revision.reason = reason
    revision.save()
    if status != RevisionStatus.APPROVED:
        shots = list(revision.screenshots.all())
        for shot in shots:
            shot.delete()
        transaction.on_commit(
            lambda: [
                (shot.image.delete(save=False), shot.thumbnail.delete(save=False)) for shot in shots
            ]
        )


def _propose(
    *,
    listing,
    fields: dict,
    prepare: Callable,
    apply: Callable,
    proposed_by=None,
    screenshots=(),
) -> Need | Offering:
    """Record an edit of a live listing: apply it at once when it is minor, otherwise create
    or update the listing's one pending revision; the live listing is never changed here
    otherwise. ``prepare(candidate, live, edit)`` puts ``edit`` on the candidate copy and
    validates it; ``apply(need=live, fields=…)`` (or ``offering=``) applies a minor change to the live listing."""
    model = type(listing)
    live = model.objects.select_for_update().select_related("organization").get(pk=listing.pk)
    revision = live.revisions.pending().first()
    held = list(revision.screenshots.all()) if revision is not None else []
    # The proposal: the live listing, with the pending changes, with this edit on top.
    candidate = model.objects.select_related("organization").get(pk=listing.pk)
    terms = {
        name: list(values)
        for name, values in revisions.snapshot(live).items()
        if name in revisions.TERM_FIELDS
    }
    if revision is not None:
        terms.update(revisions.assign(candidate, revision.changes))
    edit = dict(fields)
    m2m = _pop_m2m(edit)
    terms.update({name: [term.pk for term in values] for name, values in m2m.items()})
    prepare(candidate, live, edit)
    before = revisions.snapshot(live)
    desired = revisions.snapshot(candidate, terms=terms)
    changes = {name: value for name, value in desired.items() if value != before[name]}
    if screenshots:
        _check_screenshot_room(live, len(held) + len(screenshots))
    if "ref" in edit and candidate.ref != live.ref:
        model.objects.filter(pk=live.pk).update(ref=candidate.ref)
        record_changes(model, [live.pk])

    if not changes and not screenshots and not held:
        if revision is not None:
            _finish(revision, status=RevisionStatus.WITHDRAWN, by=None)
        listing.refresh_from_db()
        return listing
    if (
        not screenshots
        and not held
        and revisions.is_minor(live, changes, desired, live.reviewed_text)
    ):
        if not live.reviewed_text:
            live.reviewed_text = _text_of(live)  # saved with the change below
        apply(**{model._meta.model_name: live}, fields=revisions.to_service_fields(changes))
        if revision is not None:
            _finish(revision, status=RevisionStatus.WITHDRAWN, by=None)
        listing.refresh_from_db()
        return listing

    if revision is None:
        revision = ListingRevision(
            organization_id=live.organization_id,
            **{model._meta.model_name: live},
        )
    revision.changes = changes
    revision.proposed_by = proposed_by or revision.proposed_by
    revision.full_clean()
    revision.save()
    if screenshots:
        _store_revision_screenshots(revision, screenshots, start=len(held))
    listing.refresh_from_db()
    return listing


def _check_screenshot_room(offering: Offering, adding: int) -> None:
    existing = offering.screenshots.count()
    if existing + adding > MAX_SCREENSHOTS:
        raise ValidationError(
            {
                "screenshots": ValidationError(
                    _("An offering has at most %(max)s screenshots; it has %(count)s.")
                    % {"max": MAX_SCREENSHOTS, "count": existing},
                    code="too_many_files",
                )
            }
        )


def _store_revision_screenshots(
    revision: ListingRevision, images: list[ProcessedImage], *, start: int, caption: str = ""
) -> None:
    for index, processed in enumerate(images):
        shot = RevisionScreenshot(revision=revision, caption=caption, order=start + index + 1)
        store_image(shot, "image", "thumbnail", processed)
        shot.save()
