"""The API's permission matrix mirrors the HTML pages': the same actors and objects give the
same answers (404 not visible, 403 visible but not editable; the API says 401 where the pages
redirect a visitor to sign in), and lists never contain what a detail would refuse."""

from __future__ import annotations

import pytest

from tests import factories
from tests.api.conftest import client_for

ACTORS = ("visitor", "owner_member", "other_enterprise", "vendor_member", "admin")
NEED_STATES = [
    ("draft", "public"),
    ("open", "public"),
    ("open", "anonymous"),
    ("open", "private"),
    ("closed", "public"),
    ("fulfilled", "public"),
    ("expired", "public"),
    ("hidden", "public"),
]
OFFERING_STATES = ["draft", "pending", "published", "hidden", "archived"]


@pytest.fixture
def world(db):
    enterprise = factories.make_organization(kind="enterprise")
    vendor = factories.make_organization(kind="vendor")
    other_enterprise = factories.make_organization(kind="enterprise")
    users = {
        "visitor": None,
        "owner_member": factories.make_member(enterprise),
        "other_enterprise": other_enterprise.memberships.get().user,
        "vendor_member": factories.make_member(vendor),
        "admin": factories.make_user(is_staff=True, is_superuser=True),
    }
    needs = {
        (status, visibility): factories.make_need(
            organization=enterprise, status=status, visibility=visibility
        )
        for status, visibility in NEED_STATES
    }
    offerings = {
        status: factories.make_offering(organization=vendor, status=status)
        for status in OFFERING_STATES
    }
    return {"users": users, "needs": needs, "offerings": offerings}


def _need_detail_expected(actor, status, visibility):
    if actor in ("admin", "owner_member"):
        return 200
    return 200 if status == "open" and visibility in ("public", "anonymous") else 404


def _need_edit_expected(actor, status, visibility):
    if actor == "visitor":
        return 401
    if actor == "owner_member":
        return 200
    return 403 if _need_detail_expected(actor, status, visibility) == 200 else 404


def _offering_detail_expected(actor, status):
    if actor == "admin" or status == "published":
        return 200
    return 200 if actor == "vendor_member" else 404


def _offering_edit_expected(actor, status):
    if actor == "visitor":
        return 401
    if actor == "vendor_member":
        return 200
    return 403 if _offering_detail_expected(actor, status) == 200 else 404


def _html_equivalent(api_status):
    return 302 if api_status == 401 else api_status


@pytest.mark.django_db
class NeedMatrixTests:
    @pytest.mark.parametrize("actor", ACTORS)
    def test_need_detail_and_edit_answers_match_the_html_pages(self, world, actor, client):
        """For each need state × visibility: API detail and PATCH codes are the expected ones
        and the same as the HTML detail and edit pages'."""
        user = world["users"][actor]
        api = client_for(user)
        if user is not None:
            client.force_login(user)
        for (status, visibility), need in world["needs"].items():
            expected = _need_detail_expected(actor, status, visibility)
            assert api.get(f"/api/v1/needs/{need.pk}/").status_code == expected, (
                status,
                visibility,
            )
            assert client.get(f"/needs/{need.pk}/").status_code == expected
            edit = _need_edit_expected(actor, status, visibility)
            response = api.patch(f"/api/v1/needs/{need.pk}/", {"region": "上海"}, format="json")
            assert response.status_code == edit, (actor, status, visibility, response.content)
            assert client.get(f"/needs/{need.pk}/edit/").status_code == _html_equivalent(edit)

    @pytest.mark.parametrize("actor", ACTORS)
    def test_need_list_contains_exactly_the_open_needs_the_actor_may_see(self, world, actor):
        api = client_for(world["users"][actor])
        ids = {row["id"] for row in api.get("/api/v1/needs/?page_size=100").json()["results"]}
        expected = {
            need.pk
            for (status, visibility), need in world["needs"].items()
            if status == "open" and _need_detail_expected(actor, status, visibility) == 200
        }
        assert ids == expected

    @pytest.mark.parametrize("actor", ACTORS)
    def test_only_owning_members_close_needs(self, world, actor):
        need = world["needs"][("open", "public")]
        response = client_for(world["users"][actor]).post(
            f"/api/v1/needs/{need.pk}/close/", {"fulfilled": True}, format="json"
        )
        expected = {"visitor": 401, "owner_member": 200}.get(actor, 403)
        assert response.status_code == expected
        need.refresh_from_db()
        assert need.status == ("fulfilled" if actor == "owner_member" else "open")

    @pytest.mark.parametrize(
        "actor,expected",
        [
            ("visitor", 401),
            ("owner_member", 201),
            ("other_enterprise", 201),
            ("vendor_member", 403),
            ("admin", 403),
        ],
    )
    def test_only_enterprise_members_post_needs(self, world, actor, expected, client):
        """As on /needs/new/: enterprise members post; vendors and admins (no enterprise) may not."""
        response = client_for(world["users"][actor]).post(
            "/api/v1/needs/",
            {"title": "合同审查助手", "description": "法务部每月审查上百份合同。", "publish": True},
            format="json",
        )
        assert response.status_code == expected
        user = world["users"][actor]
        if user is not None:
            client.force_login(user)
        assert client.get("/needs/new/").status_code == _html_equivalent(
            200 if expected == 201 else expected
        )


@pytest.mark.django_db
class OfferingMatrixTests:
    @pytest.mark.parametrize("actor", ACTORS)
    def test_offering_detail_and_edit_answers_match_the_html_pages(self, world, actor, client):
        user = world["users"][actor]
        api = client_for(user)
        if user is not None:
            client.force_login(user)
        for status, offering in world["offerings"].items():
            expected = _offering_detail_expected(actor, status)
            assert api.get(f"/api/v1/offerings/{offering.pk}/").status_code == expected, status
            assert client.get(f"/offerings/{offering.pk}/").status_code == expected
            edit = _offering_edit_expected(actor, status)
            response = api.patch(
                f"/api/v1/offerings/{offering.pk}/", {"tags": ["知识库"]}, format="json"
            )
            assert response.status_code == edit, (actor, status, response.content)
            assert client.get(f"/offerings/{offering.pk}/edit/").status_code == _html_equivalent(
                edit
            )

    @pytest.mark.parametrize("actor", ACTORS)
    def test_offering_list_contains_only_published_offerings(self, world, actor):
        api = client_for(world["users"][actor])
        ids = {row["id"] for row in api.get("/api/v1/offerings/").json()["results"]}
        assert ids == {world["offerings"]["published"].pk}

    @pytest.mark.parametrize("actor", ACTORS)
    def test_only_vendor_members_archive_offerings(self, world, actor):
        offering = world["offerings"]["published"]
        response = client_for(world["users"][actor]).post(
            f"/api/v1/offerings/{offering.pk}/archive/"
        )
        assert response.status_code == {"visitor": 401, "vendor_member": 200}.get(actor, 403)
        offering.refresh_from_db()
        assert (offering.status == "archived") == (actor == "vendor_member")

    @pytest.mark.parametrize(
        "actor,expected",
        [
            ("visitor", 401),
            ("owner_member", 403),
            ("other_enterprise", 403),
            ("vendor_member", 201),
            ("admin", 403),
        ],
    )
    def test_only_vendor_members_create_offerings(self, world, actor, expected):
        response = client_for(world["users"][actor]).post(
            "/api/v1/offerings/",
            {
                "title": "金融知识库问答",
                "summary": "银行知识库问答",
                "description": "面向银行的知识库问答系统。",
                "kind": "product",
                "sectors": ["finance"],
                "submit": True,
            },
            format="json",
        )
        assert response.status_code == expected
        if expected == 201:
            assert response.json()["status"] == "pending"


@pytest.mark.django_db
class OtherResourceScopeTests:
    def test_cases_list_published_and_the_vendors_own_drafts(self, world):
        from matchmaking.cases.models import Case
        from matchmaking.taxonomy.models import ApplicationType, Sector

        vendor = world["offerings"]["published"].organization

        def make(status):
            return Case.objects.create(
                vendor=vendor,
                title=f"案例{status}",
                client="某银行",
                sector=Sector.objects.get(code="finance"),
                app_type=ApplicationType.objects.get(code="qa"),
                challenge="c",
                solution="s",
                outcome="o",
                status=status,
                score_innovation=4,
                score_demonstration=4,
                score_benefit=4,
                score_replicability=4,
                overall_score=4,
            )

        published, draft = make("published"), make("draft")
        for actor in ACTORS:
            api = client_for(world["users"][actor])
            ids = {row["id"] for row in api.get("/api/v1/cases/").json()["results"]}
            sees_draft = actor in ("vendor_member", "admin")
            assert ids == ({published.pk, draft.pk} if sees_draft else {published.pk}), actor
            assert api.get(f"/api/v1/cases/{draft.pk}/").status_code == (200 if sees_draft else 404)

    def test_notifications_are_their_recipients_only(self, world):
        from matchmaking.notifications.models import Notification

        owner = world["users"]["owner_member"]
        note = Notification.objects.create(recipient=owner, kind="connection_answered", title="x")
        assert client_for(owner).get(f"/api/v1/notifications/{note.pk}/").status_code == 200
        other = client_for(world["users"]["other_enterprise"])
        assert other.get(f"/api/v1/notifications/{note.pk}/").status_code == 404
        assert other.get("/api/v1/notifications/").json()["count"] == 0
        assert client_for(None).get("/api/v1/notifications/").status_code == 401
        assert client_for(owner).post(f"/api/v1/notifications/{note.pk}/read/").json()["read"]
