"""Cached insight tables, invalidated with the listings cache version.

A table is stored under a key that carries two version numbers:

* the listings version (``listings.caching``), which the listings services bump after every
  committed write — the same mechanism that invalidates the browse pages' facet counts;
* an insights version, bumped by the signal receivers in ``signals.py`` whenever a need,
  an offering (or its categories), a connection, a case or a stored suggestion is saved or
  deleted — writes that do not go through the listings services (imports, the admin,
  factories, other apps) change the figures too.

Both versions live in the shared cache (``core.shared_cache``), so a bump in one worker
process is seen by every other at once; the tables stay in each process's ``default`` cache.
Bumping either version makes every old key unreachable; ``INSIGHTS_CACHE_SECONDS`` is a
safety net on top (figures never older than that, even if a write slipped past both).
The key also carries the active language, because tables hold translated labels.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from matchmaking.core.shared_cache import bump_version, read_version, read_versions
from matchmaking.listings.caching import VERSION_KEY as LISTINGS_VERSION_KEY

VERSION_KEY = "insights:version"


def version_key() -> str:
    return VERSION_KEY


def insights_version() -> int:
    return read_version(VERSION_KEY)


def bump_insights_version(*args, **kwargs) -> None:
    """Signal-receiver friendly: accepts and ignores any arguments."""
    bump_version(VERSION_KEY)


def table_cache_key(slug: str) -> str:
    language = get_language() or settings.LANGUAGE_CODE
    versions = read_versions(LISTINGS_VERSION_KEY, VERSION_KEY)
    return f"insights:{slug}:{language}:L{versions[LISTINGS_VERSION_KEY]}:I{versions[VERSION_KEY]}"


def cached_table(slug: str, compute):
    key = table_cache_key(slug)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.INSIGHTS_CACHE_SECONDS)
    return value
