"""Published offerings by business-model layer."""

from __future__ import annotations

from django.utils.translation import gettext as _

from matchmaking.insights.reports.common import Report, Table, fk_distribution, published_offerings
from matchmaking.taxonomy.models import Layer


def build(report: Report) -> Table:
    return report.make_table(
        note=_("Published offerings, by business-model layer (foundation, industry, application)."),
        columns=[_("Layer"), _("Published offerings")],
        rows=fk_distribution(published_offerings(), "layer_id", Layer.objects.all()),
    )
