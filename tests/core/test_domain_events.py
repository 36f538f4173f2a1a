"""Domain events: delivered once after commit, never after a rollback; a failing subscriber
is logged and neither the other subscribers nor the writer's request suffer."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction
from django.urls import reverse

from matchmaking.core import domain_events
from matchmaking.core.domain_events import EVENTS, send_event, subscribe, subscribers
from matchmaking.listings.models import Need
from tests import factories

pytestmark = pytest.mark.django_db


def _broken(**payload):
    raise RuntimeError("subscriber bug")


_calls: list[int] = []


def _count(*, offering_id, created):
    _calls.append(offering_id)


@pytest.fixture
def broken_subscriber():
    subscribe("need_saved", _broken)
    yield
    domain_events.unsubscribe("need_saved", _broken)


class DeliveryTests:
    def test_an_event_reaches_its_subscribers_only_when_the_transaction_commits(
        self, domain_events, django_capture_on_commit_callbacks
    ):
        received = domain_events("need_saved")
        with django_capture_on_commit_callbacks(execute=True):
            send_event("need_saved", need_id=7, created=True)
            assert received == []
        assert received == [{"need_id": 7, "created": True}]

    def test_a_rolled_back_write_sends_nothing(
        self, domain_events, django_capture_on_commit_callbacks
    ):
        received = domain_events("need_saved")
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            send_event("need_saved", need_id=7, created=True)
            raise RuntimeError("rolled back")
        assert callbacks == []
        assert received == []

    def test_subscribing_twice_delivers_once(self, django_capture_on_commit_callbacks):
        _calls.clear()
        subscribe("offering_saved", _count)
        subscribe("offering_saved", _count)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                send_event("offering_saved", offering_id=3, created=False)
        finally:
            domain_events.unsubscribe("offering_saved", _count)
        assert _calls == [3]

    def test_a_failing_subscriber_is_logged_and_the_others_still_run(
        self, broken_subscriber, domain_events, caplog, django_capture_on_commit_callbacks
    ):
        received = domain_events("need_saved")
        with (
            caplog.at_level(logging.ERROR, logger="matchmaking.core.domain_events"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            send_event("need_saved", need_id=1, created=False)
        assert received == [{"need_id": 1, "created": False}]
        assert any("_broken" in record.getMessage() for record in caplog.records)

    def test_an_undeclared_event_or_payload_is_refused(self):
        with pytest.raises(ValueError):
            send_event("need_posted", need_id=1)
        with pytest.raises(TypeError):
            send_event("need_saved", need_id=1)
        with pytest.raises(ValueError):
            subscribe("need_posted", _broken)

    def test_the_apps_subscribe_from_ready(self):
        assert "matchmaking.matching.signals.need_saved" in subscribers("need_saved")
        assert "matchmaking.matching.signals.offering_saved" in subscribers("offering_saved")
        for name in (
            "suggestion_added",
            "revision_decided",
            "join_requested",
            "join_answered",
            "verification_decided",
        ):
            assert any(key.startswith("matchmaking.notifications.") for key in subscribers(name))
        assert set(EVENTS) >= {
            "need_saved",
            "offering_saved",
            "suggestion_added",
            "connection_accepted",
        }


@pytest.mark.django_db(transaction=True)
class WritersRequestTests:
    def test_a_failing_subscriber_does_not_break_the_posters_request(
        self, client, broken_subscriber, caplog
    ):
        """A real commit (no test transaction around it): the subscriber runs and fails after
        the need is saved; the poster still gets the page and the need."""
        member = factories.make_organization(kind="enterprise").memberships.get().user
        client.force_login(member)
        with caplog.at_level(logging.ERROR, logger="matchmaking.core.domain_events"):
            response = client.post(
                reverse("listings:need-create"),
                {
                    "title": "客服热线分流",
                    "description": "账单日来电排队严重。",
                    "data_availability": "some",
                    "visibility": "public",
                    "budget_min": "100000",
                    "budget_max": "300000",
                    "publish": "1",
                },
            )
        assert response.status_code == 302
        assert Need.objects.filter(title="客服热线分流").exists()
        assert any("_broken" in record.getMessage() for record in caplog.records)
