"""Background work of the matcher: refresh a listing's suggestions, rebuild everything.

Why django-tasks (the backport of Django 6's ``django.tasks``) rather than Celery with Redis:

* the default setup needs no extra service: ``ImmediateBackend`` runs a task inline as soon as
  it is enqueued — and we enqueue on transaction commit, so the request that saved the need
  has already committed and its suggestions are fresh when the page is shown;
* at scale, ``TASKS_BACKEND=database`` queues tasks in the database the site already has
  (SQLite or PostgreSQL) and ``manage.py db_worker`` runs them — one more process, no broker,
  nothing new to secure or back up; the refreshes are idempotent and coalesce (a refresh
  re-reads the listing), so at-least-once delivery is all they need;
* it is the API Django itself adopts (``django.tasks`` in Django 6.0), so moving to another
  backend (RQ, Celery adapters) is a settings change, not a rewrite of the call sites.
Celery would add Redis and a broker-specific worker for a workload of a few refreshes a minute.

Signals (``signals.py``) call :func:`enqueue_refresh` after the listings services commit.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

from matchmaking.matching.runtime import EngineUnavailable
from matchmaking.matching.services import (
    suggestions_rebuild_all,
    suggestions_refresh_for_need,
    suggestions_refresh_for_offering,
)

logger = logging.getLogger(__name__)


def _unless_no_engine(work, default):
    """Run ``work()``; in a web worker without an engine snapshot yet (the immediate backend
    runs tasks there) the stored suggestions stay as they are until the task worker's turn."""
    try:
        return work()
    except EngineUnavailable:
        logger.warning("no matching snapshot yet: stored suggestions kept")
        return default


@task()
def refresh_need_suggestions(need_id: int) -> int:
    return _unless_no_engine(lambda: suggestions_refresh_for_need(need=need_id), 0)


@task()
def refresh_offering_suggestions(offering_id: int) -> int:
    return _unless_no_engine(lambda: suggestions_refresh_for_offering(offering=offering_id), 0)


@task()
def rebuild_all_suggestions() -> dict:
    return _unless_no_engine(suggestions_rebuild_all, {})


_TASKS = {
    "need": refresh_need_suggestions,
    "offering": refresh_offering_suggestions,
}


def _run(kind: str, pk: int) -> None:
    try:
        if kind == "rebuild":
            rebuild_all_suggestions.enqueue()
        else:
            _TASKS[kind].enqueue(pk)
    except Exception:  # noqa: BLE001 - saving a listing must never fail because of the matcher
        logger.exception("could not enqueue the %s refresh of %s", kind, pk)


class _Pending:
    """An on-commit callback for one refresh. A need saved with its categories fires a save
    signal and one per many-to-many field: each new callback supersedes the earlier ones of the
    same listing at the same savepoint level, so the refresh runs once, after the last change."""

    def __init__(self, kind: str, pk: int) -> None:
        self.key = (kind, pk)
        self.done = False
        self.superseded = False

    def __call__(self) -> None:
        if self.superseded or self.done:
            return
        self.done = True
        _run(*self.key)


def enqueue_refresh(kind: str, pk: int | None = None) -> None:
    """Refresh the suggestions of a need/offering (or ``"rebuild"`` all) after commit."""
    key = (kind, pk or 0)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _run(*key)
        return
    level = set(connection.savepoint_ids)
    for sids, func, _robust in connection.run_on_commit:
        if isinstance(func, _Pending) and func.key == key and set(sids) == level:
            func.superseded = True
    transaction.on_commit(_Pending(*key))
