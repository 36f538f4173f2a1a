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


# --- the in-memory browse indexes of published offerings and open needs ---------------------
#
# Browsing 100k offerings with facet counts costs 8+ SQL queries that each scan the filtered
# set (~0.7 s on SQLite for a filter combination not seen before). Filters vary per visitor,
# so caching per filter key rarely hits. Instead each process keeps the few columns the
# filters, facets and sort orders read as NumPy arrays, and the search texts in a bigram
# substring index (substring_index.py) — ~60 MB per 100k offerings — and answers any
# combination in a few milliseconds; only the page's rows are then read (or taken from the
# row cache, cards.py). An index is rebuilt when a cheap database fingerprint changes (newest
# `updated_at` and highest id of the listings and organizations, read in one query: any save
# through the services, from any process) and at least every LISTINGS_INDEX_MAX_AGE_SECONDS.
# Build time at 100k offerings: ~1.5 s for the columns + ~3 s for the substring indexes (these
# are reused when the texts did not change). The need index holds every open need with its
# visibility and poster; each request narrows it to what the viewer may see.

import threading  # noqa: E402
import time  # noqa: E402

MAX_TERM_BITS = 62  # terms per taxonomy held as bits of an int64; more → SQL path
_SEARCH_CACHE_SIZE = 600  # memoised masks (~1 byte per offering each)


class BrowseIndex:
    """Columns of a browse list's rows as NumPy arrays, in the list's default order (newest
    first): what the filterset's ``index_filter_*``/``index_count_*`` methods read."""

    ids = None

    def __init__(self, fingerprint):
        import numpy as np

        self.fingerprint = fingerprint
        self.built_at = time.monotonic()
        self.bits: dict[str, dict[int, int]] = {}
        self.masks: dict[str, np.ndarray] = {}
        self.term_rows: dict[str, dict[int, np.ndarray]] = {}
        self.unlinked_rows: dict[str, np.ndarray] = {}
        self._memo: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def link_columns(self, rows_queryset, owner: str, specs) -> None:
        """For each (name, through model, term column): every row's terms as bits of an
        int64 (``masks``), each term's rows as a packed bitset (``term_rows``) and the rows
        with no term at all (``unlinked_rows``)."""
        import numpy as np

        count = len(self.ids)
        position = {pk: index for index, pk in enumerate(self.ids.tolist())}
        for name, through, column in specs:
            links = list(
                through.objects.filter(**{f"{owner}__in": rows_queryset}).values_list(
                    f"{owner}_id", column
                )
            )
            term_ids = sorted({term for _, term in links})
            if len(term_ids) > MAX_TERM_BITS:
                raise OverflowError(name)
            bit_of = {term: bit for bit, term in enumerate(term_ids)}
            mask = np.zeros(count, dtype=np.int64)
            for owner_id, term in links:
                index = position.get(owner_id)
                if index is not None:
                    mask[index] |= 1 << bit_of[term]
            self.bits[name], self.masks[name] = bit_of, mask
            # Each term's rows as a packed bitset: a facet count is one AND + popcount over
            # count/64 words instead of a shift and a count over ``count`` int64 values.
            self.term_rows[name] = {
                bit: pack_rows((mask >> bit) & 1 != 0) for bit in bit_of.values()
            }
            self.unlinked_rows[name] = pack_rows(mask == 0)

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

    def title_contains(self, term: str):
        term = term.lower()
        return self._memoised("title", term, lambda: self.title_search.mask(term))


class OfferingIndex(BrowseIndex):
    """The published offerings (the browse list is the same for every viewer)."""

    def __init__(self, fingerprint, previous: OfferingIndex | None = None):
        import numpy as np
        from django.db.models import F

        from matchmaking.accounts.choices import VerificationStatus
        from matchmaking.listings.models import Offering

        super().__init__(fingerprint)
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
        # Keyword search: one substring index per searched column, carried over from the
        # previous index through the rows changed since (substring_index.SearchColumn).
        self.search = _search_column(previous, "search", self.ids, texts)
        self.title_search = _search_column(previous, "title_search", self.ids, titles)
        self.summary_search = _search_column(previous, "summary_search", self.ids, summaries)
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
        self.link_columns(
            published,
            "offering",
            (
                ("sector", Offering.sectors.through, "sector_id"),
                ("app_type", Offering.app_types.through, "applicationtype_id"),
                ("deployment", Offering.deployment_modes.through, "deploymentmode_id"),
            ),
        )

    # -- filters ------------------------------------------------------------------------------

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
            in_title = self.title_contains(term)
            in_summary = self._memoised("summary", term, lambda t=term: self.summary_search.mask(t))
            scores += 3 * in_title[rows] + in_summary[rows]
        return scores


class NeedIndex(BrowseIndex):
    """The open needs — of every visibility: ``scope_mask`` narrows them to what one viewer
    may see, by the same rule as ``Need.objects.visible_to``."""

    def __init__(self, fingerprint, previous: NeedIndex | None = None):
        import numpy as np
        from django.db.models import F

        from matchmaking.listings.choices import NeedVisibility
        from matchmaking.listings.models import Need

        super().__init__(fingerprint)
        open_needs = Need.objects.open()
        rows = list(
            open_needs.order_by(F("published_at").desc(nulls_last=True), "-pk").values_list(
                "pk",
                "organization_id",
                "visibility",
                "budget_min",
                "budget_max",
                "expires_on",
                "region",
                "search_text",
                "title",
            )
        )
        count = len(rows)
        nan = float("nan")
        self.ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=count)
        self.organization = np.fromiter((r[1] for r in rows), dtype=np.int64, count=count)
        shared = (NeedVisibility.PUBLIC, NeedVisibility.ANONYMOUS)
        self.shared = np.fromiter((r[2] in shared for r in rows), dtype=bool, count=count)
        self.anonymous = np.fromiter(
            (r[2] == NeedVisibility.ANONYMOUS for r in rows), dtype=bool, count=count
        )
        self.position = {pk: index for index, pk in enumerate(self.ids.tolist())}
        self.budget_min = np.fromiter(
            (r[3] if r[3] is not None else nan for r in rows), dtype=np.float64, count=count
        )
        self.budget_max = np.fromiter(
            (r[4] if r[4] is not None else nan for r in rows), dtype=np.float64, count=count
        )
        self.expires_on = np.fromiter(
            (r[5].toordinal() if r[5] is not None else nan for r in rows),
            dtype=np.float64,
            count=count,
        )
        self.regions = [(r[6] or "").lower() for r in rows]
        self.search = _search_column(
            previous, "search", self.ids, [(r[7] or "").lower() for r in rows]
        )
        self.title_search = _search_column(
            previous, "title_search", self.ids, [(r[8] or "").lower() for r in rows]
        )
        self.link_columns(
            open_needs,
            "need",
            (
                ("sector", Need.sectors.through, "sector_id"),
                ("app_type", Need.app_types.through, "applicationtype_id"),
                ("deployment", Need.deployment_modes.through, "deploymentmode_id"),
            ),
        )

    def scope_mask(self, user):
        """Rows ``user`` may see (None: all of them), as ``Need.objects.visible_to`` decides:
        public and anonymous needs, the viewer's organization's own, private needs shown to
        it; admins see everything."""
        import numpy as np

        from matchmaking.core.permissions import is_platform_admin, user_organization_id
        from matchmaking.listings.models import private_need_ids_for

        if is_platform_admin(user):
            return None
        mask = self.shared.copy()
        org_id = user_organization_id(user)
        if org_id is not None:
            mask |= self.organization == org_id
            audience = private_need_ids_for(org_id)
            if audience:
                mask |= np.isin(self.ids, np.asarray(audience, dtype=np.int64))
        return mask

    def poster_visible(self, pk: int, *, org_id, is_admin: bool) -> bool:
        """Whether a viewer sees who posted the need ``pk`` (as ``selectors.may_see_poster``)."""
        position = self.position[pk]
        return (
            is_admin
            or not self.anonymous[position]
            or (org_id is not None and self.organization[position] == org_id)
        )

    def region_mask(self, value: str):
        import numpy as np

        wanted = value.lower()
        return self._memoised(
            "region",
            wanted,
            lambda: np.fromiter(
                (wanted in region or region in ("", "全国") for region in self.regions),
                dtype=bool,
                count=len(self),
            ),
        )


def _search_column(previous, name: str, ids, texts: list[str]):
    """The search column ``name`` for these rows: the previous index's, followed through the
    rows changed since (cheap), or a new one when many changed."""
    from matchmaking.listings.substring_index import SearchColumn

    return SearchColumn.follow(getattr(previous, name, None), ids, texts)


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


class IndexHolder:
    """One process's current browse index of a kind: rebuilt when the data's fingerprint
    changes and at least every LISTINGS_INDEX_MAX_AGE_SECONDS; None when the index cannot
    represent the taxonomy (more than MAX_TERM_BITS terms) — callers then use SQL."""

    def __init__(self, build, fingerprint):
        self._build, self._fingerprint = build, fingerprint
        self._index = None
        self._lock = threading.Lock()
        self.disabled = False

    def _fresh(self, index, fingerprint) -> bool:
        return (
            index is not None
            and index.fingerprint == fingerprint
            and time.monotonic() - index.built_at < settings.LISTINGS_INDEX_MAX_AGE_SECONDS
        )

    def get(self):
        if self.disabled or not getattr(settings, "LISTINGS_MEMORY_INDEX", True):
            return None
        fingerprint = self._fingerprint()
        if self._fresh(self._index, fingerprint):
            return self._index
        with self._lock:
            current = self._index
            if self._fresh(current, fingerprint):
                return current
            try:
                self._index = self._build(fingerprint, previous=current)
            except OverflowError:
                self.disabled = True
                return None
            del current
            _release_free_memory()
            return self._index

    def reset(self) -> None:
        self._index = None
        self.disabled = False


def _release_free_memory() -> None:
    """Give the heap freed by a build (the rows read, the sort buffers) back to the system:
    glibc keeps it otherwise, ~2× the index's own size per worker at 100k offerings."""
    import contextlib
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


def _max_values(*pairs) -> tuple:
    """MAX(column) of each (model, field name), in ONE query of scalar subqueries — each a
    lone MAX that SQLite and PostgreSQL answer from an index."""
    from django.db import connection

    quote = connection.ops.quote_name
    parts = [
        f"(SELECT MAX({quote(model._meta.get_field(name).column)}) "
        f"FROM {quote(model._meta.db_table)})"
        for model, name in pairs
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def _offering_fingerprint():
    """Newest change and highest id of offerings and organizations (vendor names, badges)."""
    from matchmaking.accounts.models import Organization
    from matchmaking.listings.models import Offering

    return _max_values(
        (Offering, "updated_at"),
        (Offering, "id"),
        (Organization, "updated_at"),
        (Organization, "id"),
    )


_offerings = IndexHolder(
    lambda fingerprint, previous: OfferingIndex(fingerprint, previous), _offering_fingerprint
)


def offering_index() -> OfferingIndex | None:
    """The current index of published offerings, or None (then callers use the SQL path)."""
    return _offerings.get()


def _need_fingerprint():
    """Newest change and highest id of needs, and the newest organization change (posters'
    names on the rows)."""
    from matchmaking.accounts.models import Organization
    from matchmaking.listings.models import Need

    return _max_values((Need, "updated_at"), (Need, "id"), (Organization, "updated_at"))


_needs = IndexHolder(
    lambda fingerprint, previous: NeedIndex(fingerprint, previous), _need_fingerprint
)


def need_index() -> NeedIndex | None:
    """The current index of open needs, or None (then callers use the SQL path)."""
    return _needs.get()


def reset_need_index() -> None:
    _needs.reset()


def reset_offering_index() -> None:
    _offerings.reset()
