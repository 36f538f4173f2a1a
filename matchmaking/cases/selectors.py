"""Reads of the case library (pages, panels, the matcher's evidence)."""

from __future__ import annotations

from django.db import models
from django.db.models import Count, QuerySet

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
    cases = Case.objects.published().filter(offering=offering)
    # Most offerings have no case: a bare existence check costs a fifth of the full query
    # (five joins, the curated order) that the panel needs when there are some.
    if not cases.exists():
        return []
    return list(cases.with_related().featured_first()[:limit])


def cases_for_vendor(organization, *, limit: int = 6) -> list[Case]:
    return list(
        Case.objects.published().filter(vendor=organization).with_related().featured_first()[:limit]
    )


def cases_like_need(need, *, limit: int = 3) -> tuple[list[Case], bool]:
    """Published cases in the need's sectors AND application types ("enterprises like you
    used…"); when there are none, those in the same sectors only.

    Returns the cases and whether they match on application type too.
    """
    # ``.all()``: the need page has prefetched these (no query then).
    sector_ids = [sector.pk for sector in need.sectors.all()]
    app_type_ids = {app_type.pk for app_type in need.app_types.all()}
    if not sector_ids:
        return [], False
    in_sectors = Case.objects.published().filter(sector_id__in=sector_ids)
    if not in_sectors.exists():  # cheap; the common answer on a large site
        return [], False
    base = in_sectors.with_related()
    if not app_type_ids:
        return list(base.featured_first()[:limit]), False
    # One query: the exact matches first, then the rest, each group in featured-first order.
    # The first ``limit`` rows then hold the first exact matches, or — when there are none —
    # the first same-sector cases.
    featured_first = base.featured_first()
    exact_first = featured_first.annotate(
        same_app_type=models.Case(
            models.When(app_type_id__in=app_type_ids, then=1),
            default=0,
            output_field=models.IntegerField(),
        )
    ).order_by("-same_app_type", *featured_first.query.order_by)
    cases = list(exact_first[:limit])
    if cases and cases[0].app_type_id in app_type_ids:
        return [case for case in cases if case.app_type_id in app_type_ids], True
    return cases, False


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


def published_cases() -> QuerySet:
    """The published cases: the listings `has_cases` / `vendor_cases` filters' hook (set in
    CasesConfig.ready()); they read ``offering_id``, ``vendor_id`` and ``sector_id``."""
    return Case.objects.published()
