"""Writes for needs and offerings: one function per action.

Each function is keyword-only, validates (``full_clean()`` plus the rules below) and saves inside
a transaction, keeps the denormalised search fields (`indexing.py`) and bumps the listings cache
version on commit. Later floors (matching, connections, notifications) hook onto these
functions, so every change of a listing goes through exactly one of them.

Taxonomy values (sectors, app_types, deployment_modes, kind, layer) may be given as model
instances, primary keys or codes; an unknown code is a ValidationError on that field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.accounts.models import Organization
from matchmaking.core.changes import record_changes
from matchmaking.core.images import ProcessedImage, store_image
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.listings import revisions, view_counts
from matchmaking.listings.caching import bump_listings_version
from matchmaking.listings.choices import NeedStatus, OfferingStatus, RevisionStatus
from matchmaking.listings.hype import offering_hype_flags
from matchmaking.listings.indexing import apply_need_index, apply_offering_index
from matchmaking.listings.models import (
    ListingRevision,
    Need,
    Offering,
    OfferingScreenshot,
    RevisionScreenshot,
)
from matchmaking.taxonomy.models import (
    ApplicationType,
    DeploymentMode,
    Layer,
    OfferingKind,
    Sector,
)

MAX_SCREENSHOTS = 6
NEAR_DUPLICATE_THRESHOLD = 0.8

NEED_FIELDS = (
    "ref",
    "title",
    "description",
    "data_availability",
    "data_labelled",
    "data_note",
    "success_metric",
    "budget_min",
    "budget_max",
    "requires_domestic_hw",
    "requires_on_premises",
    "requires_filing",
    "compliance_note",
    "region",
    "deadline",
    "visibility",
)
OFFERING_FIELDS = (
    "ref",
    "title",
    "summary",
    "description",
    "kind",
    "layer",
    "price_min",
    "price_max",
    "price_unit",
    "regions",
    "tags",
    "domestic_platforms",
    "on_premises_data",
    "demo_url",
)
M2M_FIELDS = {
    "sectors": Sector,
    "app_types": ApplicationType,
    "deployment_modes": DeploymentMode,
}
# Called on commit with a ListingRevision each time one is decided (approved or declined):
# higher floors (notifications) tell the listing's organization. Appended from their
# AppConfig.ready(); listings cannot import them.
REVISION_LISTENERS: list = []


# --- helpers ----------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _on_commit_bump() -> None:
    # Now (this request must not read its own stale counts) and, inside a transaction, again
    # after commit (other requests may have cached the old figures while it was open):
    # ``bump_version`` does both (see core/shared_cache.py).
    bump_listings_version()


def _resolve_terms(field: str, model, values: Iterable | None) -> list:
    """Taxonomy terms from instances, pks or codes; unknown codes → error on `field`."""
    if values is None:
        return []
    values = list(values)
    instances = [value for value in values if isinstance(value, model)]
    codes = [value for value in values if isinstance(value, str)]
    pks = [value for value in values if isinstance(value, int)]
    found = list(model.objects.filter(code__in=codes)) if codes else []
    unknown = sorted(set(codes) - {term.code for term in found})
    if unknown:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown)},
                    code="unknown_code",
                )
            }
        )
    if pks:
        by_pk = list(model.objects.filter(pk__in=pks))
        if len(by_pk) != len(set(pks)):
            raise ValidationError({field: ValidationError(_("Unknown value."), code="unknown")})
        found.extend(by_pk)
    return instances + found


def _resolve_term(field: str, model, value):
    if value in (None, ""):
        return None
    terms = _resolve_terms(field, model, [value])
    return terms[0]


def _clean_str_list(values) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(r"[,，、;；\n]+", values)
    seen: list[str] = []
    for value in values:
        value = str(value).strip()
        if value and value not in seen:
            seen.append(value)
    return seen


def _check_range(low, high, *, field: str, message: str) -> None:
    if low is not None and high is not None and low > high:
        raise ValidationError({field: ValidationError(message, code="min_above_max")})


def _raise_if_unknown(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed) - set(M2M_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")


def _set_m2m(instance, m2m: dict[str, list]) -> None:
    for name, terms in m2m.items():
        getattr(instance, name).set(terms)


def _pop_m2m(fields: dict) -> dict[str, list]:
    return {
        name: _resolve_terms(name, model, fields.pop(name))
        for name, model in M2M_FIELDS.items()
        if name in fields
    }


# --- needs ------------------------------------------------------------------------------


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
    _on_commit_bump()
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
        return _propose(listing=need, fields=fields, proposed_by=proposed_by)
    need = _need_apply(need=need, fields=fields)
    _close_pending_revision(need)
    return need


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
    _on_commit_bump()
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
    _on_commit_bump()
    return need


@transaction.atomic
def need_close(*, need: Need, fulfilled: bool = False) -> Need:
    """The poster closes a need, saying whether it was fulfilled."""
    if need.status not in (NeedStatus.DRAFT, NeedStatus.OPEN, NeedStatus.EXPIRED):
        raise ValidationError(_("This need cannot be closed now."), code="not_closable")
    need.status = NeedStatus.FULFILLED if fulfilled else NeedStatus.CLOSED
    need.save(update_fields=["status", "updated_at"])
    _close_pending_revision(need)
    _on_commit_bump()
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
    _on_commit_bump()
    return need


@transaction.atomic
def need_expire_due(*, today: date | None = None) -> int:
    """Open needs whose expiry day has passed become expired. Returns how many."""
    today = today or _today()
    due = Need.objects.filter(status=NeedStatus.OPEN, expires_on__lt=today)
    expired = list(due.values_list("pk", flat=True))
    count = due.filter(pk__in=expired).update(status=NeedStatus.EXPIRED, updated_at=timezone.now())
    record_changes(Need, expired)  # an update() sends no signal
    if count:
        _on_commit_bump()
    return count


def need_mark_expiry_warned(*, need: Need) -> None:
    need.expiry_warned_at = timezone.now()
    need.save(update_fields=["expiry_warned_at"])


def _require_admin(user) -> None:
    if not is_platform_admin(user):
        raise PermissionDenied


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
    _on_commit_bump()
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
    _on_commit_bump()
    return need


# --- offerings --------------------------------------------------------------------------


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
    _flag_near_duplicate(offering)
    _flag_hype(offering)
    _on_commit_bump()
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
        )
    _offering_apply(offering=offering, fields=fields)
    _close_pending_revision(offering)
    if screenshots:
        offering_add_screenshots(offering=offering, images=list(screenshots))
    return offering


def _offering_apply(*, offering: Offering, fields: dict) -> Offering:
    fields = dict(fields)
    m2m = _pop_m2m(fields)
    _apply_offering_fields(offering, fields)
    _validate_offering(offering)
    offering.save()
    _set_m2m(offering, m2m)
    _flag_near_duplicate(offering)
    _flag_hype(offering)
    _on_commit_bump()
    return offering


# --- revisions ----------------------------------------------------------------------------


def _text_of(listing) -> dict:
    return {name: getattr(listing, name) or "" for name in revisions.text_fields(listing)}


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


def _propose(*, listing, fields: dict, proposed_by=None, screenshots=()) -> Need | Offering:
    """Record an edit of a live listing: apply it at once when it is minor, otherwise create
    or update the listing's one pending revision; the live listing is never changed here
    otherwise."""
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
    if model is Offering:
        _apply_offering_fields(candidate, edit)
        _validate_offering(candidate)
    else:
        old_deadline = live.deadline
        for name, value in edit.items():
            setattr(candidate, name, value)
        _validate_need(candidate, deadline_changed=candidate.deadline != old_deadline)
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
        apply = _offering_apply if model is Offering else _need_apply_reviewed
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


def _need_apply_reviewed(*, need: Need, fields: dict) -> Need:
    """Apply a minor or approved change to a need that stays reviewed."""
    reviewed_at = need.reviewed_at
    need = _need_apply(need=need, fields=fields)
    if need.reviewed_at != reviewed_at:
        need.reviewed_at = reviewed_at
        need.save(update_fields=["reviewed_at"])
    return need


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


def _emit_decision(revision: ListingRevision) -> None:
    for listener in list(REVISION_LISTENERS):
        transaction.on_commit(lambda listener=listener: listener(revision))


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
        _offering_apply(offering=listing, fields=fields)
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
    _on_commit_bump()
    return offering


@transaction.atomic
def offering_approve(*, offering: Offering, by) -> Offering:
    _require_admin(by)
    if offering.status not in (OfferingStatus.PENDING, OfferingStatus.HIDDEN):
        raise ValidationError(
            _("Only pending or hidden offerings can be approved."), code="bad_status"
        )
    offering.status = OfferingStatus.PUBLISHED
    offering.moderation_reason = ""
    offering.published_at = offering.published_at or timezone.now()
    offering.reviewed_text = _text_of(offering)
    offering.save(
        update_fields=[
            "status",
            "moderation_reason",
            "published_at",
            "reviewed_text",
            "updated_at",
        ]
    )
    _on_commit_bump()
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
    _on_commit_bump()
    return offering


@transaction.atomic
def offering_archive(*, offering: Offering) -> Offering:
    if offering.status == OfferingStatus.ARCHIVED:
        return offering
    offering.status = OfferingStatus.ARCHIVED
    offering.save(update_fields=["status", "updated_at"])
    _close_pending_revision(offering)
    _on_commit_bump()
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
    existing = offering.screenshots.count()
    if existing + len(images) > MAX_SCREENSHOTS:
        raise ValidationError(
            {
                "screenshots": ValidationError(
                    _("An offering has at most %(max)s screenshots; it has %(count)s.")
                    % {"max": MAX_SCREENSHOTS, "count": existing},
                    code="too_many_files",
                )
            }
        )
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


# --- near-duplicates ----------------------------------------------------------------------

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def shingles(text: str, size: int = 3) -> frozenset[str]:
    """Character n-grams of the text without spaces and punctuation (works for Chinese)."""
    cleaned = _NON_WORD.sub("", text.lower())
    if len(cleaned) <= size:
        return frozenset([cleaned]) if cleaned else frozenset()
    return frozenset(cleaned[i : i + size] for i in range(len(cleaned) - size + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _offering_text(title: str, summary: str, description: str) -> str:
    return f"{title}\n{summary}\n{description}"


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


def _flag_near_duplicate(offering: Offering) -> None:
    """Point ``near_duplicate_of`` at the same vendor's most similar other offering, if any
    reaches NEAR_DUPLICATE_THRESHOLD (character 3-gram Jaccard)."""
    mine = shingles(_offering_text(offering.title, offering.summary, offering.description))
    best, best_score = None, 0.0
    others = (
        Offering.objects.filter(organization_id=offering.organization_id)
        .exclude(pk=offering.pk)
        .exclude(status=OfferingStatus.ARCHIVED)
        .values_list("pk", "title", "summary", "description")
    )
    for pk, title, summary, description in others.iterator():
        score = jaccard(mine, shingles(_offering_text(title, summary, description)))
        if score > best_score:
            best, best_score = pk, score
    target = best if best_score >= NEAR_DUPLICATE_THRESHOLD else None
    if offering.near_duplicate_of_id != target:
        offering.near_duplicate_of_id = target
        Offering.objects.filter(pk=offering.pk).update(near_duplicate_of_id=target)
        record_changes(Offering, [offering.pk])
