"""Reads for users and organizations."""

from __future__ import annotations

from django.db.models import QuerySet

from matchmaking.accounts.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organization,
    User,
    VerificationRequest,
)
from matchmaking.core.permissions import is_platform_admin, user_organization_id


def organization_list(*, user) -> QuerySet[Organization]:
    """The public directory: verified organizations first, then by name."""
    return Organization.objects.visible_to(user).order_by("-verified_at", "name")


def organization_membership_of(*, user, organization: Organization) -> Membership | None:
    if not user.is_authenticated or user_organization_id(user) != organization.pk:
        return None
    return user.membership


def organization_can_see_members(*, user, organization: Organization) -> bool:
    """Members and platform admins see who belongs to an organization."""
    return is_platform_admin(user) or user_organization_id(user) == organization.pk


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return organization.memberships.select_related("user").order_by("-role", "created_at")


def organization_pending_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    return organization.invitations.pending().select_related("invited_by")


def invitation_by_token(*, token: str) -> Invitation | None:
    return Invitation.objects.select_related("organization").filter(token=token).first()


def user_with_membership(*, user: User) -> User:
    return User.objects.select_related("membership__organization").get(pk=user.pk)


def join_requests_to_decide(*, user, organization: Organization) -> QuerySet[JoinRequest]:
    """Pending requests to join `organization` that this user (an owner) may answer."""
    return (
        JoinRequest.objects.decidable_by(user)
        .pending()
        .filter(organization=organization)
        .select_related("user")
        .order_by("created_at")
    )


def join_request_pending_of(*, user, organization: Organization) -> JoinRequest | None:
    return (
        JoinRequest.objects.withdrawable_by(user)
        .pending()
        .filter(organization=organization)
        .first()
    )


def verification_requests_pending(*, user) -> QuerySet[VerificationRequest]:
    return (
        VerificationRequest.objects.decidable_by(user)
        .filter(decision=VerificationRequest.Decision.PENDING)
        .select_related("organization", "requested_by")
        .order_by("created_at")
    )


def verification_requests_recently_decided(*, user, limit: int = 20):
    return (
        VerificationRequest.objects.decidable_by(user)
        .exclude(decision=VerificationRequest.Decision.PENDING)
        .select_related("organization", "decided_by")
        .order_by("-decided_at")[:limit]
    )


def verification_history(*, organization: Organization) -> QuerySet[VerificationRequest]:
    return organization.verification_requests.select_related("requested_by", "decided_by").order_by(
        "-created_at"
    )
