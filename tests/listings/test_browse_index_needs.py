"""The in-memory index of open needs (listings.browse.needs.NeedIndex) gives exactly what the SQL
path gives — same rows, order, totals and facet counts — for every kind of viewer: anonymous,
an enterprise with private needs of its own, a vendor a private need was shown to, an admin."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.urls import reverse

from matchmaking.listings import models, selectors
from matchmaking.listings.browse.needs import need_index
from matchmaking.listings.browse.selectors import need_browse
from matchmaking.listings.filtersets import NeedFilterSet
from matchmaking.listings.scoping import private_need_audience
from tests import factories

COMBINATIONS = [
    "",
    "sector=finance",
    "sector=healthcare&app_type=qa",
    "app_type=qa&app_type=data_analysis&deployment=private",
    "deployment=public_api",
    "budget_min=300000",
    "budget_max=250000",
    "budget_min=100000&budget_max=400000&sort=budget_desc",
    "sort=deadline",
    "sort=budget_desc",
    "region=上海",
    "region=北",
    "q=客服",
    "q=客服 热线&sort=relevance",
    "q=影像&sector=healthcare",
    "q=nothing-matches",
]


@pytest.fixture
def world(db, monkeypatch):
    poster = factories.make_organization(kind="enterprise")
    other = factories.make_organization(kind="enterprise")
    vendor = factories.make_organization(kind="vendor")
    today = datetime.date.today()
    specs = [
        dict(
            title="信用卡客服热线分流", sectors=("finance",), budget_min=100_000, budget_max=300_000
        ),
        dict(
            title="医院影像质控",
            sectors=("healthcare",),
            app_types=("data_analysis",),
            region="上海",
            budget_min=None,
            budget_max=None,
            expires_on=today + datetime.timedelta(days=9),
        ),
        dict(
            title="政务热线问答",
            sectors=("government",),
            deployment=("public_api",),
            region="",
            budget_min=400_000,
            budget_max=None,
        ),
        dict(
            title="客服质检",
            sectors=(),
            app_types=("qa", "data_analysis"),
            deployment=("private",),
            region="全国",
            expires_on=today + datetime.timedelta(days=3),
        ),
        dict(
            title="北京制造知识库",
            sectors=("manufacturing",),
            region="北京市",
            budget_min=50_000,
            budget_max=80_000,
        ),
    ]
    needs = []
    for number, spec in enumerate(specs * 3):
        visibility = ("public", "anonymous", "private")[number % 3]
        organization = poster if number % 2 else other
        needs.append(factories.make_need(organization=organization, visibility=visibility, **spec))
    factories.make_need(organization=poster, status="draft", title="草稿客服需求")
    shown = [
        need.pk for need in needs if need.visibility == "private" and need.organization == other
    ]
    monkeypatch.setattr(
        private_need_audience,
        "providers",
        lambda: [lambda org_id: shown[:2] if org_id == vendor.pk else []],
    )
    return {
        "anonymous": AnonymousUser(),
        "poster": poster.memberships.get().user,
        "vendor shown a private need": vendor.memberships.get().user,
        "admin": factories.make_user(is_staff=True),
    }


def _filterset(query: str, user):
    return NeedFilterSet(QueryDict(query) or None, queryset=selectors.need_list_queryset(user))


def _sql(query: str, user):
    filterset = _filterset(query, user)
    rows = list(filterset.order(filterset.qs).values_list("pk", flat=True))
    return rows, filterset.facet_counts()


def _indexed(query: str, user):
    found = need_browse(params=QueryDict(query), user=user, page=1, per_page=10_000)
    assert found.index is not None  # the in-memory path answered
    return found.page.object_list, found.counts


class NeedBrowseIndexTests:
    @pytest.mark.parametrize(
        "viewer", ["anonymous", "poster", "vendor shown a private need", "admin"]
    )
    @pytest.mark.parametrize("query", COMBINATIONS)
    def test_index_answers_like_the_database(self, world, viewer, query):
        """Rows, order and every facet count equal the SQL path's for this viewer."""
        user = world[viewer]
        assert _indexed(query, user) == _sql(query, user)

    def test_private_needs_stay_out_of_an_outsiders_results(self, world):
        ids, _counts = _indexed("", world["anonymous"])
        visibilities = set(
            models.Need.objects.filter(pk__in=ids).values_list("visibility", flat=True)
        )
        assert visibilities == {"public", "anonymous"}

    def test_a_new_need_shows_on_the_next_page_view(self, world, client):
        client.get(reverse("listings:need-list"))
        factories.make_need(title="全新发布的质检需求")
        response = client.get(reverse("listings:need-list"), {"q": "全新发布"})
        assert [n.title for n in response.context["object_list"]] == ["全新发布的质检需求"]

    def test_a_closed_need_leaves_the_results_at_once(self, world, client):
        need = models.Need.objects.filter(visibility="public").first()
        client.get(reverse("listings:need-list"))
        need.status = "closed"
        need.save()
        response = client.get(reverse("listings:need-list"))
        assert need.pk not in [n.pk for n in response.context["object_list"]]

    def test_the_index_is_used(self, world):
        assert need_index() is not None


class NeedRowCardTests:
    """Need rows are cached per viewer kind: an anonymous need's poster is named only to its
    own organization and admins, even when another viewer's row was cached first."""

    def test_an_anonymous_posters_name_reaches_only_its_own_organization(self, db, client):
        poster = factories.make_organization(kind="enterprise", name="隐名制造集团")
        factories.make_need(organization=poster, visibility="anonymous", title="匿名质检需求")
        listing = reverse("listings:need-list")
        assert "隐名制造集团" not in client.get(listing).content.decode()
        client.force_login(poster.memberships.get().user)
        assert "隐名制造集团" in client.get(listing).content.decode()
        client.force_login(factories.make_organization(kind="vendor").memberships.get().user)
        assert "隐名制造集团" not in client.get(listing).content.decode()
        client.force_login(factories.make_user(is_staff=True))
        assert "隐名制造集团" in client.get(listing).content.decode()

    def test_a_renamed_poster_shows_its_new_name_on_the_next_page_view(self, db, client):
        poster = factories.make_organization(kind="enterprise", name="旧名企业")
        factories.make_need(organization=poster, visibility="public")
        listing = reverse("listings:need-list")
        assert "旧名企业" in client.get(listing).content.decode()
        poster.name = "新名企业"
        poster.save()
        page = client.get(listing).content.decode()
        assert "新名企业" in page and "旧名企业" not in page
