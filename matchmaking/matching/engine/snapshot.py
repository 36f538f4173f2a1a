"""Save a fitted engine to a directory and open it again, memory-mapped (no Django).

The task worker fits the engine once and writes its state here; every web worker opens the
newest snapshot with ``mmap_mode="r"``: the big arrays (TF-IDF matrices in CSC and CSR form,
the attribute columns, the category centroids) are pages of the same files, shared by all
processes through the page cache instead of one private copy per worker. What a worker changes
afterwards (incremental adds go to a new delta segment, removals flip its private ``alive``
copy) never writes to the mapped pages.

Layout of one snapshot directory::

    manifest.json     format, creation time, counts and the caller's metadata (JSON)
    state.pickle      config, lexicon extra, vocabulary order, ids, refs, terms,
                      the semantic model's n-grams (semantic.py)
    *.npy             one file per array (see ``_save_segment``)
    *_docs_blob.npy   a segment's documents, one JSON array of field values each, back to
    *_docs_at.npy     back (bytes, mapped) with their offsets: :class:`PackedDocs` decodes a
                      document when it is read (a query reads a few dozen), so opening a
                      snapshot unpickles no per-listing object (100k documents took 4–5 s)

Publishing (atomic, with a ``CURRENT`` pointer, the previous snapshot kept) is
core/snapshot_files.py: :func:`publish` and :func:`current` are re-exported here.

The pickle is written and read only by the platform's own processes, in its own directory.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import pickle
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from matchmaking.core.snapshot_files import CURRENT, KEEP_PREVIOUS, current, publish

__all__ = ["CURRENT", "KEEP_PREVIOUS", "current", "load_engine", "publish", "save_engine"]

from .documents import NeedDoc, OfferingDoc
from .engine import MatchingEngine
from .store import Segment, Side

#: 3: documents packed as mapped JSON bytes (PackedDocs) and the semantic model with the
#: "sem" arrays (issue 13s); 4: offerings' "hub" severities (hubs.py), part of "static".
#: An older snapshot is not opened: the worker publishes anew.
FORMAT = 4
MANIFEST = "manifest.json"
STATE = "state.pickle"


# --------------------------------------------------------------------------------------------
# one engine <-> one directory
# --------------------------------------------------------------------------------------------


def save_engine(
    engine: MatchingEngine,
    directory: Path,
    *,
    lexicon_extra: Mapping[str, Any] | None = None,
    manifest: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``engine`` (fitted) into the existing empty ``directory``; returns the manifest.

    ``lexicon_extra`` is the extra lexicon the engine was built with (it is rebuilt from it on
    load); ``manifest`` is JSON metadata kept with it; ``extra`` is pickled along (the caller's
    maps from refs to database keys, for instance)."""
    engine._require_index()
    assert engine.offerings is not None and engine.needs is not None
    directory = Path(directory)
    vocabulary = sorted(engine.vectorizer.vocabulary.items(), key=lambda kv: kv[1])
    sides: dict[str, list[dict[str, Any]]] = {}
    for name, side in (("offerings", engine.offerings), ("needs", engine.needs)):
        sides[name] = [
            _save_segment(seg, directory, f"{name}{i}") for i, seg in enumerate(side.segments)
        ]
    _save(directory, "vectorizer_weights", engine.vectorizer.weights)
    _save(directory, "offering_columns", engine._offering_columns)
    centroids = {}
    for family, cent in engine.category_model._centroids.items():
        centroids[family] = cent is not None
        if cent is not None:
            _save(directory, f"centroids_{family}", cent)
    semantic = engine.semantic
    _save(directory, "semantic_idf", semantic.idf)
    _save(directory, "semantic_projection", semantic.projection)
    state = {
        "config": engine.config,
        "semantic_vocabulary": list(semantic.vocabulary),
        "lexicon_extra": dict(lexicon_extra or {}),
        "vocabulary": [feat for feat, _col in vocabulary],
        "vectorizer_docs": engine.vectorizer.n_docs,
        "category_docs": engine.category_model.n_docs,
        "centroids": centroids,
        "org_ids": dict(engine._org_ids),
        "region_ids": dict(engine._region_ids),
        "case_texts": dict(engine._case_texts),
        "sides": sides,
        "extra": dict(extra or {}),
    }
    with open(directory / STATE, "wb") as fh:
        pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
    info = {
        "format": FORMAT,
        "created": time.time(),
        "offerings": len(engine.offerings),
        "needs": len(engine.needs),
        "vocabulary": len(vocabulary),
        **dict(manifest or {}),
    }
    (directory / MANIFEST).write_text(json.dumps(info, ensure_ascii=False, indent=1))
    return info


def load_engine(
    directory: Path, *, mmap: bool = True
) -> tuple[MatchingEngine, dict[str, Any], dict[str, Any]]:
    """Open a snapshot: ``(engine, manifest, extra)``. With ``mmap`` the arrays are read-only
    maps of the files (shared between processes); the engine still accepts adds and removes."""
    directory = Path(directory)
    info = json.loads((directory / MANIFEST).read_text())
    if info.get("format") != FORMAT:
        raise ValueError(f"snapshot format {info.get('format')!r}, expected {FORMAT}")
    with open(directory / STATE, "rb") as fh:
        state = pickle.load(fh)  # noqa: S301 - our own file, written by save_engine
    mode = "r" if mmap else None
    engine = MatchingEngine(state["config"], lexicon_extra=state["lexicon_extra"] or None)
    vectorizer = engine.vectorizer
    vectorizer.vocabulary = {feat: col for col, feat in enumerate(state["vocabulary"])}
    vectorizer.weights = _load(directory, "vectorizer_weights", mode)
    vectorizer.n_docs = state["vectorizer_docs"]
    model = engine.category_model
    model.n_docs = state["category_docs"]
    for family, present in state["centroids"].items():
        model._centroids[family] = (
            _load(directory, f"centroids_{family}", mode) if present else None
        )
    engine._offering_columns = _load(directory, "offering_columns", mode)
    engine.semantic.vocabulary = {g: i for i, g in enumerate(state["semantic_vocabulary"])}
    engine.semantic.idf = _load(directory, "semantic_idf", mode)
    engine.semantic.projection = _load(directory, "semantic_projection", mode)
    engine._org_ids = state["org_ids"]
    engine._region_ids = state["region_ids"]
    engine._case_texts = state["case_texts"]
    n_cols = len(vectorizer.vocabulary)
    for name in ("offerings", "needs"):
        segments = [_load_segment(directory, spec, n_cols, mode) for spec in state["sides"][name]]
        side = Side(segments[0])
        if len(segments) > 1:
            side.delta = segments[1]
            side.reindex()
        setattr(engine, name, side)
    return engine, info, state["extra"]


def _save(directory: Path, name: str, array: np.ndarray) -> None:
    np.save(directory / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)


def _load(directory: Path, name: str, mode: str | None) -> np.ndarray:
    return np.load(directory / f"{name}.npy", mmap_mode=mode, allow_pickle=False)


def _save_matrix(directory: Path, prefix: str, matrix: sp.spmatrix) -> list[int]:
    for part in ("data", "indices", "indptr"):
        _save(directory, f"{prefix}_{part}", getattr(matrix, part))
    return list(matrix.shape)


def _load_matrix(directory: Path, prefix: str, shape, kind, mode: str | None) -> sp.spmatrix:
    parts = [_load(directory, f"{prefix}_{part}", mode) for part in ("data", "indices", "indptr")]
    # Built around the loaded arrays without a copy or a check (they were valid when saved).
    matrix = kind(tuple(shape), dtype=parts[0].dtype)
    matrix.data, matrix.indices, matrix.indptr = parts
    matrix.has_sorted_indices = True
    return matrix


def _save_segment(seg: Segment, directory: Path, prefix: str) -> dict[str, Any]:
    X = seg.X.tocsc()
    X.sort_indices()
    spec: dict[str, Any] = {
        "prefix": prefix,
        "shape": _save_matrix(directory, f"{prefix}_X", X),
        "arrays": sorted(seg.arrays),
        "refs": list(seg.refs),
        "docs": _save_docs(directory, f"{prefix}_docs", seg.docs),
        "terms": list(seg.terms),
        "csr": "csr" in seg.cache,
    }
    for key, array in seg.arrays.items():
        _save(directory, f"{prefix}_a_{key}", array)
    _save(directory, f"{prefix}_alive", seg.alive)
    _save(directory, f"{prefix}_region_rows", seg.region_rows)
    _save(directory, f"{prefix}_region_cols", seg.region_cols)
    if spec["csr"]:
        _save_matrix(directory, f"{prefix}_csr", seg.cache["csr"])
    return spec


def _load_segment(directory: Path, spec: dict[str, Any], n_cols: int, mode: str | None) -> Segment:
    prefix = spec["prefix"]
    shape = (spec["shape"][0], n_cols)
    seg = Segment(
        refs=spec["refs"],
        X=_load_matrix(directory, f"{prefix}_X", shape, sp.csc_matrix, mode),
        arrays={key: _load(directory, f"{prefix}_a_{key}", mode) for key in spec["arrays"]},
        docs=PackedDocs.load(directory, f"{prefix}_docs", spec["docs"], mode),
        # private and writable: removing a listing flips its flag in this process only
        alive=np.array(_load(directory, f"{prefix}_alive", None)),
        region_rows=_load(directory, f"{prefix}_region_rows", mode),
        region_cols=_load(directory, f"{prefix}_region_cols", mode),
        terms=spec["terms"],
    )
    if spec["csr"]:
        seg.cache["csr"] = _load_matrix(directory, f"{prefix}_csr", shape, sp.csr_matrix, mode)
    return seg


# --------------------------------------------------------------------------------------------
# documents: packed JSON, decoded when read
# --------------------------------------------------------------------------------------------

_DOC_CLASSES = {cls.__name__: cls for cls in (OfferingDoc, NeedDoc)}


def _save_docs(directory: Path, prefix: str, docs: Iterable[Any]) -> str | None:
    """Write documents as JSON arrays of their field values, back to back; returns the class
    name (None for an empty segment)."""
    chunks: list[bytes] = []
    kind = None
    for doc in docs:
        kind = type(doc).__name__
        values = [
            sorted(v) if isinstance(v, frozenset) else v
            for v in (getattr(doc, f.name) for f in dataclasses.fields(doc))
        ]
        chunks.append(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode())
    offsets = np.zeros(len(chunks) + 1, np.int64)
    np.cumsum([len(c) for c in chunks], out=offsets[1:])
    _save(directory, f"{prefix}_blob", np.frombuffer(b"".join(chunks), np.uint8))
    _save(directory, f"{prefix}_at", offsets)
    return kind


class PackedDocs(Sequence):
    """A segment's documents as mapped bytes, each decoded when read (a bounded memo keeps
    the recently read ones). Read-only, like the snapshot it comes from."""

    MEMO = 4096

    def __init__(self, blob: np.ndarray, offsets: np.ndarray, kind: str | None) -> None:
        self.blob, self.offsets = blob, offsets
        cls = _DOC_CLASSES.get(kind or "", OfferingDoc)
        self.cls = cls
        self.convert = [_converter(f.type) for f in dataclasses.fields(cls)]
        self.memo: dict[int, Any] = {}

    @classmethod
    def load(cls, directory: Path, prefix: str, kind: str | None, mode: str | None):
        return cls(
            _load(directory, f"{prefix}_blob", mode), _load(directory, f"{prefix}_at", mode), kind
        )

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = operator.index(index)
        i = i + len(self) if i < 0 else i
        if not 0 <= i < len(self):
            raise IndexError(index)
        doc = self.memo.get(i)
        if doc is None:
            start, end = self.offsets[i], self.offsets[i + 1]
            values = json.loads(self.blob[start:end].tobytes())
            doc = self.cls(*[conv(v) for conv, v in zip(self.convert, values, strict=True)])
            if len(self.memo) >= self.MEMO:
                self.memo.clear()
            self.memo[i] = doc
        return doc

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))


def _converter(annotation: str) -> Callable[[Any], Any]:
    """JSON value -> field value for a documents' field annotation (they are strings)."""
    if annotation.startswith("tuple"):
        return tuple
    if annotation.startswith("frozenset"):
        return lambda v: None if v is None else frozenset(v)
    return lambda v: v
