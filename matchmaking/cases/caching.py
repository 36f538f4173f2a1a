"""The need page's similar-cases panel, chosen once per data version and set of categories.

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
"""

from __future__ import annotations

from django.core.cache import cache

from matchmaking.cases import selectors
from matchmaking.cases.models import Case
from matchmaking.core.page_cache import PAGES_VERSION_KEY
from matchmaking.core.shared_cache import read_versions
from matchmaking.listings.caching import VERSION_KEY as LISTINGS_VERSION_KEY
from matchmaking.taxonomy.selectors import VERSION_KEY as TAXONOMY_VERSION_KEY

# An entry's longest life; every write that could change it makes a new key at once.
SIMILAR_CASES_SECONDS = 600


def similar_cases_key(need, *, limit: int) -> str:
    # ``.all()``: the need page has attached the terms (no query).
    sectors = ",".join(str(pk) for pk in sorted(term.pk for term in need.sectors.all()))
    app_types = ",".join(str(pk) for pk in sorted(term.pk for term in need.app_types.all()))
    versions = read_versions(PAGES_VERSION_KEY, LISTINGS_VERSION_KEY, TAXONOMY_VERSION_KEY)
    return (
        f"cases:like-need:P{versions[PAGES_VERSION_KEY]}:L{versions[LISTINGS_VERSION_KEY]}:"
        f"T{versions[TAXONOMY_VERSION_KEY]}:s{sectors}:a{app_types}:{limit}"
    )


def cached_cases_like_need(need, *, limit: int = 3) -> tuple[list[Case], bool]:
    """``selectors.cases_like_need(need)``, chosen once per data version and categories."""
    key = similar_cases_key(need, limit=limit)
    found = cache.get(key)
    if found is None:
        found = selectors.cases_like_need(need, limit=limit)
        cache.set(key, found, timeout=SIMILAR_CASES_SECONDS)
    return found
