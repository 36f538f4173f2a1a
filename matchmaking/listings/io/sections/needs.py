"""The needs section of `llm-match/v1`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.listings.choices import (
    DataAvailability,
    NeedStatus,
    NeedVisibility,
)
from matchmaking.listings.indexing import apply_need_index
from matchmaking.listings.io import checks
from matchmaking.listings.io.registry import (
    ExportContext,
    ImportContext,
    SectionResult,
)
from matchmaking.listings.io.sections.common import (
    DATA_AVAILABILITIES,
    NEED_STATUSES,
    NEED_VISIBILITIES,
    PROGRESS_EVERY,
    _existing_by_ref,
    _exported_terms,
    _iso,
    _max,
    _status_and_published_at,
    _terms_by_owner,
)
from matchmaking.listings.io.sections.organizations import (
    _check_org,
    _orgs_for,
    prefetch_org_kinds,
)
from matchmaking.listings.models import Need
from matchmaking.listings.services.bulk import needs_bulk_save

NEED_PLAIN_FIELDS = (
    "title", "description", "budget_min", "budget_max", "region", "deadline", "visibility",
    "data_availability", "data_labelled", "data_note", "success_metric",
    "requires_domestic_hw", "requires_on_premises", "requires_filing", "compliance_note",
)  # fmt: skip


def validate_needs(items: list, ctx: ImportContext) -> None:
    cleaned: dict[int, dict] = {}
    prefetch_org_kinds(ctx, items)
    for index, place, record in checks.records("needs", items, ctx):
        _check_org(ctx, record, place, OrganizationKind.ENTERPRISE, "an enterprise")
        values = {
            "title": checks.text(
                ctx, record, place, "title", required=True, max_length=_max(Need, "title")
            ),
            "description": checks.text(ctx, record, place, "description", required=True),
            "sectors": checks.code_list(ctx, record, place, "sectors", ctx.sector_codes),
            "app_types": checks.code_list(ctx, record, place, "app_types", ctx.app_type_codes),
            "deployment_modes": checks.code_list(
                ctx, record, place, "deployment", ctx.deployment_codes
            ),
            "budget_min": checks.amount(ctx, record, place, "budget_min"),
            "budget_max": checks.amount(ctx, record, place, "budget_max"),
            "region": checks.text(ctx, record, place, "region", max_length=_max(Need, "region")),
            "deadline": checks.date(ctx, record, place, "deadline"),
            "visibility": checks.choice(
                ctx,
                record,
                place,
                "visibility",
                NEED_VISIBILITIES,
                default=NeedVisibility.PUBLIC,
            ),
            "data_availability": checks.choice(
                ctx,
                record,
                place,
                "data_availability",
                DATA_AVAILABILITIES,
                default=DataAvailability.NONE,
            ),
            "data_labelled": checks.boolean(ctx, record, place, "data_labelled"),
            "data_note": checks.text(
                ctx, record, place, "data_note", max_length=_max(Need, "data_note")
            ),
            "success_metric": checks.text(
                ctx, record, place, "success_metric", max_length=_max(Need, "success_metric")
            ),
            "requires_domestic_hw": checks.boolean(ctx, record, place, "requires_domestic_hw"),
            "requires_on_premises": checks.boolean(ctx, record, place, "requires_on_premises"),
            "requires_filing": checks.boolean(ctx, record, place, "requires_filing"),
            "compliance_note": checks.text(
                ctx, record, place, "compliance_note", max_length=_max(Need, "compliance_note")
            ),
            "status": checks.choice(
                ctx, record, place, "status", NEED_STATUSES, default=NeedStatus.OPEN
            ),
            "published_at": checks.datetime(ctx, record, place, "published_at"),
        }
        checks.min_max(
            ctx, place, "budget_min", values["budget_min"], "budget_max", values["budget_max"]
        )
        cleaned[index] = values
    ctx.cache["needs:cleaned"] = cleaned


def apply_needs(items: list, ctx: ImportContext) -> SectionResult:
    cleaned = ctx.cache["needs:cleaned"]
    orgs = _orgs_for(ctx, {record["org"] for record in items})
    existing = _existing_by_ref(Need, (record["ref"] for record in items))
    objects = ctx.objects.setdefault("needs", {})
    # Like the services: a need expires on its deadline, else a fixed lifetime after publication.
    lifetime_end = timezone.localdate(ctx.now) + dt.timedelta(
        days=settings.NEED_DEFAULT_LIFETIME_DAYS
    )
    new: list[Need] = []
    changed: list[Need] = []
    rows: list[tuple[Need, dict]] = []
    total = len(items)
    for index, record in enumerate(items):
        values = cleaned[index]
        need = existing.get(record["ref"])
        if need is None:
            need = Need(ref=record["ref"])
            new.append(need)
        else:
            need.updated_at = ctx.now
            changed.append(need)
        need.organization = orgs[record["org"]]
        for name in NEED_PLAIN_FIELDS:
            value = values[name]
            setattr(need, name, "" if value is None and name in ("region",) else value)
        _status_and_published_at(
            need, values["status"], NeedStatus.OPEN, values["published_at"], ctx.now
        )
        if need.status == NeedStatus.OPEN and need.reviewed_at is None:
            # Bulk imports are run by platform operators: the import is the review.
            need.reviewed_at = ctx.now
        if need.deadline:
            need.expires_on = need.deadline
        elif need.expires_on is None:
            need.expires_on = lifetime_end
        apply_need_index(need)
        objects[need.ref] = need
        rows.append((need, values))
        if (index + 1) % PROGRESS_EVERY == 0:
            ctx.progress("needs (prepared)", index + 1, total)
    needs_bulk_save(
        new=new,
        changed=changed,
        fields=[
            "organization",
            *NEED_PLAIN_FIELDS,
            "status",
            "published_at",
            "reviewed_at",
            "expires_on",
            "search_text",
            "updated_at",
        ],
        terms=rows,
    )
    ctx.progress("needs", total, total)
    return SectionResult(created=len(new), updated=len(changed))


def export_needs(ctx: ExportContext) -> list[dict]:
    if ctx.offering_ids is not None:
        return []  # a filtered offering list carries no needs
    queryset = Need.objects.select_related("organization").order_by("pk")
    if not ctx.include_unpublished:
        queryset = queryset.filter(status=NeedStatus.OPEN).exclude(
            visibility=NeedVisibility.PRIVATE
        )
    needs = list(queryset)
    ids = [need.pk for need in needs]
    links = _terms_by_owner(ctx.cache, Need, ids)
    rows = []
    for need in needs:
        rows.append(
            {
                "ref": ctx.need_ref(need),
                "org": ctx.org_ref(need.organization),
                "title": need.title,
                "description": need.description,
                **_exported_terms(links, need.pk),
                "budget_min": need.budget_min,
                "budget_max": need.budget_max,
                "region": need.region,
                "deadline": _iso(need.deadline),
                "visibility": need.visibility,
                "data_availability": need.data_availability,
                "data_labelled": need.data_labelled,
                "data_note": need.data_note,
                "success_metric": need.success_metric,
                "requires_domestic_hw": need.requires_domestic_hw,
                "requires_on_premises": need.requires_on_premises,
                "requires_filing": need.requires_filing,
                "compliance_note": need.compliance_note,
                "status": need.status,
                "published_at": _iso(need.published_at),
            }
        )
    return sorted(rows, key=lambda row: row["ref"])
