"""The permission matrix over the HTTP views.

Actors: a visitor, a member of the owning organization, a member of another enterprise, a
member of a vendor (another vendor, for offerings), a platform admin. Objects: needs in each
status × visibility, offerings in each status. Actions: view the detail page, edit (GET the form
and POST a change), delete (close a need / archive an offering), moderate (hide with a reason).

Expected: an object the actor may not see answers 404 (its existence is not disclosed); one they
may see but not change answers 403; nothing changes unless the actor is allowed; the name of an
anonymous poster never appears in a page served to someone outside its organization.
"""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from matchmaking.listings.models import Need, Offering
from matchmaking.listings.scoping import private_need_audience
from tests import factories

pytestmark = pytest.mark.django_db

ACTORS = ["visitor", "owner", "other_enterprise", "vendor", "admin"]
NEED_STATUSES = ["draft", "open", "closed", "fulfilled", "expired", "hidden"]
VISIBILITIES = ["public", "anonymous", "private"]
OFFERING_STATUSES = ["draft", "pending", "published", "hidden", "archived"]
POSTER_NAME = "保密银行股份有限公司"
VENDOR_NAME = "智云语言智能"


@pytest.fixture
def world(db):
    enterprise = factories.make_organization(
        kind="enterprise", name=POSTER_NAME, name_en="Secret Bank"
    )
    vendor = factories.make_organization(kind="vendor", name=VENDOR_NAME, name_en="Zhiyun")
    users = {
        "visitor": None,
        "owner_need": factories.make_member(enterprise),
        "owner_offering": factories.make_member(vendor),
        "other_enterprise": factories.make_member(factories.make_organization(kind="enterprise")),
        "vendor": factories.make_member(factories.make_organization(kind="vendor")),
        "admin": factories.make_user(is_staff=True),
    }
    return {"enterprise": enterprise, "vendor": vendor, "users": users}


def _login(client, world, actor, side):
    key = f"owner_{side}" if actor == "owner" else actor
    user = world["users"][key]
    if user is not None:
        client.force_login(user)
    return user


def _need_visible(actor, status, visibility):
    if actor in ("owner", "admin"):
        return True
    return status == "open" and visibility in ("public", "anonymous")


def _expected(visible: bool, allowed: bool) -> int:
    if allowed:
        return 200
    return 403 if visible else 404


def _need_snapshot(need):
    need.refresh_from_db()
    return (need.title, need.status, need.moderation_reason)


@pytest.mark.parametrize(
    ("actor", "status", "visibility"),
    list(itertools.product(ACTORS, NEED_STATUSES, VISIBILITIES)),
)
def test_need_matrix(client, world, actor, status, visibility):
    """view / edit / close / moderate a need, for every actor, status and visibility."""
    make = lambda: factories.make_need(  # noqa: E731
        organization=world["enterprise"], status=status, visibility=visibility, title="矩阵需求"
    )
    need = make()
    user = _login(client, world, actor, "need")
    visible = _need_visible(actor, status, visibility)
    is_owner = actor == "owner"

    # view
    response = client.get(need.get_absolute_url())
    assert response.status_code == (200 if visible else 404)
    html = response.content.decode()
    if visibility == "anonymous" and actor not in ("owner", "admin"):
        assert POSTER_NAME not in html and "Secret Bank" not in html

    # edit: the form, then a change
    edit_url = reverse("listings:need-edit", args=[need.pk])
    response = client.get(edit_url)
    if user is None:
        assert response.status_code == 302  # sign in first
    else:
        assert response.status_code == _expected(visible, is_owner)
    before = _need_snapshot(need)
    response = client.post(
        edit_url,
        {
            "title": "被改了",
            "description": "x",
            "visibility": "public",
            "data_availability": "none",
        },
    )
    after = _need_snapshot(need)
    if is_owner:
        assert response.status_code == 302
        assert after[0] == "被改了"  # not yet reviewed: changed directly
    else:
        assert after == before
        assert response.status_code == (302 if user is None else _expected(visible, False))

    # delete (close)
    need = make()
    before = _need_snapshot(need)
    response = client.post(reverse("listings:need-close", args=[need.pk]))
    after = _need_snapshot(need)
    if is_owner:
        assert response.status_code == 302
        closable = status in ("draft", "open", "expired")
        assert after[1] == ("closed" if closable else status)
    else:
        assert after == before
        assert response.status_code == (302 if user is None else _expected(visible, False))

    # moderate (hide with a reason)
    need = make()
    before = _need_snapshot(need)
    response = client.post(reverse("listings:need-hide", args=[need.pk]), {"reason": "违规"})
    after = _need_snapshot(need)
    if actor == "admin":
        assert response.status_code == 302
        assert after[1:] == ("hidden", "违规")
    else:
        assert response.status_code == 403
        assert after == before


@pytest.mark.parametrize(("actor", "status"), list(itertools.product(ACTORS, OFFERING_STATUSES)))
def test_offering_matrix(client, world, actor, status):
    """view / edit / archive / moderate an offering, for every actor and status."""
    make = lambda: factories.make_offering(  # noqa: E731
        organization=world["vendor"], status=status, title="矩阵供给"
    )
    offering = make()
    user = _login(client, world, actor, "offering")
    visible = status == "published" or actor in ("owner", "admin")
    is_owner = actor == "owner"

    def snapshot(obj):
        obj.refresh_from_db()
        return (obj.title, obj.status, obj.moderation_reason)

    response = client.get(offering.get_absolute_url())
    assert response.status_code == (200 if visible else 404)

    edit_url = reverse("listings:offering-edit", args=[offering.pk])
    response = client.get(edit_url)
    assert response.status_code == (302 if user is None else _expected(visible, is_owner))
    before = snapshot(offering)
    kind_pk = offering.kind_id
    response = client.post(
        edit_url,
        {
            "title": "被改了",
            "summary": "s",
            "description": "d",
            "kind": kind_pk,
            "price_unit": "project",
        },
    )
    after = snapshot(offering)
    if is_owner:
        assert response.status_code == 302
        if status == "published":  # a live offering keeps its values until review
            assert after == before
            assert offering.revisions.get().changes["title"] == "被改了"
        else:
            assert after[0] == "被改了"
    else:
        assert after == before
        assert response.status_code == (302 if user is None else _expected(visible, False))

    offering = make()
    before = snapshot(offering)
    response = client.post(reverse("listings:offering-archive", args=[offering.pk]))
    after = snapshot(offering)
    if is_owner:
        assert after[1] == "archived"
    else:
        assert after == before
        assert response.status_code == (302 if user is None else _expected(visible, False))

    offering = make()
    before = snapshot(offering)
    response = client.post(
        reverse("listings:offering-hide", args=[offering.pk]), {"reason": "违规"}
    )
    after = snapshot(offering)
    if actor == "admin":
        assert after[1:] == ("hidden", "违规")
    else:
        assert response.status_code == 403
        assert after == before


class ListScopingTests:
    def test_browse_lists_show_only_what_everyone_may_see(self, client, world):
        """Drafts, pending, hidden and private items never appear in the browse lists."""
        needs = {}
        for status, visibility in itertools.product(NEED_STATUSES, VISIBILITIES):
            needs[(status, visibility)] = factories.make_need(
                organization=world["enterprise"],
                status=status,
                visibility=visibility,
                title=f"需求-{status}-{visibility}",
            )
        for status in OFFERING_STATUSES:
            factories.make_offering(
                organization=world["vendor"], status=status, title=f"供给-{status}"
            )
        needs_html = client.get(reverse("listings:need-list")).content.decode()
        offerings_html = client.get(reverse("listings:offering-list")).content.decode()
        shown = {
            f"需求-{s}-{v}"
            for s, v in itertools.product(NEED_STATUSES, VISIBILITIES)
            if f"需求-{s}-{v}" in needs_html
        }
        assert shown == {"需求-open-public", "需求-open-anonymous"}
        anonymous_pk = needs[("open", "anonymous")].pk
        anonymous_row = needs_html.split(f'data-need="{anonymous_pk}"')[1].split("</article>")[0]
        assert POSTER_NAME not in anonymous_row
        assert {s for s in OFFERING_STATUSES if f"供给-{s}<" in offerings_html} == {"published"}

    def test_members_see_their_own_anonymous_name(self, client, world):
        need = factories.make_need(organization=world["enterprise"], visibility="anonymous")
        client.force_login(world["users"]["owner_need"])
        assert POSTER_NAME in client.get(need.get_absolute_url()).content.decode()

    def test_private_needs_reach_vendors_named_by_the_audience_hook(
        self, client, world, monkeypatch
    ):
        """Connections fills scoping.private_need_audience; the vendor then sees the open need."""
        need = factories.make_need(organization=world["enterprise"], visibility="private")
        vendor_user = world["users"]["vendor"]
        vendor_org_id = vendor_user.membership.organization_id
        monkeypatch.setattr(
            private_need_audience,
            "providers",
            lambda: [lambda org_id: [need.pk] if org_id == vendor_org_id else []],
        )
        assert Need.objects.visible_to(vendor_user).filter(pk=need.pk).exists()
        assert (
            not Need.objects.visible_to(world["users"]["other_enterprise"])
            .filter(pk=need.pk)
            .exists()
        )
        assert not Need.objects.visible_to(None).filter(pk=need.pk).exists()
        client.force_login(vendor_user)
        assert client.get(need.get_absolute_url()).status_code == 200
        Need.objects.filter(pk=need.pk).update(status="closed")
        assert client.get(need.get_absolute_url()).status_code == 404

    def test_admins_see_but_do_not_edit(self, world):
        admin = world["users"]["admin"]
        offering = factories.make_offering(organization=world["vendor"], status="draft")
        assert Offering.objects.visible_to(admin).filter(pk=offering.pk).exists()
        assert not Offering.objects.editable_by(admin).filter(pk=offering.pk).exists()

    def test_moderation_queue_is_for_admins_only(self, client, world):
        url = reverse("listings:moderation-queue")
        assert client.get(url).status_code == 403
        client.force_login(world["users"]["owner_offering"])
        assert client.get(url).status_code == 403
        client.force_login(world["users"]["admin"])
        assert client.get(url).status_code == 200
