"""Rendered result rows of the browse pages, cached per row.

A browse page shows 20 rows; reading them (one query + three prefetches) and rendering them
cost more than finding them in the in-memory index. An offering row's HTML depends only on
the offering, its vendor, the taxonomy names and the language — not on the viewer; a need
row's also on whether the viewer may see who posted it (anonymous needs). So a row is cached
under its own version — when the row and its organization were last saved, which the browse
index holds (``BrowseIndex.row_versions``) — the taxonomy version, the language and that one
viewer-dependent flag, for at most LISTINGS_FACET_CACHE_SECONDS. A save changes only that
row's key; only rows missing from the cache are read and rendered. With Redis (REDIS_URL) the
cache is shared by every worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.taxonomy.selectors import taxonomy_version

ROW_TEMPLATE = "listings/includes/offering_row.html"
NEED_ROW_TEMPLATE = "listings/includes/need_row.html"


@dataclass(frozen=True)
class RowCard:
    pk: int
    title: str
    html: SafeString


def _row_keys(kind: str, pks: list[int], index, variant=None) -> dict[int, str]:
    language = get_language() or settings.LANGUAGE_CODE
    taxonomy = taxonomy_version()
    versions = index.row_versions(pks)
    keys = {}
    for pk in pks:
        if pk not in versions:
            continue  # not in the index (any more): not shown
        updated, organization_updated = versions[pk]
        suffix = f":{variant(pk)}" if variant else ""
        keys[pk] = (
            f"listings:{kind}:{pk}:{updated}:{organization_updated}:{taxonomy}:{language}{suffix}"
        )
    return keys


def offering_cards(pks: list[int], queryset, *, index) -> list[RowCard]:
    """Cards for ``pks`` (in that order); rows not in ``queryset`` any more are left out."""
    keys = _row_keys("card", pks, index)
    found = _cached_rows(keys, queryset, _render)
    return _cards(pks, keys, found)


def _cards(pks, keys, found) -> list[RowCard]:
    return [
        RowCard(pk=pk, title=found[keys[pk]][0], html=mark_safe(found[keys[pk]][1]))  # noqa: S308 - our own rendered template
        for pk in pks
        if pk in keys and keys[pk] in found
    ]


def render_offering_cards(offerings) -> list[RowCard]:
    """Cards rendered now, uncached (the SQL browse path, when the index is off)."""
    return [
        RowCard(pk=offering.pk, title=offering.title, html=mark_safe(_render(offering)))  # noqa: S308
        for offering in offerings
    ]


def _render(offering) -> str:
    return render_to_string(ROW_TEMPLATE, {"offering": offering, "compare": True})


def need_cards(pks: list[int], queryset, *, index, request) -> list[RowCard]:
    """Need rows for ``pks`` (in that order) as ``request.user`` may see them; ``index`` is
    the NeedIndex that found them (it knows each row's version and poster)."""

    org_id, is_admin = user_organization_id(request.user), is_platform_admin(request.user)

    def variant(pk):
        return "named" if index.poster_visible(pk, org_id=org_id, is_admin=is_admin) else "anon"

    keys = _row_keys("needcard", pks, index, variant)
    found = _cached_rows(keys, queryset, lambda need: _render_need(need, request))
    return _cards(pks, keys, found)


def render_need_cards(needs, request) -> list[RowCard]:
    return [
        RowCard(pk=need.pk, title=need.title, html=mark_safe(_render_need(need, request)))  # noqa: S308
        for need in needs
    ]


def _render_need(need, request) -> str:
    return render_to_string(NEED_ROW_TEMPLATE, {"need": need}, request=request)


def _cached_rows(keys: dict[int, str], queryset, render) -> dict[str, tuple[str, str]]:
    """{key: (title, html)} from the cache; rows missing there are read and rendered."""
    found = cache.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        rendered = {
            keys[row.pk]: (row.title, render(row)) for row in queryset.filter(pk__in=missing)
        }
        if rendered:
            cache.set_many(rendered, timeout=settings.LISTINGS_FACET_CACHE_SECONDS)
        found.update(rendered)
    return found
