"""What the sections of `llm-match/v1` share: limits, reference and taxonomy lookups, and the
reading side of many-to-many fields (the writing side is the listings services' bulk save)."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.db.models import Model

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.listings.choices import (
    DataAvailability,
    NeedStatus,
    NeedVisibility,
    OfferingStatus,
    PriceUnit,
)
from matchmaking.listings.io.registry import (
    ImportContext,
)
from matchmaking.listings.services.common import M2M_FIELDS

BATCH = 1000  # rows per bulk statement
CHUNK = 2000  # refs per `IN (...)` lookup (well under SQLite's variable limit)
PROGRESS_EVERY = 5000

ORGANIZATION_KINDS = [OrganizationKind.VENDOR.value, OrganizationKind.ENTERPRISE.value]
PRICE_UNITS = PriceUnit.values
OFFERING_STATUSES = OfferingStatus.values
NEED_STATUSES = NeedStatus.values
NEED_VISIBILITIES = NeedVisibility.values
DATA_AVAILABILITIES = DataAvailability.values


@functools.cache
def _max(model: type[Model], name: str) -> int | None:
    return model._meta.get_field(name).max_length


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_by_ref(model: type[Model], refs: Iterable[str], *only: str) -> dict[str, Model]:
    """The rows of ``model`` with these refs, a query per chunk of refs (``only`` these
    fields and the ref when given)."""
    found: dict[str, Model] = {}
    queryset = model.objects.only("ref", *only) if only else model.objects.all()
    for chunk in _chunks(sorted(set(refs))):
        for obj in queryset.filter(ref__in=chunk):
            found[obj.ref] = obj
    return found


def _term_ids(ctx: ImportContext, model: type[Model]) -> dict[str, int]:
    key = f"term_ids:{model._meta.label}"
    if key not in ctx.cache:
        ctx.cache[key] = dict(model.objects.values_list("code", "id"))
    return ctx.cache[key]


def _term_codes(cache: dict, model: type[Model]) -> dict[int, str]:
    key = f"term_codes:{model._meta.label}"
    if key not in cache:
        cache[key] = dict(model.objects.values_list("id", "code"))
    return cache[key]


def _term_sort_keys(cache: dict, model: type[Model]) -> dict[str, tuple]:
    key = f"term_order:{model._meta.label}"
    if key not in cache:
        cache[key] = {
            code: (order, code) for code, order in model.objects.values_list("code", "order")
        }
    return cache[key]


def _status_and_published_at(obj, status: str, live_status: str, published_at, now) -> None:
    obj.status = status
    if published_at is not None:
        obj.published_at = published_at
    elif status == live_status and obj.published_at is None:
        obj.published_at = now


def _m2m_codes(cache: dict, model: type[Model], field_name: str, term_model, ids: list[int]):
    """{owner id: [codes sorted by the taxonomy's order]} for one many-to-many field."""
    through = model._meta.get_field(field_name).remote_field.through
    owner_column = f"{model._meta.model_name}_id"
    term_column = f"{term_model._meta.model_name}_id"
    codes = _term_codes(cache, term_model)
    order = _term_sort_keys(cache, term_model)
    result: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        for owner_id, term_id in through.objects.filter(
            **{f"{owner_column}__in": chunk}
        ).values_list(owner_column, term_column):
            result.setdefault(owner_id, []).append(codes[term_id])
    for values in result.values():
        values.sort(key=lambda code: order[code])
    return result


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _terms_by_owner(cache: dict, model: type[Model], ids: list[int]) -> dict[str, dict]:
    """{field: {owner id: [codes]}} for every taxonomy field of ``model``'s ``ids``."""
    return {name: _m2m_codes(cache, model, name, term, ids) for name, term in M2M_FIELDS.items()}


def _exported_terms(links: dict[str, dict], pk: int) -> dict[str, list[str]]:
    """One listing's taxonomy codes under the file's keys (``deployment`` for the modes)."""
    return {
        "sectors": links["sectors"].get(pk, []),
        "app_types": links["app_types"].get(pk, []),
        "deployment": links["deployment_modes"].get(pk, []),
    }
