"""In-memory browse indexes of the published offerings and the open needs.

Browsing 100k offerings with facet counts costs 8+ SQL queries that each scan the filtered
set (~0.7 s on SQLite for a filter combination not seen before). Filters vary per visitor, so
caching per filter key rarely hits. Instead each process keeps the few columns the filters,
facets and sort orders read as NumPy arrays, and the searched texts in bigram substring
indexes (browse/substrings.py), and answers any combination in a few milliseconds; only the
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
from collections.abc import Hashable
from functools import cached_property

import numpy as np
from django.conf import settings
from django.db.models import F

from matchmaking.core.changes import FeedCursor, label_of
from matchmaking.core.memo import BoundedMemo
from matchmaking.listings.browse import snapshot
from matchmaking.listings.browse.substrings import SearchColumn
from matchmaking.taxonomy.selectors import active_terms

logger = logging.getLogger(__name__)

MAX_TERM_BITS = 62  # terms per taxonomy held as bits of an int64; more → SQL path
MAX_PATCHED_ROWS = 500  # more changed rows than this → rebuild instead of patching
# Memoised row masks (term, region, keyword, case-flag rows: 1 byte per row each; a cases
# version's vendor bits: 8) — at 100k rows at most ~60 MB a process, emptied when full.
_MEMO_SIZE = 600
NAN = float("nan")


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


def number(value) -> float:
    """A column value of an amount or a date (its ordinal day); NaN when missing."""
    if value is None:
        return NAN
    if hasattr(value, "toordinal"):
        return float(value.toordinal())
    return float(value)


def _microseconds(value) -> int:
    return 0 if value is None else int(value.timestamp() * 1_000_000)


class BrowseIndex(ABC):
    """Columns of a browse list's rows in the list's default order (newest first: published
    descending with missing dates last, then id descending). A subclass names the rows and
    the list's ``facets`` and ``orders`` (browse/facets.py); the columns are what those
    declare they read (``index_columns()``), plus ``row_fields`` read as text columns."""

    facets: tuple = ()
    orders: tuple = ()
    # model fields read as short text columns (e.g. what scoping rules test)
    row_fields: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        numbers, lists, searches, links, values, annotations = {}, {}, {}, {}, [], {}
        for spec in (*cls.facets, *cls.orders):
            declared = spec.index_columns()
            for name, dtype, read, make in declared.numbers:
                numbers.setdefault(name, (name, dtype, _reader(read, make)))
            for name, read, make in declared.lists:
                lists.setdefault(name, (name, _reader(read, make)))
            searches.update({name: (name, read) for name, read in declared.searches})
            links.update({name: (name, read) for name, read in declared.links})
            values.extend(declared.values)
            annotations.update(declared.annotations)
        for name in cls.row_fields:
            numbers.setdefault(name, (name, "U16", _reader(name, str)))
        cls.columns = tuple(numbers.values())
        cls.list_columns = tuple(lists.values())
        cls.search_columns = tuple(searches.values())
        cls.links = tuple(links.values())
        cls.value_columns = tuple(values)
        cls.annotations = annotations
        read = {
            spec_field
            for spec in (*cls.facets, *cls.orders)
            for spec_field in _fields_read(spec.index_columns())
        }
        cls.fields = tuple(sorted((read | set(cls.row_fields)) - set(cls.base_fields)))

    base_columns = (
        ("ids", np.int64, lambda row: row["pk"]),
        (
            "published",
            np.float64,
            lambda row: number(row["published_at"] and row["published_at"].timestamp()),
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

    # -- building -------------------------------------------------------------------------------

    def __init__(self, previous: BrowseIndex | None = None):
        self.built_at = time.monotonic()
        rows = self._read(self.rows().order_by(F("published_at").desc(nulls_last=True), "-pk"))
        for name, dtype, make in self.base_columns + self.columns:
            setattr(self, name, np.array([make(row) for row in rows], dtype=dtype))
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
        rows = queryset.annotate(**self.annotations).values_list(*names)
        return [dict(zip(names, values, strict=True)) for values in rows]

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
        self._memo = BoundedMemo(_MEMO_SIZE)  # (kind, value) -> rows
        # single-valued term columns: each value's rows as a mask and a packed bitset
        self.value_rows: dict[str, dict[int, np.ndarray]] = {}
        self.value_packed: dict[str, dict[int, np.ndarray]] = {}
        for name in self.value_columns:
            column = getattr(self, name)
            self.value_rows[name] = {
                int(value): column == value for value in np.unique(column) if value >= 0
            }
            self.value_packed[name] = {
                value: pack_rows(rows) for value, rows in self.value_rows[name].items()
            }
        self.position = {pk: index for index, pk in enumerate(self.ids.tolist())}

    def __getstate__(self):
        """What a snapshot keeps (browse/snapshot.py): not the memo."""
        return {k: v for k, v in self.__dict__.items() if k != "_memo"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._memo = BoundedMemo(_MEMO_SIZE)

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
            column[inserted] = np.array([make(row) for row in rows], dtype=dtype)
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

    def memoised(self, kind: str, value: Hashable, compute):
        return self._memo.get_or_compute((kind, value), compute)

    @cached_property
    def model(self):
        """The rows' model (read for every facet and row lookup: ``rows()`` builds a new
        queryset on each call, so it is asked once per index)."""
        return self.rows().model

    def contains(self, column: str, term: str):
        """Rows whose searched ``column`` contains ``term`` (case-insensitive), memoised."""
        term = term.lower()
        return self.memoised(column, term, lambda: getattr(self, column).mask(term))

    def column(self, field: str) -> np.ndarray:
        """The column holding model field ``field`` (what scoping rules read)."""
        named = {"pk": "ids", "organization_id": "organization"}
        return getattr(self, named.get(field, field))

    def row(self, pk: int) -> _Row:
        """One row's values by model field name (for a scoping rule's ``holds``)."""
        return _Row(self, self.position[pk])

    @cached_property
    def term_of_bit(self) -> dict[str, dict[int, int]]:
        """link column → {bit: term id} (the inverse of ``bits``)."""
        return {name: {bit: term for term, bit in bits.items()} for name, bits in self.bits.items()}

    def linked_term_ids(self, pk: int) -> dict[str, list[int]] | None:
        """model field → the term ids the row ``pk`` links to, as this index holds them
        (None: not a row of the index)."""
        position = self.position.get(pk)
        if position is None:
            return None
        found = {}
        for name, field_name in self.links:
            value, terms = int(self.masks[name][position]), self.term_of_bit[name]
            found[field_name] = [
                terms[bit] for bit in range(value.bit_length()) if value >> bit & 1
            ]
        return found

    def scope_mask(self, rule):
        """Rows a scoping rule (listings.scoping) admits; None: all of them."""
        return rule.mask(self.column, len(self))

    def row_versions(self, pks: list[int]) -> dict[int, tuple[int, int]]:
        """pk → (row updated, organization updated) in microseconds: what a cached row's
        HTML depends on besides the taxonomy names and the language."""
        found = {}
        for pk in pks:
            p = self.position.get(pk)
            if p is not None:  # looked up by key: a scan of every id cost ~0.3 ms a page
                found[pk] = (int(self.updated_us[p]), int(self.organization_updated_us[p]))
        return found


class _Row:
    def __init__(self, index: BrowseIndex, position: int):
        self._index, self._position = index, position

    def __getattr__(self, field: str):
        return self._index.column(field)[self._position]


def _reader(field: str, make):
    return lambda row: make(row[field])


def _fields_read(declared) -> set[str]:
    return (
        {read for _name, _dtype, read, _make in declared.numbers}
        | {read for _name, read, _make in declared.lists}
        | {read for _name, read in declared.searches}
    )


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


# --- one index of each kind per process --------------------------------------------------------


HOLDERS: list[IndexHolder] = []


class IndexHolder:
    """One process's current index of a kind, kept fresh by following the change feed as the
    module docstring says; None when the index cannot represent the taxonomy (more than
    MAX_TERM_BITS terms) — callers then use SQL."""

    def __init__(self, index_class):
        self.index_class = index_class
        HOLDERS.append(self)
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
                    current = self._open_snapshot(current)
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

    def _open_snapshot(self, current):
        """The index another process published (browse/snapshot.py) when it is newer than
        ``current``; the cursor then resumes where that index's build started, so the rows
        changed since are patched in. ``current`` when there is none."""
        loaded = snapshot.load(
            self.index_class, newer_than=None if current is None else current.built_at
        )
        if loaded is None:
            return current
        index, position = loaded
        self._cursor = FeedCursor.at(position)
        self._index = index
        return index

    def _rebuild(self, current, reason: str):
        started = time.monotonic()
        self._cursor.start()  # before the snapshot: what commits meanwhile is read again
        position = self._cursor.position()
        index = self.index_class(previous=current)
        _release_free_memory()
        snapshot.save(index, position)
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


def reset_indexes() -> None:
    """Forget every process index (the next use rebuilds it)."""
    for holder in HOLDERS:
        holder.reset()
