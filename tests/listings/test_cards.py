"""Browse rows are rendered once and reused (listings.cards) — but never shown stale: a saved
offering or vendor shows its change on the next page view, and each language has its rows."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matchmaking.accounts import services as account_services
from matchmaking.core import shared_cache
from tests import factories

LIST = reverse("listings:offering-list")


@pytest.fixture
def offering(db):
    return factories.make_offering(title="智能客服机器人", sectors=())


def _titles(response) -> list[str]:
    return [card.title for card in response.context["object_list"]]


class OfferingCardTests:
    def test_the_second_view_of_a_page_reads_no_listing_rows(self, offering, client):
        """Rows come from the card cache: no query for the offerings' rows or their terms."""
        client.get(LIST)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert _titles(response) == ["智能客服机器人"]
        row_reads = [
            query["sql"]
            for query in queries.captured_queries
            if "listings_offering_sectors" in query["sql"]
            or '"listings_offering"."summary"' in query["sql"]
        ]
        assert row_reads == []

    def test_a_saved_offering_shows_its_change_on_the_next_page_view(self, offering, client):
        client.get(LIST)
        offering.title = "智能客服机器人 二代"
        offering.save()
        response = client.get(LIST)
        assert _titles(response) == ["智能客服机器人 二代"]
        assert "智能客服机器人 二代" in response.content.decode()

    def test_a_vendor_verified_after_caching_shows_its_badge_on_the_next_page_view(
        self, offering, client, english
    ):
        admin = factories.make_user(is_staff=True)
        assert "badge-verified" not in client.get(LIST).content.decode()
        account_services.verification_decide(
            organization=offering.organization, admin=admin, grant=True
        )
        assert "badge-verified" in client.get(LIST).content.decode()

    def test_each_language_gets_its_own_rows(self, offering, client):
        """A sector-agnostic offering reads 全部行业 in Chinese and "All sectors" in English,
        whichever language asked first."""
        assert "全部行业" in client.get(LIST).content.decode()
        client.cookies["django_language"] = "en"
        english = client.get(LIST).content.decode()
        assert "All sectors" in english
        assert "全部行业" not in english


class RowRenderingTests:
    """Missing rows are read in bulk and rendered by one render of the rows template."""

    @staticmethod
    def _cards(count: int, django_assert_num_queries):
        from matchmaking.listings.browse.offerings import offering_index
        from matchmaking.listings.cards import offering_cards
        from matchmaking.listings.fields import TERM_FIELDS
        from matchmaking.listings.models import Offering
        from matchmaking.listings.selectors import offering_list_queryset
        from matchmaking.taxonomy.selectors import active_terms, taxonomy_version

        vendor = factories.make_organization(kind="vendor")
        pks = [
            factories.make_offering(
                organization=vendor,
                sectors=("finance", "healthcare"),
                app_types=("qa",),
                deployment=("private", "saas"),
            ).pk
            for _ in range(count)
        ]
        index = offering_index()  # built (or patched) before counting
        queryset = offering_list_queryset(None)
        index.row_versions(pks)
        # As in a request that has read the versions and the taxonomy's terms (the filters
        # do, before the rows): one query for the rows, with vendor, kind and layer; the
        # terms come from the index — whatever the number of rows.
        shared_cache.begin_request()
        try:
            taxonomy_version()
            for field in TERM_FIELDS:
                active_terms(Offering._meta.get_field(field).related_model)
            with django_assert_num_queries(1):
                return pks, offering_cards(pks, queryset, index=index)
        finally:
            shared_cache.end_request()

    @pytest.mark.parametrize("count", [2, 12])
    def test_rows_cost_the_same_queries_however_many(self, db, count, django_assert_num_queries):
        pks, cards = self._cards(count, django_assert_num_queries)
        assert [card.pk for card in cards] == pks
        for card in cards:
            assert card.html.count("<article") == 1
            assert f'data-offering="{card.pk}"' in card.html

    def test_each_row_lists_its_own_terms_in_display_order(self, db, client):
        from matchmaking.taxonomy.models import Sector

        first = factories.make_offering(title="甲", sectors=(), app_types=(), deployment=("saas",))
        for code in ("healthcare", "finance"):  # linked in the reverse of the display order
            first.sectors.add(Sector.objects.get(code=code))
        factories.make_offering(title="乙", sectors=(), app_types=("qa",), deployment=())
        rows = {card.title: card.html for card in client.get(LIST).context["object_list"]}
        assert rows["甲"].index("金融") < rows["甲"].index("医疗")  # display order, not link order
        assert "全部行业" not in rows["甲"] and "badge-mode" in rows["甲"]
        assert "全部行业" in rows["乙"] and "badge-mode" not in rows["乙"]

    def test_the_index_names_the_same_terms_as_the_link_tables(self, db):
        """Every term of every field, inactive ones too, in display order — for both kinds."""
        from matchmaking.listings.browse.needs import need_index
        from matchmaking.listings.browse.offerings import offering_index
        from matchmaking.listings.cards import indexed_term_names
        from matchmaking.listings.fields import TERM_FIELDS
        from matchmaking.taxonomy.models import Sector

        retired = Sector.objects.create(code="retired", name_zh="旧行业", name_en="Old", order=0)
        listings = [
            factories.make_offering(sectors=("healthcare", "finance"), deployment=("saas",)),
            factories.make_offering(sectors=(), app_types=(), deployment=()),
            factories.make_need(sectors=("government",), app_types=("qa", "kb")),
        ]
        listings[0].sectors.add(retired)
        Sector.objects.filter(pk=retired.pk).update(is_active=False)
        listings[0].save()  # the change feed: the index re-reads the row's links
        for listing in listings:
            index = (offering_index if listing._meta.model_name == "offering" else need_index)()
            by_index = indexed_term_names(index, [listing.pk])[listing.pk]
            for field in TERM_FIELDS:
                terms = getattr(listing, field).order_by("order", "code")
                assert by_index[field] == [term.name for term in terms], field
        assert indexed_term_names(offering_index(), [listings[0].pk])[listings[0].pk][
            "sectors"
        ] == ["旧行业", "金融", "医疗"]

    @pytest.mark.parametrize("kind", ["offering", "need"])
    def test_a_page_of_missing_rows_is_read_by_key(self, db, client, kind):
        """The rows' read has no ORDER BY (the page's order is the index's): ordered by
        published_at, SQLite without statistics — every database Django creates — walked
        the whole (status, published_at) index to avoid sorting 20 rows, 7–12 ms at 100k."""
        make = factories.make_offering if kind == "offering" else factories.make_need
        for number in range(20):
            make(title=f"第{number}条")
        client.get(reverse(f"listings:{kind}-list"))  # versions and terms read
        cache.clear()  # the rows are not cached
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(f"listings:{kind}-list"))
        assert len(response.context["object_list"]) == 20
        reads = [
            query["sql"]
            for query in queries.captured_queries
            if f'"listings_{kind}"."summary"' in query["sql"]
            or f'"listings_{kind}"."description"' in query["sql"]
        ]
        assert len(reads) == 1
        assert "ORDER BY" not in reads[0]
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {reads[0]}")
                plan = [row[-1] for row in cursor.fetchall()]
            (search,) = [step for step in plan if f"SEARCH listings_{kind} " in step]
            assert "rowid=?" in search, plan

    def test_a_row_names_its_price_unit_in_the_pages_language(self, db, client):
        factories.make_offering(
            title="按年计价", price_min=100_000, price_max=200_000, price_unit="year"
        )
        row = client.get(LIST).context["object_list"][0].html
        assert "按年" in row
        client.cookies["django_language"] = "en"
        assert "per year" in client.get(LIST).context["object_list"][0].html

    def test_a_title_that_looks_like_the_row_separator_stays_one_row(self, db, client):
        factories.make_offering(title="<!--row--> 注释标题")
        factories.make_offering(title="另一个")
        cards = client.get(LIST).context["object_list"]
        assert sorted(card.title for card in cards) == ["<!--row--> 注释标题", "另一个"]
        html = next(card.html for card in cards if card.title.startswith("<"))
        assert "&lt;!--row--&gt; 注释标题" in html
        assert html.count("<article") == 1

    def test_an_anonymous_need_row_names_its_poster_only_to_its_members(self, db, client):
        enterprise = factories.make_organization(kind="enterprise", name="保密银行")
        factories.make_need(organization=enterprise, visibility="anonymous", title="匿名需求")
        need_list = reverse("listings:need-list")
        assert "保密银行" not in client.get(need_list).content.decode()
        client.force_login(factories.make_member(enterprise))
        assert "保密银行" in client.get(need_list).content.decode()
