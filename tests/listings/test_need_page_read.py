"""The need page's read (``selectors.need_page_read``) is built once per viewer class and
reused: these tests hold it to showing each viewer exactly what the scoping rules give them,
whoever was served first."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from matchmaking.connections.models import Connection
from matchmaking.listings import scoping, selectors
from matchmaking.listings.models import Need
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_reads_kept():
    selectors._need_page_reads.clear()
    yield
    selectors._need_page_reads.clear()


@pytest.fixture
def market():
    """A private need shown to one vendor (a request about it), and the viewers around it."""
    enterprise = factories.make_organization(kind="enterprise")
    need = factories.make_need(organization=enterprise, visibility="private")
    offering = factories.make_offering()
    Connection.objects.create(
        kind="request",
        need=need,
        offering=offering,
        initiator_org=enterprise,
        receiver_org=offering.organization,
        message="对接",
        state="pending",
        expires_at=timezone.now() + datetime.timedelta(days=14),
    )
    other_vendor = factories.make_offering().organization
    return {
        "need": need,
        "poster": enterprise.memberships.get().user,
        "shown vendor": offering.organization.memberships.get().user,
        "other vendor": other_vendor.memberships.get().user,
        "unaffiliated": factories.make_user(),
        "anonymous": AnonymousUser(),
        "admin": factories.make_user(is_staff=True),
    }


SEES_PRIVATE = {"poster", "shown vendor", "admin"}
VIEWERS = ["poster", "shown vendor", "other vendor", "unaffiliated", "anonymous", "admin"]


def sees(user, need) -> bool:
    return selectors.need_page_read(user).filter(pk=need.pk).exists()


@pytest.mark.parametrize("order", ["as listed", "reversed"])
def test_each_viewer_sees_what_the_rules_give_them_whoever_came_first(market, order):
    need = market["need"]
    viewers = VIEWERS if order == "as listed" else VIEWERS[::-1]
    for _round in range(2):  # the second round reads the kept reads
        for name in viewers:
            assert sees(market[name], need) == (name in SEES_PRIVATE), name
            expected = Need.objects.visible_to(market[name]).filter(pk=need.pk).exists()
            assert sees(market[name], need) == expected, name


def test_the_edit_mark_and_connection_count_follow_the_viewer(market):
    need = market["need"]
    for name in ["poster", "shown vendor", "admin", "poster"]:
        shown = selectors.need_page_read(market[name]).get(pk=need.pk)
        assert shown.viewer_can_edit == (name == "poster"), name


def test_the_read_is_built_once_per_viewer_class_and_cloned_per_call(market, monkeypatch):
    built = []
    build = selectors.need_page_queryset
    monkeypatch.setattr(
        selectors, "need_page_queryset", lambda user: built.append(user) or build(user)
    )
    poster, colleague = market["poster"], factories.make_member(market["need"].organization)
    first = selectors.need_page_read(poster)
    assert list(first)  # evaluated: its rows are its own
    second = selectors.need_page_read(colleague)  # same organization: the same read
    assert len(built) == 1
    assert second is not first and second._result_cache is None
    selectors.need_page_read(market["other vendor"])
    selectors.need_page_read(market["anonymous"])
    selectors.need_page_read(market["unaffiliated"])  # no organization, no admin: as anonymous
    assert len(built) == 3


def test_a_viewer_made_platform_admin_is_served_as_one(market):
    user, need = market["unaffiliated"], market["need"]
    assert not sees(user, need)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    assert sees(user, need)


def test_a_viewer_who_joins_the_poster_is_served_as_a_member(market):
    user, need = market["unaffiliated"], market["need"]
    assert not sees(user, need)
    factories.Membership.objects.create(user=user, organization=need.organization, role="member")
    user = type(user).objects.get(pk=user.pk)  # as the next request loads them
    assert sees(user, need)


def test_a_provider_registered_later_is_honoured(market):
    """The registered providers are part of the key: one added at run time (a test, a plugin
    loaded late) is not shadowed by a read built before it."""
    need, viewer = market["need"], market["other vendor"]
    assert not sees(viewer, need)
    org_id = viewer.membership.organization_id

    def everything_to_that_vendor(viewer_org_id):
        return Need.objects.values_list("pk", flat=True) if viewer_org_id == org_id else []

    scoping.private_need_audience.register(everything_to_that_vendor)
    try:
        assert sees(viewer, need)
    finally:
        scoping.private_need_audience.unregister(everything_to_that_vendor)
    assert not sees(viewer, need)


def test_the_kept_reads_are_bounded(market, monkeypatch):
    monkeypatch.setattr(selectors._need_page_reads, "max_size", 2)
    for name in ["poster", "shown vendor", "other vendor", "admin"]:
        selectors.need_page_read(market[name])
        assert len(selectors._need_page_reads) <= 2
