"""Transactions that PostgreSQL may abort for a conflict, run again.

Several writers change the same rows in the background: the task workers refresh one
listing's suggestions (the needs' ``suggestions_revision`` and the suggestion rows of many
lists, in ranking order), the rebuild replaces lists in batches. Two such transactions can
lock the same rows in opposite orders; PostgreSQL then aborts one of them with
``deadlock_detected`` (SQLSTATE 40P01) so the other can go on. The aborted work is not
wrong, only unlucky: run on its own it succeeds. PostgreSQL's documentation asks
applications to retry such transactions, and so does :func:`atomic_with_retry`.

Only a whole transaction is retried: inside someone else's transaction the abort has
already lost the caller's earlier work, so the error goes to the caller unchanged.
SQLite has one writer at a time and never deadlocks this way; there the first run is
the only run.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: deadlock_detected, serialization_failure: "retry the transaction" in PostgreSQL's words.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 4


def is_conflict(error: BaseException) -> bool:
    """Whether ``error`` (Django's wrapper, whose cause is psycopg's error, or psycopg's
    own) says: run the transaction again."""
    return any(
        getattr(candidate, "sqlstate", None) in RETRYABLE_SQLSTATES
        for candidate in (error, error.__cause__)
    )


def atomic_with_retry(
    work: Callable[[], T], *, using: str = DEFAULT_DB_ALIAS, attempts: int = ATTEMPTS
) -> T:
    """``work()`` in a transaction of its own, run again (up to ``attempts`` times in all,
    after a short random pause) when the database aborted it for a deadlock or a
    serialization failure. ``work`` must be safe to repeat: everything it wrote in an
    aborted attempt was rolled back, but what it did outside the database was not.

    Called inside a transaction, ``work()`` runs once in a savepoint and a conflict is
    raised, for the outer transaction is already lost."""
    if connections[using].in_atomic_block:
        with transaction.atomic(using=using):
            return work()
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic(using=using):
                return work()
        except OperationalError as error:
            if attempt == attempts or not is_conflict(error):
                raise
            logger.warning(
                "transaction aborted by the database (%s), attempt %d of %d: running it again",
                error,
                attempt,
                attempts,
            )
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - a pause, not a secret
    raise AssertionError("unreachable")  # pragma: no cover


def retried_atomic(function: Callable[..., T]) -> Callable[..., T]:
    """``@transaction.atomic`` for a function safe to repeat: each call runs in
    :func:`atomic_with_retry`."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs) -> T:
        return atomic_with_retry(lambda: function(*args, **kwargs))

    return wrapper
