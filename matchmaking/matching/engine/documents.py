"""Input documents of the engine: plain frozen dataclasses, built by the Django layer from models.

Codes follow the product description (../shared/product.md next to the checkout). Prices and budgets are CNY; ``None`` means unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

SECTORS: tuple[str, ...] = (
    "government",
    "finance",
    "healthcare",
    "industry",
    "culture_tourism",
    "smart_city",
)
APP_TYPES: tuple[str, ...] = (
    "content_generation",
    "qa",
    "it_support",
    "data_analysis",
    "recognition",
    "hardware",
)
LAYERS: tuple[str, ...] = ("foundation", "industry", "application")
KINDS: tuple[str, ...] = ("product", "compute", "data", "service")
DEPLOYMENTS: tuple[str, ...] = ("public_api", "private", "appliance", "saas")

#: A region an offering serves that covers every need region.
NATIONWIDE = "全国"


@dataclass(frozen=True)
class OfferingDoc:
    """A vendor's published offering."""

    ref: str
    org_ref: str
    title: str
    summary: str
    description: str
    kind: str  # KINDS
    layer: str | None  # LAYERS or None
    sectors: tuple[str, ...]
    app_types: tuple[str, ...]
    deployment: tuple[str, ...]
    price_min: float | None
    price_max: float | None
    regions: tuple[str, ...]
    tags: tuple[str, ...]
    org_verified: bool = False
    has_filing: bool = False  # 生成式人工智能服务备案
    domestic_hw: bool = False  # 信创/国产化适配
    on_premises: bool = False  # data stays on the client's premises
    published_case_sectors: tuple[str, ...] = ()  # one entry per published case (repeats count)
    created_days_ago: float = 0.0
    # Days since its current text first went live (None: since it was published). The copy rule
    # (ranking.demote_copies) compares these: a listing rewritten into another's text is new text.
    text_days_ago: float | None = None


@dataclass(frozen=True)
class NeedDoc:
    """An enterprise's open need. Empty ``sectors``/``app_types``/``deployment`` mean "not given"/"any"."""

    ref: str
    org_ref: str
    title: str
    description: str
    sectors: tuple[str, ...]
    app_types: tuple[str, ...]
    deployment: tuple[str, ...]
    budget_min: float | None
    budget_max: float | None
    region: str | None
    requires_domestic_hw: bool = False
    requires_on_premises: bool = False
    requires_filing: bool = False
    # None = public; a set = only offerings of these vendor orgs may be matched with it.
    visible_to_orgs: frozenset[str] | None = None


@dataclass(frozen=True)
class CaseDoc:
    """A published case: training text for the category model and evidence/text for its offering."""

    ref: str
    vendor_ref: str
    offering_ref: str | None
    sector: str | None
    app_type: str | None
    title: str
    text: str


def offering_text(doc: OfferingDoc) -> str:
    """The text of an offering that is analysed (the title counts twice: it names the product)."""
    return "\n".join(
        [doc.title, doc.title, doc.summary or "", doc.description or "", " ".join(doc.tags)]
    )


def need_text(doc: NeedDoc) -> str:
    """The text of a need that is analysed."""
    return "\n".join([doc.title, doc.title, doc.description or ""])


def case_text(doc: CaseDoc) -> str:
    return "\n".join([doc.title, doc.text or ""])
