"""What the insight reports share: the `Table` they return, the `Report` they are declared by,
the base querysets, the per-cell counts and the good-suggestion counts.

What is counted (each table's ``note`` says it again on the page):

* public figures count **open needs that are public or anonymous** (``Need.objects.public()``,
  exactly what the /needs/ browse page lists to a visitor) and **published offerings**;
  private needs never appear in public tables, not even as a count;
* an offering without sectors serves every sector (the offering form says so, and the
  /offerings/?sector=… filter includes it), so it counts in every sector's cell of its
  application types — the heat-map figure equals what the linked browse page lists;
* a need or offering without application types (or a need without sectors) has no cell in
  the heat map; the distributions count it under "Not specified";
* a need's **good suggestions** are the matcher's stored ``Suggestion`` rows of the need's
  list: distinct published offerings scoring at least ``INSIGHTS_GOOD_SUGGESTION_SCORE``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from matchmaking.insights.caching import cached_table
from matchmaking.listings.choices import OfferingStatus
from matchmaking.listings.models import Need, Offering
from matchmaking.matching.models import Direction, Suggestion
from matchmaking.taxonomy.models import Sector


@dataclass
class Table:
    slug: str
    title: str
    note: str
    columns: list[str]
    rows: list[list]
    public: bool = True
    # Not exported: per-cell links for the page table (same shape as rows, None = no link),
    # and chart data the templates draw from.
    links: list[list] | None = None
    chart: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """One report of the registry (``reports/__init__.py``).

    ``build(report)`` computes its table (``report.make_table(...)`` fills in slug, title and
    audience); ``chart`` is how the page draws it ("heat", "bar", "line" or None for the table
    only) with ``chart_options``; ``toc`` labels the page's table of contents at this report;
    ``grid`` places it in the page's grid of small tables.
    """

    slug: str
    build: Callable[[Report], Table]
    title: str
    staff_only: bool = False
    exportable: bool = True
    chart: str | None = None
    chart_options: dict = field(default_factory=dict)
    toc: str | None = None
    grid: bool = False

    def table(self) -> Table:
        """The table, from the cache when its inputs have not changed (caching.py)."""
        return cached_table(self.slug, partial(self.build, self))

    def make_table(self, **fields) -> Table:
        return Table(slug=self.slug, title=str(self.title), public=not self.staff_only, **fields)

    def visible_to(self, *, staff: bool) -> bool:
        return staff or not self.staff_only


def ratio(offerings: int, needs: int) -> float | None:
    return round(offerings / needs, 2) if needs else None


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def browse_url(name: str, **params) -> str:
    return reverse(name) + "?" + urlencode(params)


def is_english() -> bool:
    return (get_language() or "").startswith("en")


# --- base querysets (the definitions the tests count against) ----------------------------


def public_needs():
    return Need.objects.public()


def published_offerings():
    return Offering.objects.published()


# --- counts several reports share -------------------------------------------------------


def cell_counts() -> tuple[dict, dict]:
    """(needs, offerings) per (sector_id, app_type_id); computed once for all the reports
    that need them (heat map, unmet demand) and cached like a table."""
    return cached_table("cells", _compute_cell_counts)


def _compute_cell_counts() -> tuple[dict, dict]:
    """(needs, offerings) per (sector_id, app_type_id), grouped in the database."""
    need_rows = (
        Need.sectors.through.objects.filter(need__in=public_needs().values("pk"))
        .values("sector_id", "need__app_types")
        .annotate(n=Count("need_id", distinct=True))
        .order_by()
    )
    needs = {
        (row["sector_id"], row["need__app_types"]): row["n"]
        for row in need_rows
        if row["need__app_types"] is not None
    }
    offering_rows = (
        Offering.sectors.through.objects.filter(offering__status=OfferingStatus.PUBLISHED)
        .values("sector_id", "offering__app_types")
        .annotate(n=Count("offering_id", distinct=True))
        .order_by()
    )
    offerings = defaultdict(int)
    for row in offering_rows:
        if row["offering__app_types"] is not None:
            offerings[(row["sector_id"], row["offering__app_types"])] += row["n"]
    agnostic_rows = (
        Offering.app_types.through.objects.filter(offering__status=OfferingStatus.PUBLISHED)
        .exclude(offering_id__in=Offering.sectors.through.objects.values("offering_id"))
        .values("applicationtype_id")
        .annotate(n=Count("offering_id", distinct=True))
        .order_by()
    )
    agnostic = {row["applicationtype_id"]: row["n"] for row in agnostic_rows}
    for sector_id in Sector.objects.values_list("pk", flat=True):
        for app_id, n in agnostic.items():
            offerings[(sector_id, app_id)] += n
    return needs, dict(offerings)


def good_suggestion_counts(need_ids) -> dict[int, int]:
    """Good suggestions per need id (needs without any are absent)."""
    rows = (
        Suggestion.objects.filter(
            need_id__in=need_ids,
            direction=Direction.FOR_NEED,
            offering__status=OfferingStatus.PUBLISHED,
            score__gte=settings.INSIGHTS_GOOD_SUGGESTION_SCORE,
        )
        .values("need_id")
        .annotate(n=Count("offering_id", distinct=True))
        .order_by()
    )
    return {row["need_id"]: row["n"] for row in rows}


def suggestion_note() -> str:
    return _(
        "A good suggestion is a stored match with a published offering scoring at least %(score)s."
    ) % {"score": settings.INSIGHTS_GOOD_SUGGESTION_SCORE}


def fk_distribution(queryset, column: str, terms) -> list[list]:
    counts = dict(queryset.order_by().values_list(column).annotate(n=Count("pk")))
    rows = [[term.name, counts.get(term.pk, 0)] for term in terms]
    if counts.get(None):
        rows.append([_("Not specified"), counts[None]])
    return rows
