"""Hostile input never reaches a 500: non-numeric ids, deeply nested or oversized JSON bodies.

Every answer is a 4xx in the API's one error body (api/exceptions.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from matchmaking.connections import services as connection_services
from tests import factories
from tests.api.conftest import client_for, token_for

pytestmark = pytest.mark.django_db

BAD_IDS = ["abc", "1e3", "%00", "1;drop", "-1", "1.5", "99999999999999999999999"]


def _error(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _nested_in(field: str, depth: int) -> str:
    return f'{{"title": "t", "description": "d", "{field}": {_nested(depth)}}}'


@pytest.fixture
def owner_client(enterprise_owner):
    """A raw Django client (no DRF test shortcuts) carrying the owner's token."""
    return Client(HTTP_AUTHORIZATION=f"Token {token_for(enterprise_owner)}")


ROUTES = [
    ("get", "/api/v1/organizations/{id}/"),
    ("get", "/api/v1/offerings/{id}/"),
    ("patch", "/api/v1/offerings/{id}/"),
    ("get", "/api/v1/offerings/{id}/matches/"),
    ("post", "/api/v1/offerings/{id}/submit/"),
    ("post", "/api/v1/offerings/{id}/archive/"),
    ("get", "/api/v1/needs/{id}/"),
    ("patch", "/api/v1/needs/{id}/"),
    ("get", "/api/v1/needs/{id}/matches/"),
    ("post", "/api/v1/needs/{id}/publish/"),
    ("post", "/api/v1/needs/{id}/close/"),
    ("get", "/api/v1/cases/{id}/"),
    ("get", "/api/v1/connections/{id}/"),
    ("get", "/api/v1/connections/{id}/messages/"),
    ("post", "/api/v1/connections/{id}/messages/"),
    ("get", "/api/v1/notifications/{id}/"),
    ("post", "/api/v1/notifications/{id}/read/"),
]


class NonNumericIdTests:
    @pytest.mark.parametrize("method,route", ROUTES)
    @pytest.mark.parametrize("bad", BAD_IDS)
    def test_a_non_numeric_id_is_a_json_404(self, owner_client, method, route, bad):
        url = route.replace("{id}", bad)
        if method == "get":
            response = owner_client.get(url)
        else:
            response = getattr(owner_client, method)(url, "{}", content_type="application/json")
        assert response.status_code == 404, (url, response.status_code)
        assert _error(response)["code"] == "not_found"

    def test_an_unknown_api_path_is_a_json_404_and_site_pages_stay_html(self, client):
        assert _error(client.get("/api/v1/nothing-here/"))["code"] == "not_found"
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")


class NestedJsonTests:
    """A body nested 100,000 levels deep made json.loads raise RecursionError (a 500)."""

    DEPTH = 100_000

    def test_post_need_with_deep_nesting_is_a_400(self, owner_client):
        response = owner_client.post(
            "/api/v1/needs/", _nested_in("sectors", self.DEPTH), content_type="application/json"
        )
        assert response.status_code == 400
        assert _error(response)["code"] == "too_deep"

    def test_a_whole_body_of_brackets_is_a_400(self, owner_client):
        response = owner_client.post(
            "/api/v1/needs/", _nested(self.DEPTH), content_type="application/json"
        )
        assert response.status_code == 400
        assert _error(response)["code"] == "too_deep"

    def test_moderate_nesting_beyond_the_limit_is_refused_too(self, owner_client):
        response = owner_client.post(
            "/api/v1/needs/", _nested_in("sectors", 40), content_type="application/json"
        )
        assert response.status_code == 400
        assert "32" in _error(response)["message"]

    def test_patch_need_and_offering_and_post_message(self, enterprise_owner, vendor_owner):
        need = factories.make_need(organization=enterprise_owner.membership.organization)
        offering = factories.make_offering(organization=vendor_owner.membership.organization)
        connection, _ = connection_services.connection_request(
            user=enterprise_owner, offering=offering, message="想了解方案。"
        )
        connection_services.connection_accept(connection=connection, user=vendor_owner)
        body = _nested(self.DEPTH)
        enterprise = Client(HTTP_AUTHORIZATION=f"Token {token_for(enterprise_owner)}")
        vendor = Client(HTTP_AUTHORIZATION=f"Token {token_for(vendor_owner)}")
        for api, method, url in [
            (enterprise, "patch", f"/api/v1/needs/{need.pk}/"),
            (vendor, "patch", f"/api/v1/offerings/{offering.pk}/"),
            (enterprise, "post", f"/api/v1/connections/{connection.pk}/messages/"),
        ]:
            response = getattr(api, method)(url, body, content_type="application/json")
            assert response.status_code == 400, url
            assert _error(response)["code"] == "too_deep"

    def test_ordinary_bodies_still_work(self, enterprise_owner):
        response = client_for(enterprise_owner).post(
            "/api/v1/needs/",
            {"title": "智能客服", "description": "常见问题自动回答", "sectors": ["finance"]},
            format="json",
        )
        assert response.status_code == 201


class BodySizeTests:
    def test_a_6_mb_body_gets_the_json_error_envelope(self, owner_client):
        body = '{"title": "t", "description": "%s"}' % ("x" * (6 * 1024 * 1024))
        response = owner_client.post("/api/v1/needs/", body, content_type="application/json")
        assert response.status_code == 400
        assert _error(response)["code"] == "request_too_large"

    def test_a_6_mb_form_body_gets_the_json_error_envelope(self, owner_client):
        body = "title=" + "x" * (6 * 1024 * 1024)
        response = owner_client.post(
            "/api/v1/needs/", body, content_type="application/x-www-form-urlencoded"
        )
        assert 400 <= response.status_code < 500
        _error(response)
