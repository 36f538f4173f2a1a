"""Listeners this app registers with lower floors' hooks (see NotificationsConfig.ready)."""

from __future__ import annotations

from matchmaking.accounts import events
from matchmaking.accounts.choices import MembershipRole
from matchmaking.accounts.models import JoinRequest, User, VerificationRequest


class _ReasonText:
    """A stored reason rendered when the email is rendered (in the recipient's language)."""

    def __init__(self, reason: dict) -> None:
        self.reason = reason

    def __str__(self) -> str:
        from matchmaking.matching.reason_texts import reason_text

        return reason_text(self.reason)


def new_suggestion_listener(event) -> None:
    """A new strong suggestion: tell the members of the organization whose list it entered."""
    from matchmaking.listings.models import Need, Offering
    from matchmaking.matching.models import Direction
    from matchmaking.notifications.services import notify

    need = Need.objects.select_related("organization").filter(pk=event.need_id).first()
    offering = Offering.objects.select_related("organization").filter(pk=event.offering_id).first()
    if need is None or offering is None:
        return
    own, other = (need, offering) if event.direction == Direction.FOR_NEED else (offering, need)
    recipients = User.objects.filter(membership__organization_id=own.organization_id)
    notify(
        recipients=recipients,
        kind="new_suggestion",
        url=own.get_absolute_url(),
        context={
            "listing": own.title,
            "suggestion": other.title,
            "score": f"{event.score:.0f}",
            "reasons": [_ReasonText(r) for r in event.reasons if r.get("met")],
        },
    )


def _owners(organization_id: int):
    return User.objects.filter(
        membership__organization_id=organization_id, membership__role=MembershipRole.OWNER
    )


def account_event_listener(event) -> None:
    """Join requests and verification decisions (accounts' events): tell the people concerned."""
    from django.urls import reverse

    from matchmaking.notifications.services import notify

    if isinstance(event, events.JoinRequested):
        join_request = (
            JoinRequest.objects.select_related("organization", "user")
            .filter(pk=event.join_request_id)
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
    elif isinstance(event, events.JoinAnswered):
        join_request = (
            JoinRequest.objects.select_related("organization", "user")
            .filter(pk=event.join_request_id)
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
    elif isinstance(event, events.VerificationDecided):
        verification = (
            VerificationRequest.objects.select_related("organization")
            .filter(pk=event.verification_request_id)
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


def revision_decided_listener(revision) -> None:
    """A moderator approved or declined proposed changes: tell the listing's organization
    (a declined one with the reason, which its page shows too)."""
    from matchmaking.notifications.services import notify

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
    from matchmaking.listings.services import REVISION_LISTENERS
    from matchmaking.matching.services import SUGGESTION_LISTENERS

    if new_suggestion_listener not in SUGGESTION_LISTENERS:
        SUGGESTION_LISTENERS.append(new_suggestion_listener)
    if account_event_listener not in events.ACCOUNT_EVENT_LISTENERS:
        events.ACCOUNT_EVENT_LISTENERS.append(account_event_listener)
    if revision_decided_listener not in REVISION_LISTENERS:
        REVISION_LISTENERS.append(revision_decided_listener)
