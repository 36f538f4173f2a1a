"""The connection workflow: who may do what, in which state, and what it produces."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matchmaking.connections import selectors, services
from matchmaking.connections.models import Connection, ConnectionEvent
from matchmaking.notifications.models import Notification
from tests import factories


def _request(world, **kwargs):
    kwargs.setdefault("message", "我们想了解贵司的智能客服方案")
    connection, created = services.connection_request(
        user=world.enterprise_member, offering=world.offering, **kwargs
    )
    assert created
    return connection


def _propose(world, **kwargs):
    kwargs.setdefault("message", "期待合作")
    kwargs.setdefault("approach", "知识库问答 + 坐席辅助")
    connection, created = services.connection_propose(
        user=world.vendor_member, need=world.need, **kwargs
    )
    assert created
    return connection


class StartingConnectionTests:
    def test_enterprise_member_request_is_pending_and_notifies_the_vendor(self, world):
        """A request starts pending, is audited, and every vendor member gets a notification."""
        connection = _request(world, need=world.need, pilot_requested=True)
        assert connection.state == "pending"
        assert connection.receiver_org == world.vendor
        assert connection.pilot_requested and connection.need == world.need
        assert list(connection.events.values_list("from_state", "to_state")) == [("", "pending")]
        recipients = set(
            Notification.objects.filter(kind="request_received").values_list("recipient", flat=True)
        )
        assert recipients == {world.vendor_owner.pk, world.vendor_member.pk}

    def test_vendor_member_proposal_carries_approach_price_and_timeline(self, world):
        connection = _propose(
            world, indicative_price=300_000, timeline="8 周", offering=world.offering
        )
        assert (connection.kind, connection.receiver_org) == ("proposal", world.enterprise)
        assert connection.indicative_price == 300_000 and connection.offering == world.offering
        assert Notification.objects.filter(
            kind="proposal_received", recipient=world.enterprise_owner
        ).exists()

    def test_second_request_for_the_same_offering_returns_the_open_one(self, world):
        """At most one open connection per (offering, organization): the second attempt,
        even by another member, leads to the existing one."""
        first = _request(world)
        again, created = services.connection_request(
            user=world.enterprise_owner, offering=world.offering, message="again"
        )
        assert (again.pk, created) == (first.pk, False)
        assert Connection.objects.count() == 1

    def test_a_new_request_is_possible_once_the_previous_one_is_closed(self, world):
        first = _request(world)
        services.connection_withdraw(connection=first, user=world.enterprise_member)
        second, created = services.connection_request(
            user=world.enterprise_member, offering=world.offering, message="再试一次"
        )
        assert created and second.pk != first.pk

    def test_second_proposal_for_the_same_need_returns_the_open_one(self, world):
        first = _propose(world)
        again, created = services.connection_propose(
            user=world.vendor_owner, need=world.need, message="x", approach="y"
        )
        assert (again.pk, created) == (first.pk, False)

    def test_vendor_cannot_send_a_request_and_enterprise_cannot_propose(self, world):
        with pytest.raises(PermissionDenied):
            services.connection_request(
                user=world.third_member, offering=world.offering, message="x"
            )
        with pytest.raises(PermissionDenied):
            services.connection_propose(
                user=world.enterprise_member, need=world.need, message="x", approach="y"
            )

    def test_user_without_organization_cannot_connect(self, world):
        with pytest.raises(PermissionDenied):
            services.connection_request(
                user=factories.make_user(), offering=world.offering, message="x"
            )

    def test_request_cannot_be_tied_to_another_organizations_need(self, world):
        other_need = factories.make_need()
        with pytest.raises(PermissionDenied):
            services.connection_request(
                user=world.enterprise_member, offering=world.offering, message="x", need=other_need
            )

    def test_unpublished_offering_and_closed_need_refuse_connections(self, world):
        draft = factories.make_offering(organization=world.vendor, status="draft")
        with pytest.raises(ValidationError) as excinfo:
            services.connection_request(user=world.enterprise_member, offering=draft, message="x")
        assert excinfo.value.code == "not_available"
        closed = factories.make_need(organization=world.enterprise, status="closed")
        with pytest.raises(ValidationError):
            services.connection_propose(
                user=world.vendor_member, need=closed, message="x", approach="y"
            )
        assert Connection.objects.count() == 0

    def test_proposal_without_an_approach_is_refused_at_the_field(self, world):
        with pytest.raises(ValidationError) as excinfo:
            services.connection_propose(
                user=world.vendor_member, need=world.need, message="x", approach=" "
            )
        assert "approach" in excinfo.value.message_dict
        assert Connection.objects.count() == 0


class RateLimitTests:
    def test_daily_limit_per_organization_stops_the_next_request_with_a_clear_message(
        self, world, settings
    ):
        settings.CONNECTION_DAILY_LIMIT_PER_ORG = 2
        for _ in range(2):
            services.connection_request(
                user=world.enterprise_member,
                offering=factories.make_offering(organization=world.vendor),
                message="x",
            )
        with pytest.raises(ValidationError) as excinfo:
            services.connection_request(
                user=world.enterprise_owner, offering=world.offering, message="x"
            )
        assert excinfo.value.code == "rate_limited"
        assert "2" in excinfo.value.messages[0]
        assert Connection.objects.count() == 2

    def test_limit_counts_per_organization_not_globally(self, world, settings):
        settings.CONNECTION_DAILY_LIMIT_PER_ORG = 1
        _request(world)
        other_enterprise = factories.make_organization(kind="enterprise")
        connection, created = services.connection_request(
            user=other_enterprise.memberships.get().user, offering=world.offering, message="x"
        )
        assert created

    def test_yesterdays_requests_do_not_count(self, world, settings):
        settings.CONNECTION_DAILY_LIMIT_PER_ORG = 1
        old = _request(world)
        Connection.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
        connection, created = services.connection_request(
            user=world.enterprise_member,
            offering=factories.make_offering(organization=world.vendor),
            message="x",
        )
        assert created


class AnsweringTests:
    def test_receiver_member_accepts_and_the_sender_is_notified(self, world):
        connection = _request(world)
        accepted = services.connection_accept(connection=connection, user=world.vendor_member)
        assert accepted.state == "accepted"
        assert accepted.accepted_at and accepted.first_response_at
        event = accepted.events.last()
        assert (event.actor, event.from_state, event.to_state) == (
            world.vendor_member,
            "pending",
            "accepted",
        )
        assert Notification.objects.filter(
            kind="connection_answered", recipient=world.enterprise_member
        ).exists()

    def test_accepting_emits_connection_accepted_once_after_commit(
        self, world, domain_events, django_capture_on_commit_callbacks
    ):
        received = domain_events("connection_accepted")
        connection = _request(world)
        with django_capture_on_commit_callbacks(execute=True):
            services.connection_accept(connection=connection, user=world.vendor_member)
        assert received == [
            {
                "connection_id": connection.pk,
                "initiator_org_id": world.enterprise.pk,
                "receiver_org_id": world.vendor.pk,
            }
        ]

    @pytest.mark.parametrize("actor", ["enterprise_member", "enterprise_owner", "third_member"])
    def test_only_the_receiving_organization_may_accept(self, world, actor):
        connection = _request(world)
        with pytest.raises(PermissionDenied):
            services.connection_accept(connection=connection, user=getattr(world, actor))
        connection.refresh_from_db()
        assert connection.state == "pending"

    def test_admin_cannot_answer_on_behalf_of_an_organization(self, world, admin_user):
        connection = _request(world)
        with pytest.raises(PermissionDenied):
            services.connection_accept(connection=connection, user=admin_user)

    def test_enterprise_accepts_a_proposal_but_the_vendor_cannot(self, world):
        connection = _propose(world)
        with pytest.raises(PermissionDenied):
            services.connection_accept(connection=connection, user=world.vendor_owner)
        assert (
            services.connection_accept(connection=connection, user=world.enterprise_member).state
            == "accepted"
        )

    def test_decline_needs_a_reason_which_the_sender_sees(
        self, world, mailoutbox, django_capture_on_commit_callbacks
    ):
        connection = _request(world)
        with pytest.raises(ValidationError) as excinfo:
            services.connection_decline(
                connection=connection, user=world.vendor_member, reason="  "
            )
        assert "reason" in excinfo.value.message_dict
        with django_capture_on_commit_callbacks(execute=True):
            declined = services.connection_decline(
                connection=connection, user=world.vendor_member, reason="暂不支持私有化部署"
            )
        assert (declined.state, declined.decline_reason) == ("declined", "暂不支持私有化部署")
        assert any(
            "暂不支持私有化部署" in m.body
            for m in mailoutbox
            if world.enterprise_member.email in m.to
        )

    def test_only_the_sender_may_withdraw(self, world):
        connection = _request(world)
        with pytest.raises(PermissionDenied):
            services.connection_withdraw(connection=connection, user=world.vendor_owner)
        withdrawn = services.connection_withdraw(connection=connection, user=world.enterprise_owner)
        assert withdrawn.state == "withdrawn"
        assert withdrawn.first_response_at is None  # a withdrawal is not an answer

    def test_an_answered_request_cannot_be_answered_again(self, world):
        connection = _request(world)
        services.connection_decline(
            connection=connection, user=world.vendor_member, reason="不合适"
        )
        with pytest.raises(ValidationError) as excinfo:
            services.connection_accept(connection=connection, user=world.vendor_owner)
        assert excinfo.value.code == "invalid_transition"
        with pytest.raises(ValidationError):
            services.connection_withdraw(connection=connection, user=world.enterprise_member)


class FunnelTests:
    def test_either_side_records_in_talks_then_won_with_a_contract_value(self, world):
        connection = _request(world)
        services.connection_accept(connection=connection, user=world.vendor_member)
        services.connection_mark(
            connection=connection, user=world.enterprise_member, state="in_talks"
        )
        won = services.connection_mark(
            connection=connection,
            user=world.vendor_owner,
            state="won",
            contract_value=480_000,
            reason="签约",
        )
        assert (won.state, won.contract_value, won.outcome_reason) == ("won", 480_000, "签约")
        assert list(won.events.values_list("to_state", flat=True)) == [
            "pending",
            "accepted",
            "in_talks",
            "won",
        ]

    def test_lost_is_recorded_with_a_reason(self, world):
        connection = _request(world)
        services.connection_accept(connection=connection, user=world.vendor_member)
        lost = services.connection_mark(
            connection=connection, user=world.vendor_member, state="lost", reason="预算不足"
        )
        assert (lost.state, lost.outcome_reason) == ("lost", "预算不足")

    def test_funnel_cannot_be_marked_before_acceptance_or_by_a_third_party(self, world):
        connection = _request(world)
        with pytest.raises(ValidationError):
            services.connection_mark(connection=connection, user=world.vendor_member, state="won")
        services.connection_accept(connection=connection, user=world.vendor_member)
        with pytest.raises(PermissionDenied):
            services.connection_mark(connection=connection, user=world.third_member, state="won")

    def test_contract_value_only_for_won(self, world):
        connection = _request(world)
        services.connection_accept(connection=connection, user=world.vendor_member)
        with pytest.raises(ValidationError):
            services.connection_mark(
                connection=connection, user=world.vendor_member, state="lost", contract_value=1
            )

    def test_closed_connections_stay_closed(self, world):
        connection = _request(world)
        services.connection_accept(connection=connection, user=world.vendor_member)
        services.connection_mark(connection=connection, user=world.vendor_member, state="won")
        with pytest.raises(ValidationError):
            services.connection_mark(connection=connection, user=world.vendor_member, state="lost")


class ExpiryTests:
    def test_receiver_is_reminded_once_before_expiry(
        self, world, settings, mailoutbox, django_capture_on_commit_callbacks
    ):
        settings.CONNECTION_EXPIRY_DAYS = 14
        settings.CONNECTION_REMINDER_DAYS_BEFORE = 3
        connection = _request(world)
        start = connection.created_at
        assert services.connection_remind_due(now=start + timedelta(days=10)) == 0
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert services.connection_remind_due(now=start + timedelta(days=11, hours=1)) == 1
        assert services.connection_remind_due(now=start + timedelta(days=12)) == 0
        reminders = Notification.objects.filter(kind="connection_expiring")
        assert set(reminders.values_list("recipient", flat=True)) == {
            world.vendor_owner.pk,
            world.vendor_member.pk,
        }
        assert {address for m in mailoutbox for address in m.to} == {
            world.vendor_owner.email,
            world.vendor_member.email,
        }

    def test_unanswered_request_expires_and_the_sender_hears_of_it(self, world, settings):
        settings.CONNECTION_EXPIRY_DAYS = 14
        connection = _request(world)
        start = connection.created_at
        assert services.connection_expire_due(now=start + timedelta(days=13)) == 0
        assert services.connection_expire_due(now=start + timedelta(days=14, minutes=1)) == 1
        connection.refresh_from_db()
        assert connection.state == "expired"
        event = connection.events.last()
        assert (event.actor, event.to_state) == (None, "expired")
        assert Notification.objects.filter(
            kind="connection_answered", recipient=world.enterprise_member
        ).exists()
        assert services.connection_expire_due(now=start + timedelta(days=20)) == 0

    def test_answered_requests_do_not_expire(self, world):
        connection = _request(world)
        services.connection_accept(connection=connection, user=world.vendor_member)
        assert services.connection_expire_due(now=timezone.now() + timedelta(days=60)) == 0
        assert services.connection_remind_due(now=timezone.now() + timedelta(days=12)) == 0

    def test_expired_request_cannot_be_accepted(self, world):
        connection = _request(world)
        services.connection_expire_due(now=timezone.now() + timedelta(days=30))
        with pytest.raises(ValidationError):
            services.connection_accept(connection=connection, user=world.vendor_member)

    def test_housekeeping_command_runs(self, world):
        from django.core.management import call_command

        connection = _request(world)
        Connection.objects.filter(pk=connection.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        call_command("run_connection_housekeeping")
        connection.refresh_from_db()
        assert connection.state == "expired"


class MessageTests:
    def test_messages_only_after_acceptance_and_only_by_the_two_organizations(self, world):
        connection = _request(world)
        with pytest.raises(ValidationError) as excinfo:
            services.message_post(connection=connection, user=world.vendor_member, body="hi")
        assert excinfo.value.code == "not_accepted"
        services.connection_accept(connection=connection, user=world.vendor_member)
        with pytest.raises(PermissionDenied):
            services.message_post(connection=connection, user=world.third_member, body="hi")
        message = services.message_post(
            connection=connection, user=world.vendor_member, body="您好"
        )
        assert message.author_org == world.vendor
        assert Notification.objects.filter(
            kind="message_received", recipient=world.enterprise_owner
        ).exists()
        assert not Notification.objects.filter(
            kind="message_received", recipient=world.vendor_owner
        ).exists()

    def test_empty_message_is_refused(self, world):
        connection = _request(world)
        services.connection_accept(connection=connection, user=world.vendor_member)
        with pytest.raises(ValidationError):
            services.message_post(connection=connection, user=world.vendor_member, body="   ")


class ResponseStatsTests:
    def test_median_response_time_and_acceptance_rate(self, world):
        """Three answered after 1h, 2h and 9h (median 2h); 2 of 3 decided were accepted;
        a withdrawn and a pending one do not count."""
        now = timezone.now()
        enterprises = [factories.make_organization(kind="enterprise") for _ in range(5)]
        connections = [
            services.connection_request(
                user=org.memberships.get().user, offering=world.offering, message="x"
            )[0]
            for org in enterprises
        ]
        for connection, hours, action in zip(
            connections[:3], (1, 2, 9), ("accept", "accept", "decline"), strict=False
        ):
            Connection.objects.filter(pk=connection.pk).update(
                created_at=now - timedelta(hours=hours)
            )
            connection.refresh_from_db()
            if action == "accept":
                services.connection_accept(connection=connection, user=world.vendor_member)
            else:
                services.connection_decline(
                    connection=connection, user=world.vendor_member, reason="no"
                )
        services.connection_withdraw(
            connection=connections[3], user=enterprises[3].memberships.get().user
        )
        stats = selectors.organization_response_stats(world.vendor)
        assert stats["received"] == 5
        assert stats["answered"] == 3
        assert 2 * 3600 - 60 < stats["median_response_seconds"] < 2 * 3600 + 60
        assert stats["acceptance_rate"] == pytest.approx(2 / 3)

    def test_organization_without_requests_has_no_figures(self, world):
        stats = selectors.organization_response_stats(world.third)
        assert stats["median_response_seconds"] is None and stats["acceptance_rate"] is None


class AuditTests:
    def test_every_state_change_records_who_and_when(self, world):
        connection = _request(world)
        services.connection_accept(connection=connection, user=world.vendor_owner)
        services.connection_mark(
            connection=connection, user=world.enterprise_member, state="lost", reason="换方案"
        )
        events = list(ConnectionEvent.objects.filter(connection=connection))
        assert [(e.actor, e.to_state) for e in events] == [
            (world.enterprise_member, "pending"),
            (world.vendor_owner, "accepted"),
            (world.enterprise_member, "lost"),
        ]
        assert all(e.at is not None for e in events)
        assert events[-1].note == "换方案"
