"""Reads of the taxonomy, cached in each process.

Every browse page, filter form and match explanation reads all active terms of several
taxonomy models, while terms change only through the admin or ``load_taxonomy``. Each
process keeps the lists it has read for at most ``CACHE_SECONDS``, and drops them as soon as
the taxonomy version in the cache changes — any save or delete of a term sets a new one (see
``apps.TaxonomyConfig.ready``). With a shared cache (Redis) that reaches every worker at once;
with the per-process default, other workers follow within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import threading
import time
import uuid

from django.core.cache import cache

CACHE_SECONDS = 60
VERSION_KEY = "taxonomy:version"

_lock = threading.Lock()
_terms: dict[type, tuple[float, str, list]] = {}


def taxonomy_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY) or version
    return version


def bump_taxonomy_version(**_signal_kwargs) -> None:
    """A new version (never a reused one): every process re-reads the terms."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def active_terms(model) -> list:
    """The active terms of a taxonomy model, in display order (shared, read-only objects)."""
    version = taxonomy_version()
    entry = _terms.get(model)
    now = time.monotonic()
    if entry is not None and entry[1] == version and now - entry[0] < CACHE_SECONDS:
        return entry[2]
    terms = list(model.objects.active())
    with _lock:
        _terms[model] = (now, version, terms)
    return terms


def reset_taxonomy_cache() -> None:
    """Forget the terms this process has read (tests: a rolled-back term save must not leave
    its terms cached for the next test)."""
    with _lock:
        _terms.clear()
