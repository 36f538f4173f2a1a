"""Reads behind an honest "no good match": score bands, and what relaxing would bring.

A need's suggestions are read in calibrated bands (``calibration.band``): strong (≥ 70),
possible (50–70) and weak (hidden by default). When none is strong, the need's page says so and
offers what to do; this module computes the "broaden" part (on the browse index of published
offerings, or in SQL without one): for each hard constraint the need sets (a must-have, its
accepted deployment modes, its budget), how many published offerings meet every *other* hard
constraint and share a category with the need but fail that one — the offerings that would
fit if the poster relaxed it.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import reduce

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _

from matchmaking.core.page_cache import PAGES_VERSION_KEY
from matchmaking.core.shared_cache import read_versions, shared_cache
from matchmaking.listings.browse.offerings import offering_index
from matchmaking.listings.caching import VERSION_KEY as LISTINGS_VERSION_KEY
from matchmaking.listings.models import Need, Offering
from matchmaking.matching import adapters
from matchmaking.matching.calibration import POSSIBLE_MATCH, STRONG_MATCH, band

#: The hard constraints a poster may relax, in the order shown.
RELAXABLE = (
    "requires_domestic_hw",
    "requires_on_premises",
    "requires_filing",
    "deployment",
    "budget",
)
RELAX_LABELS = {
    "requires_domestic_hw": _("domestic hardware/OS (信创)"),
    "requires_on_premises": _("data on premises"),
    "requires_filing": _("generative AI filing (备案)"),
    "deployment": _("accepted deployment modes"),
    "budget": _("budget"),
}
MUST_HAVES = ("requires_domestic_hw", "requires_on_premises", "requires_filing")
#: How long counted relaxations are kept (their key carries the data versions, so a write makes
#: the next view count afresh; this only bounds an entry's life).
RELAX_CACHE_SECONDS = 600


@dataclass
class Relaxation:
    constraint: str
    count: int

    @property
    def label(self):
        return RELAX_LABELS[self.constraint]

    @property
    def is_must_have(self) -> bool:
        return self.constraint in MUST_HAVES


@dataclass
class MatchSummary:
    strong: list = field(default_factory=list)
    possible: list = field(default_factory=list)
    weak: list = field(default_factory=list)
    relaxations: list[Relaxation] = field(default_factory=list)

    @property
    def has_strong_match(self) -> bool:
        return bool(self.strong)

    @property
    def must_have_relaxations(self) -> list[Relaxation]:
        return [r for r in self.relaxations if r.is_must_have and r.count]

    @property
    def other_relaxations(self) -> list[Relaxation]:
        return [r for r in self.relaxations if not r.is_must_have and r.count]

    @property
    def must_have_total(self) -> int:
        return sum(r.count for r in self.must_have_relaxations)


def _constraint_q(need: Need, constraint: str) -> Q | None:
    """The condition an offering's row (or its organization's) must meet for a single-valued
    ``constraint`` (None: the need does not set it); the deployment modes: ``_meets``."""
    if constraint == "requires_domestic_hw":
        if not need.requires_domestic_hw:
            return None
        return ~Q(domestic_platforms=[]) & Q(domestic_platforms__isnull=False)
    if constraint == "requires_on_premises":
        return Q(on_premises_data=True) if need.requires_on_premises else None
    if constraint == "requires_filing":
        if not need.requires_filing:
            return None
        return ~Q(organization__filing_number="") & Q(organization__filing_number__isnull=False)
    if constraint == "budget":
        if need.budget_max is None:
            return None
        factor = float(settings.MATCHING_BUDGET_HARD_FACTOR)
        return Q(price_min__isnull=True) | Q(price_min__lt=factor * need.budget_max)
    raise ValueError(constraint)


def _meets(need: Need, constraint: str, deployment_ids: list[int]):
    """Per offering row, whether it meets ``constraint``: a boolean expression (None: the need
    does not set it). A condition on the offering's own columns (or its organization's, one
    row) is read on the row; the deployment modes, many per offering, through ``EXISTS``."""
    if constraint == "deployment":
        if not deployment_ids:
            return None
        return _has_any(Offering.deployment_modes, deployment_ids)
    q = _constraint_q(need, constraint)
    if q is None:
        return None
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def _has_any(relation, ids: list[int]) -> Exists:
    """``EXISTS`` a row of the many-to-many ``relation`` linking the offering to one of ``ids``."""
    field = relation.field
    return Exists(
        relation.through.objects.filter(
            **{
                f"{field.m2m_field_name()}_id": OuterRef("pk"),
                f"{field.m2m_reverse_field_name()}_id__in": ids,
            }
        )
    )


def relaxations(need: Need) -> list[Relaxation]:
    """Per hard constraint the need sets: published offerings (of other organizations) in the
    need's categories that meet every other hard constraint but fail this one.

    Counted on the columns of the process's browse index of published offerings (the
    matchable ones: ``adapters.matchable_offerings``) when it has one: a few boolean
    operations over its arrays, about a millisecond at 100k offerings. Without the index
    (``LISTINGS_MEMORY_INDEX = 0``) one aggregate in SQL counts the same: 100–130 ms a need at
    100k offerings (SQLite and PostgreSQL), most of its owner's first view of the page."""
    # ``.all()``: the detail page attaches the terms as a prefetch cache (values_list would
    # query past it).
    deployment_ids = [term.pk for term in need.deployment_modes.all()]
    sector_ids = [term.pk for term in need.sectors.all()]
    app_ids = [term.pk for term in need.app_types.all()]
    index = offering_index()
    if index is not None:
        return _counted_in_index(index, need, sector_ids, app_ids, deployment_ids)
    return _counted_in_sql(need, sector_ids, app_ids, deployment_ids)


def _index_meets(index, need: Need, constraint: str, deployment_ids: list[int]):
    """Per row of the browse index, whether it meets ``constraint`` (None: not set), read
    from the columns the browse filters use (the same conditions as ``_constraint_q``)."""
    if constraint == "requires_domestic_hw":
        return index.domestic if need.requires_domestic_hw else None
    if constraint == "requires_on_premises":
        return index.on_premises if need.requires_on_premises else None
    if constraint == "requires_filing":
        return index.filed if need.requires_filing else None
    if constraint == "deployment":
        return _linked_to_any(index, "deployment", deployment_ids) if deployment_ids else None
    if constraint == "budget":
        if need.budget_max is None:
            return None
        limit = float(settings.MATCHING_BUDGET_HARD_FACTOR) * float(need.budget_max)
        with np.errstate(invalid="ignore"):
            return np.isnan(index.price_min) | (index.price_min < limit)
    raise ValueError(constraint)


def _linked_to_any(index, name: str, term_ids: list[int]) -> np.ndarray:
    return (index.masks[name] & index.term_mask(name, term_ids)) != 0


def _counted_in_index(index, need, sector_ids, app_ids, deployment_ids) -> list[Relaxation]:
    meets = {
        c: m for c in RELAXABLE if (m := _index_meets(index, need, c, deployment_ids)) is not None
    }
    if not meets:
        return []
    base = index.organization != need.organization_id
    in_categories = [
        _linked_to_any(index, name, ids)
        for name, ids in (("sector", sector_ids), ("app_type", app_ids))
        if ids
    ]
    if in_categories:
        base &= reduce(operator.or_, in_categories)
    found = []
    for constraint, meets_it in meets.items():
        rows = base & ~meets_it
        for other, meets_other in meets.items():
            if other != constraint:
                rows &= meets_other
        found.append(Relaxation(constraint, int(np.count_nonzero(rows))))
    return found


def _counted_in_sql(need, sector_ids, app_ids, deployment_ids) -> list[Relaxation]:
    """One pass over the offerings in the need's categories: each constraint a boolean read
    on the row (``_meets``), a conditional count per constraint."""
    meets = {
        f"meets_{c}": m for c in RELAXABLE if (m := _meets(need, c, deployment_ids)) is not None
    }
    if not meets:
        return []
    base = adapters.matchable_offerings().exclude(organization_id=need.organization_id)
    in_categories = [
        _has_any(relation, ids)
        for relation, ids in ((Offering.sectors, sector_ids), (Offering.app_types, app_ids))
        if ids
    ]
    if in_categories:
        base = base.filter(reduce(operator.or_, in_categories))
    counts = {
        name.removeprefix("meets_"): Count(
            "pk",
            filter=Q(**{name: False}, **{other: True for other in meets if other != name}),
        )
        for name in meets
    }
    found = base.annotate(**meets).aggregate(**counts)
    return [Relaxation(constraint, found[constraint]) for constraint in counts]


def cached_relaxations(need: Need) -> list[Relaxation]:
    """``relaxations(need)``, counted once per data version and shared by every process.

    The count is one aggregate over every published offering in the need's categories (the
    largest part of its owner's page view), and it depends on the need and the published
    offerings only — not on who looks. Its key carries the listings version (bumped at once
    by every listing write) and the pages version (bumped after every commit that writes the
    change feed: offerings, needs, organizations' filing numbers …), as the page cache's
    does, so an edit is counted afresh on the next view."""
    versions = read_versions(LISTINGS_VERSION_KEY, PAGES_VERSION_KEY)
    key = (
        f"matching:relax:L{versions[LISTINGS_VERSION_KEY]}:P{versions[PAGES_VERSION_KEY]}:"
        f"n{need.pk}:{need.updated_at.timestamp() if need.updated_at else ''}"
    )
    found = cache.get(key)
    if found is None:
        found = shared_cache().get(key)
        if found is None:
            found = relaxations(need)
            shared_cache().set(key, found, timeout=RELAX_CACHE_SECONDS)
        cache.set(key, found, timeout=RELAX_CACHE_SECONDS)
    return found


def summarise(need: Need, rows: list) -> MatchSummary:
    """Split suggestion rows (best first) into bands, with the relaxations (shown in the
    no-good-match state, and as the collapsed must-have line in any case)."""
    summary = MatchSummary()
    for row in rows:
        getattr(summary, band(row.score)).append(row)
    if need.is_open:
        summary.relaxations = cached_relaxations(need)
    return summary


__all__ = [
    "POSSIBLE_MATCH",
    "STRONG_MATCH",
    "MatchSummary",
    "cached_relaxations",
    "Relaxation",
    "relaxations",
    "summarise",
]
