"""The need page's similar-cases panel is chosen once per data version and set of categories
(``cases.caching``): a repeated view reads no case, any write that could change the panel
shows on the next view, and every viewer gets the published cases only."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matchmaking.cases import services
from matchmaking.cases.caching import cached_cases_like_need
from matchmaking.cases.choices import CaseStatus
from matchmaking.core.models import ChangeRecord
from matchmaking.core.page_cache import PAGES_VERSION_KEY
from matchmaking.core.shared_cache import bump_version
from matchmaking.listings.caching import bump_listings_version
from matchmaking.listings.models import Need
from matchmaking.taxonomy.models import ApplicationType, Sector
from tests import factories
from tests.cases.conftest import make_case

pytestmark = pytest.mark.django_db


def _case_queries(client, url) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    sqls = [query["sql"] for query in captured.captured_queries]
    return response.content.decode(), [sql for sql in sqls if '"cases_case"' in sql]


@contextmanager
def committed(label: str, pk: int):
    """The block's writes, then what their commit does: the change feed has recorded the row
    (``core.changes``), and its after-commit callback bumps the pages version. (The test's
    transaction never commits, and a second capture of on-commit callbacks in one test
    transaction would not queue the bump again.)"""
    latest = ChangeRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    yield
    assert ChangeRecord.objects.filter(pk__gt=latest, label=label, object_id=pk).exists()
    bump_version(PAGES_VERSION_KEY)


@pytest.fixture
def need_and_owner(db):
    need = factories.make_need(sectors=("finance",), app_types=("qa",))
    return need, need.organization.memberships.get().user


class SimilarCasesCacheTests:
    def test_a_repeated_view_reads_no_case(self, client, vendor, need_and_owner):
        make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="同行业案例")
        need, owner = need_and_owner
        client.force_login(owner)
        body, first = _case_queries(client, need.get_absolute_url())
        assert "同行业案例" in body and first
        body, second = _case_queries(client, need.get_absolute_url())
        assert "同行业案例" in body and second == []

    def test_a_repeated_view_renders_no_case_card_and_each_language_has_its_own(
        self, client, vendor, need_and_owner
    ):
        make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="同行业案例")
        need, owner = need_and_owner
        client.force_login(owner)
        card = "cases/includes/case_card.html"
        first = client.get(need.get_absolute_url())
        assert card in [template.name for template in first.templates]
        again = client.get(need.get_absolute_url())
        assert card not in [template.name for template in again.templates]
        assert "同行业案例" in again.content.decode()
        assert "Enterprises like you used" not in again.content.decode()
        english = client.get(need.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        assert card in [template.name for template in english.templates]
        assert "Enterprises like you used" in english.content.decode()

    def test_writes_show_on_the_next_view(self, client, vendor, curator, need_and_owner):
        need, owner = need_and_owner
        client.force_login(owner)
        url = need.get_absolute_url()
        assert "similar-cases" not in client.get(url).content.decode()
        # Published: the services bump the listings version at once.
        case = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="新发布案例")
        assert "新发布案例" in client.get(url).content.decode()
        # Changed by a curator while published, the vendor renamed: the change feed records
        # the rows, and its commit bumps the pages version.
        with committed("cases.case", case.pk):
            services.case_update(actor=curator, case=case, title="改过标题的案例")
        body = client.get(url).content.decode()
        assert "改过标题的案例" in body and "新发布案例" not in body
        with committed("accounts.organization", vendor.pk):
            vendor.name = "改名后的厂商"
            vendor.save()
        assert "改名后的厂商" in client.get(url).content.decode()
        # Returned to the vendor: gone from the panel.
        services.case_return(actor=curator, case=case, reason="请补充。")
        assert "改过标题的案例" not in client.get(url).content.decode()

    def test_the_need_moved_to_other_categories_gets_their_cases(
        self, client, vendor, need_and_owner
    ):
        make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="金融案例")
        make_case(
            vendor=vendor,
            status=CaseStatus.PUBLISHED,
            title="医疗案例",
            sector=Sector.objects.get(code="healthcare"),
            app_type=ApplicationType.objects.get(code="qa"),
        )
        need, owner = need_and_owner
        client.force_login(owner)
        assert "金融案例" in client.get(need.get_absolute_url()).content.decode()
        # No version is bumped here (no commit in the test): the key's categories alone move.
        need.sectors.set([Sector.objects.get(code="healthcare")])
        moved = Need.objects.prefetch_related("sectors", "app_types").get(pk=need.pk)
        titles = cached_cases_like_need(
            moved, lambda cases, exact: ",".join(c.title for c in cases)
        )
        assert titles == "医疗案例"
        # On the page, as every write of a need does (the services bump the listings version,
        # which the similar cases' key carries).
        bump_listings_version()
        body = client.get(need.get_absolute_url()).content.decode()
        assert "医疗案例" in body and "金融案例" not in body

    def test_every_viewer_gets_the_published_cases_only(self, client, vendor, need_and_owner):
        """The entry is shared by every viewer, so it must hold nothing one viewer may see and
        another may not: a vendor's own draft is never in it, even when that vendor's member
        is the first to look (and fills the entry)."""
        make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="已发布案例")
        make_case(vendor=vendor, status=CaseStatus.DRAFT, title="厂商草稿案例")
        need, owner = need_and_owner
        need.visibility = "public"
        need.save()
        vendor_member = vendor.memberships.first().user
        for viewer in (vendor_member, owner, factories.make_user(is_staff=True)):
            client.force_login(viewer)
            body = client.get(need.get_absolute_url()).content.decode()
            assert "已发布案例" in body and "厂商草稿案例" not in body
        client.logout()
        body = client.get(need.get_absolute_url()).content.decode()
        assert "已发布案例" in body and "厂商草稿案例" not in body


def _browse(client, query: str) -> tuple[str, list[str]]:
    return _case_queries(client, f"/offerings/?{query}")


class BrowseCaseFlagsTests:
    """The offerings' ``has_cases`` / ``vendor_cases`` flags read the published cases once
    per cases version (``caching.published_case_rows``), not on every page view, and every
    case write shows on the next view."""

    def test_a_repeated_combination_and_a_new_one_read_no_case(self, client, vendor):
        offering = factories.make_offering(organization=vendor, title="有案例的产品")
        make_case(vendor=vendor, status=CaseStatus.PUBLISHED, offering=offering)
        body, first = _browse(client, "has_cases=1")
        assert "有案例的产品" in body and first
        body, again = _browse(client, "has_cases=1&page=1")
        assert "有案例的产品" in body and again == []
        # Another combination, counted with both flags: still no case read.
        body, other = _browse(client, "vendor_cases=1&sector=finance")
        assert "有案例的产品" in body and other == []

    def test_the_versions_are_read_in_one_round_trip(self, client, vendor):
        factories.make_offering(organization=vendor, title="任意产品")
        client.get("/offerings/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/offerings/?has_cases=1&kind=product").status_code == 200
        # The versions: rows of the shared cache table (SQLite), sequences (PostgreSQL,
        # named matchmaking_version_<key>_<hash>).
        reads = [
            query["sql"]
            for query in captured.captured_queries
            if "matchmaking_shared_cache" in query["sql"]
            or "pg_sequence_last_value" in query["sql"]
        ]
        assert len(reads) == 1, reads
        assert "cases:version" in reads[0] or "cases_version" in reads[0], reads[0]

    def test_every_case_write_shows_on_the_next_view(self, client, vendor, curator):
        offering = factories.make_offering(organization=vendor, title="被引用的产品")
        factories.make_offering(
            organization=vendor, title="同厂商医疗产品", sectors=("healthcare",)
        )
        assert "被引用的产品" not in _browse(client, "has_cases=1")[0]
        case = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, offering=offering)
        assert "被引用的产品" in _browse(client, "has_cases=1")[0]
        body = _browse(client, "vendor_cases=1")[0]
        assert "被引用的产品" in body and "同厂商医疗产品" not in body
        # Moved to another sector by an edit (no status change): the vendor flag follows.
        services.case_update(actor=curator, case=case, sector=Sector.objects.get(code="healthcare"))
        body = _browse(client, "vendor_cases=1")[0]
        assert "同厂商医疗产品" in body and "被引用的产品" not in body
        # Returned to the vendor: backs nothing.
        services.case_return(actor=curator, case=case, reason="请补充。")
        assert "被引用的产品" not in _browse(client, "has_cases=1")[0]
        assert "同厂商医疗产品" not in _browse(client, "vendor_cases=1")[0]
        # Published again, then deleted (the admin's delete sends no service call).
        case = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, offering=offering)
        assert "被引用的产品" in _browse(client, "has_cases=1")[0]
        case.delete()
        assert "被引用的产品" not in _browse(client, "has_cases=1")[0]

    def test_drafts_and_cases_under_review_back_nothing(self, client, vendor):
        offering = factories.make_offering(organization=vendor, title="草稿引用的产品")
        make_case(vendor=vendor, status=CaseStatus.DRAFT, offering=offering)
        make_case(vendor=vendor, status=CaseStatus.SUBMITTED, offering=offering)
        for viewer in (None, vendor.memberships.first().user, factories.make_user(is_staff=True)):
            if viewer is None:
                client.logout()
            else:
                client.force_login(viewer)
            assert "草稿引用的产品" not in _browse(client, "has_cases=1")[0]


class OfferingDetailCasesPanelTests:
    """An offering's page asks the kept published-case rows whether any case used it: an
    offering without one costs no case query, and a publication shows on the next view."""

    def test_an_offering_without_cases_reads_no_case_and_a_publication_shows(
        self, client, vendor, curator
    ):
        offering = factories.make_offering(organization=vendor, title="详情页产品")
        make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="别的产品的案例")
        url = offering.get_absolute_url()
        client.get(url)  # the kept rows filled
        body, reads = _case_queries(client, url)
        assert "详情页产品" in body and reads == []
        case = make_case(
            vendor=vendor, status=CaseStatus.PUBLISHED, offering=offering, title="用了它的案例"
        )
        assert "用了它的案例" in client.get(url).content.decode()
        services.case_return(actor=curator, case=case, reason="请补充。")
        assert "用了它的案例" not in client.get(url).content.decode()
