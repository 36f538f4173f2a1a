"""Snapshots on disk: a folder of snapshot directories with a ``CURRENT`` pointer, published
atomically, shared by the processes of one machine (the matching engine's arrays,
matching/engine/snapshot.py; the browse indexes, listings/browse/snapshot.py).

:func:`publish` writes a snapshot atomically: into a temporary directory next to the others,
renamed into place when complete, then the ``CURRENT`` pointer file is replaced (``os.replace``)
to name it. A reader follows ``CURRENT`` and sees the old snapshot or the new one, never a half
one; the previous snapshot is kept (a reader may still be opening it), older ones are deleted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CURRENT = "CURRENT"
#: Snapshot directories kept besides the current one (a reader may still be opening it).
KEEP_PREVIOUS = 1


def database_folder(base: Path | str) -> Path:
    """``base``'s sub-folder for the default database (so a developer switching databases
    never opens another database's snapshot)."""
    from django.db import connection

    db = connection.settings_dict
    identity = f"{connection.vendor}:{db.get('HOST') or ''}:{db.get('PORT') or ''}:{db['NAME']}"
    return Path(base) / hashlib.sha1(identity.encode()).hexdigest()[:12]


def publish(root: Path, write: Callable[[Path], dict[str, Any]]) -> Path:
    """Run ``write(tmpdir)`` to fill a new snapshot, then make it the current one atomically.
    Returns the published directory. Readers never see a half-written snapshot."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        write(tmp)
        final = root / f"snap-{time.time_ns():020d}-{os.getpid()}"
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer = root / f".{CURRENT}.{os.getpid()}.tmp"
    pointer.write_text(final.name)
    os.replace(pointer, root / CURRENT)
    _prune(root, keep={final.name})
    return final


def current(root: Path) -> Path | None:
    """The directory of the current snapshot under ``root``, or None if none is published."""
    try:
        name = (Path(root) / CURRENT).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    path = Path(root) / name
    return path if name and path.is_dir() else None


def _prune(root: Path, *, keep: set[str]) -> None:
    """Delete snapshots older than the newest ``KEEP_PREVIOUS`` besides ``keep``; leftover
    temporary directories of crashed writers older than an hour go too. A process that has
    an old snapshot mapped keeps its pages (the files are unlinked, not overwritten)."""
    snaps = sorted(p.name for p in root.glob("snap-*") if p.is_dir() and p.name not in keep)
    for name in snaps[: max(0, len(snaps) - KEEP_PREVIOUS)]:
        shutil.rmtree(root / name, ignore_errors=True)
    limit = time.time() - 3600
    for tmp in root.glob(".tmp-*"):
        try:
            if tmp.stat().st_mtime < limit:
                shutil.rmtree(tmp, ignore_errors=True)
        except FileNotFoundError:
            continue
