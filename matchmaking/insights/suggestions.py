"""How many good suggestions each need has — the input of "with suggestions" and "unmet demand".

Two sources, chosen at run time:

* ``stored_suggestion_counts`` — the matching app's stored ``Suggestion`` rows of a need's
  list (``direction="need"``): distinct published offerings scoring at least
  ``settings.INSIGHTS_GOOD_SUGGESTION_SCORE`` (0–100). Used whenever the model is installed.
* ``cell_supply_counts`` — the stand-in while no Suggestion model exists: a need's candidate
  count is the largest number of published offerings in any of its sector × application-type
  cells (the same cell counts as the heat map; sector-agnostic offerings count in every sector,
  a need without sectors counts every offering of its application types). It says "someone
  could serve this", not "the matcher recommends it".

``need_suggestion_counts()`` picks the first; ``SOURCE`` names which one the notes mention.
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Count


def suggestion_model():
    try:
        model = apps.get_model("matching", "Suggestion")
    except LookupError:
        return None
    field_names = {field.name for field in model._meta.get_fields()}
    if not {"need", "offering", "score", "direction"} <= field_names:
        return None
    # Installed but not migrated yet (the matching app's tables arrive with its migration).
    if model._meta.db_table not in connection.introspection.table_names():
        return None
    return model


def source() -> str:
    return "stored" if suggestion_model() is not None else "cells"


def stored_suggestion_counts(need_ids) -> dict[int, int]:
    model = suggestion_model()
    rows = (
        model.objects.filter(
            need_id__in=need_ids,
            direction="need",
            offering__status="published",
            score__gte=settings.INSIGHTS_GOOD_SUGGESTION_SCORE,
        )
        .values("need_id")
        .annotate(n=Count("offering_id", distinct=True))
        .order_by()
    )
    return {row["need_id"]: row["n"] for row in rows}


def cell_supply_counts(need_ids, supply: dict[tuple[int, int], int]) -> dict[int, int]:
    """``supply`` maps (sector_id, app_type_id) to published offerings (heat-map counts)."""
    from matchmaking.listings.models import Need

    sectors_of = defaultdict(set)
    for need_id, sector_id in Need.sectors.through.objects.filter(need_id__in=need_ids).values_list(
        "need_id", "sector_id"
    ):
        sectors_of[need_id].add(sector_id)
    apps_of = defaultdict(set)
    for need_id, app_id in Need.app_types.through.objects.filter(need_id__in=need_ids).values_list(
        "need_id", "applicationtype_id"
    ):
        apps_of[need_id].add(app_id)
    by_app_any_sector = _offerings_by_app_type()
    counts = {}
    for need_id, app_ids in apps_of.items():
        sector_ids = sectors_of.get(need_id)
        if sector_ids:
            best = max(supply.get((s, a), 0) for s in sector_ids for a in app_ids)
        else:
            best = max(by_app_any_sector.get(a, 0) for a in app_ids)
        counts[need_id] = best
    return counts


def _offerings_by_app_type() -> dict[int, int]:
    from matchmaking.listings.models import Offering

    rows = (
        Offering.app_types.through.objects.filter(offering__status="published")
        .values("applicationtype_id")
        .annotate(n=Count("offering_id"))
        .order_by()
    )
    return {row["applicationtype_id"]: row["n"] for row in rows}


def need_suggestion_counts(need_ids, supply: dict[tuple[int, int], int]) -> dict[int, int]:
    """Good suggestions (or, without stored suggestions, candidate offerings) per need id."""
    if suggestion_model() is not None:
        return stored_suggestion_counts(need_ids)
    return cell_supply_counts(need_ids, supply)
