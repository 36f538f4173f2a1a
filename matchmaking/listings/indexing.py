"""Denormalised search fields of needs and offerings, computed in one place.

Services (create, update, import) call these before saving, so keyword search can use one
indexed column on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable


def _join(parts: Iterable[str | None]) -> str:
    return "\n".join(part.strip() for part in parts if part and part.strip())


def need_search_text(
    *, title: str, description: str, data_note: str = "", success_metric: str = "", region: str = ""
) -> str:
    return _join([title, description, data_note, success_metric, region])


def offering_search_text(
    *,
    title: str,
    summary: str,
    description: str,
    tags: Iterable[str] = (),
    organization_name: str = "",
) -> str:
    return _join([title, summary, description, " ".join(tags), organization_name])


def regions_index(regions: Iterable[str]) -> str:
    """'|北京|全国|' so that a region filter is one LIKE '%|北京|%' on any database."""
    cleaned = [region.strip() for region in regions if region and region.strip()]
    return "|" + "|".join(cleaned) + "|" if cleaned else ""


def apply_need_index(need) -> None:
    need.search_text = need_search_text(
        title=need.title,
        description=need.description,
        data_note=need.data_note,
        success_metric=need.success_metric,
        region=need.region,
    )


def apply_offering_index(offering, *, organization_name: str = "") -> None:
    offering.search_text = offering_search_text(
        title=offering.title,
        summary=offering.summary,
        description=offering.description,
        tags=offering.tags or (),
        organization_name=organization_name,
    )
    offering.regions_index = regions_index(offering.regions or ())
