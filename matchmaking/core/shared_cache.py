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

Where a version lives:

* Redis: a key, bumped with ``INCR``.
* The database table on SQLite: a row, bumped by ``SharedDatabaseCache.incr`` (SQLite
  serialises every write anyway, so the row costs no extra waiting).
* The database on PostgreSQL: a ``SEQUENCE`` per version (``version_sequence_name``), bumped
  with ``nextval`` and read with ``pg_sequence_last_value`` (what ``pg_sequences`` shows). A
  row would be locked by the bump until the writer's transaction ends — every concurrent
  writer would queue behind it, and two writers bumping the listings and insights versions
  in opposite orders would deadlock (PostgreSQL aborts one: an error on a write).
  ``nextval`` takes no lock that outlives the call and is not undone by a rollback.
  Sequences are created on first use, on a short connection of their own (never inside a
  writer's transaction), so no migration lists the versions.

When a bump happens: ``bump_version`` bumps at once *and*, inside a transaction, once more
after it commits (once per version and transaction, however many writes bumped it):

* at once, so the writing request does not serve its own old figures for the rest of it;
* after commit, because in Redis and in a sequence the first bump is visible to every
  process before the writer commits. A reader in another process may read the new version
  N+1, then read the rows — still the old, committed ones — and cache what it computed
  under N+1. The bump to N+2 after the commit makes those entries unreachable; anything
  read under N+2 was read after the commit. (On SQLite the first bump is itself part of the
  writer's transaction, so the second is merely harmless.)

A bump in a transaction that is rolled back still counts (in a sequence or Redis): the
version ends up higher than needed, which only costs recomputing some cached values.
"""

from __future__ import annotations

import base64
import hashlib
import pickle
import re
import secrets
import threading
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.signals import request_finished, request_started
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
    models,
    router,
    transaction,
)
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

    def __init__(self, table, params):
        super().__init__(table, params)
        options = params.get("OPTIONS") or {}
        # Django counts the rows before every set, to cull once there are more than
        # MAX_ENTRIES. Every page-cache miss stores its page here, and on PostgreSQL that
        # COUNT(*) scans the table: 0.20-0.25 ms at 5,000 entries against 0.06-0.07 ms for
        # a bare round trip (docs/performance.md, stop 35). With CULL_CHECK_EVERY = N, an
        # instance (one per thread) counts on its first set and then on every Nth: between
        # two counts the table passes MAX_ENTRIES by at most N entries per thread.
        self._cull_check_every = max(int(options.get("CULL_CHECK_EVERY", 1)), 1)
        self._sets_since_count = self._cull_check_every  # the first set counts

    def _count_due(self) -> bool:
        self._sets_since_count += 1
        if self._sets_since_count < self._cull_check_every:
            return False
        self._sets_since_count = 0
        return True

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

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Django's ``set`` in two statements instead of five.

        Django counts the rows, then in a transaction selects the key and updates or
        inserts it: BEGIN, COUNT, SELECT, INSERT/UPDATE, COMMIT, one round trip each on
        PostgreSQL, and on SQLite the write lock held from BEGIN to COMMIT. Every page-cache
        miss stores its page here. The count (and the cull it may start) stays as Django
        has it, made on every ``CULL_CHECK_EVERY``-th set (see ``__init__``); the write is
        one ``INSERT … ON CONFLICT DO UPDATE`` (PostgreSQL, SQLite 3.24+), atomic by itself.
        As in Django, a database error is not raised: the entry is then simply not stored.
        Inside a caller's transaction the write gets a savepoint of its own, so such an error
        never breaks that transaction.
        """
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, cache_key, value_column, expires = (
            quote(self._table),
            quote("cache_key"),
            quote("value"),
            quote("expires"),
        )
        if timeout is None:
            expiry = datetime.max
        else:
            expiry = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        expiry = connection.ops.adapt_datetimefield_value(expiry.replace(microsecond=0))
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        with connection.cursor() as cursor:
            if self._count_due():
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - quoted table name
                rows = cursor.fetchone()[0]
                if rows > self._max_entries:
                    self._cull(db, cursor, tz_now().replace(microsecond=0), rows)
            upsert = (
                f"INSERT INTO {table} ({cache_key}, {value_column}, {expires}) "  # noqa: S608
                f"VALUES (%s, %s, %s) ON CONFLICT ({cache_key}) DO UPDATE SET "
                f"{value_column} = EXCLUDED.{value_column}, {expires} = EXCLUDED.{expires}"
            )
            try:
                if connection.in_atomic_block:
                    with transaction.atomic(using=db):
                        cursor.execute(upsert, [key, encoded, expiry])
                else:
                    cursor.execute(upsert, [key, encoded, expiry])
            except DatabaseError:
                pass

    #: Entries expiring later than this from now are kept for good (the versions, stored
    #: without a timeout); every other entry expires within days.
    KEEP_HORIZON = timedelta(days=365 * 50)

    def _cull(self, db, cursor, now, num):
        """Django's cull with two changes, both for the versions.

        Django deletes the expired rows, then the first 1/``CULL_FREQUENCY`` of the keys in
        key order — and the keys of the cases, insights and listings versions sort before the
        pages' (``…:cases:version`` < ``…:page:…``), so every cull deleted them: each version
        came back with a fresh random value, and every cached page and row keyed on it was
        lost at once (docs/performance.md, "Culls of the shared cache"). Here the entries that
        expire soonest go first, and an entry without a timeout (a version) never goes.
        """
        connection = connections[db]
        quote = connection.ops.quote_name
        table, expires = quote(self._table), quote("expires")
        adapt = connection.ops.adapt_datetimefield_value
        cursor.execute(f"DELETE FROM {table} WHERE {expires} < %s", [adapt(now)])  # noqa: S608 - quoted names
        remaining = num - cursor.rowcount
        if remaining <= self._max_entries:
            return
        horizon = adapt(now + self.KEEP_HORIZON)
        if self._cull_frequency == 0:  # "clear": every entry that may go
            cursor.execute(f"DELETE FROM {table} WHERE {expires} < %s", [horizon])  # noqa: S608
            return
        # Entries set in the same second share their expiry: the key breaks the tie, so
        # exactly the share asked for goes (a whole second of entries could be thousands).
        key = quote("cache_key")
        cursor.execute(
            f"SELECT {expires}, {key} FROM {table} WHERE {expires} < %s "  # noqa: S608 - quoted names
            f"ORDER BY {expires}, {key} LIMIT 1 OFFSET %s",
            [horizon, remaining // self._cull_frequency],
        )
        row = cursor.fetchone()
        if row is None:  # fewer expiring entries than the share to cull: all of them
            cursor.execute(f"DELETE FROM {table} WHERE {expires} < %s", [horizon])  # noqa: S608
        else:
            cursor.execute(
                f"DELETE FROM {table} WHERE {expires} < %s OR ({expires} = %s AND {key} < %s)",  # noqa: S608
                [row[0], row[0], row[1]],
            )

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


# Versions fetched with the first version a request reads (``read_along``).
_along: set[str] = set()


def read_along(*keys: str) -> None:
    """Have every round trip of a request that reads versions fetch ``keys`` too, so a
    version a page needs later (the cases version of the browse flags) costs no round trip
    of its own. Called from AppConfig.ready(); registering a key twice changes nothing."""
    _along.update(keys)


def read_versions(*keys: str) -> dict[str, int]:
    """Several versions in one round trip (none if this request has read them already)."""
    memo = getattr(_request, "versions", None)
    if memo is not None and all(key in memo for key in keys):
        return {key: memo[key] for key in keys}
    found, _entry = _read(keys, memo, entry_key=None)
    return {key: found[key] for key in keys}


def read_versions_and_entry(keys, entry_key: str) -> tuple[dict[str, int], object]:
    """The versions ``keys`` and the shared cache's entry ``entry_key`` (None if absent or
    expired) in ONE round trip — for a caller that can guess the entry's key before it
    knows the versions (the page cache: the versions its last request found, which rarely
    changed since). A request that has read the versions already only reads the entry."""
    memo = getattr(_request, "versions", None)
    if memo is not None and all(key in memo for key in keys):
        return {key: memo[key] for key in keys}, shared_cache().get(entry_key)
    found, entry = _read(keys, memo, entry_key=entry_key)
    return {key: found[key] for key in keys}, entry


def _read(keys, memo, *, entry_key):
    wanted = tuple(keys)
    if memo is not None and _along:
        wanted = (*wanted, *sorted(_along.difference(wanted, memo)))
    cache = shared_cache()
    connection = _sequence_connection(cache)
    entry = None
    if connection is not None:
        found, entry = _read_sequences(cache, connection, wanted, entry_key=entry_key)
    else:
        asked = wanted if entry_key is None else (*wanted, entry_key)
        found = cache.get_many(asked)  # Redis: one MGET; the table: one SELECT … IN
        if entry_key is not None:
            entry = found.pop(entry_key, None)
        for key in wanted:
            if found.get(key) is None:
                cache.add(key, _initial(), timeout=None)
                found[key] = cache.get(key) or _initial()
    if memo is not None:
        memo.update(found)
    return found, entry


def bump_version(key: str) -> int | None:
    """Increment the version ``key`` atomically; every process sees the new value at once.

    Inside a transaction the version is bumped again after the commit (see the module
    docstring: a reader may have cached rows read before the commit under the first bump).
    """
    value = _bump_now(key)
    _bump_after_commit(key)
    return value


def bump_version_after_commit(key: str) -> None:
    """Bump ``key`` once when the current transaction commits (at once in autocommit).

    For versions that only readers in later requests need (the page cache): however many
    writes a transaction makes, the version is bumped once.
    """
    if not _bump_after_commit(key):
        _bump_now(key)


def _bump_now(key: str) -> int | None:
    memo = getattr(_request, "versions", None)
    if memo is not None:
        memo.pop(key, None)
    cache = shared_cache()
    connection = _sequence_connection(cache)
    if connection is not None:
        return _next_sequence_value(cache, connection, key)
    try:
        return cache.incr(key)
    except ValueError:  # not there yet (or culled): any fresh value invalidates the old keys
        if not cache.add(key, _initial(), timeout=None):
            return cache.incr(key)
        return None


# Per thread: the keys whose after-commit bump is queued in the current transaction of a
# database alias, and that transaction's list of on-commit callbacks. Django replaces the
# list (``connection.run_on_commit``) when a transaction commits or rolls back, so a list
# that is no longer the connection's means the queued bumps have run or been dropped.
_pending = threading.local()


def _bump_after_commit(key: str) -> bool:
    """Queue a bump of ``key`` for the commit of the current transaction; False outside one."""
    cache = shared_cache()
    if isinstance(cache, SharedDatabaseCache):
        alias = router.db_for_write(cache.cache_model_class)
    else:  # Redis: the writer's transaction is on the default database
        alias = DEFAULT_DB_ALIAS
    connection = connections[alias]
    if not connection.in_atomic_block:
        return False  # autocommit: a bump now is already after every write
    queued = getattr(_pending, "by_alias", None)
    if queued is None:
        queued = _pending.by_alias = {}
    callbacks, keys = queued.get(alias, (None, set()))
    if callbacks is not connection.run_on_commit:
        callbacks, keys = connection.run_on_commit, set()
        queued[alias] = (callbacks, keys)
    if key in keys:
        return True
    keys.add(key)
    transaction.on_commit(lambda: _bump_now(key), using=alias)
    return True


# --- Versions in PostgreSQL sequences ---------------------------------------------------


def _sequence_connection(cache):
    """The database connection whose sequences hold the versions, or None (Redis, SQLite)."""
    if not isinstance(cache, SharedDatabaseCache):
        return None
    connection = connections[router.db_for_write(cache.cache_model_class)]
    return connection if connection.vendor == "postgresql" else None


def version_sequence_name(cache, key: str) -> str:
    """``matchmaking_version_<key>_<hash>``: readable, unique per cache key (prefix, key
    version included), at most 63 characters (PostgreSQL's limit) and never needing quotes."""
    full_key = cache.make_and_validate_key(key)
    readable = re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")[:30]
    digest = hashlib.sha1(full_key.encode()).hexdigest()[:10]  # noqa: S324 - a name, not a secret
    return f"matchmaking_version_{readable}_{digest}"


# (cache key prefix, cache key version, keys) → the sequence names and the statement that
# reads them: a page-cache hit reads the same versions on every request, and hashing the
# names and adapting the array parameter cost more than the query's own planning.
_read_statements: dict[tuple, tuple[dict[str, str], str]] = {}
_SEQUENCE_NAME = re.compile(r"^[a-z0-9_]+$")


def _read_statement(
    cache, connection, keys, *, with_entry: bool = False
) -> tuple[dict[str, str], str]:
    memo_key = (cache.key_prefix, cache.version, tuple(keys), with_entry)
    found = _read_statements.get(memo_key)
    if found is None:
        names = {version_sequence_name(cache, key): key for key in keys}
        # The names are ``[a-z0-9_]`` by construction (checked, also under ``python -O``):
        # written into the statement as an array literal, they need no quoting and no
        # parameter.
        unsafe = [name for name in names if not _SEQUENCE_NAME.match(name)]
        if unsafe:
            raise ValueError(f"not a plain sequence name: {unsafe}")
        # pg_sequence_last_value is the function behind the pg_sequences view (NULL until
        # the first nextval); calling it directly skips the view's joins and privilege checks.
        sql = (
            "SELECT c.relname::text, pg_sequence_last_value(c.oid)::text, NULL::timestamptz "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE c.relname = ANY('{{{','.join(names)}}}'::name[]) AND c.relkind = 'S' "
            "AND n.nspname = current_schema()"
        )
        if with_entry:  # the entry's row rides along: its key is never a sequence's name
            quote = connection.ops.quote_name
            sql += (
                f" UNION ALL SELECT {quote('cache_key')}, {quote('value')}, {quote('expires')}"
                f" FROM {quote(cache._table)} WHERE {quote('cache_key')} = %s"
            )
        found = _read_statements[memo_key] = (names, sql)
    return found


def _read_sequences(cache, connection, keys, *, entry_key=None) -> tuple[dict[str, int], object]:
    """The versions ``keys`` from their sequences and, when ``entry_key`` is given, that
    entry of the cache table, in one statement."""
    names, sql = _read_statement(cache, connection, keys, with_entry=entry_key is not None)
    params = None if entry_key is None else [cache.make_and_validate_key(entry_key)]
    found, entry = {}, None
    for name, value, expires in _read_checking_connection(connection, sql, params):
        if name in names:
            if value is not None:  # NULL until the sequence's first nextval
                found[names[name]] = int(value)
        elif value is not None and not cache._expired(connection, expires):
            entry = pickle.loads(  # noqa: S301 - our own table, as Django's get reads it
                base64.b64decode(connection.ops.process_clob(value).encode())
            )
    for key in keys:
        if key not in found:  # first use of this version on this database
            found[key] = _next_sequence_value(cache, connection, key)
    return found, entry


def _read_checking_connection(connection, sql: str, params=None) -> list[tuple]:
    """Rows of the read-only statement ``sql``; on a kept connection's first use in a
    request, the statement is itself the connection's health check.

    With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before a request's first query
    on a connection kept from an earlier request. The versions read is the first query of
    every page request, and of a page-cache hit the only one: the health check would double
    a hit's round trips. So it is skipped, and if the read fails because the kept connection
    has died (the server restarted, an idle connection was dropped), the connection is
    closed and the read made once more on a new one: what the health check would have done,
    paid only when it finds something. Inside a transaction nothing is skipped (a retry
    there could not undo the transaction's lost work).
    """
    checking = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )
    if checking:
        connection.health_check_done = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        except (InterfaceError, OperationalError):
            connection.close()  # the next cursor opens a new connection
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _next_sequence_value(cache, connection, key: str) -> int:
    name = version_sequence_name(cache, key)
    with connection.cursor() as cursor:
        cursor.execute(_NEXTVAL, [name])
        row = cursor.fetchone()
        if row is None:
            error = _create_sequence(connection, name)
            cursor.execute(_NEXTVAL, [name])
            row = cursor.fetchone()
            if row is None:  # not made by us nor by anyone else: say why
                raise error or DatabaseError(f"sequence {name} could not be created")
    return row[0]


# The sequence found in the catalog, not by name (``nextval('name')``, ``to_regclass``): a
# missing one is then no row rather than an error that would break the caller's transaction,
# and one created meanwhile by another connection is found at once — a name lookup that
# failed earlier in a transaction stays failed (cached) until that transaction takes a lock.
_NEXTVAL = (
    "SELECT nextval(c.oid::regclass) FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relname = %s AND c.relkind = 'S' AND n.nspname = current_schema()"
)


def _create_sequence(connection, name: str) -> DatabaseError | None:
    """Create the sequence on a connection of its own, committed at once: never inside the
    caller's transaction, whose rollback would drop it and whose open catalog row would make
    every other process creating it wait."""
    own = connections.create_connection(connection.alias)
    try:
        with own.cursor() as cursor:
            # A random start, for the reason given in ``_initial``.
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {_initial()}")
    except DatabaseError as error:
        # Most likely another process created it at the same moment (IF NOT EXISTS is not
        # race-free): then it exists now, which is all the caller needs; it checks.
        return error
    finally:
        own.close()
    return None
