"""In-memory browse indexes of the published offerings and the open needs.

Browsing 100k offerings with facet counts costs 8+ SQL queries that each scan the filtered
set (~0.7 s on SQLite for a filter combination not seen before). Filters vary per visitor, so
caching per filter key rarely hits. Instead each process keeps the few columns the filters,
facets and sort orders read as NumPy arrays, and the searched texts in bigram substring
indexes (substring_index.py), and answers any combination in a few milliseconds; only the
page's rows are then read (or taken from the row cache, cards.py).

Freshness: the index follows the change feed (core/changes.py). Before each use it reads the
feed records it has not read yet — the listings saved or deleted and the organizations saved,
by any process, including records that committed late with a lower id — and patches the rows
they name into a copy of the index: removed, re-read, re-inserted at their place in the list
order (~10 ms for a few rows at 100k); a deleted row leaves at once. When many rows changed, or
a new taxonomy term appears, the index is rebuilt (~1.5 s + ~3 s for the search columns at
100k offerings). As a safety net for writes that record nothing (raw SQL), the index is also
rebuilt once it is LISTINGS_INDEX_MAX_AGE_SECONDS old.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod

import numpy as np
from django.conf import settings
from django.db.models import F

from matchmaking.accounts.choices import VerificationStatus
from matchmaking.core.changes import FeedCursor, label_of
from matchmaking.listings.choices import NeedVisibility
from matchmaking.listings.substring_index import SearchColumn
from matchmaking.taxonomy.selectors import active_terms

logger = logging.getLogger(__name__)

MAX_TERM_BITS = 62  # terms per taxonomy held as bits of an int64; more → SQL path
MAX_PATCHED_ROWS = 500  # more changed rows than this → rebuild instead of patching
_MEMO_SIZE = 600  # memoised term/region masks (~1 byte per row each)
NAN = float("nan")
SHARED_VISIBILITIES = (NeedVisibility.PUBLIC, NeedVisibility.ANONYMOUS)


def pack_rows(mask) -> np.ndarray:
    """A boolean row mask as a bitset of uint64 words (zero-padded), for ``count_rows``."""
    packed = np.packbits(np.asarray(mask, dtype=bool))
    padding = (-len(packed)) % 8
    if padding:
        packed = np.concatenate([packed, np.zeros(padding, dtype=np.uint8)])
    return packed.view(np.uint64)


def count_rows(packed_a, packed_b) -> int:
    """Rows set in both bitsets."""
    return int(np.bitwise_count(packed_a & packed_b).sum())


def _number(value) -> float:
    return NAN if value is None else float(value)


def _microseconds(value) -> int:
    return 0 if value is None else int(value.timestamp() * 1_000_000)


class BrowseIndex(ABC):
    """Columns of a browse list's rows in the list's default order (newest first: published
    descending with missing dates last, then id descending) — what the filterset's
    ``index_filter_*``/``index_count_*`` methods read. Subclasses name the rows, the fields
    read for each and how each column is made from them."""

    # numeric columns: (attribute, dtype, function of the row dict)
    columns: tuple = ()
    # plain Python lists: (attribute, function of the row dict)
    list_columns: tuple = ()
    # searched texts (lower-cased): (attribute, row field)
    search_columns: tuple = ()
    # many-to-many term links: (facet name, model field name)
    links: tuple = ()
    fields: tuple = ()
    base_columns = (
        ("ids", np.int64, lambda row: row["pk"]),
        (
            "published",
            np.float64,
            lambda row: _number(row["published_at"] and row["published_at"].timestamp()),
        ),
        ("organization", np.int64, lambda row: row["organization_id"]),
        ("updated_us", np.int64, lambda row: _microseconds(row["updated_at"])),
        (
            "organization_updated_us",
            np.int64,
            lambda row: _microseconds(row["organization__updated_at"]),
        ),
    )
    base_fields = (
        "pk",
        "published_at",
        "organization_id",
        "updated_at",
        "organization__updated_at",
    )

    @classmethod
    @abstractmethod
    def rows(cls):
        """The queryset of the rows the index holds."""

    @abstractmethod
    def relevance(self, rows, terms: list[str]):
        """Per row of ``rows`` (positions): its score for the search ``terms``."""

    # -- building -------------------------------------------------------------------------------

    def __init__(self, previous: BrowseIndex | None = None):
        self.built_at = time.monotonic()
        rows = self._read(self.rows().order_by(F("published_at").desc(nulls_last=True), "-pk"))
        for name, dtype, make in self.base_columns + self.columns:
            setattr(
                self, name, np.fromiter((make(row) for row in rows), dtype=dtype, count=len(rows))
            )
        for name, make in self.list_columns:
            setattr(self, name, [make(row) for row in rows])
        for name, field in self.search_columns:
            texts = [(row[field] or "").lower() for row in rows]
            setattr(self, name, SearchColumn.follow(getattr(previous, name, None), self.ids, texts))
        self.bits: dict[str, dict[int, int]] = {}
        self.masks: dict[str, np.ndarray] = {}
        position = {pk: index for index, pk in enumerate(self.ids.tolist())}
        model = self.rows().model
        for (name, links), (_name, field_name) in zip(
            self._read_links(self.rows()), self.links, strict=True
        ):
            # every active term gets a bit, linked or not yet: a row saved later with a term
            # no row had before is then patched in, not a reason to rebuild
            term_model = model._meta.get_field(field_name).related_model
            term_ids = sorted(
                {term for _, term in links} | {term.pk for term in active_terms(term_model)}
            )
            if len(term_ids) > MAX_TERM_BITS:
                raise OverflowError(name)
            bit_of = {term: bit for bit, term in enumerate(term_ids)}
            mask = np.zeros(len(self.ids), dtype=np.int64)
            for owner_id, term in links:
                index = position.get(owner_id)
                if index is not None:
                    mask[index] |= 1 << bit_of[term]
            self.bits[name], self.masks[name] = bit_of, mask
        self._derive()

    def _read(self, queryset) -> list[dict]:
        names = self.base_fields + self.fields
        return [dict(zip(names, values, strict=True)) for values in queryset.values_list(*names)]

    def _read_links(self, owners):
        """(facet name, [(owner id, term id)]) for the rows of ``owners``."""
        model = self.rows().model
        owner = model._meta.model_name
        for name, field_name in self.links:
            field = model._meta.get_field(field_name)
            through = field.remote_field.through
            column = field.m2m_reverse_name()
            found = through.objects.filter(**{f"{owner}__in": owners}).values_list(
                f"{owner}_id", column
            )
            yield name, list(found)

    def _derive(self) -> None:
        """What is computed from the columns: each term's rows as a packed bitset (a facet
        count is one AND + popcount over rows/64 words), rows with no term, per-kind rows."""
        self.term_rows = {
            name: {bit: pack_rows((mask >> bit) & 1 != 0) for bit in self.bits[name].values()}
            for name, mask in self.masks.items()
        }
        self.unlinked_rows = {name: pack_rows(mask == 0) for name, mask in self.masks.items()}
        self._memo: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    # -- patching -------------------------------------------------------------------------------

    def patched(self, changed_ids: set[int]) -> BrowseIndex | None:
        """A copy of this index with the rows ``changed_ids`` re-read (removed, and inserted
        again where they still belong to the list), or None when a rebuild is needed."""
        if len(changed_ids) > MAX_PATCHED_ROWS:
            return None
        ordered = self.rows().filter(pk__in=changed_ids)
        rows = self._read(ordered)
        links = {name: dict_of_links(found) for name, found in self._read_links(ordered)}
        for name, owner_terms in links.items():
            if any(term not in self.bits[name] for terms in owner_terms.values() for term in terms):
                return None  # a term the bit layout does not know: rebuild
        new = object.__new__(type(self))
        new.built_at, new.bits = self.built_at, self.bits
        # 1. the old rows that stay, and where each goes once the re-read rows are inserted
        keep = ~np.isin(self.ids, np.fromiter(changed_ids, dtype=np.int64, count=len(changed_ids)))
        kept = np.flatnonzero(keep)
        new_rows = [{name: make(row) for name, _dtype, make in self.base_columns} for row in rows]
        order = sorted(
            range(len(rows)),
            key=lambda i: (
                np.isnan(new_rows[i]["published"]),
                -np.nan_to_num(new_rows[i]["published"]),
                -new_rows[i]["ids"],
            ),
        )
        kept_published, kept_ids = self.published[kept], self.ids[kept]
        inserted = np.array(
            [
                _preceding(kept_published, kept_ids, new_rows[i]["published"], new_rows[i]["ids"])
                + rank
                for rank, i in enumerate(order)
            ],
            dtype=np.int64,
        )
        total = len(kept) + len(rows)
        is_new = np.zeros(total, dtype=bool)
        is_new[inserted] = True
        destination = np.flatnonzero(~is_new)  # where each kept row goes
        old_to_new = np.full(len(self.ids), -1, dtype=np.int64)
        old_to_new[kept] = destination
        rows = [rows[i] for i in order]
        # 2. every column: kept values moved, re-read values inserted
        for name, dtype, make in self.base_columns + self.columns:
            column = np.empty(total, dtype=dtype)
            column[destination] = getattr(self, name)[kept]
            column[inserted] = np.fromiter(
                (make(row) for row in rows), dtype=dtype, count=len(rows)
            )
            setattr(new, name, column)
        for name, make in self.list_columns:
            values = [None] * total
            old = getattr(self, name)
            for source, target in zip(kept.tolist(), destination.tolist(), strict=True):
                values[target] = old[source]
            for row, target in zip(rows, inserted.tolist(), strict=True):
                values[target] = make(row)
            setattr(new, name, values)
        for name, field in self.search_columns:
            texts = [(row[field] or "").lower() for row in rows]
            setattr(new, name, getattr(self, name).patched(old_to_new, inserted, texts, new.ids))
        new.masks = {}
        for name, mask in self.masks.items():
            column = np.zeros(total, dtype=np.int64)
            column[destination] = mask[kept]
            for row, target in zip(rows, inserted.tolist(), strict=True):
                value = 0
                for term in links[name].get(row["pk"], ()):
                    value |= 1 << self.bits[name][term]
                column[target] = value
            new.masks[name] = column
        new._derive()
        return new

    # -- reading --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ids)

    def term_mask(self, name: str, term_ids) -> int:
        bit_of = self.bits[name]
        value = 0
        for term in term_ids:
            if term in bit_of:
                value |= 1 << bit_of[term]
        return value

    def memoised(self, kind: str, value: str, compute):
        key = (kind, value)
        found = self._memo.get(key)
        if found is None:
            found = compute()
            with self._lock:
                if len(self._memo) >= _MEMO_SIZE:
                    self._memo.clear()
                self._memo[key] = found
        return found

    def contains(self, term: str):
        """Rows whose search text contains ``term`` (case-insensitive), memoised per term."""
        term = term.lower()
        return self.memoised("text", term, lambda: self.search.mask(term))

    def title_contains(self, term: str):
        term = term.lower()
        return self.memoised("title", term, lambda: self.title_search.mask(term))

    def row_versions(self, pks: list[int]) -> dict[int, tuple[int, int]]:
        """pk → (row updated, organization updated) in microseconds: what a cached row's
        HTML depends on besides the taxonomy names and the language."""
        wanted = np.asarray(pks, dtype=np.int64)
        positions = np.flatnonzero(np.isin(self.ids, wanted))
        return {
            int(self.ids[p]): (int(self.updated_us[p]), int(self.organization_updated_us[p]))
            for p in positions.tolist()
        }


def dict_of_links(links) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for owner_id, term in links:
        found.setdefault(owner_id, []).append(term)
    return found


def _preceding(published: np.ndarray, ids: np.ndarray, value: float, pk: int) -> int:
    """How many rows come before a row (published ``value``, id ``pk``) in the list order."""
    if np.isnan(value):
        before = ~np.isnan(published) | (np.isnan(published) & (ids > pk))
    else:
        before = (published > value) | ((published == value) & (ids > pk))
    return int(np.count_nonzero(before))


class OfferingIndex(BrowseIndex):
    """The published offerings (the browse list is the same for every viewer)."""

    fields = (
        "kind_id",
        "layer_id",
        "price_min",
        "price_max",
        "organization__verification_status",
        "organization__filing_number",
        "domestic_platforms",
        "on_premises_data",
        "regions_index",
        "search_text",
        "title",
        "summary",
    )
    columns = (
        ("kind", np.int64, lambda row: row["kind_id"]),
        ("layer", np.int64, lambda row: -1 if row["layer_id"] is None else row["layer_id"]),
        ("price_min", np.float64, lambda row: _number(row["price_min"])),
        ("price_max", np.float64, lambda row: _number(row["price_max"])),
        (
            "verified",
            bool,
            lambda row: row["organization__verification_status"] == VerificationStatus.VERIFIED,
        ),
        # the compliance flags (filtersets.COMPLIANCE_FLAGS says the same in SQL)
        ("domestic", bool, lambda row: row["domestic_platforms"] != []),
        ("on_premises", bool, lambda row: bool(row["on_premises_data"])),
        ("filed", bool, lambda row: row["organization__filing_number"] != ""),
    )
    list_columns = (("regions", lambda row: row["regions_index"] or ""),)
    search_columns = (
        ("search", "search_text"),
        ("title_search", "title"),
        ("summary_search", "summary"),
    )
    links = (("sector", "sectors"), ("app_type", "app_types"), ("deployment", "deployment_modes"))

    @classmethod
    def rows(cls):
        from matchmaking.listings.models import Offering

        return Offering.objects.published()

    def _derive(self) -> None:
        super()._derive()
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

    def region_mask(self, value: str):
        wanted, everywhere = f"|{value}|", "|全国|"
        return self.memoised(
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
        scores = np.zeros(len(rows), dtype=np.int64)
        for term in [term.lower() for term in terms]:
            in_title = self.title_contains(term)
            in_summary = self.memoised("summary", term, lambda t=term: self.summary_search.mask(t))
            scores += 3 * in_title[rows] + in_summary[rows]
        return scores


class NeedIndex(BrowseIndex):
    """The open needs — of every visibility: ``scope_mask`` narrows them to what one viewer
    may see, by the same rule as ``Need.objects.visible_to``."""

    fields = (
        "visibility",
        "budget_min",
        "budget_max",
        "expires_on",
        "region",
        "search_text",
        "title",
    )
    columns = (
        ("shared", bool, lambda row: row["visibility"] in SHARED_VISIBILITIES),
        ("anonymous", bool, lambda row: row["visibility"] == NeedVisibility.ANONYMOUS),
        ("budget_min", np.float64, lambda row: _number(row["budget_min"])),
        ("budget_max", np.float64, lambda row: _number(row["budget_max"])),
        (
            "expires_on",
            np.float64,
            lambda row: NAN if row["expires_on"] is None else float(row["expires_on"].toordinal()),
        ),
    )
    list_columns = (("regions", lambda row: (row["region"] or "").lower()),)
    search_columns = (("search", "search_text"), ("title_search", "title"))
    links = (("sector", "sectors"), ("app_type", "app_types"), ("deployment", "deployment_modes"))

    @classmethod
    def rows(cls):
        from matchmaking.listings.models import Need

        return Need.objects.open()

    def _derive(self) -> None:
        super()._derive()
        self.position = {pk: index for index, pk in enumerate(self.ids.tolist())}

    def scope_mask(self, user):
        """Rows ``user`` may see (None: all of them), as ``Need.objects.visible_to`` decides:
        public and anonymous needs, the viewer's organization's own, private needs shown to
        it; admins see everything."""
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

    def relevance(self, rows, terms: list[str]):
        """Per row of ``rows`` (positions): 3 per term in the title (as the SQL path's
        ``relevance_expression``)."""
        scores = np.zeros(len(rows), dtype=np.int64)
        for term in terms:
            scores += 3 * self.title_contains(term)[rows]
        return scores

    def region_mask(self, value: str):
        wanted = value.lower()
        return self.memoised(
            "region",
            wanted,
            lambda: np.fromiter(
                (wanted in region or region in ("", "全国") for region in self.regions),
                dtype=bool,
                count=len(self),
            ),
        )


# --- one index of each kind per process --------------------------------------------------------


class IndexHolder:
    """One process's current index of a kind, kept fresh by following the change feed as the
    module docstring says; None when the index cannot represent the taxonomy (more than
    MAX_TERM_BITS terms) — callers then use SQL."""

    def __init__(self, index_class):
        self.index_class = index_class
        self._index = None
        self._cursor = FeedCursor()
        self._lock = threading.Lock()
        self.disabled = False

    def _model(self):
        return self.index_class.rows().model

    def get(self):
        if self.disabled or not getattr(settings, "LISTINGS_MEMORY_INDEX", True):
            return None
        with self._lock:  # the cursor is read and moved by one thread at a time
            current = self._index
            started = time.monotonic()
            try:
                if not self._fresh(current):
                    return self._rebuild(current, "first build" if current is None else "age")
                changes = self._cursor.poll()
                if changes is None:
                    return self._rebuild(current, "the change feed went backwards (rollback)")
                changed = self._changed_ids(changes)
                if not changed:
                    return current
                index = current.patched(changed)
                if index is None:
                    return self._rebuild(
                        current, f"{len(changed)} changed rows could not be patched in"
                    )
                logger.debug(
                    "%s patched: %s rows in %.0f ms",
                    self.index_class.__name__,
                    len(changed),
                    (time.monotonic() - started) * 1000,
                )
                self._index = index
                return index
            except OverflowError:
                self.disabled = True
                return None

    def _rebuild(self, current, reason: str):
        started = time.monotonic()
        self._cursor.start()  # before the snapshot: what commits meanwhile is read again
        index = self.index_class(previous=current)
        _release_free_memory()
        logger.info(
            "%s rebuilt (%s): %s rows in %.1f s",
            self.index_class.__name__,
            reason,
            len(index),
            time.monotonic() - started,
        )
        self._index = index
        return index

    def _fresh(self, index) -> bool:
        return (
            index is not None
            and time.monotonic() - index.built_at < settings.LISTINGS_INDEX_MAX_AGE_SECONDS
        )

    def _changed_ids(self, changes) -> set[int]:
        """The rows to re-read for the feed's ``changes``: the listings saved or deleted, and
        the listings of the organizations saved (their name, verification and filing number
        are columns of the index)."""
        from matchmaking.accounts.models import Organization

        model = self._model()
        label, organizations = label_of(model), label_of(Organization)
        changed = {change.object_id for change in changes if change.label == label}
        organization_ids = {change.object_id for change in changes if change.label == organizations}
        if organization_ids:
            changed.update(
                model.objects.filter(organization_id__in=organization_ids).values_list(
                    "pk", flat=True
                )
            )
        return changed

    def reset(self) -> None:
        with self._lock:
            self._index = None
            self._cursor = FeedCursor()
            self.disabled = False


def _release_free_memory() -> None:
    """Give the heap freed by a build (the rows read, the sort buffers) back to the system."""
    import contextlib
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


_offerings = IndexHolder(OfferingIndex)
_needs = IndexHolder(NeedIndex)


def offering_index() -> OfferingIndex | None:
    """The current index of published offerings, or None (then callers use the SQL path)."""
    return _offerings.get()


def need_index() -> NeedIndex | None:
    """The current index of open needs, or None (then callers use the SQL path)."""
    return _needs.get()


def reset_indexes() -> None:
    _offerings.reset()
    _needs.reset()
