"""Writes for users, organizations, invitations and verification (accounts/services.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matchmaking.accounts import services
from matchmaking.accounts.models import Invitation, Membership, Organization, VerificationRequest
from tests import factories
from tests.factories import VALID_USCC

pytestmark = pytest.mark.django_db


class OrganizationCreateTests:
    def test_creator_becomes_the_owner(self):
        owner = factories.make_user()
        organization = services.organization_create(
            owner=owner, kind="vendor", name="示例厂商", uscc=VALID_USCC
        )
        membership = Membership.objects.get(user=owner)
        assert membership.organization == organization
        assert membership.is_owner

    def test_a_user_belongs_to_one_organization_only(self):
        """A second organization for the same person is refused and nothing is created."""
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        with pytest.raises(ValidationError) as excinfo:
            services.organization_create(owner=owner, kind="vendor", name="第二家")
        assert excinfo.value.code == "already_member"
        assert Organization.objects.count() == 1

    def test_invalid_uscc_is_refused_and_nothing_saved(self):
        owner = factories.make_user()
        with pytest.raises(ValidationError) as excinfo:
            services.organization_create(
                owner=owner, kind="enterprise", name="某企业", uscc=VALID_USCC[:17] + "0"
            )
        assert "uscc" in excinfo.value.error_dict
        assert not Organization.objects.exists()
        assert not Membership.objects.exists()

    def test_enterprises_carry_no_filing_number(self):
        """The generative-AI filing number only means something for vendors."""
        organization = factories.make_organization(kind="enterprise", filing_number="X-1")
        assert organization.filing_number == ""
        vendor = factories.make_organization(kind="vendor", filing_number="Beijing-Demo-1")
        assert vendor.filing_number == "Beijing-Demo-1"

    def test_duplicate_uscc_is_refused(self):
        factories.make_organization(uscc=VALID_USCC)
        with pytest.raises(ValidationError) as excinfo:
            factories.make_organization(uscc=VALID_USCC)
        assert "uscc" in excinfo.value.error_dict


class InvitationTests:
    def test_owner_invites_and_the_email_carries_the_link(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invitation_create(
                organization=organization, invited_by=owner, email="New.Person@Example.com"
            )
        assert invitation.email == "new.person@example.com"
        assert len(mailoutbox) == 1
        assert mailoutbox[0].to == ["new.person@example.com"]
        assert invitation.token in mailoutbox[0].body

    def test_members_who_are_not_owners_cannot_invite(self):
        organization = factories.make_organization()
        member = factories.make_member(organization)
        with pytest.raises(PermissionDenied):
            services.invitation_create(
                organization=organization, invited_by=member, email="x@example.com"
            )

    def test_owner_of_another_organization_cannot_invite_here(self):
        organization = factories.make_organization()
        other_owner = factories.make_organization().memberships.get().user
        with pytest.raises(PermissionDenied):
            services.invitation_create(
                organization=organization, invited_by=other_owner, email="x@example.com"
            )

    def test_someone_already_in_an_organization_cannot_be_invited(self):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        elsewhere = factories.make_organization().memberships.get().user
        with pytest.raises(ValidationError) as excinfo:
            services.invitation_create(
                organization=organization, invited_by=owner, email=elsewhere.email
            )
        assert "email" in excinfo.value.error_dict

    def test_accepting_makes_a_member(self):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        invitation = services.invitation_create(
            organization=organization, invited_by=owner, email="join@example.com"
        )
        user = factories.make_user(email="join@example.com")
        membership = services.invitation_accept(invitation=invitation, user=user)
        assert membership.organization == organization
        assert membership.role == "member"
        invitation.refresh_from_db()
        assert invitation.accepted_by == user and invitation.accepted_at is not None

    def test_only_the_invited_address_may_accept(self):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        invitation = services.invitation_create(
            organization=organization, invited_by=owner, email="Intended@Example.com"
        )
        stranger = factories.make_user(email="stranger@example.com")
        with pytest.raises(ValidationError) as excinfo:
            services.invitation_accept(invitation=invitation, user=stranger)
        assert excinfo.value.code == "wrong_address"
        assert not Membership.objects.filter(user=stranger).exists()
        invited = factories.make_user(email="intended@example.com")
        services.invitation_accept(invitation=invitation, user=invited)
        assert Membership.objects.filter(user=invited, organization=organization).exists()

    def test_an_invitation_cannot_be_used_twice(self):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        invitation = services.invitation_create(
            organization=organization, invited_by=owner, email="join@example.com"
        )
        services.invitation_accept(
            invitation=invitation, user=factories.make_user(email="join@example.com")
        )
        with pytest.raises(ValidationError) as excinfo:
            services.invitation_accept(
                invitation=invitation, user=factories.make_user(email="JOIN2@example.com")
            )
        assert excinfo.value.code == "invitation_unusable"
        assert organization.memberships.count() == 2

    def test_an_expired_invitation_cannot_be_used(self):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        invitation = services.invitation_create(
            organization=organization, invited_by=owner, email="late@example.com"
        )
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        user = factories.make_user(email="late@example.com")
        with pytest.raises(ValidationError) as excinfo:
            services.invitation_accept(invitation=invitation, user=user)
        assert excinfo.value.code == "invitation_unusable"
        assert not Membership.objects.filter(user=user).exists()

    def test_a_new_invitation_replaces_the_pending_one_for_the_same_email(self):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        first = services.invitation_create(
            organization=organization, invited_by=owner, email="twice@example.com"
        )
        second = services.invitation_create(
            organization=organization, invited_by=owner, email="twice@example.com"
        )
        first.refresh_from_db()
        assert not first.is_usable
        assert second.is_usable
        assert list(organization.invitations.pending()) == [second]

    def test_a_withdrawn_invitation_cannot_be_used(self):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        invitation = services.invitation_create(
            organization=organization, invited_by=owner, email="gone@example.com"
        )
        services.invitation_revoke(invitation=invitation, revoked_by=owner)
        with pytest.raises(ValidationError):
            services.invitation_accept(
                invitation=invitation, user=factories.make_user(email="gone@example.com")
            )

    def test_only_the_owner_can_withdraw(self):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        member = factories.make_member(organization)
        invitation = services.invitation_create(
            organization=organization, invited_by=owner, email="gone@example.com"
        )
        with pytest.raises(PermissionDenied):
            services.invitation_revoke(invitation=invitation, revoked_by=member)

    def test_someone_in_an_organization_cannot_accept_another(self):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        invitation = services.invitation_create(
            organization=organization, invited_by=owner, email="x@example.com"
        )
        elsewhere = factories.make_user(email="x@example.com")
        factories.make_organization(owner=elsewhere)
        with pytest.raises(ValidationError) as excinfo:
            services.invitation_accept(invitation=invitation, user=elsewhere)
        assert excinfo.value.code == "already_member"


class VerificationTests:
    def test_request_puts_the_organization_in_the_queue(self):
        organization = factories.make_organization(uscc=VALID_USCC)
        owner = organization.memberships.get().user
        request = services.verification_request(
            organization=organization, requested_by=owner, note="营业执照已上传"
        )
        organization.refresh_from_db()
        assert organization.verification_status == "pending"
        assert request.decision == "pending"

    def test_request_needs_a_uscc(self):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        with pytest.raises(ValidationError) as excinfo:
            services.verification_request(organization=organization, requested_by=owner)
        assert "uscc" in excinfo.value.error_dict
        assert not VerificationRequest.objects.exists()

    def test_a_second_request_while_pending_is_refused(self):
        organization = factories.make_organization(uscc=VALID_USCC)
        owner = organization.memberships.get().user
        services.verification_request(organization=organization, requested_by=owner)
        with pytest.raises(ValidationError) as excinfo:
            services.verification_request(organization=organization, requested_by=owner)
        assert excinfo.value.code == "verification_exists"

    def test_admin_grants_verification(self, admin_user):
        organization = factories.make_organization(uscc=VALID_USCC)
        owner = organization.memberships.get().user
        services.verification_request(organization=organization, requested_by=owner)
        services.verification_decide(organization=organization, admin=admin_user, grant=True)
        organization.refresh_from_db()
        assert organization.is_verified
        assert organization.verified_at is not None
        request = organization.verification_requests.get()
        assert request.decision == "granted" and request.decided_by == admin_user

    def test_a_deactivated_staff_account_cannot_decide(self, admin_user):
        """Who counts as a platform admin is decided in one place (active staff)."""
        organization = factories.make_organization(uscc=VALID_USCC)
        owner = organization.memberships.get().user
        services.verification_request(organization=organization, requested_by=owner)
        admin_user.is_active = False
        admin_user.save(update_fields=["is_active"])
        with pytest.raises(PermissionDenied):
            services.verification_decide(organization=organization, admin=admin_user, grant=True)
        organization.refresh_from_db()
        assert organization.verification_status == "pending"

    def test_refusal_needs_a_reason(self, admin_user):
        organization = factories.make_organization(uscc=VALID_USCC)
        owner = organization.memberships.get().user
        services.verification_request(organization=organization, requested_by=owner)
        with pytest.raises(ValidationError) as excinfo:
            services.verification_decide(
                organization=organization, admin=admin_user, grant=False, reason="  "
            )
        assert "reason" in excinfo.value.error_dict
        organization.refresh_from_db()
        assert organization.verification_status == "pending"

    def test_refusal_with_a_reason_is_recorded_and_shown_to_the_org(self, admin_user):
        organization = factories.make_organization(uscc=VALID_USCC)
        owner = organization.memberships.get().user
        services.verification_request(organization=organization, requested_by=owner)
        services.verification_decide(
            organization=organization, admin=admin_user, grant=False, reason="执照名称不一致"
        )
        organization.refresh_from_db()
        assert organization.verification_status == "refused"
        assert organization.verification_note == "执照名称不一致"
        request = organization.verification_requests.get()
        assert request.decision == "refused" and request.reason == "执照名称不一致"

    def test_a_refused_organization_may_ask_again(self, admin_user):
        organization = factories.make_organization(uscc=VALID_USCC)
        owner = organization.memberships.get().user
        services.verification_request(organization=organization, requested_by=owner)
        services.verification_decide(
            organization=organization, admin=admin_user, grant=False, reason="缺少材料"
        )
        services.verification_request(organization=organization, requested_by=owner)
        assert organization.verification_requests.count() == 2

    def test_only_admins_decide(self):
        organization = factories.make_organization(uscc=VALID_USCC)
        owner = organization.memberships.get().user
        with pytest.raises(PermissionDenied):
            services.verification_decide(organization=organization, admin=owner, grant=True)


class ProfileTests:
    def test_user_changes_name_and_language(self):
        user = factories.make_user()
        services.user_update_profile(user=user, full_name="李雷", preferred_language="en")
        user.refresh_from_db()
        assert (user.full_name, user.preferred_language) == ("李雷", "en")

    def test_unknown_language_is_refused(self):
        user = factories.make_user()
        with pytest.raises(ValidationError):
            services.user_update_profile(user=user, full_name="", preferred_language="xx")
