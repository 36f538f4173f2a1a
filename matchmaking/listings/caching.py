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
_SEARCH_CACHE_SIZE = 600  # memoised masks (~1 byte per offering each)


class OfferingIndex:
    """Columns of the published offerings in the list's default order (newest first)."""

    def __init__(self, fingerprint, previous: OfferingIndex | None = None):
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
        texts = [(r[7] or "").lower() for r in rows]
        titles = [(r[8] or "").lower() for r in rows]
        summaries = [(r[9] or "").lower() for r in rows]
        # Keyword search: one substring index per searched column, reused from the previous
        # index when the texts did not change (a price or status-free edit, the timed refresh).
        self.search = _substring_index(previous, "search", texts)
        self.title_search = _substring_index(previous, "title_search", titles)
        self.summary_search = _substring_index(previous, "summary_search", summaries)
        # single-valued taxonomy columns: each value's rows as a mask and a packed bitset
        self.value_rows: dict[str, dict[int, np.ndarray]] = {}
        self.value_packed: dict[str, dict[int, np.ndarray]] = {}
        for name, column in (("kind", self.kind), ("layer", self.layer)):
            self.value_rows[name] = {
                int(value): column == value for value in np.unique(column) if value >= 0
            }
            self.value_packed[name] = {
                value: pack_rows(rows) for value, rows in self.value_rows[name].items()
            }
        self.bits: dict[str, dict[int, int]] = {}
        self.masks: dict[str, np.ndarray] = {}
        self.term_rows: dict[str, dict[int, np.ndarray]] = {}
        self.unlinked_rows: dict[str, np.ndarray] = {}
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
            # Each term's rows as a packed bitset: a facet count is one AND + popcount over
            # count/64 words instead of a shift and a count over ``count`` int64 values.
            self.term_rows[name] = {
                bit: pack_rows((mask >> bit) & 1 != 0) for bit in bit_of.values()
            }
            self.unlinked_rows[name] = pack_rows(mask == 0)
        self._memo: dict[tuple[str, str], np.ndarray] = {}
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

    def _memoised(self, kind: str, value: str, compute):
        key = (kind, value)
        found = self._memo.get(key)
        if found is None:
            found = compute()
            with self._lock:
                if len(self._memo) >= _SEARCH_CACHE_SIZE:
                    self._memo.clear()
                self._memo[key] = found
        return found

    def contains(self, term: str):
        """Rows whose search text contains ``term`` (case-insensitive), memoised per term."""
        term = term.lower()
        return self._memoised("text", term, lambda: self.search.mask(term))

    def region_mask(self, value: str):
        import numpy as np

        wanted, everywhere = f"|{value}|", "|全国|"
        return self._memoised(
            "region",
            value,
            lambda: np.fromiter(
                (wanted in text or everywhere in text for text in self.regions),
                dtype=bool,
                count=len(self),
            ),
        )

    def relevance(self, rows, terms: list[str]):
        """Per row of ``rows`` (positions): 3 per term in the title, 1 per term in the summary."""
        import numpy as np

        scores = np.zeros(len(rows), dtype=np.int64)
        for term in [term.lower() for term in terms]:
            in_title = self._memoised("title", term, lambda t=term: self.title_search.mask(t))
            in_summary = self._memoised("summary", term, lambda t=term: self.summary_search.mask(t))
            scores += 3 * in_title[rows] + in_summary[rows]
        return scores


def _substring_index(previous, name: str, texts: list[str]):
    from matchmaking.listings.substring_index import SubstringIndex

    reused = getattr(previous, name, None) if previous is not None else None
    if reused is not None and reused.texts == texts:
        return reused
    return SubstringIndex(texts)


def pack_rows(mask):
    """A boolean row mask as a bitset of uint64 words (zero-padded), for ``count_rows``."""
    import numpy as np

    packed = np.packbits(np.asarray(mask, dtype=bool))
    padding = (-len(packed)) % 8
    if padding:
        packed = np.concatenate([packed, np.zeros(padding, dtype=np.uint8)])
    return packed.view(np.uint64)


def count_rows(packed_a, packed_b) -> int:
    """Rows set in both bitsets."""
    import numpy as np

    return int(np.bitwise_count(packed_a & packed_b).sum())


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
            _index = OfferingIndex(fingerprint, previous=current)
        except OverflowError:
            _index_disabled = True
            return None
        return _index


def reset_offering_index() -> None:
    global _index
    _index = None
