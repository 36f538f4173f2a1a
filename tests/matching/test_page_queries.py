"""The signed-in pages read stored suggestions in a fixed number of queries, whatever the
number of rows, and a need's "what relaxing would bring" is counted once per data version."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matchmaking.matching import no_match
from matchmaking.matching.models import Direction, Suggestion
from matchmaking.matching.services import revise_need_lists
from tests import factories

pytestmark = pytest.mark.django_db


def suggest(need, offering, score, direction=Direction.FOR_NEED):
    return Suggestion.objects.create(
        need=need,
        offering=offering,
        direction=direction,
        score=score,
        rank=1,
        components={"raw": score},
        reasons=[{"key": "sector", "met": True, "detail": "金融"}],
    )


def member(organization):
    return organization.memberships.get().user


def queries_of(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


class NeedPageTests:
    def test_query_count_does_not_grow_with_the_suggestions(self, client):
        need = factories.make_need(deployment=("private",))
        client.force_login(member(need.organization))
        for index in range(2):
            suggest(need, factories.make_offering(), 80 - index)
        client.get(need.get_absolute_url())  # warm: versions and relaxations counted
        few = queries_of(client, need.get_absolute_url())
        for index in range(8):
            suggest(need, factories.make_offering(title=f"第{index}个产品"), 60 - index)
        many = queries_of(client, need.get_absolute_url())
        assert len(many) == len(few), "\n".join(many)

    def test_relaxations_are_counted_once_per_data_version(self, client):
        from matchmaking.core.page_cache import PAGES_VERSION_KEY
        from matchmaking.core.shared_cache import bump_version
        from matchmaking.listings.caching import bump_listings_version

        need = factories.make_need(requires_domestic_hw=True, deployment=("private",))
        factories.make_offering(deployment=("private",))
        suggest(need, factories.make_offering(deployment=("private",)), 55)
        client.force_login(member(need.organization))
        with mock.patch.object(no_match, "relaxations", wraps=no_match.relaxations) as counted:
            client.get(need.get_absolute_url())
            assert counted.call_count == 1
            client.get(need.get_absolute_url())
            assert counted.call_count == 1  # kept: not counted again
        assert [r.count for r in no_match.cached_relaxations(need)] == [
            r.count for r in no_match.relaxations(need)
        ]
        # A new offering (the listings services bump the listings version with each write):
        # counted afresh, the new figure.
        before = {r.constraint: r.count for r in no_match.cached_relaxations(need)}
        factories.make_offering(deployment=("private",))
        # Kept until a version moves (nothing bumped yet):
        assert {r.constraint: r.count for r in no_match.cached_relaxations(need)} == before
        bump_listings_version()
        after = {r.constraint: r.count for r in no_match.cached_relaxations(need)}
        assert after["requires_domestic_hw"] == before["requires_domestic_hw"] + 1
        # Any change-feed write (an organization's filing number …) bumps the pages version.
        factories.make_offering(deployment=("private",))
        bump_version(PAGES_VERSION_KEY)
        latest = {r.constraint: r.count for r in no_match.cached_relaxations(need)}
        assert latest["requires_domestic_hw"] == after["requires_domestic_hw"] + 1
        with mock.patch.object(no_match, "relaxations", wraps=no_match.relaxations) as counted:
            client.get(need.get_absolute_url())
        assert counted.call_count == 0  # counted by the call above, shared with the page

    def test_a_warm_owner_view_runs_four_queries_and_reads_the_versions_once(self, client):
        """Once the relaxations, the similar cases, the suggestions panel and the unread count
        are cached: the data versions (one round trip for all), the session, the user with
        membership and organization (and its notifications revision), the need (with its
        suggestions revision, its taxonomy links, whether it ever had a revision and, for its
        own members, the connection count — listings.need_page_annotations; the needs the
        organization contacted are a subquery of its visibility scope). No stored
        suggestion, no notification count and no revision read (task 17q: the panel's rows
        are kept under the need's suggestions revision and the data versions, the count under
        the user's notifications revision; a need without any revision has no revision
        state to read), no case, no taxonomy or link read of its own (the links come with the
        need: listings.selectors.TermLinks), no connections query of its own, no second
        version read. Six queries before the links and the count were read with the need."""
        from tests.cases.conftest import make_case

        need = factories.make_need(sectors=("finance",), app_types=("qa",))
        vendor = factories.make_organization(kind="vendor")
        make_case(vendor=vendor, status="published", title="同行业案例")
        suggest(need, factories.make_offering(organization=vendor), 80)
        client.force_login(member(need.organization))
        client.get(need.get_absolute_url())  # warm: relaxations and similar cases cached
        sqls = queries_of(client, need.get_absolute_url())
        assert len(sqls) == 4, "\n".join(sqls)
        # the contacted needs: inside the need's query, not a round trip of their own
        assert [
            sql for sql in sqls if sql.startswith('SELECT "connections_connection"."need_id"')
        ] == []
        assert [sql for sql in sqls if "listings_need" in sql and "connections_connection" in sql]
        assert [sql for sql in sqls if "matching_suggestion" in sql] == []
        assert [sql for sql in sqls if "notifications_notification" in sql] == []
        assert [sql for sql in sqls if sql.startswith('SELECT "listings_listingrevision"')] == []
        # The versions: a row read of the shared cache table (SQLite), the sequences
        # (PostgreSQL, core.shared_cache).
        version_reads = [
            sql
            for sql in sqls
            if "matchmaking_shared_cache" in sql or "pg_sequence_last_value" in sql
        ]
        assert len(version_reads) == 1, "\n".join(sqls)
        assert [sql for sql in sqls if '"cases_case"' in sql] == []
        assert [sql for sql in sqls if sql.startswith("SELECT 0, ")] == []  # the links
        assert [sql for sql in sqls if sql.startswith('SELECT "connections_connection"')] == []

    def test_the_suggestions_panel_reads_in_a_fixed_number_of_queries(
        self, rf, django_assert_num_queries
    ):
        from matchmaking.matching.panels import need_suggestions_panel

        need = factories.make_need()
        for index in range(5):
            suggest(need, factories.make_offering(), 90 - index)
        request = rf.get(need.get_absolute_url())
        request.user = member(need.organization)
        request.user.organization  # noqa: B018 - the page's middleware has loaded it
        need_suggestions_panel(request, need)  # relaxations counted and kept
        # A list just written (its revision moved): the versions of the panel's and the
        # relaxations' keys (no request memo here), the stored rows with their offerings and
        # organizations (one join); nothing per row, no engine.
        revise_need_lists([need.pk])
        need.refresh_from_db()
        with django_assert_num_queries(3):
            panel = need_suggestions_panel(request, need)
        assert len(panel.context["rows"]) == 5
        # Then kept: the two version reads only.
        with django_assert_num_queries(2):
            panel = need_suggestions_panel(request, need)
        assert len(panel.context["rows"]) == 5


class VendorPagesTests:
    def test_opportunities_query_count_does_not_grow_with_the_rows(self, client):
        vendor = factories.make_organization(kind="vendor")
        offering = factories.make_offering(organization=vendor)
        client.force_login(member(vendor))
        for _ in range(2):
            suggest(factories.make_need(), offering, 70, Direction.FOR_OFFERING)
        client.get("/matching/opportunities/")
        few = queries_of(client, "/matching/opportunities/")
        for _ in range(8):
            suggest(
                factories.make_need(visibility="anonymous"), offering, 60, Direction.FOR_OFFERING
            )
        many = queries_of(client, "/matching/opportunities/")
        assert len(many) == len(few), "\n".join(many)

    def test_opportunities_never_list_every_live_listing(self, client):
        """Every read starts from the vendor's own live offerings: an ``IN`` over every
        published offering or every visible open need made SQLite list ~100k and ~10k ids
        per read (118 ms a page at 100k), and the needs' rules as join conditions let SQLite
        without statistics start from every open need (4.4 s). Now 3–8 ms."""
        vendor = factories.make_organization(kind="vendor")
        offering = factories.make_offering(organization=vendor)
        suggest(factories.make_need(), offering, 70, Direction.FOR_OFFERING)
        client.force_login(member(vendor))
        for url in ("/matching/opportunities/", "/connections/dashboard/"):
            sqls = [sql for sql in queries_of(client, url) if '"matching_suggestion"' in sql]
            assert sqls, url
            for sql in sqls:
                for part in sql.split('FROM "listings_offering" ')[1:]:
                    # a list of offerings is the vendor's own
                    assert "organization_id" in part.split(")")[0], sql
                for part in sql.split('FROM "listings_need" ')[1:]:
                    # a list of needs is narrowed to those suggested for those offerings
                    assert '"need_id" FROM "matching_suggestion"' in part, sql

    def test_an_enterprise_dashboard_never_lists_every_live_offering(self, client):
        """Its counts start from the enterprise's own needs; the suggested offerings are
        narrowed to the live ones by key (as a join condition, SQLite without statistics
        started from every published offering: 294 ms at 100k)."""
        need = factories.make_need()
        suggest(need, factories.make_offering(), 80)
        client.force_login(member(need.organization))
        sqls = [
            sql
            for sql in queries_of(client, "/connections/dashboard/")
            if '"matching_suggestion"' in sql
        ]
        assert sqls
        for sql in sqls:
            assert 'INNER JOIN "listings_offering"' not in sql, sql
            for part in sql.split('FROM "listings_need" ')[1:]:
                assert "organization_id" in part.split(" FROM ")[0], sql  # the enterprise's own
            for part in sql.split('FROM "listings_offering" ')[1:]:
                assert '"offering_id" FROM "matching_suggestion"' in part, sql  # suggested ones

    def test_inbox_query_count_does_not_grow_with_the_connections(self, client):
        from datetime import timedelta

        from django.utils import timezone

        from matchmaking.connections.models import Connection

        enterprise = factories.make_organization(kind="enterprise")
        client.force_login(member(enterprise))

        def receive(count):
            for _ in range(count):
                offering = factories.make_offering()
                Connection.objects.create(
                    kind="request",
                    offering=offering,
                    initiator_org=offering.organization,
                    receiver_org=enterprise,
                    initiated_by=member(offering.organization),
                    message="想了解贵司的需求",
                    expires_at=timezone.now() + timedelta(days=14),
                )

        receive(2)
        client.get("/connections/")
        few = queries_of(client, "/connections/")
        receive(6)
        many = queries_of(client, "/connections/")
        assert len(many) == len(few), "\n".join(many)
