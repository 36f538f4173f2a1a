"""The demo connections seeder builds an accepted request with messages, once."""

from __future__ import annotations

from matchmaking.connections.demo import seed_connections
from matchmaking.connections.models import Connection, Message
from tests import factories


class SeedConnectionsTests:
    def test_seeder_is_idempotent_and_builds_the_demo_story(self, db):
        bank = factories.make_organization(
            kind="enterprise", owner=factories.make_user(email="enterprise@example.com")
        )
        bank.ref = "demo-e-bank"
        bank.save()
        zhiyun = factories.make_organization(
            kind="vendor", owner=factories.make_user(email="vendor@example.com")
        )
        zhiyun.ref = "demo-v-zhiyun"
        zhiyun.save()
        factories.make_offering(organization=zhiyun)
        factories.make_need(organization=bank)

        assert seed_connections({}, None)
        connection = Connection.objects.get()
        assert connection.state == "accepted" and Message.objects.count() == 2
        assert seed_connections({}, None) == []
        assert Connection.objects.count() == 1

    def test_seeder_skips_without_the_demo_organizations(self, db):
        assert "skipped" in seed_connections({}, None)[0]
