"""The admin: organizations with the verification actions, users, history, invitations."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matchmaking.accounts import services
from matchmaking.accounts.models import Organization, User
from tests import factories
from tests.factories import VALID_USCC

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_organization_changelist"


@pytest.fixture
def pending_organization():
    organization = factories.make_organization(uscc=VALID_USCC)
    services.verification_request(
        organization=organization, requested_by=organization.memberships.get().user
    )
    return organization


class VerificationActionTests:
    def test_grant_action_verifies_the_selected_organizations(
        self, client, admin_user, pending_organization
    ):
        client.force_login(admin_user)
        response = client.post(
            reverse(CHANGELIST),
            {"action": "grant_verification", "_selected_action": [pending_organization.pk]},
        )
        assert response.status_code == 302
        pending_organization.refresh_from_db()
        assert pending_organization.is_verified
        assert pending_organization.verification_requests.get().decided_by == admin_user

    def test_refuse_action_first_asks_for_a_reason(self, client, admin_user, pending_organization):
        client.force_login(admin_user)
        response = client.post(
            reverse(CHANGELIST),
            {"action": "refuse_verification", "_selected_action": [pending_organization.pk]},
        )
        assert response.status_code == 200
        assert "accounts/admin/refuse_verification.html" in [t.name for t in response.templates]
        pending_organization.refresh_from_db()
        assert pending_organization.verification_status == "pending"

    def test_refusal_without_a_reason_changes_nothing(
        self, client, admin_user, pending_organization
    ):
        client.force_login(admin_user)
        response = client.post(
            reverse(CHANGELIST),
            {
                "action": "refuse_verification",
                "_selected_action": [pending_organization.pk],
                "apply": "1",
                "reason": "",
            },
        )
        assert response.status_code == 200
        assert response.context["form"].has_error("reason", "required")
        pending_organization.refresh_from_db()
        assert pending_organization.verification_status == "pending"

    def test_refusal_with_a_reason_is_recorded(self, client, admin_user, pending_organization):
        client.force_login(admin_user)
        response = client.post(
            reverse(CHANGELIST),
            {
                "action": "refuse_verification",
                "_selected_action": [pending_organization.pk],
                "apply": "1",
                "reason": "营业执照名称与填写的名称不一致",
            },
        )
        assert response.status_code == 302
        pending_organization.refresh_from_db()
        assert pending_organization.verification_status == "refused"
        assert pending_organization.verification_note == "营业执照名称与填写的名称不一致"
        request = pending_organization.verification_requests.get()
        assert request.decision == "refused"

    def test_only_the_selected_organizations_are_decided(
        self, client, admin_user, pending_organization
    ):
        other = factories.make_organization()
        client.force_login(admin_user)
        client.post(
            reverse(CHANGELIST),
            {"action": "grant_verification", "_selected_action": [pending_organization.pk]},
        )
        other.refresh_from_db()
        assert other.verification_status == "unverified"


class AdminPagesTests:
    def test_verification_queue_filter_lists_pending_organizations(
        self, client, admin_user, pending_organization
    ):
        factories.make_organization(name="未申请")
        client.force_login(admin_user)
        response = client.get(reverse(CHANGELIST), {"queue": "pending"})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [pending_organization]

    def test_search_by_uscc(self, client, admin_user, pending_organization):
        factories.make_organization()
        client.force_login(admin_user)
        response = client.get(reverse(CHANGELIST), {"q": VALID_USCC})
        assert list(response.context["cl"].result_list) == [pending_organization]

    def test_admin_pages_load(self, client, admin_user, pending_organization):
        member = factories.make_member(pending_organization)
        services.invitation_create(
            organization=pending_organization,
            invited_by=pending_organization.memberships.get(role="owner").user,
            email="invitee@example.com",
        )
        client.force_login(admin_user)
        urls = [
            reverse(CHANGELIST),
            reverse("admin:accounts_organization_change", args=[pending_organization.pk]),
            reverse("admin:accounts_user_changelist"),
            reverse("admin:accounts_user_add"),
            reverse("admin:accounts_user_change", args=[member.pk]),
            reverse("admin:accounts_verificationrequest_changelist"),
            reverse("admin:accounts_invitation_changelist"),
        ]
        for url in urls:
            assert client.get(url).status_code == 200, url

    def test_admin_creates_a_user_by_email(self, client, admin_user):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:accounts_user_add"),
            {
                "email": "Staff.Person@example.com",
                "full_name": "运营",
                "usable_password": "true",
                "password1": "Some-Long-Pass-93",
                "password2": "Some-Long-Pass-93",
            },
        )
        assert response.status_code == 302
        assert User.objects.filter(email__iexact="staff.person@example.com").exists()

    def test_non_staff_cannot_reach_the_admin(self, client):
        client.force_login(factories.make_user())
        response = client.get(reverse(CHANGELIST))
        assert response.status_code == 302
        assert Organization.objects.count() == 0
