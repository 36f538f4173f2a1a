"""A page-cache hit on PostgreSQL costs one round trip, and still survives a dead connection.

Requests go through Django's ``WSGIHandler`` as a gunicorn worker calls it, so
``request_started``/``request_finished`` fire and the connection is kept between requests
(``CONN_MAX_AGE``) with ``CONN_HEALTH_CHECKS`` on, as in production. The versions read is
then the health check of a kept connection (``core.shared_cache._read_checking_connection``):
no ``SELECT 1`` first, and a connection the server dropped is replaced on the same request.
Run them with ``scripts/with-postgres.sh .venv/bin/pytest tests/core/test_page_cache_round_trips.py``.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tools.bench.timing import wsgi_get

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

LIST = reverse("listings:offering-list")


@pytest.fixture(autouse=True)
def _kept_checked_connections(settings):
    settings.PAGE_CACHE_SECONDS = 300
    caches["default"].clear()
    saved = connection.settings_dict["CONN_MAX_AGE"], connection.settings_dict["CONN_HEALTH_CHECKS"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    yield
    connection.settings_dict["CONN_MAX_AGE"], connection.settings_dict["CONN_HEALTH_CHECKS"] = saved


def _get(handler, url: str, cookie: str = "") -> tuple[int, str, bytes]:
    status, headers, body = wsgi_get(handler, url, cookie)
    return status, headers.get("X-Page-Cache", ""), body


def test_a_hit_on_a_kept_connection_sends_no_health_check():
    factories.make_offering(title="智能客服机器人")
    handler = WSGIHandler()
    status, cache, first = _get(handler, LIST + "?sector=finance")
    assert (status, cache) == (200, "miss")
    kept = connection.connection
    assert kept is not None  # CONN_MAX_AGE kept it past the request
    with mock.patch.object(type(connections["default"]), "is_usable", autospec=True) as is_usable:
        status, cache, again = _get(handler, LIST + "?sector=finance")
    assert (status, cache) == (200, "hit")
    assert again == first
    assert is_usable.call_count == 0  # Django's health check would have sent SELECT 1 first
    assert connection.connection is kept


def test_a_hit_on_a_connection_the_server_dropped_is_served_on_a_new_one():
    factories.make_offering(title="智能客服机器人")
    handler = WSGIHandler()
    status, cache, first = _get(handler, LIST)
    assert (status, cache) == (200, "miss")
    dropped = connection.connection
    pid = dropped.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()
    status, cache, again = _get(handler, LIST)
    assert (status, cache) == (200, "hit")
    assert again == first
    assert connection.connection is not dropped
    assert connection.connection.info.backend_pid != pid


def test_a_signed_in_page_on_a_kept_connection_sends_no_health_check(settings):
    """A signed-in page is never cached, but its first query is the versions read too, so
    it saves the same round trip."""
    need = factories.make_need()
    owner = factories.make_member(need.organization)
    client = Client()
    client.force_login(owner)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    handler = WSGIHandler()
    status, _, first = _get(handler, need.get_absolute_url(), cookie)
    assert status == 200
    assert need.title in first.decode()  # the owner's page, not a login redirect
    with mock.patch.object(type(connections["default"]), "is_usable", autospec=True) as is_usable:
        status, cache, _ = _get(handler, need.get_absolute_url(), cookie)
    assert (status, cache) == (200, "")  # rendered for the owner, not from the page cache
    assert is_usable.call_count == 0


def test_an_entry_of_another_process_is_read_with_the_versions():
    """Versions in sequences, the entry in the table: one UNION statement, one round trip."""
    factories.make_offering(title="智能客服机器人")
    handler = WSGIHandler()
    status, cache, first = _get(handler, LIST + "?sector=finance")
    assert (status, cache) == (200, "miss")
    caches["default"].clear()  # what another worker process sees: only the shared cache
    with CaptureQueriesContext(connection) as queries:
        status, cache, again = _get(handler, LIST + "?sector=finance")
    assert (status, cache) == (200, "hit")
    assert again == first
    assert len(queries) == 1, [query["sql"] for query in queries]
