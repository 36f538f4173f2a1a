"""The organizations, offerings and needs sections of `llm-match/v1` (registered from
``ListingsConfig.ready()`` through the same registry higher apps use)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from django.conf import settings
from django.db import connections, router
from django.db.models import Model
from django.utils import timezone

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.accounts.models import Organization
from matchmaking.core.changes import record_changes
from matchmaking.listings.choices import (
    DataAvailability,
    NeedStatus,
    NeedVisibility,
    OfferingStatus,
    PriceUnit,
)
from matchmaking.listings.hype import offering_hype_flags
from matchmaking.listings.indexing import apply_need_index, apply_offering_index
from matchmaking.listings.io import checks
from matchmaking.listings.io.registry import (
    ExportContext,
    ImportContext,
    ImportSection,
    SectionResult,
    register_import_section,
)
from matchmaking.listings.models import Need, Offering
from matchmaking.taxonomy.models import (
    ApplicationType,
    DeploymentMode,
    Layer,
    OfferingKind,
    Sector,
)

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


def _existing_by_ref(model: type[Model], refs: Iterable[str]) -> dict[str, Model]:
    found: dict[str, Model] = {}
    for chunk in _chunks(sorted(set(refs))):
        for obj in model.objects.filter(ref__in=chunk):
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


def _replace_m2m(
    model: type[Model],
    field_names: dict[str, type[Model]],
    rows: list[tuple[Model, dict]],
    updated_ids: list[int],
    ctx: ImportContext,
) -> None:
    """Replace the many-to-many links of `rows` ((instance, {field: [codes]})): bulk delete
    the updated instances' old links, then insert the new ones with one executemany per
    batch (no model instances: this is the hot path of a 100k-offering import)."""
    for field_name, term_model in field_names.items():
        through = model._meta.get_field(field_name).remote_field.through
        owner_column = f"{model._meta.model_name}_id"
        term_column = f"{term_model._meta.model_name}_id"
        if updated_ids:
            for chunk in _chunks(updated_ids):
                through.objects.filter(**{f"{owner_column}__in": chunk}).delete()
        ids = _term_ids(ctx, term_model)
        links = [(obj.pk, ids[code]) for obj, values in rows for code in values[field_name]]
        connection = connections[router.db_for_write(through)]
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(through._meta.db_table)} "
            f"({quote(owner_column)}, {quote(term_column)}) VALUES (%s, %s)"
        )
        with connection.cursor() as cursor:
            for batch in _chunks(links, BATCH * 10):
                cursor.executemany(sql, batch)


# --- organizations -------------------------------------------------------------------


def validate_organizations(items: list, ctx: ImportContext) -> None:
    kinds: dict[str, str] = {}
    cleaned: dict[int, dict] = {}
    for index, place, record in checks.records("organizations", items, ctx):
        values = {
            "kind": checks.choice(ctx, record, place, "kind", ORGANIZATION_KINDS, required=True),
            "name": checks.text(
                ctx, record, place, "name", required=True, max_length=_max(Organization, "name")
            ),
            "name_en": checks.text(
                ctx, record, place, "name_en", max_length=_max(Organization, "name_en")
            ),
            "region": checks.text(
                ctx, record, place, "region", max_length=_max(Organization, "region")
            ),
            "description": checks.text(ctx, record, place, "description"),
        }
        # 生成式人工智能服务备案 number (vendors): read only when given, so that a file written
        # before the field existed does not erase a number entered on the site.
        if "filing_number" in record:
            values["filing_number"] = checks.text(
                ctx, record, place, "filing_number", max_length=_max(Organization, "filing_number")
            )
        ref = record.get("ref")
        if isinstance(ref, str) and values["kind"]:
            kinds[ref] = values["kind"]
        cleaned[index] = values
    # An organization that already has listings cannot change sides.
    existing = _existing_by_ref(Organization, kinds)
    for _index, place, record in checks.records("organizations", items, ctx):
        org = existing.get(record.get("ref"))
        kind = kinds.get(record.get("ref"))
        if org is None or kind is None or org.kind == kind:
            continue
        has_listings = org.offerings.exists() if org.is_vendor else org.needs.exists()
        if has_listings:
            ctx.error(
                f"{place}.kind",
                f'cannot change "{org.ref}" from {org.kind} to {kind}: it already has listings',
            )
    ctx.cache["organizations:kinds"] = kinds
    ctx.cache["organizations:cleaned"] = cleaned


def _org_kind(ctx: ImportContext, ref: str) -> str | None:
    kinds = ctx.cache.setdefault("organizations:kinds", {})
    if ref not in kinds:
        org = Organization.objects.filter(ref=ref).only("kind").first()
        kinds[ref] = org.kind if org else None
    return kinds[ref]


def _check_org(ctx: ImportContext, record: dict, place: str, kind: str, label: str) -> None:
    ref = checks.reference(ctx, record, place, "org", "organizations", required=True)
    if ref is not None and _org_kind(ctx, ref) not in (None, kind):
        ctx.error(f"{place}.org", f'"{ref}" is not {label} organization')


def apply_organizations(items: list, ctx: ImportContext) -> SectionResult:
    cleaned = ctx.cache["organizations:cleaned"]
    existing = _existing_by_ref(Organization, (record["ref"] for record in items))
    new: list[Organization] = []
    changed: list[Organization] = []
    objects = ctx.objects.setdefault("organizations", {})
    for index, record in enumerate(items):
        values = cleaned[index]
        org = existing.get(record["ref"])
        if org is None:
            org = Organization(ref=record["ref"])
            new.append(org)
        else:
            org.updated_at = ctx.now
            changed.append(org)
        for name, value in values.items():
            setattr(org, name, value)
        if org.kind != OrganizationKind.VENDOR:
            org.filing_number = ""
        objects[org.ref] = org
    Organization.objects.bulk_create(new, batch_size=BATCH)
    Organization.objects.bulk_update(
        changed,
        ["kind", "name", "name_en", "region", "description", "filing_number", "updated_at"],
        batch_size=BATCH,
    )
    record_changes(Organization, [org.pk for org in new + changed])  # bulk writes send no signal
    ctx.progress("organizations", len(items), len(items))
    return SectionResult(created=len(new), updated=len(changed))


def export_organizations(ctx: ExportContext) -> list[dict]:
    rows = []
    organizations = Organization.objects.order_by("pk")
    if ctx.offering_ids is not None:
        organizations = organizations.filter(
            pk__in=Offering.objects.filter(pk__in=ctx.offering_ids).values("organization_id")
        )
    for org in organizations:
        rows.append(
            {
                "ref": ctx.org_ref(org),
                "kind": org.kind,
                "name": org.name,
                "name_en": org.name_en,
                "region": org.region,
                "description": org.description,
                "filing_number": org.filing_number,
            }
        )
    return sorted(rows, key=lambda row: row["ref"])


def _orgs_for(ctx: ImportContext, refs: Iterable[str]) -> dict[str, Organization]:
    objects = ctx.objects.setdefault("organizations", {})
    missing = {ref for ref in refs if ref not in objects}
    if missing:
        objects.update(_existing_by_ref(Organization, missing))
    return objects


# --- offerings -----------------------------------------------------------------------

OFFERING_M2M = {"sectors": Sector, "app_types": ApplicationType, "deployment_modes": DeploymentMode}


def validate_offerings(items: list, ctx: ImportContext) -> None:
    cleaned: dict[int, dict] = {}
    for index, place, record in checks.records("offerings", items, ctx):
        _check_org(ctx, record, place, OrganizationKind.VENDOR, "a vendor")
        values = {
            "title": checks.text(
                ctx, record, place, "title", required=True, max_length=_max(Offering, "title")
            ),
            "summary": checks.text(
                ctx, record, place, "summary", max_length=_max(Offering, "summary")
            ),
            "description": checks.text(ctx, record, place, "description", required=True),
            "kind": checks.code(ctx, record, place, "kind", ctx.kind_codes, required=True),
            "layer": checks.code(ctx, record, place, "layer", ctx.layer_codes),
            "sectors": checks.code_list(ctx, record, place, "sectors", ctx.sector_codes),
            "app_types": checks.code_list(ctx, record, place, "app_types", ctx.app_type_codes),
            "deployment_modes": checks.code_list(
                ctx, record, place, "deployment", ctx.deployment_codes
            ),
            "price_min": checks.amount(ctx, record, place, "price_min"),
            "price_max": checks.amount(ctx, record, place, "price_max"),
            "price_unit": checks.choice(
                ctx, record, place, "price_unit", PRICE_UNITS, default=PriceUnit.PROJECT
            ),
            "regions": checks.string_list(ctx, record, place, "regions", max_length=30),
            "tags": checks.string_list(ctx, record, place, "tags", max_length=40),
            "domestic_platforms": checks.string_list(
                ctx, record, place, "domestic_platforms", max_length=40
            ),
            "on_premises_data": checks.boolean(ctx, record, place, "on_premises_data"),
            "demo_url": checks.text(
                ctx, record, place, "demo_url", max_length=_max(Offering, "demo_url")
            ),
            "status": checks.choice(
                ctx,
                record,
                place,
                "status",
                OFFERING_STATUSES,
                default=OfferingStatus.PUBLISHED,
            ),
            "published_at": checks.datetime(ctx, record, place, "published_at"),
        }
        checks.min_max(
            ctx, place, "price_min", values["price_min"], "price_max", values["price_max"]
        )
        demo_url = values["demo_url"]
        if demo_url and not demo_url.startswith(("http://", "https://")):
            ctx.error(
                f"{place}.demo_url", f"expected an http(s) address, got {checks.show(demo_url)}"
            )
        if values["summary"] == "" and values["description"]:
            values["summary"] = _summary_from(values["description"])
        cleaned[index] = values
    ctx.cache["offerings:cleaned"] = cleaned


def _summary_from(description: str) -> str:
    first = description.strip().split("\n")[0]
    for stop in "。！？.!?":
        if stop in first:
            first = first.split(stop)[0] + stop
            break
    limit = _max(Offering, "summary") or 200
    return first if len(first) <= limit else first[: limit - 1] + "…"


def apply_offerings(items: list, ctx: ImportContext) -> SectionResult:
    cleaned = ctx.cache["offerings:cleaned"]
    orgs = _orgs_for(ctx, {record["org"] for record in items})
    existing = _existing_by_ref(Offering, (record["ref"] for record in items))
    kind_ids = _term_ids(ctx, OfferingKind)
    layer_ids = _term_ids(ctx, Layer)
    objects = ctx.objects.setdefault("offerings", {})
    new: list[Offering] = []
    changed: list[Offering] = []
    rows: list[tuple[Offering, dict]] = []
    total = len(items)
    for index, record in enumerate(items):
        values = cleaned[index]
        org = orgs[record["org"]]
        offering = existing.get(record["ref"])
        if offering is None:
            offering = Offering(ref=record["ref"])
            new.append(offering)
        else:
            offering.updated_at = ctx.now
            changed.append(offering)
        offering.organization = org
        for name in (
            "title", "summary", "description", "price_min", "price_max", "price_unit",
            "regions", "tags", "domestic_platforms", "on_premises_data", "demo_url",
        ):  # fmt: skip
            setattr(offering, name, values[name])
        offering.kind_id = kind_ids[values["kind"]]
        offering.layer_id = layer_ids[values["layer"]] if values["layer"] else None
        _status_and_published_at(
            offering, values["status"], OfferingStatus.PUBLISHED, values["published_at"], ctx.now
        )
        apply_offering_index(
            offering, organization_name=" ".join(filter(None, [org.name, org.name_en]))
        )
        offering.hype_flags = offering_hype_flags(
            title=values["title"],
            summary=values["summary"],
            description=values["description"],
            tags=values["tags"],
            sectors=values["sectors"],
            app_types=values["app_types"],
        )
        objects[offering.ref] = offering
        rows.append((offering, values))
        if (index + 1) % PROGRESS_EVERY == 0:
            ctx.progress("offerings (prepared)", index + 1, total)
    for done, batch in enumerate(_chunks(new, BATCH * 5), start=1):
        Offering.objects.bulk_create(batch, batch_size=BATCH)
        ctx.progress("offerings (created)", min(done * BATCH * 5, len(new)), len(new))
    Offering.objects.bulk_update(
        changed,
        [
            "organization",
            "title",
            "summary",
            "description",
            "kind",
            "layer",
            "price_min",
            "price_max",
            "price_unit",
            "regions",
            "tags",
            "domestic_platforms",
            "on_premises_data",
            "demo_url",
            "status",
            "published_at",
            "search_text",
            "regions_index",
            "hype_flags",
            "updated_at",
        ],  # fmt: skip
        batch_size=BATCH // 2,
    )
    _replace_m2m(Offering, OFFERING_M2M, rows, [o.pk for o in changed], ctx)
    record_changes(Offering, [offering.pk for offering in new + changed])
    ctx.progress("offerings", total, total)
    return SectionResult(created=len(new), updated=len(changed))


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


def export_offerings(ctx: ExportContext) -> list[dict]:
    queryset = Offering.objects.select_related("organization", "kind", "layer").order_by("pk")
    if ctx.offering_ids is not None:
        queryset = queryset.filter(pk__in=ctx.offering_ids)
    if not ctx.include_unpublished:
        queryset = queryset.filter(status=OfferingStatus.PUBLISHED)
    offerings = list(queryset)
    ids = [offering.pk for offering in offerings]
    links = {
        name: _m2m_codes(ctx.cache, Offering, name, term, ids)
        for name, term in OFFERING_M2M.items()
    }
    rows = []
    for offering in offerings:
        rows.append(
            {
                "ref": ctx.offering_ref(offering),
                "org": ctx.org_ref(offering.organization),
                "title": offering.title,
                "summary": offering.summary,
                "description": offering.description,
                "kind": offering.kind.code,
                "layer": offering.layer.code if offering.layer else None,
                "sectors": links["sectors"].get(offering.pk, []),
                "app_types": links["app_types"].get(offering.pk, []),
                "deployment": links["deployment_modes"].get(offering.pk, []),
                "price_min": offering.price_min,
                "price_max": offering.price_max,
                "price_unit": offering.price_unit,
                "regions": list(offering.regions or []),
                "tags": list(offering.tags or []),
                "domestic_platforms": list(offering.domestic_platforms or []),
                "on_premises_data": offering.on_premises_data,
                "demo_url": offering.demo_url,
                "status": offering.status,
                "published_at": _iso(offering.published_at),
            }
        )
    return sorted(rows, key=lambda row: row["ref"])


# --- needs ---------------------------------------------------------------------------

NEED_M2M = {"sectors": Sector, "app_types": ApplicationType, "deployment_modes": DeploymentMode}
NEED_PLAIN_FIELDS = (
    "title", "description", "budget_min", "budget_max", "region", "deadline", "visibility",
    "data_availability", "data_labelled", "data_note", "success_metric",
    "requires_domestic_hw", "requires_on_premises", "requires_filing", "compliance_note",
)  # fmt: skip


def validate_needs(items: list, ctx: ImportContext) -> None:
    cleaned: dict[int, dict] = {}
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
    Need.objects.bulk_create(new, batch_size=BATCH)
    Need.objects.bulk_update(
        changed,
        [
            "organization",
            *NEED_PLAIN_FIELDS,
            "status",
            "published_at",
            "reviewed_at",
            "expires_on",
            "search_text",
            "updated_at",
        ],  # fmt: skip
        batch_size=BATCH // 2,
    )
    _replace_m2m(Need, NEED_M2M, rows, [n.pk for n in changed], ctx)
    record_changes(Need, [need.pk for need in new + changed])
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
    links = {name: _m2m_codes(ctx.cache, Need, name, term, ids) for name, term in NEED_M2M.items()}
    rows = []
    for need in needs:
        rows.append(
            {
                "ref": ctx.need_ref(need),
                "org": ctx.org_ref(need.organization),
                "title": need.title,
                "description": need.description,
                "sectors": links["sectors"].get(need.pk, []),
                "app_types": links["app_types"].get(need.pk, []),
                "deployment": links["deployment_modes"].get(need.pk, []),
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


def _refs(model: type[Model]):
    def lookup() -> set[str]:
        return set(model.objects.exclude(ref=None).values_list("ref", flat=True))

    return lookup


def _resolver(model: type[Model]):
    def resolve(ref: str):
        return model.objects.filter(ref=ref).first()

    return resolve


def register() -> None:
    register_import_section(
        ImportSection(
            name="organizations",
            order=10,
            validate=validate_organizations,
            apply=apply_organizations,
            export=export_organizations,
            db_refs=_refs(Organization),
            resolve=_resolver(Organization),
        )
    )
    register_import_section(
        ImportSection(
            name="offerings",
            order=20,
            validate=validate_offerings,
            apply=apply_offerings,
            export=export_offerings,
            db_refs=_refs(Offering),
            resolve=_resolver(Offering),
        )
    )
    register_import_section(
        ImportSection(
            name="needs",
            order=30,
            validate=validate_needs,
            apply=apply_needs,
            export=export_needs,
            db_refs=_refs(Need),
            resolve=_resolver(Need),
        )
    )
