"""Listeners this app registers with lower floors' hooks (see NotificationsConfig.ready)."""

from __future__ import annotations

from matchmaking.accounts.models import User


class _ReasonText:
    """A stored reason rendered when the email is rendered (in the recipient's language)."""

    def __init__(self, reason: dict) -> None:
        self.reason = reason

    def __str__(self) -> str:
        from matchmaking.matching.reasons import reason_text

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
    if revision_decided_listener not in REVISION_LISTENERS:
        REVISION_LISTENERS.append(revision_decided_listener)
