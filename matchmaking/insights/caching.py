"""Cached insight tables, invalidated with the listings cache version.

A table is stored under a key that carries two version numbers:

* the listings version (``listings.caching``), which the listings services bump after every
  committed write — the same mechanism that invalidates the browse pages' facet counts;
* an insights version, bumped by the signal receivers in ``signals.py`` whenever a need,
  an offering (or its categories), a connection, a case or a stored suggestion is saved or
  deleted — writes that do not go through the listings services (imports, the admin,
  factories, other apps) change the figures too.

Bumping either version makes every old key unreachable; ``INSIGHTS_CACHE_SECONDS`` is a
safety net on top (figures never older than that, even if a write slipped past both).
The key also carries the active language, because tables hold translated labels.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from matchmaking.listings.caching import listings_version

VERSION_KEY = "insights:version"


def insights_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, timeout=None)
    return version


def bump_insights_version(*args, **kwargs) -> None:
    """Signal-receiver friendly: accepts and ignores any arguments."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not in the cache yet (or evicted)
        cache.set(VERSION_KEY, 2, timeout=None)


def table_cache_key(slug: str) -> str:
    language = get_language() or settings.LANGUAGE_CODE
    return f"insights:{slug}:{language}:L{listings_version()}:I{insights_version()}"


def cached_table(slug: str, compute):
    key = table_cache_key(slug)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.INSIGHTS_CACHE_SECONDS)
    return value
