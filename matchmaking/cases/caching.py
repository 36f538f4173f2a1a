"""The need page's similar-cases panel, chosen and rendered once per data version and set of
categories.

``selectors.cases_like_need`` is two queries (an existence check, then five joins in the
curated order) and about a sixth of a need page's time, recomputed on every view although it
depends on nothing but the need's sectors and application types and the published cases —
never on who looks (published cases are shown to everyone; the panel reads no viewer).

The key carries everything the answer and its card depend on:

* the need's sector and application-type ids (read afresh with the need on every view, so a
  need moved to other categories looks up another key; needs in the same categories share
  one entry);
* the pages version, bumped after every commit that writes the change feed — cases (saved,
  published, returned, featured, deleted: ``Case`` is tracked), and the organizations whose
  names the cards show;
* the listings version, bumped at once by case publication and return (``cases.services``)
  and by every listing write;
* the taxonomy version: the cards show the sector and application-type names.

The versions live in the shared cache, so a write in any process makes every process look
up a new key on its next view; the lists themselves stay in each process's ``default``
cache (two cheap queries are not worth a round trip to the shared one).

The offerings' case flags (``has_cases``, ``vendor_cases``: ``listings.browse.facets``) read
the published cases' offering ids and (vendor, sector) pairs through
:func:`published_case_rows`, kept per **cases version**: ``CASES_VERSION_KEY`` is bumped by
every save and delete of a case (signals connected in ``CasesConfig.ready``: services, the
admin, imports, a vendor's cascade delete), at once and again after the commit
(``bump_version``). It is read in the same round trip as the request's first version
(``shared_cache.read_along``) and keys the shared pages too (``core.page_versions``). An
offering's deletion sets its cases' ``offering_id`` to NULL without a signal; the kept id
then names no row of any index (ids are never reused), so nothing it answers changes.
"""

from __future__ import annotations

from bisect import bisect_left

from django.core.cache import cache
from django.urls import get_script_prefix
from django.utils.translation import get_language

from matchmaking.cases import selectors
from matchmaking.core.page_cache import PAGES_VERSION_KEY
from matchmaking.core.shared_cache import bump_version, read_version, read_versions
from matchmaking.listings.browse.facets import PublishedCaseRows, read_published_case_rows
from matchmaking.listings.caching import VERSION_KEY as LISTINGS_VERSION_KEY
from matchmaking.taxonomy.selectors import VERSION_KEY as TAXONOMY_VERSION_KEY

# An entry's longest life; every write that could change it makes a new key at once.
SIMILAR_CASES_SECONDS = 600
CASE_ROWS_SECONDS = 600
CASES_VERSION_KEY = "cases:version"


def cases_version_key() -> str:
    return CASES_VERSION_KEY


def bump_cases_version(**_signal_kwargs) -> None:
    """A case was saved or deleted (post_save / post_delete of ``Case``)."""
    bump_version(CASES_VERSION_KEY)


def published_case_rows() -> PublishedCaseRows:
    """The published cases' rows for the offerings' case flags, read once per cases version
    (the ``listings.browse.published_case_rows`` provider)."""
    key = f"cases:published-rows:C{read_version(CASES_VERSION_KEY)}"
    found = cache.get(key)
    if found is None:
        found = read_published_case_rows(selectors.published_cases())
        cache.set(key, found, timeout=CASE_ROWS_SECONDS)
    return found


def similar_cases_key(need, *, limit: int) -> str:
    # ``.all()``: the need page has attached the terms (no query).
    sectors = ",".join(str(pk) for pk in sorted(term.pk for term in need.sectors.all()))
    app_types = ",".join(str(pk) for pk in sorted(term.pk for term in need.app_types.all()))
    versions = read_versions(PAGES_VERSION_KEY, LISTINGS_VERSION_KEY, TAXONOMY_VERSION_KEY)
    return (
        f"cases:like-need:P{versions[PAGES_VERSION_KEY]}:L{versions[LISTINGS_VERSION_KEY]}:"
        f"T{versions[TAXONOMY_VERSION_KEY]}:s{sectors}:a{app_types}:{limit}"
    )


def cached_cases_like_need(need, render, *, limit: int = 3) -> str:
    """The markup ``render(cases, exact)`` makes of ``selectors.cases_like_need(need)``
    ("" when no case is like the need), chosen and rendered once per data version,
    categories, language and script prefix (the cards' texts and URLs): the panel's
    template cost a need's page about 0.3 ms on every view."""
    key = f"{similar_cases_key(need, limit=limit)}:{get_language()}:{get_script_prefix()}"
    markup = cache.get(key)
    if markup is None:
        cases, exact = selectors.cases_like_need(need, limit=limit)
        markup = render(cases, exact) if cases else ""
        cache.set(key, markup, timeout=SIMILAR_CASES_SECONDS)
    return markup


def offering_has_published_cases(offering_id: int) -> bool:
    """Whether a published case links to the offering (from :func:`published_case_rows`)."""
    ids = published_case_rows().offering_ids
    at = bisect_left(ids, offering_id)
    return at < len(ids) and ids[at] == offering_id
