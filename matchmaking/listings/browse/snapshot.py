"""Browse indexes on disk: a process starting up opens the index another process built
instead of building its own (~4 s at 100k offerings, most of a web worker's cold start).

A process that builds an index (browse/index.py ``IndexHolder``) publishes it under
``LISTINGS_INDEX_SNAPSHOT_DIR`` (one folder per database and index kind, core/snapshot_files.py:
atomic, with a ``CURRENT`` pointer) with the change-feed position its build started from. A
process without an index opens the current one when it is younger than
``LISTINGS_INDEX_MAX_AGE_SECONDS`` and was written by the same code (``layout``), then follows
the feed from that position like any index it built itself: rows changed since are patched in.

Files: ``index.pickle`` (the index object) and one ``.npy`` file per array of 256 KB or more
(the columns, the bigram postings of the search columns), opened memory-mapped and read-only:
the pages are shared by all processes of the machine. The index never writes into its arrays
(a patch builds new ones), so the maps stay read-only. Written and read only by the platform's
own processes, in its own folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection

from matchmaking.core.snapshot_files import current, database_folder, publish

__all__ = ["current", "enabled", "folder", "layout", "load", "save"]

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
STATE = "index.pickle"
#: Arrays at least this large go to their own memory-mapped file.
MAPPED_BYTES = 256 * 1024


def enabled() -> bool:
    return bool(getattr(settings, "LISTINGS_INDEX_SNAPSHOT_DIR", ""))


def folder(index_class) -> Path:
    return database_folder(settings.LISTINGS_INDEX_SNAPSHOT_DIR) / index_class.__name__


def layout(index_class) -> str:
    """A digest of what an index of ``index_class`` holds: a snapshot of another layout (older
    code) is not opened."""
    parts = [
        FORMAT,
        [name for name, *_ in index_class.base_columns + index_class.columns],
        [name for name, *_ in index_class.list_columns],
        [name for name, *_ in index_class.search_columns],
        [name for name, *_ in index_class.links],
        list(index_class.value_columns),
    ]
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()


def save(index, position: dict[str, Any]) -> str | None:
    """Publish ``index`` (built from feed ``position``, outside any transaction); returns the
    snapshot's name, or None when snapshots are off, the build ran inside a transaction or
    the files could not be written (the process keeps its index)."""
    if not enabled() or connection.in_atomic_block:
        return None  # inside a transaction the rows read may yet be rolled back
    started = time.perf_counter()
    index_class = type(index)

    def write(directory: Path) -> None:
        arrays: list[str] = []

        class Pickler(pickle.Pickler):
            def persistent_id(self, obj):
                if (
                    isinstance(obj, np.ndarray)
                    and obj.nbytes >= MAPPED_BYTES
                    and not obj.dtype.hasobject
                ):
                    name = f"a{len(arrays)}"
                    np.save(directory / f"{name}.npy", np.asarray(obj), allow_pickle=False)
                    arrays.append(name)
                    return name
                return None

        with open(directory / STATE, "wb") as fh:
            Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(index)
        manifest = {
            "format": FORMAT,
            "layout": layout(index_class),
            "created": time.time(),
            "age": time.monotonic() - index.built_at,
            "rows": len(index),
            "feed": position,
        }
        (directory / MANIFEST).write_text(json.dumps(manifest))

    try:
        path = publish(folder(index_class), write)
    except OSError as exc:
        logger.warning("%s snapshot not written: %s", index_class.__name__, exc)
        return None
    logger.info(
        "%s snapshot %s written in %.2f s",
        index_class.__name__,
        path.name,
        time.perf_counter() - started,
    )
    return path.name


def load(index_class, *, newer_than: float | None = None):
    """``(index, feed position)`` of the current snapshot of ``index_class`` if it is fresh
    enough (younger than ``LISTINGS_INDEX_MAX_AGE_SECONDS`` and, with ``newer_than``, built
    after that ``time.monotonic()``), of this layout and readable; else None."""
    if not enabled():
        return None
    path = current(folder(index_class))
    if path is None:
        return None
    started = time.perf_counter()
    try:
        manifest = json.loads((path / MANIFEST).read_text())
        if manifest.get("format") != FORMAT or manifest.get("layout") != layout(index_class):
            return None
        age = time.time() - manifest["created"] + manifest["age"]
        built_at = time.monotonic() - age
        if age >= settings.LISTINGS_INDEX_MAX_AGE_SECONDS:
            return None
        if newer_than is not None and built_at <= newer_than:
            return None

        class Unpickler(pickle.Unpickler):
            def persistent_load(self, name):
                return np.load(path / f"{name}.npy", mmap_mode="r", allow_pickle=False)

        with open(path / STATE, "rb") as fh:
            index = Unpickler(fh).load()  # noqa: S301 - our own file, written by save()
    except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError) as exc:
        logger.warning("%s snapshot %s unreadable: %s", index_class.__name__, path.name, exc)
        return None
    if type(index) is not index_class:
        return None
    index.built_at = built_at
    logger.info(
        "%s opened from snapshot %s in %.2f s",
        index_class.__name__,
        path.name,
        time.perf_counter() - started,
    )
    return index, manifest["feed"]
