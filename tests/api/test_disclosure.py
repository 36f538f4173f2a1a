"""Disclosure over every endpoint: an organization's contacts reach another party only after
that party's connection was accepted; an anonymous need's poster is never named to vendors.
The assertions search the raw JSON text for the secret values."""

from __future__ import annotations

import pytest

from matchmaking.connections import services as connection_services
from tests import factories
from tests.api.conftest import client_for

LIST_ENDPOINTS = [
    "/api/v1/taxonomy/",
    "/api/v1/organizations/?page_size=100",
    "/api/v1/offerings/",
    "/api/v1/needs/",
    "/api/v1/cases/",
    "/api/v1/connections/",
    "/api/v1/notifications/",
]


@pytest.fixture
def scene(db):
    enterprise = factories.make_organization(
        kind="enterprise",
        name="保密银行股份",
        name_en="Secret Bank Corp",
        contact_person="甄秘书",
        contact_phone="010-00009999",
        contact_email="secret@bank.example.com",
    )
    vendor = factories.make_organization(
        kind="vendor",
        contact_person="贾经理",
        contact_phone="010-00008888",
        contact_email="sales@vendor.example.com",
    )
    need = factories.make_need(organization=enterprise, visibility="anonymous")
    offering = factories.make_offering(organization=vendor)
    return {
        "enterprise": enterprise,
        "vendor": vendor,
        "need": need,
        "offering": offering,
        "enterprise_user": enterprise.memberships.get().user,
        "vendor_user": vendor.memberships.get().user,
    }


def _texts(api, urls):
    return {url: api.get(url).content.decode() for url in urls}


def _enterprise_secrets(scene):
    e = scene["enterprise"]
    return [e.contact_person, e.contact_phone, e.contact_email]


def _vendor_secrets(scene):
    v = scene["vendor"]
    return [v.contact_person, v.contact_phone, v.contact_email]


def _propose(scene):
    connection, _created = connection_services.connection_propose(
        user=scene["vendor_user"],
        need=scene["need"],
        message="我们有成熟的智能客服方案。",
        approach="知识库问答加坐席辅助。",
    )
    return connection


@pytest.mark.django_db
class ContactDisclosureTests:
    @pytest.mark.parametrize("actor", ["visitor", "vendor_user"])
    def test_no_endpoint_shows_the_enterprises_contacts_before_a_connection(self, scene, actor):
        api = client_for(scene.get(actor))
        urls = LIST_ENDPOINTS + [
            f"/api/v1/organizations/{scene['enterprise'].pk}/",
            f"/api/v1/needs/{scene['need'].pk}/",
        ]
        for url, text in _texts(api, urls).items():
            for secret in _enterprise_secrets(scene):
                assert secret not in text, (url, secret)

    def test_contacts_appear_for_both_sides_only_after_acceptance(self, scene):
        connection = _propose(scene)
        vendor_api = client_for(scene["vendor_user"])
        enterprise_api = client_for(scene["enterprise_user"])
        org_url = f"/api/v1/organizations/{scene['enterprise'].pk}/"
        vendor_org_url = f"/api/v1/organizations/{scene['vendor'].pk}/"
        connection_url = f"/api/v1/connections/{connection.pk}/"

        # Pending: neither side sees the other's contacts anywhere.
        pending_vendor = _texts(vendor_api, LIST_ENDPOINTS + [org_url, connection_url])
        pending_enterprise = _texts(
            enterprise_api, LIST_ENDPOINTS + [vendor_org_url, connection_url]
        )
        for text in pending_vendor.values():
            assert not any(secret in text for secret in _enterprise_secrets(scene))
        for text in pending_enterprise.values():
            assert not any(secret in text for secret in _vendor_secrets(scene))
        assert vendor_api.get(connection_url).json()["counterpart_contacts"] is None

        connection_services.connection_accept(connection=connection, user=scene["enterprise_user"])

        contacts = vendor_api.get(connection_url).json()["counterpart_contacts"]
        assert contacts == {
            "person": "甄秘书",
            "phone": "010-00009999",
            "email": "secret@bank.example.com",
        }
        assert vendor_api.get(org_url).json()["contacts"]["phone"] == "010-00009999"
        assert enterprise_api.get(vendor_org_url).json()["contacts"]["email"] == (
            "sales@vendor.example.com"
        )
        # A third party still sees nothing.
        stranger = client_for(factories.make_organization(kind="vendor").memberships.get().user)
        assert "010-00009999" not in stranger.get(org_url).content.decode()
        assert stranger.get(connection_url).status_code == 404

    def test_organization_list_shows_contacts_only_of_the_viewers_own_organization(self, scene):
        api = client_for(scene["enterprise_user"])
        rows = api.get("/api/v1/organizations/?page_size=100").json()["results"]
        with_contacts = {row["id"] for row in rows if row["contacts"] is not None}
        assert with_contacts == {scene["enterprise"].pk}

    def test_admins_see_contacts(self, scene, admin_user):
        api = client_for(admin_user)
        body = api.get(f"/api/v1/organizations/{scene['enterprise'].pk}/").json()
        assert body["contacts"]["email"] == "secret@bank.example.com"


@pytest.mark.django_db
class AnonymousPosterTests:
    NAMES = ("保密银行股份", "Secret Bank Corp")

    def _assert_unnamed(self, text):
        for name in self.NAMES:
            assert name not in text

    @pytest.mark.parametrize("actor", ["visitor", "vendor_user"])
    def test_needs_endpoints_do_not_name_an_anonymous_poster(self, scene, actor):
        api = client_for(scene.get(actor))
        need_url = f"/api/v1/needs/{scene['need'].pk}/"
        body = api.get(need_url).json()
        assert body["organization"] is None
        assert body["organization_name"]
        self._assert_unnamed(api.get(need_url).content.decode())
        self._assert_unnamed(api.get("/api/v1/needs/").content.decode())
        self._assert_unnamed(api.get("/api/v1/needs/?q=客服").content.decode())

    def test_the_connection_names_the_enterprise_only_after_acceptance(self, scene):
        connection = _propose(scene)
        vendor_api = client_for(scene["vendor_user"])
        url = f"/api/v1/connections/{connection.pk}/"
        self._assert_unnamed(vendor_api.get(url).content.decode())
        self._assert_unnamed(vendor_api.get("/api/v1/connections/").content.decode())
        connection_services.connection_accept(connection=connection, user=scene["enterprise_user"])
        assert vendor_api.get(url).json()["counterpart_name"] in self.NAMES
        # The need itself stays anonymous to vendors (as on the need's page).
        self._assert_unnamed(vendor_api.get(f"/api/v1/needs/{scene['need'].pk}/").content.decode())

    def test_the_poster_and_admins_see_the_name(self, scene, admin_user):
        for user in (scene["enterprise_user"], admin_user):
            body = client_for(user).get(f"/api/v1/needs/{scene['need'].pk}/").json()
            assert body["organization"]["id"] == scene["enterprise"].pk
            assert body["organization_name"] in self.NAMES


@pytest.mark.django_db
class MessageTests:
    def test_messages_are_the_two_sides_own_and_open_after_acceptance(self, scene):
        connection = _propose(scene)
        vendor_api = client_for(scene["vendor_user"])
        url = f"/api/v1/connections/{connection.pk}/messages/"
        response = vendor_api.post(url, {"body": "您好"}, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {
            "non_field_errors": [response.json()["error"]["message"]]
        }
        connection_services.connection_accept(connection=connection, user=scene["enterprise_user"])
        assert vendor_api.post(url, {"body": "您好"}, format="json").status_code == 201
        rows = client_for(scene["enterprise_user"]).get(url).json()
        assert [(row["body"], row["mine"]) for row in rows] == [("您好", False)]
        stranger = client_for(factories.make_organization(kind="vendor").memberships.get().user)
        assert stranger.get(url).status_code == 404
        assert stranger.post(url, {"body": "x"}, format="json").status_code == 404
