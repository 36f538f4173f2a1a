"""Offering page views, tallied in memory and written in batches.

Writing ``view_count + 1`` on every page view made each visit to an offering a database write
(on SQLite: the one write lock, shared by every worker). Instead each process adds views to a
small in-memory tally and writes it in one transaction — one UPDATE per distinct count, ``F()``
arithmetic so concurrent writers never overwrite each other — when

* the oldest unwritten view is ``LISTINGS_VIEW_COUNT_FLUSH_SECONDS`` old (checked on the next
  view this process records),
* the tally holds ``MAX_PENDING_OFFERINGS`` offerings,
* the process exits normally (``atexit``: gunicorn's graceful restarts and max-requests
  recycling), or
* a caller asks for exact figures (``flush()``).

A failed write puts the tally back, so views are retried, never dropped. Only a process killed
outright (SIGKILL, OOM) loses its last interval's views. Figures read from the database (the
vendor dashboard) therefore trail the live count by at most that interval.
``LISTINGS_VIEW_COUNT_FLUSH_SECONDS = 0`` writes every view at once (no tally).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter, defaultdict
from contextlib import nullcontext

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F

from matchmaking.listings.models import Offering

logger = logging.getLogger(__name__)

MAX_PENDING_OFFERINGS = 1000
_UPDATE_CHUNK = 500  # primary keys per UPDATE (well under SQLite's variable limit)

_lock = threading.Lock()
_pending: Counter[int] = Counter()
_oldest: float | None = None  # time.monotonic() of the oldest unwritten view


def flush_interval() -> float:
    return float(getattr(settings, "LISTINGS_VIEW_COUNT_FLUSH_SECONDS", 10))


def record(offering_id: int) -> None:
    """Count one view of ``offering_id`` (written now, or with the next batch)."""
    global _oldest
    interval = flush_interval()
    if interval <= 0:
        _write({offering_id: 1})
        return
    now = time.monotonic()
    with _lock:
        _pending[offering_id] += 1
        if _oldest is None:
            _oldest = now
        due = now - _oldest >= interval or len(_pending) >= MAX_PENDING_OFFERINGS
    if due:
        try:
            flush()
        except DatabaseError:  # a page view never fails over its counter; the tally is kept
            logger.warning("Offering view counts not written yet; retrying later", exc_info=True)


def pending() -> dict[int, int]:
    """This process's unwritten views per offering (a copy)."""
    with _lock:
        return dict(_pending)


def flush() -> int:
    """Write this process's tally now; returns how many views were written. On a database
    error the views go back into the tally (and the error is raised)."""
    global _oldest
    with _lock:
        batch = dict(_pending)
        started = _oldest
        _pending.clear()
        _oldest = None
    if not batch:
        return 0
    try:
        _write(batch)
    except BaseException:
        with _lock:
            _pending.update(batch)
            if started is not None and (_oldest is None or started < _oldest):
                _oldest = started
        raise
    return sum(batch.values())


def _write(batch: dict[int, int]) -> None:
    by_count: dict[int, list[int]] = defaultdict(list)
    for offering_id, count in batch.items():
        by_count[count].append(offering_id)
    updates = [
        (count, ids[start : start + _UPDATE_CHUNK])
        for count, ids in by_count.items()
        for start in range(0, len(ids), _UPDATE_CHUNK)
    ]
    # All or nothing (a failed batch is retried whole); a single UPDATE is atomic by itself.
    with transaction.atomic() if len(updates) > 1 else nullcontext():
        for count, ids in updates:
            Offering.objects.filter(pk__in=ids).update(view_count=F("view_count") + count)


def _flush_at_exit() -> None:
    if not pending():
        return
    try:
        flush()
    except Exception:
        logger.exception("Offering view counts could not be written at exit")


atexit.register(_flush_at_exit)
