"""Reads for matchmaking events: the proposed participants (ranked by the stored
suggestions between what each side brought), a participant's requests and agenda."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from matchmaking.events.choices import ACTIVE_REQUEST_STATES, RequestState
from matchmaking.events.models import Event, Meeting, MeetingRequest, Registration
from matchmaking.listings.models import Need, Offering
from matchmaking.matching.models import Suggestion
from matchmaking.matching.reason_texts import reason_text


@dataclass
class Proposal:
    """Another participant, with the best stored suggestion between what the two brought."""

    registration: Registration
    score: float | None = None
    need: Need | None = None
    offering: Offering | None = None
    met: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    sent: MeetingRequest | None = None  # our active request to them
    received: MeetingRequest | None = None  # theirs to us


def _brought(registrations) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    needs: dict[int, set[int]] = {r.pk: set() for r in registrations}
    offerings: dict[int, set[int]] = {r.pk: set() for r in registrations}
    ids = [r.pk for r in registrations]
    for reg_id, need_id in Registration.needs.through.objects.filter(
        registration_id__in=ids
    ).values_list("registration_id", "need_id"):
        needs[reg_id].add(need_id)
    for reg_id, offering_id in Registration.offerings.through.objects.filter(
        registration_id__in=ids
    ).values_list("registration_id", "offering_id"):
        offerings[reg_id].add(offering_id)
    return needs, offerings


def pair_score(need_id: int, offering_id: int) -> float | None:
    score = (
        Suggestion.objects.filter(need_id=need_id, offering_id=offering_id)
        .order_by("-score")
        .values_list("score", flat=True)
        .first()
    )
    return score


def proposals(registration: Registration, viewer=None) -> list[Proposal]:
    """Every other approved participant of the event, best stored match first (those with no
    stored suggestion last). Nothing is recomputed: the suggestions are the matcher's. With a
    ``viewer``, the other side's needs are only those the viewer may see (a private need
    brought to the event stays private)."""
    others = list(
        Registration.objects.approved()
        .filter(event_id=registration.event_id)
        .exclude(pk=registration.pk)
        .select_related("organization")
    )
    needs, offerings = _brought([registration, *others])
    if viewer is not None:
        visible = set(
            Need.objects.visible_to(viewer)
            .filter(pk__in=set().union(*needs.values()))
            .values_list("pk", flat=True)
        )
        needs = {
            reg_id: (ids if reg_id == registration.pk else ids & visible)
            for reg_id, ids in needs.items()
        }
    my_needs, my_offerings = needs[registration.pk], offerings[registration.pk]
    their_needs = set().union(*(needs[o.pk] for o in others)) if others else set()
    their_offerings = set().union(*(offerings[o.pk] for o in others)) if others else set()
    best: dict[tuple[int, int], Suggestion] = {}
    candidates = Suggestion.objects.none()
    if my_needs and their_offerings:
        candidates = candidates | Suggestion.objects.filter(
            need_id__in=my_needs, offering_id__in=their_offerings
        )
    if my_offerings and their_needs:
        candidates = candidates | Suggestion.objects.filter(
            need_id__in=their_needs, offering_id__in=my_offerings
        )
    for suggestion in candidates.select_related("need", "offering").order_by("-score"):
        best.setdefault((suggestion.need_id, suggestion.offering_id), suggestion)
    sent = {
        r.to_registration_id: r
        for r in MeetingRequest.objects.filter(
            from_registration=registration, state__in=ACTIVE_REQUEST_STATES
        )
    }
    received = {
        r.from_registration_id: r
        for r in MeetingRequest.objects.filter(
            to_registration=registration, state__in=ACTIVE_REQUEST_STATES
        )
    }
    result = []
    for other in others:
        proposal = Proposal(other, sent=sent.get(other.pk), received=received.get(other.pk))
        pairs = [(n, o) for n in my_needs for o in offerings[other.pk]] + [
            (n, o) for n in needs[other.pk] for o in my_offerings
        ]
        found = [best[p] for p in pairs if p in best]
        if found:
            top = max(found, key=lambda s: s.score)
            proposal.score = top.score
            proposal.need, proposal.offering = top.need, top.offering
            proposal.met = [reason_text(r) for r in top.reasons if r.get("met")]
            proposal.missing = [reason_text(r) for r in top.reasons if not r.get("met")]
        result.append(proposal)
    result.sort(key=lambda p: (p.score is None, -(p.score or 0), p.registration.pk))
    return result


def participant_requests(registration: Registration):
    return (
        MeetingRequest.objects.involving(registration)
        .select_related(
            "from_registration__organization",
            "to_registration__organization",
            "need",
            "offering",
            "meeting",
            "connection",
        )
        .order_by("-created_at")
    )


@dataclass
class AgendaItem:
    meeting: Meeting
    slot: object  # events.models.Slot
    table: str
    other: Registration
    request: MeetingRequest


def agenda(registration: Registration) -> list[AgendaItem]:
    """The registration's placed meetings in time order."""
    event = registration.event
    slots = event.slots()
    meetings = (
        Meeting.objects.filter(
            request__in=MeetingRequest.objects.involving(registration).filter(
                state=RequestState.ACCEPTED
            )
        )
        .select_related(
            "request__from_registration__organization",
            "request__to_registration__organization",
            "request__need",
            "request__offering",
        )
        .prefetch_related(Prefetch("outcomes"))
        .order_by("slot", "table")
    )
    items = []
    for meeting in meetings:
        if meeting.slot >= len(slots):
            continue
        items.append(
            AgendaItem(
                meeting=meeting,
                slot=slots[meeting.slot],
                table=event.table_label(meeting.table),
                other=meeting.request.other_registration(registration),
                request=meeting.request,
            )
        )
    return items


def table_plan(event: Event) -> list[dict]:
    """Per slot, the meetings at each table (for the printable plan)."""
    slots = event.slots()
    by_slot: dict[int, list[Meeting]] = {}
    for meeting in Meeting.objects.filter(event=event).select_related(
        "request__from_registration__organization", "request__to_registration__organization"
    ):
        by_slot.setdefault(meeting.slot, []).append(meeting)
    rows = []
    for slot in slots:
        meetings = sorted(by_slot.get(slot.index, []), key=lambda m: m.table)
        rows.append(
            {
                "slot": slot,
                "meetings": [(event.table_label(m.table), m) for m in meetings],
            }
        )
    return rows
