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

from matchmaking.listings import scoping
from matchmaking.listings.choices import price_unit_label
from matchmaking.listings.fields import TERM_FIELDS
from matchmaking.listings.selectors import need_poster_name
from matchmaking.listings.templatetags.listings import price_range
from matchmaking.taxonomy.selectors import active_terms, taxonomy_version

ROWS_TEMPLATE = "listings/includes/offering_rows.html"
NEED_ROWS_TEMPLATE = "listings/includes/need_rows.html"
# Written by the rows templates between two rows: escaped text cannot contain "<", so the
# marker splits one render of many rows into each row's HTML.
ROW_SEPARATOR = "<!--row-->"


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
    found = _cached_rows(keys, queryset, _render_offerings, index)
    return _cards(pks, keys, found)


def _cards(pks, keys, found) -> list[RowCard]:
    return [
        RowCard(pk=pk, title=found[keys[pk]][0], html=mark_safe(found[keys[pk]][1]))  # noqa: S308 - our own rendered template
        for pk in pks
        if pk in keys and keys[pk] in found
    ]


def render_offering_cards(offerings) -> list[RowCard]:
    """Cards rendered now, uncached (the SQL browse path, when the index is off)."""
    return _rendered_cards(offerings, _render_offerings(offerings, _prefetched_terms(offerings)))


def _rendered_cards(rows, html: list[str]) -> list[RowCard]:
    return [
        RowCard(pk=row.pk, title=row.title, html=mark_safe(row_html))  # noqa: S308 - our own rendered template
        for row, row_html in zip(rows, html, strict=True)
    ]


def _render_rows(template: str, rows: list[dict], context: dict) -> list[str]:
    """Each row's HTML, from ONE render of the rows template (a loop, not a render per row;
    without the request: no context processors — a row depends on no viewer data but what
    ``rows`` holds)."""
    if not rows:
        return []
    context = {**context, "rows": rows, "row_separator": mark_safe(ROW_SEPARATOR)}  # noqa: S308 - a constant
    html = render_to_string(template, context)
    return html.split(ROW_SEPARATOR)


def _render_offerings(offerings, terms) -> list[str]:
    rows = [offering_row(offering, terms[offering.pk]) for offering in offerings]
    badge = render_to_string("includes/verified_badge.html")
    return _render_rows(ROWS_TEMPLATE, rows, {"compare": True, "verified_badge": badge})


def offering_row(offering, terms: dict[str, list[str]]) -> dict:
    """What an offering's browse row shows, as plain values (the template only prints them:
    a dict key is the template engine's cheapest lookup)."""
    organization = offering.organization
    price = price_range(offering)
    return {
        "pk": offering.pk,
        "url": offering.get_absolute_url(),
        "title": offering.title,
        "summary": offering.summary,
        "vendor": organization.display_name,
        "verified": organization.is_verified,
        "filed": bool(organization.filing_number),
        "kind": offering.kind.name,
        "layer": offering.layer.name if offering.layer_id else "",
        "price": f"{price} {price_unit_label(offering.price_unit)}" if price else "",
        **terms,
    }


def need_cards(pks: list[int], queryset, *, index, request) -> list[RowCard]:
    """Need rows for ``pks`` (in that order) as ``request.user`` may see them; ``index`` is
    the NeedIndex that found them (it knows each row's version and poster)."""
    naming = scoping.poster_naming(request.user)

    def variant(pk):
        return "named" if naming.holds(index.row(pk)) else "anon"

    keys = _row_keys("needcard", pks, index, variant)
    found = _cached_rows(
        keys, queryset, lambda needs, terms: _render_needs(needs, terms, request), index
    )
    return _cards(pks, keys, found)


def render_need_cards(needs, request) -> list[RowCard]:
    return _rendered_cards(needs, _render_needs(needs, _prefetched_terms(needs), request))


def _render_needs(needs, terms, request) -> list[str]:
    rows = [need_row(need, terms[need.pk], request.user) for need in needs]
    return _render_rows(NEED_ROWS_TEMPLATE, rows, {})


def need_row(need, terms: dict[str, list[str]], user) -> dict:
    """What a need's browse row shows to ``user``, as plain values."""
    return {
        "pk": need.pk,
        "url": need.get_absolute_url(),
        "title": need.title,
        "description": need.description,
        "poster": need_poster_name(need, user),
        "region": need.region,
        "budget": price_range(need),
        "deadline": need.deadline,
        **terms,
    }


def indexed_term_names(index, pks) -> dict[int, dict[str, list[str]]]:
    """{pk: {"sectors": [names], "app_types": [...], "deployment_modes": [...]}} of the
    listings ``pks``, in the terms' display order, read from the index's term bits (three
    queries over the link tables cost about a third of a page of uncached rows). The row's
    cache key carries the version the index holds, so these are the names of that version.
    Terms no longer active (not in the taxonomy cache) are read by one query."""
    model = index.model
    linked = {pk: index.linked_term_ids(pk) or {} for pk in pks}
    names = {pk: {field: [] for field in TERM_FIELDS} for pk in pks}
    for field_name in TERM_FIELDS:
        term_model = model._meta.get_field(field_name).related_model
        wanted = {term for terms in linked.values() for term in terms.get(field_name, ())}
        known = {term.pk: term for term in active_terms(term_model) if term.pk in wanted}
        if wanted - known.keys():
            known.update(term_model.objects.in_bulk(list(wanted - known.keys())))
        for pk, terms in linked.items():
            found = sorted(
                (known[term] for term in terms.get(field_name, ()) if term in known),
                key=lambda term: (term.order, term.code),
            )
            names[pk][field_name] = [term.name for term in found]
    return names


def _prefetched_terms(rows) -> dict[int, dict[str, list[str]]]:
    """The same names from rows whose terms were prefetched (the SQL path)."""
    return {
        row.pk: {field: [term.name for term in getattr(row, field).all()] for field in TERM_FIELDS}
        for row in rows
    }


def _cached_rows(keys: dict[int, str], queryset, render, index) -> dict[str, tuple[str, str]]:
    """{key: (title, html)} from the cache; rows missing there are read (one query; their
    terms from ``index``) and rendered together."""
    found = cache.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        # Unordered: the page's order is ``keys``'. Ordered by the model's published_at,
        # SQLite without table statistics (Django never gathers any) walked the whole
        # (status, published_at) index to skip a sort of 20 rows — 7–12 ms at 100k
        # offerings, instead of 20 lookups by key (docs/performance.md, stop 35).
        rows = list(queryset.prefetch_related(None).order_by().filter(pk__in=missing))
        html = render(rows, indexed_term_names(index, [row.pk for row in rows]))
        rendered = {
            keys[row.pk]: (row.title, row_html) for row, row_html in zip(rows, html, strict=True)
        }
        if rendered:
            cache.set_many(rendered, timeout=settings.LISTINGS_FACET_CACHE_SECONDS)
        found.update(rendered)
    return found
