"""Reads for needs and offerings: list pages, details, moderation queue, comparison.

Every read starts from the models' ``visible_to(user)`` scope (models.py); this module only
narrows, orders and counts.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.listings.caching import cached, offering_index
from matchmaking.listings.choices import NeedVisibility, OfferingStatus
from matchmaking.listings.models import Need, Offering, OfferingScreenshot

QUEUE_LIMIT = 200  # oldest first; the rest follow as these are handled
MAX_COMPARE = 4
MIN_COMPARE = 2


# --- who is named -----------------------------------------------------------------------


def may_see_poster(need: Need, user) -> bool:
    """Whether ``user`` may learn which organization posted ``need``."""
    if need.visibility != NeedVisibility.ANONYMOUS:
        return True
    return is_platform_admin(user) or user_organization_id(user) == need.organization_id


def need_poster_name(need: Need, user) -> str:
    """The poster's name as ``user`` may see it — the only place that decides it.

    Anonymous needs show "Anonymous enterprise" to everyone but the poster's members and admins.
    """
    if may_see_poster(need, user):
        return need.organization.display_name
    return _("Anonymous enterprise")


# --- lists ------------------------------------------------------------------------------


def offering_list_queryset(user) -> QuerySet:
    """Browse: published offerings (a subset of what everyone may see), ready for rows."""
    return (
        Offering.objects.visible_to(user)
        .published()
        .select_related("organization", "kind", "layer")
        .prefetch_related("sectors", "app_types", "deployment_modes")
    )


def need_list_queryset(user) -> QuerySet:
    """Browse: open needs this user may see (public, anonymous, their own, private ones
    shown to their organization)."""
    return (
        Need.objects.visible_to(user)
        .open()
        .select_related("organization")
        .prefetch_related("sectors", "app_types", "deployment_modes")
    )


def list_scope_key(user, model) -> dict:
    """What distinguishes one viewer's browse list from another's (for cache keys)."""
    if model is Offering:
        return {}  # the browse list is the published offerings for everyone
    return {"_org": user_organization_id(user), "_admin": is_platform_admin(user)}


class CachedCountPaginator(Paginator):
    """A paginator whose total comes from the listings cache (no COUNT(*) per page view)."""

    def __init__(self, object_list, per_page, *, cache_params: dict, **kwargs):
        self.cache_params = cache_params
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self) -> int:
        return cached("count", self.cache_params, lambda: self.object_list.order_by().count())


def paginate(queryset: QuerySet, *, page: str | None, per_page: int, cache_params: dict):
    paginator = CachedCountPaginator(queryset, per_page, cache_params=cache_params)
    return paginator.get_page(page)


def facet_counts(filterset, *, cache_params: dict) -> dict[str, dict[str, int]]:
    return cached("facets", cache_params, filterset.facet_counts)


def indexed_browse(filterset):
    """(ids in display order, facet counts) from the in-memory offering index
    (caching.OfferingIndex), or None when the SQL path must answer."""
    if not hasattr(filterset, "indexed_results"):
        return None
    index = offering_index()
    if index is None:
        return None
    return filterset.indexed_results(index)


def page_of_ids(ids, queryset: QuerySet, *, page: str | None, per_page: int):
    """A page of ``ids`` (already in display order) whose rows are read from ``queryset``."""
    paginator = Paginator(ids, per_page)
    page_obj = paginator.get_page(page)
    wanted = [int(pk) for pk in page_obj.object_list]
    rows = {row.pk: row for row in queryset.filter(pk__in=wanted)}
    page_obj.object_list = [rows[pk] for pk in wanted if pk in rows]
    return page_obj


def my_offerings(user) -> QuerySet:
    return (
        Offering.objects.editable_by(user)
        .select_related("kind", "layer", "organization")
        .order_by("-updated_at", "-pk")
    )


def my_needs(user) -> QuerySet:
    return (
        Need.objects.editable_by(user)
        .select_related("organization")
        .prefetch_related("sectors")
        .order_by("-updated_at", "-pk")
    )


# --- details ----------------------------------------------------------------------------


def offering_detail_queryset() -> QuerySet:
    return Offering.objects.select_related("organization", "kind", "layer").prefetch_related(
        "sectors",
        "app_types",
        "deployment_modes",
        Prefetch("screenshots", queryset=OfferingScreenshot.objects.order_by("order", "pk")),
    )


def need_detail_queryset() -> QuerySet:
    return Need.objects.select_related("organization").prefetch_related(
        "sectors", "app_types", "deployment_modes"
    )


def offerings_to_compare(user, ids: list[int]) -> list[Offering]:
    """Up to MAX_COMPARE visible offerings, in the order asked for."""
    wanted = list(dict.fromkeys(ids))[:MAX_COMPARE]
    visible = Offering.objects.visible_to(user).filter(pk__in=wanted).values("pk")
    rows = {offering.pk: offering for offering in offering_detail_queryset().filter(pk__in=visible)}
    return [rows[pk] for pk in wanted if pk in rows]


# --- lifecycle and moderation ------------------------------------------------------------


def needs_expiring_soon(days: int, *, today=None) -> QuerySet:
    """Open needs that expire within ``days`` and whose poster has not been warned yet."""
    today = today or timezone.localdate()
    return (
        Need.objects.open()
        .filter(
            expires_on__isnull=False,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=days),
            expiry_warned_at__isnull=True,
        )
        .select_related("organization", "created_by")
    )


def moderation_queue(user) -> dict:
    """Pending offerings, open needs not yet reviewed, and flagged near-duplicates."""
    offerings = (
        Offering.objects.moderatable_by(user)
        .awaiting_review()
        .select_related("organization", "kind", "near_duplicate_of")
        .order_by("updated_at", "pk")
    )
    needs = (
        Need.objects.moderatable_by(user)
        .awaiting_review()
        .select_related("organization")
        .order_by("published_at", "pk")
    )
    duplicates = (
        Offering.objects.moderatable_by(user)
        .filter(near_duplicate_of__isnull=False)
        .exclude(status__in=[OfferingStatus.ARCHIVED, OfferingStatus.HIDDEN])
        .select_related("organization", "near_duplicate_of")
        .order_by("-updated_at", "-pk")
    )
    return {
        "offerings": offerings[:QUEUE_LIMIT],
        "needs": needs[:QUEUE_LIMIT],
        "duplicates": duplicates[:QUEUE_LIMIT],
    }


def home_figures() -> dict:
    return cached(
        "home",
        {},
        lambda: {
            "offerings": Offering.objects.published().count(),
            "needs": Need.objects.public().count(),
        },
    )


def latest_offerings(limit: int = 6) -> list[Offering]:
    return list(
        Offering.objects.published()
        .select_related("organization", "kind")
        .order_by("-published_at", "-pk")[:limit]
    )
