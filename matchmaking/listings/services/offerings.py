"""Writes of offerings: create, edit (directly or as a proposed revision), submit, archive,
screenshots, views; every save re-checks near-duplicates and hype."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.accounts.models import Organization
from matchmaking.core.changes import record_changes
from matchmaking.core.images import ProcessedImage, store_image
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.listings import view_counts
from matchmaking.listings.choices import OfferingStatus
from matchmaking.listings.fields import OFFERING_FIELDS
from matchmaking.listings.hype import offering_hype_flags
from matchmaking.listings.indexing import apply_offering_index
from matchmaking.listings.models import Offering, OfferingScreenshot
from matchmaking.listings.near_duplicates import flag_near_duplicate
from matchmaking.listings.services.common import (
    _check_range,
    _clean_str_list,
    _pop_m2m,
    _raise_if_unknown,
    _resolve_term,
    _set_m2m,
    offering_changed,
)
from matchmaking.listings.services.proposals import (
    _check_screenshot_room,
    _close_pending_revision,
    _needs_revision,
    _propose,
)
from matchmaking.taxonomy.models import Layer, OfferingKind


def _apply_offering_fields(offering: Offering, fields: dict) -> None:
    if "kind" in fields:
        offering.kind = _resolve_term("kind", OfferingKind, fields.pop("kind"))
    if "layer" in fields:
        offering.layer = _resolve_term("layer", Layer, fields.pop("layer"))
    for name in ("regions", "tags", "domestic_platforms"):
        if name in fields:
            fields[name] = _clean_str_list(fields[name])
    for name, value in fields.items():
        setattr(offering, name, value)
    if offering.ref == "":
        offering.ref = None


def _validate_offering(offering: Offering) -> None:
    _check_range(
        offering.price_min,
        offering.price_max,
        field="price_max",
        message=_("The maximum price cannot be lower than the minimum."),
    )
    if offering.kind_id is None:
        raise ValidationError({"kind": ValidationError(_("Choose a kind."), code="required")})
    organization = offering.organization
    apply_offering_index(
        offering,
        organization_name=" ".join(filter(None, [organization.name, organization.name_en])),
    )
    offering.full_clean()


@transaction.atomic
def offering_create(
    *,
    organization: Organization,
    created_by=None,
    submit: bool = False,
    screenshots: list[ProcessedImage] = (),
    **fields,
) -> Offering:
    """Create an offering (a draft, or pending review when ``submit``) for a vendor."""
    if organization.kind != OrganizationKind.VENDOR:
        raise ValidationError(_("Only vendor organizations can list offerings."), code="not_vendor")
    _raise_if_unknown(fields, OFFERING_FIELDS)
    m2m = _pop_m2m(fields)
    offering = Offering(organization=organization, created_by=created_by)
    _apply_offering_fields(offering, fields)
    _validate_offering(offering)
    if submit:
        offering.status = OfferingStatus.PENDING
    offering.save()
    _set_m2m(offering, m2m)
    if screenshots:
        offering_add_screenshots(offering=offering, images=list(screenshots))
    flag_near_duplicate(offering)
    _flag_hype(offering)
    offering_changed(offering.pk, created=True)
    return offering


@transaction.atomic
def offering_update(
    *, offering: Offering, screenshots: list[ProcessedImage] = (), proposed_by=None, **fields
) -> Offering:
    """Change an offering (and add ``screenshots``).

    A published offering stays as it is: a material edit becomes (or updates) its pending
    revision, which a moderator approves or declines; a minor one (revisions.is_minor) goes
    live at once. Offerings that are not published are changed directly (they are reviewed
    when submitted)."""
    _raise_if_unknown(fields, OFFERING_FIELDS)
    if _needs_revision(offering):
        return _propose(
            listing=offering,
            fields=fields,
            proposed_by=proposed_by,
            screenshots=list(screenshots),
            prepare=_prepare_candidate,
            apply=_offering_apply,
        )
    _offering_apply(offering=offering, fields=fields)
    _close_pending_revision(offering)
    if screenshots:
        offering_add_screenshots(offering=offering, images=list(screenshots))
    return offering


def _prepare_candidate(candidate: Offering, live: Offering, edit: dict) -> None:
    _apply_offering_fields(candidate, edit)
    _validate_offering(candidate)


def _offering_apply(*, offering: Offering, fields: dict) -> Offering:
    fields = dict(fields)
    m2m = _pop_m2m(fields)
    _apply_offering_fields(offering, fields)
    _validate_offering(offering)
    offering.save()
    _set_m2m(offering, m2m)
    flag_near_duplicate(offering)
    _flag_hype(offering)
    offering_changed(offering.pk)
    return offering


@transaction.atomic
def offering_submit(*, offering: Offering) -> Offering:
    """Draft (or hidden/archived, after changes) → pending review."""
    if offering.status not in (
        OfferingStatus.DRAFT,
        OfferingStatus.HIDDEN,
        OfferingStatus.ARCHIVED,
    ):
        raise ValidationError(_("This offering cannot be submitted now."), code="bad_status")
    offering.status = OfferingStatus.PENDING
    offering.save(update_fields=["status", "updated_at"])
    offering_changed(offering.pk)
    return offering


@transaction.atomic
def offering_archive(*, offering: Offering) -> Offering:
    if offering.status == OfferingStatus.ARCHIVED:
        return offering
    offering.status = OfferingStatus.ARCHIVED
    offering.save(update_fields=["status", "updated_at"])
    _close_pending_revision(offering)
    offering_changed(offering.pk)
    return offering


def offering_record_view(*, offering: Offering, viewer) -> bool:
    """Count a view of a published offering by someone outside its vendor (the vendor's own
    visits and the platform's do not count). Views are tallied per process and written in
    batches (see view_counts.py): UPDATEs with F(), so concurrent writers never overwrite each
    other, and `updated_at` stays untouched (it marks edits, not traffic).
    Returns whether the view was counted."""
    if offering.status != OfferingStatus.PUBLISHED or is_platform_admin(viewer):
        return False
    if user_organization_id(viewer) == offering.organization_id:
        return False
    view_counts.record(offering.pk)
    return True


@transaction.atomic
def offering_add_screenshots(
    *, offering: Offering, images: list[ProcessedImage], caption: str = ""
) -> list[OfferingScreenshot]:
    """Attach already-validated images (see core.images); at most MAX_SCREENSHOTS in all."""
    _check_screenshot_room(offering, len(images))
    order = (offering.screenshots.aggregate(m=Max("order"))["m"] or 0) + 1
    created = []
    for index, processed in enumerate(images):
        screenshot = OfferingScreenshot(offering=offering, caption=caption, order=order + index)
        store_image(screenshot, "image", "thumbnail", processed)
        screenshot.save()
        created.append(screenshot)
    return created


@transaction.atomic
def offering_remove_screenshot(*, screenshot: OfferingScreenshot) -> None:
    image, thumbnail = screenshot.image, screenshot.thumbnail
    screenshot.delete()
    transaction.on_commit(lambda: (image.delete(save=False), thumbnail.delete(save=False)))


def _flag_hype(offering: Offering) -> None:
    """Store the hype detector's flags (superlatives, buzzword piles, tag stuffing)."""
    flags = offering_hype_flags(
        title=offering.title,
        summary=offering.summary,
        description=offering.description,
        tags=offering.tags,
        sectors=list(offering.sectors.values_list("code", flat=True)),
        app_types=list(offering.app_types.values_list("code", flat=True)),
    )
    if offering.hype_flags != flags:
        offering.hype_flags = flags
        Offering.objects.filter(pk=offering.pk).update(hype_flags=flags)
        record_changes(Offering, [offering.pk])
