"""The SQL path is the reference: for many random filter combinations (a seeded generator) the
in-memory path of the browse selectors gives the same rows in the same order, the same totals
and the same facet counts — for every kind of viewer, including a vendor that sees a private
need through a connection (the connections app's provider of ``scoping.private_need_audience``).
"""

from __future__ import annotations

import datetime
import random
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.utils import timezone

from matchmaking.connections.models import Connection
from matchmaking.listings import scoping, selectors
from matchmaking.listings.browse.selectors import need_browse, offering_browse
from matchmaking.listings.filtersets import NeedFilterSet, OfferingFilterSet
from matchmaking.taxonomy.models import ApplicationType, DeploymentMode, Layer, OfferingKind, Sector
from matchmaking.taxonomy.selectors import active_terms
from tests import factories
from tests.cases.conftest import make_case

SEED = 20231
COMBINATIONS = 30
VIEWERS = ("anonymous", "enterprise member", "vendor member", "other organization", "admin")
WORDS = ["客服", "知识库", "质检", "数据", "政务 问答", "影像", "gpu", "机器人 客服", "无此词"]
REGIONS = ["北京", "上海", "广东", "北", "全国"]


def _codes(model) -> list[str]:
    return [term.code for term in active_terms(model)]


@pytest.fixture
def world(db):
    rng = random.Random(SEED)
    sectors, app_types = _codes(Sector), _codes(ApplicationType)
    deployments, kinds, layers = _codes(DeploymentMode), _codes(OfferingKind), _codes(Layer)
    vendors = [factories.make_organization(kind="vendor") for _ in range(3)]
    vendors[0].verification_status = "verified"
    vendors[0].filing_number = "Beijing-WangXin-2024-0009"
    vendors[0].save()
    enterprise, other = (factories.make_organization(kind="enterprise") for _ in range(2))
    offerings = []
    for number in range(36):
        low = rng.choice([None, 20_000, 80_000, 150_000, 400_000])
        offerings.append(
            factories.make_offering(
                organization=vendors[number % 3],
                title=rng.choice(["智能客服", "知识库问答", "医疗影像质检", "政务数据治理"])
                + str(number),
                summary=rng.choice(["客服机器人", "GPU 算力", "数据标注", "问答"]),
                kind=rng.choice(kinds),
                layer=rng.choice([*layers, None]),
                sectors=rng.sample(sectors, rng.randint(0, 2)),
                app_types=rng.sample(app_types, rng.randint(0, 2)),
                deployment=rng.sample(deployments, rng.randint(0, 2)),
                price_min=low,
                price_max=None if low is None or rng.random() < 0.3 else low * 2,
                regions=rng.sample(REGIONS, rng.randint(0, 2)),
                domestic_platforms=["昇腾"] if rng.random() < 0.4 else [],
                on_premises_data=rng.random() < 0.5,
                status=rng.choice(["published"] * 5 + ["draft", "archived"]),
            )
        )
    published = [offering for offering in offerings if offering.status == "published"]
    make_case(vendor=published[0].organization, status="published", offering=published[0])
    make_case(vendor=vendors[2], status="published", sector=Sector.objects.get(code="healthcare"))
    make_case(vendor=published[1].organization, status="submitted", offering=published[1])
    today = datetime.date.today()
    needs = []
    for number in range(30):
        low = rng.choice([None, 50_000, 200_000, 600_000])
        needs.append(
            factories.make_need(
                organization=(enterprise, other)[number % 2],
                visibility=("public", "anonymous", "private")[number % 3],
                title=rng.choice(["客服热线分流", "影像质检", "政务问答知识库", "数据分析"])
                + str(number),
                sectors=rng.sample(sectors, rng.randint(0, 2)),
                app_types=rng.sample(app_types, rng.randint(0, 2)),
                deployment=rng.sample(deployments, rng.randint(0, 2)),
                budget_min=low,
                budget_max=None if low is None or rng.random() < 0.3 else low * 3,
                region=rng.choice(["", "全国", "北京市", "上海", "广东深圳"]),
                expires_on=rng.choice([None, today + datetime.timedelta(days=rng.randint(1, 60))]),
                status=rng.choice(["open"] * 6 + ["draft", "closed"]),
            )
        )
    shown = next(
        need
        for need in needs
        if need.visibility == "private" and need.status == "open" and need.organization == other
    )
    Connection.objects.create(  # the vendor may now read that private need
        kind="request",
        need=shown,
        offering=published[2],
        initiator_org=other,
        receiver_org=published[2].organization,
        message="对接",
        state="pending",
        expires_at=timezone.now() + datetime.timedelta(days=14),
    )
    vendor_user = published[2].organization.memberships.get().user
    users = {
        "anonymous": AnonymousUser(),
        "enterprise member": enterprise.memberships.get().user,
        "vendor member": vendor_user,
        "other organization": factories.make_organization(kind="enterprise").memberships.get().user,
        "admin": factories.make_user(is_staff=True),
    }
    return {"users": users, "shown": shown}


def _offering_query(rng) -> str:
    params: list[tuple[str, str]] = []
    for name, model in (
        ("sector", Sector),
        ("app_type", ApplicationType),
        ("kind", OfferingKind),
        ("layer", Layer),
        ("deployment", DeploymentMode),
    ):
        if rng.random() < 0.3:
            params += [(name, code) for code in rng.sample(_codes(model), rng.randint(1, 2))]
    for name in ("verified", "has_cases", "vendor_cases", "domestic", "on_premises", "filed"):
        if rng.random() < 0.2:
            params.append((name, "1"))
    params += _common(rng, "price", ["price_asc", "price_desc"])
    return urlencode(params)


def _need_query(rng) -> str:
    params: list[tuple[str, str]] = []
    for name, model in (
        ("sector", Sector),
        ("app_type", ApplicationType),
        ("deployment", DeploymentMode),
    ):
        if rng.random() < 0.3:
            params += [(name, code) for code in rng.sample(_codes(model), rng.randint(1, 2))]
    params += _common(rng, "budget", ["deadline", "budget_desc"])
    return urlencode(params)


def _common(rng, amount: str, sorts: list[str]) -> list[tuple[str, str]]:
    params = []
    if rng.random() < 0.3:
        params.append(("q", rng.choice(WORDS)))
    if rng.random() < 0.25:
        params.append(("region", rng.choice(REGIONS)))
    for bound in ("min", "max"):
        if rng.random() < 0.25:
            params.append((f"{amount}_{bound}", str(rng.choice([0, 30_000, 100_000, 500_000]))))
    if rng.random() < 0.5:
        params.append(("sort", rng.choice(["newest", "relevance", *sorts])))
    return params


def _reference(filterset_class, base_queryset, query: str):
    """The SQL path, straight from the FilterSet: rows in order and facet counts."""
    filterset = filterset_class(QueryDict(query) or None, queryset=base_queryset)
    return list(
        filterset.order(filterset.qs).values_list("pk", flat=True)
    ), filterset.facet_counts()


def _pks(rows) -> list[int]:
    return [row if isinstance(row, int) else row.pk for row in rows]


KINDS = {
    "offerings": (
        offering_browse,
        OfferingFilterSet,
        selectors.offering_list_queryset,
        _offering_query,
    ),
    "needs": (need_browse, NeedFilterSet, selectors.need_list_queryset, _need_query),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("viewer", VIEWERS)
def test_random_combinations_answer_like_the_database(world, settings, kind, viewer):
    browse, filterset_class, base_queryset, make_query = KINDS[kind]
    user = world["users"][viewer]
    rng = random.Random(f"{SEED}:{kind}:{viewer}")
    for _ in range(COMBINATIONS):
        query = make_query(rng)
        rows, counts = _reference(filterset_class, base_queryset(user), query)
        settings.LISTINGS_MEMORY_INDEX = True
        found = browse(params=QueryDict(query), user=user, page=1, per_page=10_000)
        assert found.index is not None, query
        assert (found.page.object_list, found.counts, found.total) == (rows, counts, len(rows)), (
            query
        )
        # a later page, on each path through the selector: the same rows
        settings.LISTINGS_MEMORY_INDEX = False
        by_sql = browse(params=QueryDict(query), user=user, page="2", per_page=3)
        settings.LISTINGS_MEMORY_INDEX = True
        by_index = browse(params=QueryDict(query), user=user, page="2", per_page=3)
        assert by_sql.index is None and by_index.index is not None
        assert _pks(by_sql.page.object_list) == by_index.page.object_list, query
        assert (by_sql.total, by_sql.chips) == (by_index.total, by_index.chips), query


def test_the_connected_vendor_sees_the_private_need_and_others_do_not(world):
    """The private need reaches the vendor through its connection, on both paths."""
    shown = world["shown"].pk
    for viewer in VIEWERS:
        user = world["users"][viewer]
        found = need_browse(params=QueryDict(""), user=user, page=1, per_page=10_000)
        sql = _reference(NeedFilterSet, selectors.need_list_queryset(user), "")[0]
        expected = viewer in ("vendor member", "admin")
        assert (shown in found.page.object_list, shown in sql) == (expected, expected), viewer
    vendor_org = world["users"]["vendor member"].membership.organization_id
    assert shown in scoping.private_need_ids_for(vendor_org)


def test_an_amount_of_zero_is_a_filter_in_the_cached_sql_path(world, settings):
    """``budget_max=0`` is not "no filter" (0 == False): its total is not the whole list's."""
    settings.LISTINGS_MEMORY_INDEX = False
    user = world["users"]["anonymous"]
    everything = need_browse(params=QueryDict(""), user=user, page=1)
    zero = need_browse(params=QueryDict("budget_max=0"), user=user, page=1)
    expected = _reference(NeedFilterSet, selectors.need_list_queryset(user), "budget_max=0")[0]
    assert zero.total == len(expected) < everything.total
