"""Writes to the case library: one function per action.

Vendor members write and submit their own organization's cases; platform admins score,
publish, return and feature them. Each function checks its actor and raises
PermissionDenied for the wrong one, validates with ``full_clean()`` and writes inside a
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.accounts.models import Organization, User
from matchmaking.cases.choices import (
    MAX_GALLERY_IMAGES,
    MAX_METRICS,
    SCORE_DIMENSIONS,
    SCORE_MAX,
    SCORE_MIN,
    CaseStatus,
)
from matchmaking.cases.models import VENDOR_EDITABLE_STATUSES, Case, CaseImage, CaseMetric
from matchmaking.core.images import ProcessedImage, store_image
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.listings.caching import bump_listings_version

CASE_CONTENT_FIELDS = (
    "title",
    "client",
    "offering",
    "sector",
    "app_type",
    "layer",
    "challenge",
    "solution",
    "outcome",
    "source_url",
)
_IMAGE_FIELDS = ["cover_image", "cover_thumbnail"]


# --- Who may do what ---------------------------------------------------------------------


def _is_vendor_member(user: User, vendor: Organization) -> bool:
    return vendor.kind == OrganizationKind.VENDOR and user_organization_id(user) == vendor.pk


def _cases_changed() -> None:
    """The offerings' case facets (has_cases, vendor_cases) count published cases: cached
    listing figures are dropped now and again after commit (``bump_version`` does both)."""
    bump_listings_version()


def _require_admin(actor: User) -> None:
    if not is_platform_admin(actor):
        raise PermissionDenied(_("Only platform administrators curate cases."))


def _require_vendor_member(actor: User, vendor: Organization) -> None:
    if not _is_vendor_member(actor, vendor):
        raise PermissionDenied(_("Only the vendor's own members may do this."))


def _require_editable(actor: User, case: Case) -> None:
    if not Case.objects.editable_by(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("You may not change this case."))


# --- Helpers -----------------------------------------------------------------------------


def overall_score(scores: Iterable[int]) -> Decimal:
    """The overall score: the mean of the four dimension scores, to two decimals."""
    values = list(scores)
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _clean_metrics(metrics: Iterable[Mapping]) -> list[dict]:
    cleaned = []
    for metric in metrics:
        name = (metric.get("name") or "").strip()
        value = str(metric.get("value") or "").strip()
        if not name and not value:
            continue
        if not name or not value:
            raise ValidationError(
                {"metrics": _("Each metric needs both a name and a value.")}, code="metric"
            )
        cleaned.append({"name": name, "value": value, "unit": (metric.get("unit") or "").strip()})
    if len(cleaned) > MAX_METRICS:
        raise ValidationError(
            {"metrics": _("At most %(count)s metrics per case.") % {"count": MAX_METRICS}},
            code="too_many_metrics",
        )
    return cleaned


def _replace_metrics(case: Case, metrics: list[dict]) -> None:
    case.metrics.all().delete()
    CaseMetric.objects.bulk_create(
        CaseMetric(case=case, order=index, **metric) for index, metric in enumerate(metrics)
    )


def _add_gallery(case: Case, gallery: list[ProcessedImage]) -> None:
    if not gallery:
        return
    existing = case.images.count()
    if existing + len(gallery) > MAX_GALLERY_IMAGES:
        raise ValidationError(
            {
                "gallery": _("A case may have at most %(count)s gallery images.")
                % {"count": MAX_GALLERY_IMAGES}
            },
            code="too_many_images",
        )
    for offset, processed in enumerate(gallery):
        image = CaseImage(case=case, order=existing + offset)
        store_image(image, "image", "thumbnail", processed)
        image.save()


def _apply_content(case: Case, fields: Mapping) -> None:
    unknown = set(fields) - set(CASE_CONTENT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown case fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(case, name, value)


# --- Vendor actions ----------------------------------------------------------------------


@transaction.atomic
def case_create(
    *,
    actor: User,
    vendor: Organization,
    metrics: Iterable[Mapping] = (),
    cover: ProcessedImage | None = None,
    gallery: list[ProcessedImage] | None = None,
    **fields,
) -> Case:
    """A vendor member (or an admin, for any vendor) writes a draft case."""
    if not is_platform_admin(actor):
        _require_vendor_member(actor, vendor)
    case = Case(vendor=vendor, created_by=actor, status=CaseStatus.DRAFT)
    _apply_content(case, fields)
    cleaned_metrics = _clean_metrics(metrics)
    case.full_clean(exclude=_IMAGE_FIELDS)
    if cover is not None:
        store_image(case, "cover_image", "cover_thumbnail", cover)
    case.save()
    _replace_metrics(case, cleaned_metrics)
    _add_gallery(case, gallery or [])
    return case


@transaction.atomic
def case_update(
    *,
    actor: User,
    case: Case,
    metrics: Iterable[Mapping] | None = None,
    cover: ProcessedImage | None = None,
    remove_cover: bool = False,
    gallery: list[ProcessedImage] | None = None,
    remove_images: Iterable[int] = (),
    **fields,
) -> Case:
    """Change a case: its vendor's members while it is a draft or returned; admins always."""
    _require_editable(actor, case)
    _apply_content(case, fields)
    cleaned_metrics = _clean_metrics(metrics) if metrics is not None else None
    case.full_clean(exclude=_IMAGE_FIELDS)
    if remove_cover:
        case.cover_image = ""
        case.cover_thumbnail = ""
    if cover is not None:
        store_image(case, "cover_image", "cover_thumbnail", cover)
    case.save()
    if cleaned_metrics is not None:
        _replace_metrics(case, cleaned_metrics)
    remove_ids = list(remove_images)
    if remove_ids:
        case.images.filter(pk__in=remove_ids).delete()
    _add_gallery(case, gallery or [])
    return case


@transaction.atomic
def case_submit(*, actor: User, case: Case) -> Case:
    """The vendor's member sends a draft (or a returned case, once fixed) for review."""
    _require_vendor_member(actor, case.vendor)
    if case.status not in VENDOR_EDITABLE_STATUSES:
        raise ValidationError(
            _("Only a draft or a returned case can be submitted."), code="invalid_status"
        )
    case.status = CaseStatus.SUBMITTED
    case.submitted_at = timezone.now()
    case.return_reason = ""
    case.full_clean(exclude=_IMAGE_FIELDS)
    case.save(update_fields=["status", "submitted_at", "return_reason", "updated_at"])
    return case


# --- Admin (curator) actions -------------------------------------------------------------


@transaction.atomic
def case_score(
    *,
    actor: User,
    case: Case,
    innovation: int,
    demonstration: int,
    benefit: int,
    replicability: int,
    comment: str = "",
) -> Case:
    """An admin scores the four white-paper dimensions; the overall score is their mean."""
    _require_admin(actor)
    values = {
        "innovation": innovation,
        "demonstration": demonstration,
        "benefit": benefit,
        "replicability": replicability,
    }
    errors = {}
    for name, value in values.items():
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not (SCORE_MIN <= value <= SCORE_MAX)
        ):
            errors[name] = _("Scores run from %(min)s to %(max)s.") % {
                "min": SCORE_MIN,
                "max": SCORE_MAX,
            }
    if errors:
        raise ValidationError(errors, code="score_range")
    for name, _label in SCORE_DIMENSIONS:
        setattr(case, f"score_{name}", values[name])
    case.overall_score = overall_score(values.values())
    case.curator_comment = comment.strip()
    case.full_clean(exclude=_IMAGE_FIELDS)
    case.save()
    return case


@transaction.atomic
def case_publish(*, actor: User, case: Case) -> Case:
    """An admin publishes a scored case; it then appears in the gallery."""
    _require_admin(actor)
    if not case.is_scored or case.overall_score is None:
        raise ValidationError(
            _("Score the case on all four dimensions before publishing it."), code="not_scored"
        )
    if case.status != CaseStatus.PUBLISHED:
        case.status = CaseStatus.PUBLISHED
        case.published_at = case.published_at or timezone.now()
        case.return_reason = ""
        case.full_clean(exclude=_IMAGE_FIELDS)
        case.save()
        _cases_changed()
    return case


@transaction.atomic
def case_return(*, actor: User, case: Case, reason: str) -> Case:
    """An admin sends a case back to the vendor with the reason (also unpublishes it)."""
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Tell the vendor why the case is returned.")}, code="reason_required"
        )
    case.status = CaseStatus.RETURNED
    case.return_reason = reason
    case.is_featured = False
    case.full_clean(exclude=_IMAGE_FIELDS)
    case.save()
    _cases_changed()
    return case


@transaction.atomic
def case_feature(*, actor: User, case: Case, featured: bool, order: int = 0) -> Case:
    """An admin features a published case (or stops featuring it); lower orders come first."""
    _require_admin(actor)
    if featured and case.status != CaseStatus.PUBLISHED:
        raise ValidationError(_("Only published cases can be featured."), code="not_published")
    if order < 0:
        raise ValidationError({"order": _("The order cannot be negative.")}, code="order")
    case.is_featured = featured
    case.featured_order = order
    case.full_clean(exclude=_IMAGE_FIELDS)
    case.save(update_fields=["is_featured", "featured_order", "updated_at"])
    return case


# --- Bulk import (admins' import_listings command) ---------------------------------------


@transaction.atomic
def case_import(
    *,
    ref: str,
    vendor: Organization,
    offering=None,
    scores: Mapping[str, int],
    metrics: Iterable[Mapping] = (),
    curator_comment: str = "",
    from_white_paper: bool = False,
    is_featured: bool = False,
    featured_order: int = 0,
    published_at=None,
    now=None,
    **fields,
) -> tuple[Case, bool]:
    """Create or update the case with this import `ref`, published with its scores.

    Used by the `cases` section of llm-match/v1 files (see cases/io.py); the file has been
    validated as a whole before this runs. Returns the case and whether it was created.
    """
    case = Case.objects.filter(ref=ref).first()
    created = case is None
    if created:
        case = Case(ref=ref)
    case.vendor = vendor
    case.offering = (
        offering if offering is not None and offering.organization_id == vendor.pk else None
    )
    _apply_content(case, {k: v for k, v in fields.items() if k != "offering"})
    for name, _label in SCORE_DIMENSIONS:
        setattr(case, f"score_{name}", scores[name])
    case.overall_score = overall_score(scores[name] for name, _label in SCORE_DIMENSIONS)
    case.curator_comment = curator_comment
    case.from_white_paper = from_white_paper
    case.is_featured = is_featured
    case.featured_order = featured_order
    case.status = CaseStatus.PUBLISHED
    case.return_reason = ""
    case.published_at = published_at or case.published_at or now or timezone.now()
    case.full_clean(exclude=_IMAGE_FIELDS)
    case.save()
    _replace_metrics(case, _clean_metrics(metrics))
    return case, created
