"""Reads of the case library (pages, panels, the matcher's evidence)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from matchmaking.cases.choices import CaseStatus
from matchmaking.cases.models import Case


def case_list(*, user) -> QuerySet[Case]:
    """The gallery: published cases (featured first), with what the cards show."""
    return Case.objects.visible_to(user).published().with_related().featured_first()


def case_detail_queryset() -> QuerySet[Case]:
    return Case.objects.with_related().prefetch_related("metrics", "images")


def featured_cases(*, limit: int = 3) -> list[Case]:
    return list(
        Case.objects.published().filter(is_featured=True).with_related().featured_first()[:limit]
    )


def cases_for_offering(offering, *, limit: int = 6) -> list[Case]:
    return list(
        Case.objects.published().filter(offering=offering).with_related().featured_first()[:limit]
    )


def cases_for_vendor(organization, *, limit: int = 6) -> list[Case]:
    return list(
        Case.objects.published().filter(vendor=organization).with_related().featured_first()[:limit]
    )


def cases_like_need(need, *, limit: int = 3) -> tuple[list[Case], bool]:
    """Published cases in the need's sectors AND application types ("enterprises like you
    used…"); when there are none, those in the same sectors only.

    Returns the cases and whether they match on application type too.
    """
    sector_ids = list(need.sectors.values_list("pk", flat=True))
    app_type_ids = list(need.app_types.values_list("pk", flat=True))
    if not sector_ids:
        return [], False
    base = Case.objects.published().filter(sector_id__in=sector_ids).with_related()
    if app_type_ids:
        exact = list(base.filter(app_type_id__in=app_type_ids).featured_first()[:limit])
        if exact:
            return exact, True
    return list(base.featured_first()[:limit]), False


def vendor_cases(*, organization_id: int) -> QuerySet[Case]:
    """A vendor's own cases in every status (its members' "My cases")."""
    return (
        Case.objects.filter(vendor_id=organization_id).with_related().order_by("-updated_at", "-pk")
    )


def review_queue(*, status: str | None) -> QuerySet[Case]:
    """Cases for the curators, the oldest submission first."""
    queryset = Case.objects.with_related().prefetch_related("metrics")
    if status:
        queryset = queryset.filter(status=status)
    if status == CaseStatus.PUBLISHED:
        return queryset.featured_first()
    return queryset.order_by("submitted_at", "pk")


def review_counts() -> dict[str, int]:
    rows = Case.objects.values("status").annotate(count=Count("pk"))
    return {row["status"]: row["count"] for row in rows}


def offerings_with_published_cases_q() -> Q:
    """A Q over Offering: offerings backed by published cases — their own, or their
    vendor's (the listings `has_cases` filter's hook, set in CasesConfig.ready())."""
    published = Case.objects.published()
    return Q(pk__in=published.filter(offering__isnull=False).values("offering_id")) | Q(
        organization_id__in=published.values("vendor_id")
    )
