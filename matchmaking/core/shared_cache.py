"""The cache every process shares, and the version numbers kept in it.

Two caches are configured (``settings.CACHES``):

* ``default`` — fast and, without Redis, private to each process (LocMemCache). It holds
  only values that never change under their key: rendered rows keyed by the row's version,
  facet counts and insight tables keyed by the listings/insights versions, and so on.
* ``shared`` — one store for every worker on every server: Redis when ``REDIS_URL`` is set,
  otherwise a table in the project's database (``SharedDatabaseCache``, created by the core
  migration, so ``migrate`` is enough). Anything several processes must agree on lives
  here: the version numbers that name the keys of the ``default`` cache, and answers that
  must not depend on which worker computed them (the need form's category hints).

A write bumps a version in ``shared``; the next request in *any* process reads the new
version and so looks up fresh keys in its own ``default`` cache — no waiting for a timeout.
Within one request a version is read once (an insights page builds a dozen tables, each
keyed by the same two versions); a bump in the request drops that memo.
"""

from __future__ import annotations

import base64
import pickle
import secrets
import threading

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.signals import request_finished, request_started
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now

SHARED_ALIAS = "shared"
# Name of the database table behind the shared cache when there is no Redis.
SHARED_CACHE_TABLE = "matchmaking_shared_cache"


def shared_cache():
    return caches[SHARED_ALIAS]


class SharedDatabaseCache(DatabaseCache):
    """Django's database cache with an atomic ``incr``.

    The stock ``incr`` reads, adds and writes in three steps, so two processes bumping at
    once could both write the same number and one bump would be lost. Here the row is read
    and rewritten in one transaction holding its lock: ``SELECT … FOR UPDATE`` on
    PostgreSQL; on SQLite the project's IMMEDIATE transactions take the write lock at BEGIN.
    """

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table = quote(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} "  # noqa: S608 - quoted table name
                f"WHERE {quote('cache_key')} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is None or self._expired(connection, row[1]):
                raise ValueError(f"Key '{key}' not found.")
            value = (
                pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta
            )  # noqa: S301 - our own table
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s",  # noqa: S608
                [encoded, key],
            )
        return value

    @staticmethod
    def _expired(connection, expires) -> bool:
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires < tz_now()


# Versions already read in the current request (per thread); None outside a request, where
# every read goes to the shared cache.
_request = threading.local()


def begin_request(**_kwargs) -> None:
    _request.versions = {}


def end_request(**_kwargs) -> None:
    _request.versions = None


def connect_request_signals() -> None:
    request_started.connect(begin_request, dispatch_uid="shared-cache-begin-request")
    request_finished.connect(end_request, dispatch_uid="shared-cache-end-request")


def _initial() -> int:
    # A random start, not 1: a version that disappears (a rolled-back test transaction, an
    # emptied cache) must not come back with a number whose keys another process still holds.
    return secrets.randbelow(2**40) + 1


def read_version(key: str) -> int:
    """The current value of the version ``key`` in the shared cache (created if missing)."""
    return read_versions(key)[key]


def read_versions(*keys: str) -> dict[str, int]:
    """Several versions in one round trip (none if this request has read them already)."""
    memo = getattr(_request, "versions", None)
    if memo is not None and all(key in memo for key in keys):
        return {key: memo[key] for key in keys}
    cache = shared_cache()
    found = cache.get_many(keys)
    for key in keys:
        if found.get(key) is None:
            cache.add(key, _initial(), timeout=None)
            found[key] = cache.get(key) or _initial()
    if memo is not None:
        memo.update(found)
    return found


def bump_version(key: str) -> int | None:
    """Increment the version ``key`` atomically; every process sees the new value at once."""
    memo = getattr(_request, "versions", None)
    if memo is not None:
        memo.pop(key, None)
    cache = shared_cache()
    try:
        return cache.incr(key)
    except ValueError:  # not there yet (or culled): any fresh value invalidates the old keys
        if not cache.add(key, _initial(), timeout=None):
            return cache.incr(key)
        return None
