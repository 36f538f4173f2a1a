"""The browse selectors: one per listing kind, called by the HTML list pages and the API.

``offering_browse(params=…, user=…, page=…)`` validates the filters (django-filter), finds
the rows, facet counts and order — from the in-memory index when it can, else from SQL, the
reference — and returns them with the chips, the sidebar groups and the paging.
``paged=False`` asks for no paging: ``result.ordered()`` is then the filtered, ordered
queryset (the API pages it itself).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import QueryDict

from matchmaking.listings import scoping
from matchmaking.listings import selectors as listing_selectors
from matchmaking.listings.browse import needs, offerings, presentation
from matchmaking.listings.caching import cached
from matchmaking.listings.cards import (
    need_cards,
    offering_cards,
    render_need_cards,
    render_offering_cards,
)
from matchmaking.listings.models import Need, Offering


class CachedCountPaginator(Paginator):
    """A paginator whose total comes from the listings cache (no COUNT(*) per page view)."""

    def __init__(self, object_list, per_page, *, cache_params: dict, **kwargs):
        self.cache_params = cache_params
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self) -> int:
        return cached("count", self.cache_params, lambda: self.object_list.order_by().count())


def facet_counts(filterset, *, cache_params: dict) -> dict[str, dict[str, int]]:
    """The SQL path's facet counts, kept in the shared listings cache."""
    return cached("facets", cache_params, filterset.facet_counts)


def page_of_ids(ids, *, page: str | None, per_page: int) -> Page:
    """A page of ``ids`` (already in display order); ``object_list`` holds that page's ids."""
    page_obj = Paginator(ids, per_page).get_page(page)
    page_obj.object_list = [int(pk) for pk in page_obj.object_list]
    return page_obj


def rows_in_order(pks: list[int], queryset) -> list:
    """The rows of ``queryset`` with these pks, in that order (rows no longer in it are left out)."""
    rows = {row.pk: row for row in queryset.filter(pk__in=pks)}
    return [rows[pk] for pk in pks if pk in rows]


@dataclass
class Browse:
    """One browse request's answer. ``page.object_list`` holds the page's pks (index path) or
    rows (SQL path); ``rows(request)`` gives the rendered row cards, ``objects()`` the models."""

    kind: BrowseKind
    filterset: object
    data: QueryDict
    page: Page | None
    counts: dict
    index: object | None

    @property
    def facets(self) -> list[dict]:
        return presentation.facet_groups(self.filterset, self.counts)

    @property
    def flags(self) -> dict[str, int]:
        return presentation.flag_counts(self.filterset, self.counts)

    @property
    def chips(self) -> list[dict]:
        return presentation.chips(self.filterset, self.data)

    @property
    def sort(self) -> str:
        return self.filterset.active_sort()

    @property
    def query_string(self) -> str:
        return presentation.query_string(self.data)

    @property
    def total(self) -> int:
        return self.page.paginator.count

    def ordered(self):
        """The filtered rows in display order, as a queryset (SQL)."""
        return self.filterset.order(self.filterset.qs)

    def objects(self) -> list:
        """The page's rows as model instances, in display order."""
        if self.index is None:
            return list(self.page.object_list)
        return rows_in_order(self.page.object_list, self.filterset.queryset)

    def rows(self, request) -> list:
        """The page's rows as rendered cards (cached per row when the index found them)."""
        if self.index is None:
            return self.kind.render(list(self.page.object_list), request)
        return self.kind.cards(self.page.object_list, self.filterset.queryset, self.index, request)


class BrowseKind(ABC):
    """How one listing kind is browsed; subclasses name the parts."""

    model = None
    filterset_class = None

    @abstractmethod
    def base_queryset(self, user):
        """The rows ``user`` may browse (the SQL path's reference)."""

    @abstractmethod
    def index(self):
        """This process's in-memory index of the kind, or None (then SQL answers)."""

    @abstractmethod
    def cards(self, pks, queryset, index, request) -> list:
        """Row cards of ``pks`` found by the index (cached per row)."""

    @abstractmethod
    def render(self, rows, request) -> list:
        """Row cards of ``rows`` found by SQL."""

    def scope(self, index, user):
        """The index rows ``user`` may see (None: all of them)."""
        return None

    def scope_key(self, user) -> dict:
        """What distinguishes one viewer's list from another's (for cache keys)."""
        return {}

    def browse(self, *, params, user, page, per_page=None, paged=True) -> Browse:
        data = params.copy() if isinstance(params, QueryDict) else QueryDict(mutable=True)
        if not isinstance(params, QueryDict):
            for key, value in dict(params or {}).items():
                data.setlist(key, value if isinstance(value, list | tuple) else [value])
        for name in ("page",) if paged else ("page", "page_size"):
            data.pop(name, None)
        filterset = self.filterset_class(data or None, queryset=self.base_queryset(user))
        if not paged:  # the caller pages the ordered queryset itself
            return Browse(self, filterset, data, None, {}, None)
        per_page = per_page or settings.LISTINGS_PAGE_SIZE
        index = self.index()
        if index is not None:
            ids, counts = filterset.indexed_results(index, scope=self.scope(index, user))
            found = page_of_ids(ids, page=page, per_page=per_page)
            return Browse(self, filterset, data, found, counts, index)
        params = {
            **filterset.cache_params(),
            **self.scope_key(user),
            "_model": self.model._meta.model_name,
        }
        paginator = CachedCountPaginator(
            filterset.order(filterset.qs), per_page, cache_params=params
        )
        found = paginator.get_page(page)
        found.object_list = list(found.object_list)
        counts = facet_counts(filterset, cache_params=params)
        return Browse(self, filterset, data, found, counts, None)


class OfferingBrowse(BrowseKind):
    """Published offerings — the same list for every viewer."""

    model = Offering
    filterset_class = offerings.OfferingFilterSet

    def base_queryset(self, user):
        return listing_selectors.offering_list_queryset(user)

    def index(self):
        return offerings.offering_index()

    def cards(self, pks, queryset, index, request):
        return offering_cards(pks, queryset, index=index)

    def render(self, rows, request):
        return render_offering_cards(rows)


class NeedBrowse(BrowseKind):
    """Open needs the viewer may see (public, anonymous, their own, private ones shown to
    their organization) — narrowed on the index by the same scoping rule as in SQL."""

    model = Need
    filterset_class = needs.NeedFilterSet

    def base_queryset(self, user):
        return listing_selectors.need_list_queryset(user)

    def index(self):
        return needs.need_index()

    def scope(self, index, user):
        return index.scope_mask(scoping.need_visibility(user))

    def scope_key(self, user) -> dict:
        rule = scoping.need_visibility(user)
        return {"_scope": "all" if rule.everything else repr(rule.clauses)}

    def cards(self, pks, queryset, index, request):
        return need_cards(pks, queryset, index=index, request=request)

    def render(self, rows, request):
        return render_need_cards(rows, request)


OFFERINGS, NEEDS = OfferingBrowse(), NeedBrowse()


def offering_browse(*, params, user, page, per_page=None, paged=True) -> Browse:
    """The offerings browse list for ``params`` (the query string) as ``user`` sees it."""
    return OFFERINGS.browse(params=params, user=user, page=page, per_page=per_page, paged=paged)


def need_browse(*, params, user, page, per_page=None, paged=True) -> Browse:
    """The needs browse list for ``params`` as ``user`` may see it."""
    return NEEDS.browse(params=params, user=user, page=page, per_page=per_page, paged=paged)
