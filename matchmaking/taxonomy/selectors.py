"""Reads of the taxonomy, cached in each process.

Every browse page, filter form and match explanation reads all active terms of several
taxonomy models, while terms change only through the admin or ``load_taxonomy``. Each
process keeps the lists it has read for at most ``CACHE_SECONDS``, and drops them as soon as
the taxonomy version changes — any save or delete of a term bumps it (see
``apps.TaxonomyConfig.ready``). The version lives in the shared cache (``core.shared_cache``:
Redis, or a database table), so a bump reaches every worker process at once.
"""

from __future__ import annotations

import threading
import time

from matchmaking.core.shared_cache import bump_version, read_version

CACHE_SECONDS = 60
VERSION_KEY = "taxonomy:version"

_lock = threading.Lock()
_terms: dict[type, tuple[float, str, list]] = {}


def version_key() -> str:
    return VERSION_KEY


def taxonomy_version() -> int:
    return read_version(VERSION_KEY)


def bump_taxonomy_version(**_signal_kwargs) -> None:
    """A new version: every process re-reads the terms on its next read."""
    bump_version(VERSION_KEY)


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
