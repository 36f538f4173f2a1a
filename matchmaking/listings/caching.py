"""A version number for everything cached about listings (facet counts, result totals).

Services bump it with each write (at once, and again after the commit: see
``core.shared_cache.bump_version``), so cached figures never outlive a change by
more than the time it takes the next request to read the new version. The version lives in
the shared cache (``core.shared_cache``), so a bump reaches every worker process at once; the
figures themselves stay in each process's fast ``default`` cache under keys carrying it.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache

from matchmaking.core.shared_cache import bump_version, read_version

VERSION_KEY = "listings:version"


def version_key() -> str:
    return VERSION_KEY


def listings_version() -> int:
    return read_version(VERSION_KEY)


def bump_listings_version() -> None:
    bump_version(VERSION_KEY)


def cache_key(prefix: str, params: dict) -> str:
    """A key for ``params`` (normalised: sorted keys, sorted list values) at the current version."""
    normalised = {
        key: sorted(value) if isinstance(value, (list, tuple)) else value
        for key, value in sorted(params.items())
        if value not in (None, "", [], ())
    }
    digest = hashlib.sha1(
        json.dumps(normalised, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()
    return f"listings:{prefix}:v{listings_version()}:{digest}"


def cached(prefix: str, params: dict, compute):
    key = cache_key(prefix, params)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.LISTINGS_FACET_CACHE_SECONDS)
    return value
