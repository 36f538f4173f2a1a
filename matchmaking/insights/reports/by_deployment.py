"""Deployment modes: offerings by the modes they support, needs by the modes they accept."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _

from matchmaking.insights.reports.common import Report, Table, public_needs, published_offerings
from matchmaking.listings.models import Need, Offering
from matchmaking.taxonomy.models import DeploymentMode


def _m2m_distribution(queryset, through, owner: str, column: str, terms) -> list[list]:
    counts = dict(
        through.objects.filter(**{f"{owner}__in": queryset.values("pk")})
        .values_list(column)
        .annotate(n=Count(f"{owner}_id", distinct=True))
        .order_by()
    )
    rows = [[term.name, counts.get(term.pk, 0)] for term in terms]
    linked = through.objects.filter(**{f"{owner}__in": queryset.values("pk")}).values(f"{owner}_id")
    unspecified = queryset.exclude(pk__in=linked).count()
    if unspecified:
        rows.append([_("Not specified"), unspecified])
    return rows


def build(report: Report) -> Table:
    modes = list(DeploymentMode.objects.all())
    offerings = _m2m_distribution(
        published_offerings(),
        Offering.deployment_modes.through,
        "offering",
        "deploymentmode_id",
        modes,
    )
    needs = _m2m_distribution(
        public_needs(), Need.deployment_modes.through, "need", "deploymentmode_id", modes
    )
    need_counts = {row[0]: row[1] for row in needs}
    offering_counts = {row[0]: row[1] for row in offerings}
    labels = [row[0] for row in offerings] + [
        row[0] for row in needs if row[0] not in offering_counts
    ]
    return report.make_table(
        note=_(
            "Published offerings by the deployment modes they support, and open public or "
            "anonymous needs by the modes they accept (a listing with several modes counts in "
            "each; a need with none accepts any mode and counts under Not specified)."
        ),
        columns=[_("Deployment mode"), _("Published offerings"), _("Open needs")],
        rows=[
            [label, offering_counts.get(label, 0), need_counts.get(label, 0)] for label in labels
        ],
    )
