"""The signed-in user of a request arrives with membership and organization in one query."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from tests import factories


@pytest.mark.django_db
class MembershipModelBackendTests:
    def test_user_membership_and_organization_are_read_together(self, client):
        organization = factories.make_organization(kind="vendor")
        user = organization.memberships.get().user
        client.force_login(user)
        request = RequestFactory().get("/")
        request.session = client.session
        with CaptureQueriesContext(connection) as queries:
            loaded = get_user(request)
            name = loaded.membership.organization.name
        assert loaded.pk == user.pk and name == organization.name
        assert len([q for q in queries if "accounts_" in q["sql"]]) == 1

    def test_a_user_without_organization_still_signs_in(self, client):
        user = factories.make_user()
        client.force_login(user)
        request = RequestFactory().get("/")
        request.session = client.session
        loaded = get_user(request)
        assert loaded.pk == user.pk
        assert getattr(loaded, "membership", None) is None

    def test_an_inactive_user_is_signed_out(self, client):
        user = factories.make_user()
        client.force_login(user)
        user.is_active = False
        user.save()
        request = RequestFactory().get("/")
        request.session = client.session
        assert not get_user(request).is_authenticated
