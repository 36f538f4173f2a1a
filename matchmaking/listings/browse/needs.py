"""The needs browse list (/needs/, /api/needs/): its filters, facets and orders, each declared
once, the FilterSet and the in-memory index made from them.

    /needs/?sector=…&app_type=…&deployment=…&region=…&budget_min=…&budget_max=…&q=…&sort=…

The index holds the open needs of every visibility; each viewer's rows are narrowed by the
scoping rule (listings.scoping.need_visibility) that ``Need.objects.visible_to`` applies.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from matchmaking.listings.browse.facets import (
    AtLeast,
    AtMost,
    ByNumber,
    Keywords,
    Newest,
    RegionText,
    Relevance,
    TermLinks,
)
from matchmaking.listings.browse.filtersets import browse_filterset
from matchmaking.listings.browse.index import BrowseIndex, IndexHolder
from matchmaking.listings.models import Need

FACETS = (
    Keywords("q", _("Keywords")),
    TermLinks("sector", _("Sector"), field="sectors"),
    TermLinks("app_type", _("Application type"), field="app_types"),
    # needs that accept any mode (none set) accept each mode
    TermLinks("deployment", _("Deployment"), field="deployment_modes", unlinked_match=True),
    RegionText("region", _("Region"), field="region"),
    AtLeast("budget_min", _("Budget from (CNY)"), low="budget_min", high="budget_max"),
    AtMost(
        "budget_max",
        _("Budget up to (CNY)"),
        low="budget_min",
        high="budget_max",
        after="budget_min",
    ),
)

ORDERS = (
    Newest("newest", _("Newest")),
    Relevance("relevance", _("Relevance"), weights=(("title", 3),)),
    ByNumber("deadline", _("Deadline soonest"), field="expires_on"),
    ByNumber("budget_desc", _("Budget: high to low"), field="budget_max", descending=True),
)

NeedFilterSet = browse_filterset("NeedFilterSet", Need, facets=FACETS, orders=ORDERS)


class NeedIndex(BrowseIndex):
    """The open needs, of every visibility (``scope_mask`` narrows them per viewer)."""

    facets, orders = FACETS, ORDERS
    row_fields = ("status", "visibility")  # read by the scoping rules

    @classmethod
    def rows(cls):
        return Need.objects.open()


holder = IndexHolder(NeedIndex)


def need_index() -> NeedIndex | None:
    """This process's index of open needs, or None (then the SQL path answers)."""
    return holder.get()
