"""The offerings browse list (/offerings/, /api/offerings/): its filters, facets and orders,
each declared once, the FilterSet and the in-memory index made from them.

    /offerings/?sector=finance&app_type=qa&layer=industry&kind=product&deployment=private
               &region=北京&price_min=10000&price_max=500000&verified=1&has_cases=1
               &vendor_cases=1&domestic=1&on_premises=1&filed=1&q=客服&sort=relevance

The browse list is the published offerings, the same for every viewer.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matchmaking.accounts.choices import VerificationStatus
from matchmaking.listings.browse.facets import (
    AtLeast,
    AtMost,
    ByNumber,
    Flag,
    HasCases,
    Keywords,
    Newest,
    Regions,
    Relevance,
    TermLinks,
    TermValue,
    VendorCases,
)
from matchmaking.listings.browse.filtersets import browse_filterset
from matchmaking.listings.browse.index import BrowseIndex, IndexHolder
from matchmaking.listings.models import Offering

SECTORS = TermLinks("sector", _("Sector"), field="sectors", unlinked_match=True)

FACETS = (
    Keywords("q", _("Keywords")),
    SECTORS,
    TermLinks("app_type", _("Application type"), field="app_types"),
    TermValue("kind", _("Kind"), field="kind"),
    TermValue("layer", _("Layer"), field="layer"),
    TermLinks("deployment", _("Deployment"), field="deployment_modes"),
    Regions("region", _("Region served"), field="regions_index"),
    AtLeast("price_min", _("Price from (CNY)"), low="price_min", high="price_max"),
    AtMost(
        "price_max", _("Price up to (CNY)"), low="price_min", high="price_max", after="price_min"
    ),
    Flag(
        "verified",
        _("Verified vendors only"),
        lambda: Q(organization__verification_status=VerificationStatus.VERIFIED),
    ),
    HasCases("has_cases", _("A published case of this offering")),
    VendorCases("vendor_cases", _("Vendor has a published case in the sector"), sectors=SECTORS),
    # 信创: runs on domestic hardware/OS (at least one platform listed)
    Flag(
        "domestic", _("Xinchuang: runs on domestic hardware/OS"), lambda: ~Q(domestic_platforms=[])
    ),
    # data stays on the customer's premises
    Flag("on_premises", _("Data stays on premises"), lambda: Q(on_premises_data=True)),
    # 备案: the vendor organization has a generative-AI service filing number
    Flag(
        "filed",
        _("Vendor has a generative-AI service filing"),
        lambda: ~Q(organization__filing_number=""),
    ),
)

ORDERS = (
    Newest("newest", _("Newest")),
    Relevance("relevance", _("Relevance"), weights=(("title", 3), ("summary", 1))),
    ByNumber("price_asc", _("Price: low to high"), field="price_min"),
    ByNumber("price_desc", _("Price: high to low"), field="price_min", descending=True),
)

OfferingFilterSet = browse_filterset("OfferingFilterSet", Offering, facets=FACETS, orders=ORDERS)


class OfferingIndex(BrowseIndex):
    """The published offerings."""

    facets, orders = FACETS, ORDERS

    @classmethod
    def rows(cls):
        return Offering.objects.published()


holder = IndexHolder(OfferingIndex)


def offering_index() -> OfferingIndex | None:
    """This process's index of published offerings, or None (then the SQL path answers)."""
    return holder.get()
