"""Published offerings by kind (product, compute, data, service)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from matchmaking.insights.reports.common import Report, Table, fk_distribution, published_offerings
from matchmaking.taxonomy.models import OfferingKind


def build(report: Report) -> Table:
    return report.make_table(
        note=_("Published offerings, by kind (product, compute, data, service)."),
        columns=[_("Kind"), _("Published offerings")],
        rows=fk_distribution(published_offerings(), "kind_id", OfferingKind.objects.all()),
    )
