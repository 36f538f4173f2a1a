"""The open needs with the fewest good suggestions: public ones by title, and (staff) all of
them with the posting organization."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.insights.reports.common import (
    Report,
    Table,
    good_suggestion_counts,
    is_english,
    public_needs,
    suggestion_note,
)
from matchmaking.listings.models import Need

TOP_UNMET_NEEDS = 15


def build_public(report: Report) -> Table:
    """Public and anonymous open needs with the fewest good suggestions (titles only)."""
    return _unmet_need_table(
        report,
        public_needs(),
        note=_(
            "Open public or anonymous needs with fewer than %(n)d good suggestions, fewest "
            "first, then the oldest. Posters are not named."
        )
        % {"n": settings.INSIGHTS_UNMET_BELOW},
        with_poster=False,
    )


def build_staff(report: Report) -> Table:
    return _unmet_need_table(
        report,
        Need.objects.open(),
        note=_(
            "Every open need, private and anonymous ones included, with fewer than %(n)d good "
            "suggestions, with the posting organization."
        )
        % {"n": settings.INSIGHTS_UNMET_BELOW},
        with_poster=True,
    )


def _unmet_need_table(report: Report, queryset, *, note, with_poster) -> Table:
    counts = good_suggestion_counts(queryset.values("pk"))
    threshold = settings.INSIGHTS_UNMET_BELOW
    rows_data = list(
        queryset.order_by().values_list("pk", "title", "published_at", "organization__name")
    )
    unmet = [r for r in rows_data if counts.get(r[0], 0) < threshold]
    far_past = timezone.make_aware(dt.datetime(1970, 1, 1))
    unmet.sort(key=lambda r: (counts.get(r[0], 0), r[2] or far_past, r[0]))
    unmet = unmet[:TOP_UNMET_NEEDS]
    sector_names = _names_by_owner(Need.sectors.through, "need_id", "sector", [r[0] for r in unmet])
    app_names = _names_by_owner(
        Need.app_types.through, "need_id", "applicationtype", [r[0] for r in unmet]
    )
    rows, links = [], []
    for pk, need_title, published_at, org_name in unmet:
        row = [
            need_title,
            ", ".join(sector_names.get(pk, [])),
            ", ".join(app_names.get(pk, [])),
            counts.get(pk, 0),
            timezone.localdate(published_at).isoformat() if published_at else "",
        ]
        link = [reverse("listings:need-detail", args=[pk]), None, None, None, None]
        if with_poster:
            row.append(org_name)
            link.append(None)
        rows.append(row)
        links.append(link)
    columns = [
        _("Need"),
        _("Sectors"),
        _("Application types"),
        _("Good suggestions"),
        _("Published"),
    ]
    if with_poster:
        columns.append(_("Organization"))
    return report.make_table(
        note=suggestion_note() + " " + note,
        columns=columns,
        rows=rows,
        links=links,
    )


def _names_by_owner(through, owner_field: str, term: str, owner_ids) -> dict[int, list[str]]:
    name_field = f"{term}__name_en" if is_english() else f"{term}__name_zh"
    names = defaultdict(list)
    rows = (
        through.objects.filter(**{f"{owner_field}__in": owner_ids})
        .order_by(f"{term}__order", f"{term}__code")
        .values_list(owner_field, name_field)
    )
    for owner_id, name in rows:
        names[owner_id].append(name)
    return names
