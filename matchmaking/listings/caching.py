"""A version number for everything cached about listings (facet counts, result totals).

Services bump it after each committed write, so cached figures never outlive a change by
more than the time it takes the next request to read the new version.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "listings:version"


def listings_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, timeout=None)
    return version


def bump_listings_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not in the cache yet (or evicted)
        cache.set(VERSION_KEY, 2, timeout=None)


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


# --- the in-memory browse index of published offerings ---------------------------------------
#
# Browsing 100k offerings with facet counts costs 8+ SQL queries that each scan the filtered
# set (~0.7 s on SQLite for a filter combination not seen before). Filters vary per visitor,
# so caching per filter key rarely hits. Instead each process keeps the few columns the
# filters, facets and sort orders read as NumPy arrays (~15 MB + the search text per 100k) and
# answers any combination in milliseconds; only the page's 20 rows are then read from the
# database. The index is rebuilt when a cheap database fingerprint changes (newest
# `updated_at` and highest id among offerings and organizations: any save through the
# services, from any process) and at least every LISTINGS_FACET_CACHE_SECONDS.

import threading  # noqa: E402
import time  # noqa: E402

MAX_TERM_BITS = 62  # terms per taxonomy held as bits of an int64; more → SQL path
_SEARCH_CACHE_SIZE = 512


class OfferingIndex:
    """Columns of the published offerings in the list's default order (newest first)."""

    def __init__(self, fingerprint):
        import numpy as np
        from django.db.models import F

        from matchmaking.accounts.choices import VerificationStatus
        from matchmaking.listings.models import Offering

        self.fingerprint = fingerprint
        self.built_at = time.monotonic()
        published = Offering.objects.published()
        rows = list(
            published.order_by(F("published_at").desc(nulls_last=True), "-pk").values_list(
                "pk",
                "kind_id",
                "layer_id",
                "price_min",
                "price_max",
                "organization__verification_status",
                "regions_index",
                "search_text",
                "title",
                "summary",
            )
        )
        count = len(rows)
        self.ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=count)
        self.position = {pk: index for index, pk in enumerate(self.ids.tolist())}
        self.kind = np.fromiter((r[1] for r in rows), dtype=np.int64, count=count)
        self.layer = np.fromiter(
            (r[2] if r[2] is not None else -1 for r in rows), dtype=np.int64, count=count
        )
        nan = float("nan")
        self.price_min = np.fromiter(
            (r[3] if r[3] is not None else nan for r in rows), dtype=np.float64, count=count
        )
        self.price_max = np.fromiter(
            (r[4] if r[4] is not None else nan for r in rows), dtype=np.float64, count=count
        )
        self.verified = np.fromiter(
            (r[5] == VerificationStatus.VERIFIED for r in rows), dtype=bool, count=count
        )
        self.regions = [r[6] or "" for r in rows]
        self.texts = [(r[7] or "").lower() for r in rows]
        self.titles = [(r[8] or "").lower() for r in rows]
        self.summaries = [(r[9] or "").lower() for r in rows]
        self.bits: dict[str, dict[int, int]] = {}
        self.masks: dict[str, np.ndarray] = {}
        for name, through, column in (
            ("sector", Offering.sectors.through, "sector_id"),
            ("app_type", Offering.app_types.through, "applicationtype_id"),
            ("deployment", Offering.deployment_modes.through, "deploymentmode_id"),
        ):
            links = list(
                through.objects.filter(offering__in=published).values_list("offering_id", column)
            )
            term_ids = sorted({term for _, term in links})
            if len(term_ids) > MAX_TERM_BITS:
                raise OverflowError(name)
            bit_of = {term: bit for bit, term in enumerate(term_ids)}
            mask = np.zeros(count, dtype=np.int64)
            position = self.position
            for offering_id, term in links:
                index = position.get(offering_id)
                if index is not None:
                    mask[index] |= 1 << bit_of[term]
            self.bits[name], self.masks[name] = bit_of, mask
        self._search: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    # -- filters ------------------------------------------------------------------------------

    def term_mask(self, name: str, term_ids) -> int:
        bit_of = self.bits[name]
        value = 0
        for term in term_ids:
            if term in bit_of:
                value |= 1 << bit_of[term]
        return value

    def contains(self, term: str):
        """Rows whose search text contains ``term`` (case-insensitive), memoised per term."""
        import numpy as np

        term = term.lower()
        found = self._search.get(term)
        if found is None:
            found = np.fromiter((term in text for text in self.texts), dtype=bool, count=len(self))
            with self._lock:
                if len(self._search) >= _SEARCH_CACHE_SIZE:
                    self._search.clear()
                self._search[term] = found
        return found

    def region_mask(self, value: str):
        import numpy as np

        wanted, everywhere = f"|{value}|", "|全国|"
        return np.fromiter(
            (wanted in text or everywhere in text for text in self.regions),
            dtype=bool,
            count=len(self),
        )

    def relevance(self, rows, terms: list[str]):
        """Per row of ``rows`` (positions): 3 per term in the title, 1 per term in the summary."""
        import numpy as np

        scores = np.zeros(len(rows), dtype=np.int64)
        lowered = [term.lower() for term in terms]
        titles, summaries = self.titles, self.summaries
        for slot, index in enumerate(rows.tolist()):
            title, summary = titles[index], summaries[index]
            scores[slot] = sum(
                (3 if term in title else 0) + (1 if term in summary else 0) for term in lowered
            )
        return scores


_index_lock = threading.Lock()
_index: OfferingIndex | None = None
_index_disabled = False


def _offering_fingerprint():
    """Newest change and highest id of offerings and organizations: four one-row index reads
    (one aggregate per query — SQLite answers a lone MAX from the index, not two together)."""
    from matchmaking.accounts.models import Organization
    from matchmaking.listings.models import Offering

    def newest(model, field):
        return model.objects.order_by(f"-{field}").values_list(field, flat=True).first()

    return (
        newest(Offering, "updated_at"),
        newest(Offering, "pk"),
        newest(Organization, "updated_at"),
        newest(Organization, "pk"),
    )


def offering_index() -> OfferingIndex | None:
    """The current index (rebuilt if the data changed or it is older than the cache time);
    None if it cannot represent the taxonomy (then callers use the SQL path)."""
    global _index, _index_disabled
    if _index_disabled or not getattr(settings, "LISTINGS_MEMORY_INDEX", True):
        return None
    fingerprint = _offering_fingerprint()
    current = _index
    fresh = (
        current is not None
        and current.fingerprint == fingerprint
        and time.monotonic() - current.built_at < settings.LISTINGS_FACET_CACHE_SECONDS
    )
    if fresh:
        return current
    with _index_lock:
        current = _index
        if (
            current is not None
            and current.fingerprint == fingerprint
            and time.monotonic() - current.built_at < settings.LISTINGS_FACET_CACHE_SECONDS
        ):
            return current
        try:
            _index = OfferingIndex(fingerprint)
        except OverflowError:
            _index_disabled = True
            return None
        return _index


def reset_offering_index() -> None:
    global _index
    _index = None
