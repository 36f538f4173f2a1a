"""The read-replica router (core/db_router.py), with a ``replica`` alias that is the test
database itself (as ``DATABASE_REPLICA_URL`` + TEST MIRROR set it up)."""

from __future__ import annotations

import pytest
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from matchmaking.core import db_router
from matchmaking.core.db_router import PIN_COOKIE, REPLICA, ReplicaRouter, replica_reads
from matchmaking.listings.models import Offering
from tests import factories

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@pytest.fixture
def replica(settings):
    """A ``replica`` alias on the test database."""
    databases = {**settings.DATABASES, REPLICA: {**settings.DATABASES["default"]}}
    settings.DATABASES = databases
    connections.settings[REPLICA] = databases[REPLICA]  # the handler reads its own copy
    yield REPLICA
    if hasattr(connections._connections, REPLICA):
        delattr(connections._connections, REPLICA)
    del connections.settings[REPLICA]


def _routed_view(request):
    return HttpResponse(ReplicaRouter().db_for_read(Offering) or "default")


def test_without_a_replica_nothing_is_routed():
    rf = RequestFactory()
    assert replica_reads(_routed_view)(rf.get("/")).content == b"default"
    assert ReplicaRouter().db_for_write(Offering) == "default"


def test_browse_reads_go_to_the_replica_and_everything_else_to_the_primary(replica):
    rf = RequestFactory()
    router = ReplicaRouter()
    assert router.db_for_read(Offering) is None  # outside a marked view: default
    assert replica_reads(_routed_view)(rf.get("/")).content == REPLICA.encode()
    assert router.db_for_read(Offering) is None  # the marker ends with the view
    assert replica_reads(_routed_view)(rf.post("/")).content == b"default"  # a write
    assert router.db_for_write(Offering) == "default"
    assert router.allow_migrate(REPLICA, "listings") is False
    assert router.allow_migrate("default", "listings") is True


def test_a_browser_that_just_wrote_reads_from_the_primary(replica):
    request = RequestFactory().get("/")
    request.COOKIES[PIN_COOKIE] = "1"
    assert replica_reads(_routed_view)(request).content == b"default"


@pytest.mark.django_db
def test_a_post_pins_the_browser_and_the_pages_render_from_the_replica(
    replica, client, settings, monkeypatch
):
    # The replica alias shares the test's connection (and so its open transaction).
    connections[REPLICA] = connections["default"]
    factories.make_offering(title="副本里的客服模型")
    used = []
    real = ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        alias = real(self, model, **hints)
        used.append(alias or "default")
        return alias

    monkeypatch.setattr(ReplicaRouter, "db_for_read", spy)
    page = client.get(reverse("listings:offering-list"))
    assert "副本里的客服模型" in page.content.decode()
    assert REPLICA in used and not page.cookies.get(PIN_COOKIE)

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.cookies[PIN_COOKIE]["max-age"] == settings.DATABASE_REPLICA_PIN_SECONDS
    used.clear()
    client.get(reverse("listings:offering-list"))
    assert used and REPLICA not in used
    assert db_router._reads_on_replica.get() is False
