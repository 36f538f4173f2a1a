"""The Django side of engine snapshots (engine/snapshot.py does the files).

Where: ``MATCHING_SNAPSHOT_DIR`` (env, default ``var/matching``), one sub-folder per database
(so a developer switching ``DJANGO_SQLITE_PATH`` never opens another database's engine). What a
snapshot carries besides the engine: the maps from engine refs to primary keys, the change-feed
position its build started from (a process opening it follows the feed from there) and a
signature of the lexicon it was fitted with (an opened snapshot whose lexicon differs from the
database's is stale: a newer one is due).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from matchmaking.core.changes import FeedCursor
from matchmaking.core.snapshot_files import database_folder
from matchmaking.matching.engine import MatchingEngine
from matchmaking.matching.engine import snapshot as files

logger = logging.getLogger(__name__)


def root() -> Path:
    """This database's snapshot folder."""
    return database_folder(settings.MATCHING_SNAPSHOT_DIR)


def signature(lexicon_extra: dict[str, Any]) -> str:
    """A digest of the admin-edited lexicon an engine is fitted with."""
    return hashlib.sha1(
        json.dumps(lexicon_extra, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def cursor_position(cursor: FeedCursor) -> dict[str, Any]:
    return cursor.position()


def cursor_at(position: dict[str, Any]) -> FeedCursor:
    """A cursor resuming at ``position``: the ids above ``high`` and the gaps are read next."""
    return FeedCursor.at(position)


def publish_engine(
    engine: MatchingEngine,
    *,
    lexicon_extra: dict[str, Any],
    position: dict[str, Any],
    offering_pk_by_ref: dict[str, int],
    need_pk_by_ref: dict[str, int],
) -> str:
    """Write ``engine`` as this database's current snapshot; returns its name."""
    started = time.perf_counter()
    path = files.publish(
        root(),
        lambda directory: files.save_engine(
            engine,
            directory,
            lexicon_extra=lexicon_extra,
            manifest={"feed": position, "lexicon": signature(lexicon_extra)},
            extra={"offering_pk_by_ref": offering_pk_by_ref, "need_pk_by_ref": need_pk_by_ref},
        ),
    )
    logger.info("matching snapshot %s written in %.2fs", path.name, time.perf_counter() - started)
    return path.name


@dataclass
class Loaded:
    name: str
    engine: MatchingEngine
    offering_pk_by_ref: dict[str, int]
    need_pk_by_ref: dict[str, int]
    cursor: FeedCursor
    fitted_size: int
    signature: str


def current_name() -> str | None:
    path = files.current(root())
    return path.name if path else None


def load_current() -> Loaded | None:
    """Open this database's current snapshot (memory-mapped), or None if there is none or it
    cannot be read (a process then builds or waits, as without one)."""
    path = files.current(root())
    if path is None:
        return None
    started = time.perf_counter()
    try:
        engine, manifest, extra = files.load_engine(path)
    except (OSError, ValueError, EOFError, KeyError) as exc:
        logger.warning("matching snapshot %s unreadable: %s", path.name, exc)
        return None
    logger.info("matching snapshot %s opened in %.2fs", path.name, time.perf_counter() - started)
    return Loaded(
        name=path.name,
        engine=engine,
        offering_pk_by_ref=extra["offering_pk_by_ref"],
        need_pk_by_ref=extra["need_pk_by_ref"],
        cursor=cursor_at(manifest["feed"]),
        fitted_size=manifest["offerings"] + manifest["needs"],
        signature=manifest["lexicon"],
    )
