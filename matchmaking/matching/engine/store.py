"""Storage of indexed listings: a :class:`Segment` holds the vectors and attribute arrays of
some listings of one side; a :class:`Side` is a main segment plus a small delta of incremental
adds. The engine keeps ``engine.offerings`` and ``engine.needs`` as sides; a segment's fields
(``refs``, ``X``, ``arrays``, ``docs``, ``alive``, ``region_rows``, ``region_cols``, ``terms``)
are everything the engine knows about its listings (``cache`` only memoises)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp


@dataclass
class Segment:
    """Some listings of one side: one row per listing in ``X``, ``arrays``, ``docs``, ``alive``."""

    refs: list[str]
    X: sp.csc_matrix  # rows = listings, L2-normalised TF-IDF
    arrays: dict[str, np.ndarray]
    docs: list[Any]  # slim docs (texts dropped) for explanations
    alive: np.ndarray
    # (row, region id) pairs of the offerings' served regions (empty for needs)
    region_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    region_cols: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cache: dict = field(default_factory=dict)  # per-segment memo (region masks)
    # per row: its lexicon terms joined by "|" (explanations name both sides' words)
    terms: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.refs)

    @staticmethod
    def concat(segments: Sequence[Segment], n_cols: int) -> Segment:
        mats = [resize_columns(s.X, n_cols) for s in segments]
        offsets = np.cumsum([0] + [len(s) for s in segments[:-1]])
        arrays = {k: np.concatenate([s.arrays[k] for s in segments]) for k in segments[0].arrays}
        return Segment(
            refs=[r for s in segments for r in s.refs],
            X=sp.vstack(mats, format="csc", dtype=np.float32),
            arrays=arrays,
            docs=[d for s in segments for d in s.docs],
            alive=np.concatenate([s.alive for s in segments]),
            region_rows=np.concatenate(
                [s.region_rows + off for s, off in zip(segments, offsets, strict=True)]
            ),
            region_cols=np.concatenate([s.region_cols for s in segments]),
            terms=[t for s in segments for t in s.terms],
        )


def resize_columns(m: sp.spmatrix, n_cols: int) -> sp.spmatrix:
    """``m`` (CSC) with ``n_cols`` columns (a segment built before the vocabulary grew)."""
    return (
        m
        if m.shape[1] == n_cols
        else sp.csc_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], n_cols))
    )


class Side:
    """Listings of one side (offerings or needs): a main segment plus a small delta segment."""

    def __init__(self, main: Segment) -> None:
        self.main = main
        self.delta: Segment | None = None
        self.where: dict[str, tuple[int, int]] = {}
        self.reindex()

    def reindex(self) -> None:
        self.where = {}
        for si, seg in enumerate(self.segments):
            for i, ref in enumerate(seg.refs):
                if seg.alive[i]:
                    self.where[ref] = (si, i)

    @property
    def segments(self) -> list[Segment]:
        return [self.main] if self.delta is None else [self.main, self.delta]

    def remove(self, ref: str) -> bool:
        loc = self.where.pop(ref, None)
        if loc is None:
            return False
        self.segments[loc[0]].alive[loc[1]] = False
        return True

    def add(self, seg: Segment, n_cols: int, merge_at: int) -> None:
        """Append listings (replacing same refs) to the delta; merge it into main when large.

        Costs O(delta) per add and O(main) per merge, i.e. amortised O(main / merge_at).
        """
        for ref in seg.refs:
            self.remove(ref)
        parts = [seg] if self.delta is None else [self.delta, seg]
        delta = Segment.concat(parts, n_cols)
        if len(delta) >= merge_at:
            offset = len(self.main)
            self.main = Segment.concat([self.main, delta], n_cols)
            self.delta = None
            located = [(0, offset + i) for i in range(len(delta))]
        else:
            self.delta = delta
            located = [(1, i) for i in range(len(delta))]
        for (si, i), ref, alive in zip(located, delta.refs, delta.alive, strict=True):
            if alive:
                self.where[ref] = (si, i)

    def __len__(self) -> int:
        return len(self.where)


def csr_copy(seg: Segment) -> sp.csr_matrix:
    """Row-major copy of a segment's vectors (cached; explanations read a few rows of it)."""
    Xr = seg.cache.get("csr")
    if Xr is None:
        Xr = seg.cache["csr"] = sp.csr_matrix(seg.X)
        Xr.sort_indices()
    return Xr


def shared_of_rows(seg: Segment, q: sp.csr_matrix, rows: np.ndarray) -> list[dict[int, float]]:
    """Per row of ``rows``: vocabulary column -> its contribution to the cosine with ``q``
    (sorted indices), for the features the pair shares. The values of
    :func:`~.explanations.shared_features` over ``csr(seg.X[:, q.indices])[rows]``, read from
    the CSR copy with plain array operations: building that small matrix per list was a tenth
    of the 100k rebuild."""
    qcols = q.indices
    if len(rows) == 0 or len(qcols) == 0:
        return [{} for _ in range(len(rows))]
    Xr = csr_copy(seg)
    rows = np.asarray(rows, np.int64)
    starts = Xr.indptr[rows]
    lengths = Xr.indptr[rows + 1] - starts
    offsets = np.cumsum(lengths) - lengths
    at = np.arange(int(lengths.sum())) + np.repeat(starts - offsets, lengths)
    cols = Xr.indices[at]
    pos = np.minimum(np.searchsorted(qcols, cols), len(qcols) - 1)
    hit = qcols[pos] == cols
    pos = pos[hit]
    keys = qcols[pos].tolist()
    # products in double, as Python floats multiply the float32 values
    values = (Xr.data[at][hit].astype(np.float64) * q.data[pos].astype(np.float64)).tolist()
    row_of = np.repeat(np.arange(len(rows)), lengths)[hit]
    bounds = np.searchsorted(row_of, np.arange(len(rows) + 1)).tolist()
    return [
        dict(zip(keys[lo:hi], values[lo:hi], strict=True))
        for lo, hi in zip(bounds, bounds[1:], strict=False)
    ]
