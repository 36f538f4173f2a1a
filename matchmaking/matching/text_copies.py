"""Texts under review that copy another vendor's live offering, for moderators.

The matcher ranks the later of two near-identical offerings of different vendors behind the
other (``engine.ranking.demote_copies``), and dates a text from when it went live
(``listings/text_dating.py``). The moderator decides before that: a pending offering, or a
revision proposing a live offering's new text, whose text reaches the copy rule's cosine with
another vendor's live offering is named with that offering, in the moderation queue and on
the revision's page. Read from this process's open engine (never fitted here); nothing while
none is open, and nothing for anyone but platform admins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from matchmaking.core.permissions import is_platform_admin
from matchmaking.listings.choices import OfferingStatus, RevisionStatus
from matchmaking.listings.models import ListingRevision, Offering
from matchmaking.listings.revisions import OFFERING_TEXT_FIELDS
from matchmaking.matching import adapters
from matchmaking.matching.engine import OfferingDoc
from matchmaking.matching.runtime import holder

#: Pending offerings and revisions checked for the queue, newest first.
QUEUE_LIMIT = 100


@dataclass(frozen=True)
class TextCopy:
    offering: Offering  # the listing whose text waits for review
    revision: ListingRevision | None  # the revision proposing it (None: a pending offering)
    original: Offering  # the other vendor's live offering with near-identical text
    cosine: float  # of their text vectors (the copy rule's measure)


def _proposed_text(offering: Offering, revision: ListingRevision | None) -> dict[str, str]:
    changes: Mapping = revision.changes if revision is not None else {}
    return {
        name: str(changes.get(name, getattr(offering, name)) or "") for name in OFFERING_TEXT_FIELDS
    }


def _document(offering: Offering, text: Mapping[str, str], tags) -> OfferingDoc:
    """The text side of an offering as the engine reads it (its other attributes do not
    enter the text vector)."""
    return OfferingDoc(
        ref=adapters.offering_ref(offering.pk, offering.ref),
        org_ref=adapters.org_ref(offering.organization_id, offering.organization.ref),
        title=text.get("title", ""),
        summary=text.get("summary", ""),
        description=text.get("description", ""),
        kind="product",
        layer=None,
        sectors=(),
        app_types=(),
        deployment=(),
        price_min=None,
        price_max=None,
        regions=(),
        tags=tuple(tags or ()),
    )


def _copies(engine, items: list[tuple[Offering, ListingRevision | None]]) -> list[TextCopy]:
    pk_by_ref = holder.offering_pk_by_ref
    found: list[tuple[Offering, ListingRevision | None, int, float]] = []
    for offering, revision in items:
        tags = (revision.changes if revision is not None else {}).get("tags", offering.tags)
        doc = _document(offering, _proposed_text(offering, revision), tags)
        for ref, cosine in engine.copies_of(doc):
            pk = pk_by_ref.get(ref)
            if pk is not None and pk != offering.pk:
                found.append((offering, revision, pk, cosine))
    originals = (
        adapters.matchable_offerings()
        .select_related("organization")
        .in_bulk({pk for _, _, pk, _ in found})
    )
    return [
        TextCopy(offering, revision, originals[pk], cosine)
        for offering, revision, pk, cosine in found
        if pk in originals and originals[pk].organization_id != offering.organization_id
    ]


def _moderators_engine(user):
    """The process's open engine for a platform admin; None for anyone else or with none open."""
    return holder.peek() if is_platform_admin(user) else None


def pending_text_copies(user, *, limit: int = QUEUE_LIMIT) -> list[TextCopy]:
    """For platform admins: the pending offerings and offering revisions (with new text)
    whose text copies another vendor's live offering."""
    engine = _moderators_engine(user)
    if engine is None:
        return []
    pending = Offering.objects.moderatable_by(user).awaiting_review().select_related("organization")
    revisions = (
        ListingRevision.objects.moderatable_by(user)
        .filter(status=RevisionStatus.PENDING, offering__isnull=False)
        .select_related("offering__organization")
        .order_by("-updated_at")
    )
    items: list[tuple[Offering, ListingRevision | None]] = [
        (offering, None) for offering in pending.order_by("-updated_at")[:limit]
    ]
    items += [
        (revision.offering, revision)
        for revision in revisions[:limit]
        if any(name in revision.changes for name in (*OFFERING_TEXT_FIELDS, "tags"))
    ]
    return _copies(engine, items)


def revision_text_copies(user, revision: ListingRevision) -> list[TextCopy]:
    """For platform admins, on a pending offering revision's page: what its text copies."""
    if revision.offering_id is None or not revision.is_pending:
        return []
    engine = _moderators_engine(user)
    return [] if engine is None else _copies(engine, [(revision.offering, revision)])


def offering_text_copies(user, offering: Offering) -> list[TextCopy]:
    """For platform admins, on a pending offering's page: what its text copies."""
    if offering.status != OfferingStatus.PENDING:
        return []
    engine = _moderators_engine(user)
    return [] if engine is None else _copies(engine, [(offering, None)])
