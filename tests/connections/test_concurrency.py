"""Two members accepting the same request at the same moment produce one acceptance.

The test database is SQLite's shared-cache in-memory database, whose table locks fail at
once instead of waiting, unlike the file database the site runs on. So this test runs its
threads against a fresh file database (WAL, IMMEDIATE transactions, busy timeout — the
production settings), migrated for the occasion.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connections

from matchmaking.connections import services
from matchmaking.connections.models import Connection, ConnectionEvent
from matchmaking.notifications.models import Notification
from tests import factories


def _in_thread(function, *args):
    """Run `function` in a new thread (its own database connection) and return its result."""
    result: dict = {}

    def target():
        try:
            result["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            result["error"] = exc
        finally:
            connections["default"].close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=120)
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture
def file_database(tmp_path):
    settings_dict = connections.settings["default"]
    if settings_dict["ENGINE"] != "django.db.backends.sqlite3":
        yield  # PostgreSQL: the test database already behaves like production
        return
    original = settings_dict["NAME"]
    settings_dict["NAME"] = str(tmp_path / "race.sqlite3")
    try:
        _in_thread(lambda: call_command("migrate", "--noinput", verbosity=0))
        yield
    finally:
        settings_dict["NAME"] = original


@pytest.mark.django_db(transaction=True)
class ConcurrentAcceptTests:
    def test_two_simultaneous_accepts_produce_exactly_one_acceptance(self, file_database, settings):
        """Both threads start together; the row lock (IMMEDIATE transactions on SQLite,
        SELECT … FOR UPDATE elsewhere) plus the conditional update let only one through:
        one acceptance, one audit event, one notification per sender member."""
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

        def build():
            vendor = factories.make_organization(kind="vendor")
            enterprise = factories.make_organization(kind="enterprise")
            offering = factories.make_offering(organization=vendor)
            connection, _ = services.connection_request(
                user=enterprise.memberships.get().user, offering=offering, message="x"
            )
            return connection.pk, vendor.memberships.get().user, factories.make_member(vendor)

        pk, owner, member = _in_thread(build)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def accept(user):
            try:
                barrier.wait(timeout=10)
                services.connection_accept(connection=Connection.objects.get(pk=pk), user=user)
                outcomes.append("accepted")
            except ValidationError as exc:
                outcomes.append(exc.code)
            finally:
                connections["default"].close()

        threads = [threading.Thread(target=accept, args=(user,)) for user in (owner, member)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert sorted(outcomes) in (
            ["accepted", "invalid_transition"],
            ["accepted", "concurrent_change"],
        )

        def check():
            connection = Connection.objects.get(pk=pk)
            return (
                connection.state,
                ConnectionEvent.objects.filter(connection=connection, to_state="accepted").count(),
                Notification.objects.filter(kind="connection_answered").count(),
            )

        assert _in_thread(check) == ("accepted", 1, 1)
