"""Subscribers of this app to the domain events of lower floors (see NotificationsConfig.ready
and core/domain_events.py): each tells the people concerned."""

from __future__ import annotations

from django.urls import reverse

from matchmaking.accounts.choices import MembershipRole
from matchmaking.accounts.models import JoinRequest, User, VerificationRequest
from matchmaking.core.domain_events import subscribe
from matchmaking.listings.models import ListingRevision, Need, Offering
from matchmaking.matching.models import Direction
from matchmaking.matching.reason_texts import reason_text
from matchmaking.notifications.services import notify


class _ReasonText:
    """A stored reason rendered when the email is rendered (in the recipient's language)."""

    def __init__(self, reason: dict) -> None:
        self.reason = reason

    def __str__(self) -> str:
        return reason_text(self.reason)


def suggestion_added(
    *, direction: str, need_id: int, offering_id: int, score: float, reasons: list
) -> None:
    """A new strong suggestion: tell the members of the organization whose list it entered."""
    need = Need.objects.select_related("organization").filter(pk=need_id).first()
    offering = Offering.objects.select_related("organization").filter(pk=offering_id).first()
    if need is None or offering is None:
        return
    own, other = (need, offering) if direction == Direction.FOR_NEED else (offering, need)
    recipients = User.objects.filter(membership__organization_id=own.organization_id)
    notify(
        recipients=recipients,
        kind="new_suggestion",
        url=own.get_absolute_url(),
        context={
            "listing": own.title,
            "suggestion": other.title,
            "score": f"{score:.0f}",
            "reasons": [_ReasonText(r) for r in reasons if r.get("met")],
        },
    )


def _owners(organization_id: int):
    return User.objects.filter(
        membership__organization_id=organization_id, membership__role=MembershipRole.OWNER
    )


def join_requested(*, join_request_id: int) -> None:
    """Someone asked to join: tell the organization's owners (if still pending)."""
    join_request = (
        JoinRequest.objects.select_related("organization", "user")
        .filter(pk=join_request_id)
        .first()
    )
    if join_request is None or not join_request.is_pending:
        return
    notify(
        recipients=_owners(join_request.organization_id),
        kind="join_requested",
        url=reverse("accounts:organization-members", args=[join_request.organization_id]),
        context={"join_request": join_request, "organization": join_request.organization},
    )


def join_answered(*, join_request_id: int) -> None:
    """A join request was answered: tell the person who asked."""
    join_request = (
        JoinRequest.objects.select_related("organization", "user")
        .filter(pk=join_request_id)
        .first()
    )
    if join_request is None:
        return
    notify(
        recipients=[join_request.user],
        kind="join_answered",
        url=join_request.organization.get_absolute_url(),
        context={"join_request": join_request, "organization": join_request.organization},
    )


def verification_decided(*, verification_request_id: int) -> None:
    """An administrator decided a verification request: tell the organization's owners."""
    verification = (
        VerificationRequest.objects.select_related("organization")
        .filter(pk=verification_request_id)
        .first()
    )
    if verification is None:
        return
    notify(
        recipients=_owners(verification.organization_id),
        kind="verification_decided",
        url=verification.organization.get_absolute_url(),
        context={"verification": verification, "organization": verification.organization},
    )


def revision_decided(*, revision_id: int) -> None:
    """A moderator approved or declined proposed changes: tell the listing's organization
    (a declined one with the reason, which its page shows too)."""
    revision = (
        ListingRevision.objects.select_related("need", "offering").filter(pk=revision_id).first()
    )
    if revision is None:
        return
    listing = revision.listing
    notify(
        recipients=User.objects.filter(membership__organization_id=revision.organization_id),
        kind="revision_decided",
        url=listing.get_absolute_url(),
        context={
            "listing": listing.title,
            "approved": revision.status == "approved",
            "reason": revision.reason,
        },
    )


def register() -> None:
    subscribe("suggestion_added", suggestion_added)
    subscribe("join_requested", join_requested)
    subscribe("join_answered", join_answered)
    subscribe("verification_decided", verification_decided)
    subscribe("revision_decided", revision_decided)
