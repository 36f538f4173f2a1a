"""Panels the matcher adds to lower floors' pages (registered in apps.py)."""

from __future__ import annotations

from django.urls import reverse

from matchmaking.core.panels import Panel
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.matching import no_match, selectors, text_copies
from matchmaking.matching.calibration import POSSIBLE_MATCH, STRONG_MATCH


def need_suggestions_panel(request, need) -> Panel | None:
    """On a need's page, for its enterprise (and admins): the suggested offerings."""
    found = selectors.need_panel_rows(need, request.user)
    if found is None:
        return None
    key, rows = found
    own = need.organization_id == _org_id(request)
    return Panel(
        "matching/panels/need_suggestions.html",
        {
            "need": need,
            "rows": rows,
            # The rows' markup is kept under it too (matching_rows.need_suggestion_items).
            "panel_key": key,
            "summary": no_match.summarise(need, rows),
            "strong_at": f"{STRONG_MATCH:.0f}",
            "possible_at": f"{POSSIBLE_MATCH:.0f}",
            "can_dismiss": own,
            # The no-good-match actions are for the need's own members only.
            "can_act": own,
            "edit_url": reverse("listings:need-edit", args=[need.pk]),
        },
    )


def offering_needs_panel(request, offering) -> Panel | None:
    """On an offering's page, for its own vendor (and admins): the matching needs."""
    rows = selectors.offering_suggestions(offering, request.user)
    if rows is None:
        return None
    return Panel(
        "matching/panels/offering_needs.html",
        {
            "offering": offering,
            "rows": rows,
            # Weak matches (below "possibly relevant") are hidden by default, as on needs.
            "shown_rows": [row for row in rows if row.score >= POSSIBLE_MATCH],
            "weak_rows": [row for row in rows if row.score < POSSIBLE_MATCH],
            "possible_at": f"{POSSIBLE_MATCH:.0f}",
            "can_dismiss": offering.organization_id == _org_id(request),
        },
    )


def dashboard_panel(request, organization) -> Panel | None:
    if organization is None or _org_id(request) != organization.pk:
        return None
    return Panel(
        "matching/panels/dashboard.html",
        {
            "organization": organization,
            "counts": selectors.dashboard_counts(organization, request.user),
        },
    )


def need_form_panel(request, form) -> Panel | None:
    """On the need form: live sector/application-type suggestions as the poster types."""
    return Panel(
        "matching/panels/need_form.html", {"suggest_url": reverse("matching:suggest-categories")}
    )


def _org_id(request):
    return user_organization_id(request.user)


def moderation_hubs_panel(request, _obj) -> Panel | None:
    """In the moderation queue, for platform admins: the offerings suggested to the most needs,
    and those the matcher demotes for reaching every need alike."""
    if not is_platform_admin(request.user):
        return None
    hubs, total = selectors.suggestion_hubs(request.user)
    return Panel(
        "matching/panels/moderation_hubs.html",
        {
            "hubs": hubs,
            "needs_with_lists": total,
            "top_rank": selectors.HUB_TOP_RANK,
            "demoted": selectors.demoted_hubs(request.user),
        },
    )


def moderation_copies_panel(request, _obj) -> Panel | None:
    """In the moderation queue, for platform admins: texts under review that copy another
    vendor's live offering (matching/text_copies.py)."""
    copies = text_copies.pending_text_copies(request.user)
    return _copies_panel(copies, in_queue=True)


def revision_copies_panel(request, revision) -> Panel | None:
    """On a pending offering revision's page, for platform admins: what its text copies."""
    return _copies_panel(text_copies.revision_text_copies(request.user, revision))


def offering_copies_panel(request, offering) -> Panel | None:
    """On a pending offering's page, for platform admins: what its text copies."""
    return _copies_panel(text_copies.offering_text_copies(request.user, offering))


def _copies_panel(copies, *, in_queue: bool = False) -> Panel | None:
    if not copies:
        return None
    return Panel("matching/panels/text_copies.html", {"copies": copies, "in_queue": in_queue})
