"""Every error has one body: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import pytest

from tests import factories
from tests.api.conftest import client_for


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.django_db
class ErrorShapeTests:
    def test_400_names_each_bad_field_and_saves_nothing(self, enterprise_owner):
        from matchmaking.listings.models import Need

        api = client_for(enterprise_owner)
        response = api.post(
            "/api/v1/needs/",
            {"title": "", "description": "x", "sectors": ["nope"], "budget_min": -1},
            format="json",
        )
        assert response.status_code == 400
        error = _error(response)
        assert error["code"] == "invalid"
        assert set(error["fields"]) == {"title", "sectors", "budget_min"}
        assert not Need.objects.exists()

    def test_a_code_with_a_nul_byte_is_an_unknown_code_not_a_server_error(self, enterprise_owner):
        """PostgreSQL refuses NUL in a query; such input is reported at its field instead."""
        need = factories.make_need(organization=enterprise_owner.membership.organization)
        api = client_for(enterprise_owner)
        response = api.patch(
            f"/api/v1/needs/{need.pk}/",
            {"sectors": ["fin\x00ance"], "deployment_modes": ["a b"]},
            format="json",
        )
        assert response.status_code == 400
        assert set(_error(response)["fields"]) == {"sectors", "deployment_modes"}

    def test_service_validation_errors_become_field_errors(self, enterprise_owner):
        api = client_for(enterprise_owner)
        response = api.post(
            "/api/v1/needs/",
            {"title": "t", "description": "d", "budget_min": 10, "budget_max": 5},
            format="json",
        )
        assert response.status_code == 400
        assert list(_error(response)["fields"]) == ["budget_max"]
        response = api.post(
            "/api/v1/needs/",
            {"title": "t", "description": "d", "deadline": "2000-01-01"},
            format="json",
        )
        assert list(_error(response)["fields"]) == ["deadline"]

    def test_malformed_json_is_400(self, enterprise_owner):
        api = client_for(enterprise_owner)
        response = api.generic(
            "POST", "/api/v1/needs/", "{not json", content_type="application/json"
        )
        assert response.status_code == 400
        assert _error(response)["fields"] == {}

    def test_401_without_credentials_on_writes(self):
        response = client_for(None).post("/api/v1/needs/", {}, format="json")
        assert response.status_code == 401
        assert _error(response)["code"] == "not_authenticated"

    def test_403_when_visible_but_not_editable(self, vendor_owner):
        need = factories.make_need()
        response = client_for(vendor_owner).patch(
            f"/api/v1/needs/{need.pk}/", {"title": "x"}, format="json"
        )
        assert response.status_code == 403
        assert _error(response)["code"] == "permission_denied"

    def test_404_when_not_visible(self, vendor_owner):
        need = factories.make_need(status="draft")
        response = client_for(vendor_owner).get(f"/api/v1/needs/{need.pk}/")
        assert response.status_code == 404
        assert _error(response)["code"] == "not_found"

    def test_closing_a_closed_need_is_a_400(self, enterprise_owner):
        need = factories.make_need(
            organization=enterprise_owner.membership.organization, status="closed"
        )
        response = client_for(enterprise_owner).post(f"/api/v1/needs/{need.pk}/close/")
        assert response.status_code == 400
        assert _error(response)["fields"] == {"non_field_errors": [_error(response)["message"]]}


@pytest.mark.django_db
class SchemaAndDocsTests:
    def test_schema_and_docs_are_served_with_local_assets(self, client):
        schema = client.get("/api/schema/?format=json")
        assert schema.status_code == 200
        assert schema.json()["openapi"].startswith("3.")
        docs = client.get("/api/docs/").content.decode()
        assert "swagger-ui" in docs
        assert "cdn" not in docs.lower() and "https://" not in docs
