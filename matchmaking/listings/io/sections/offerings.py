"""The offerings section of `llm-match/v1`."""

from __future__ import annotations

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.listings.choices import (
    OfferingStatus,
    PriceUnit,
)
from matchmaking.listings.hype import offering_hype_flags
from matchmaking.listings.indexing import apply_offering_index
from matchmaking.listings.io import checks
from matchmaking.listings.io.registry import (
    ExportContext,
    ImportContext,
    SectionResult,
)
from matchmaking.listings.io.sections.common import (
    OFFERING_STATUSES,
    PRICE_UNITS,
    PROGRESS_EVERY,
    _existing_by_ref,
    _exported_terms,
    _iso,
    _max,
    _status_and_published_at,
    _term_ids,
    _terms_by_owner,
)
from matchmaking.listings.io.sections.organizations import (
    _check_org,
    _orgs_for,
    prefetch_org_kinds,
)
from matchmaking.listings.models import Offering
from matchmaking.listings.services.bulk import offerings_bulk_save
from matchmaking.listings.services.common import _text_of
from matchmaking.listings.text_dating import date_live_text
from matchmaking.taxonomy.models import (
    Layer,
    OfferingKind,
)


def validate_offerings(items: list, ctx: ImportContext) -> None:
    cleaned: dict[int, dict] = {}
    prefetch_org_kinds(ctx, items)
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


def _live_text(offering) -> dict | None:
    """The text an existing offering shows now, before the file changes it: the last text
    a moderator let go live, else (published without review, e.g. imported before its text
    was dated) the published text itself."""
    if offering.reviewed_text:
        return offering.reviewed_text
    return _text_of(offering) if offering.status == OfferingStatus.PUBLISHED else None


def _date_imported_text(offering, live_text: dict | None, now) -> None:
    """An admin's import publishes an offering's text as a moderator's approval does: it
    becomes the reviewed text, dated by the copy rule (listings/text_dating.py). A new
    listing's text went live at its publication (the file's ``published_at``); a listing
    already on the site keeps its date unless the file rewrites its text. Without this, an
    imported listing hidden and approved again had no reviewed text to compare with, and
    its text was dated at that approval, behind any copy made meanwhile."""
    text = _text_of(offering)
    went_live = now if live_text is not None else offering.published_at
    date_live_text(offering, text, previous=live_text, now=went_live)
    offering.reviewed_text = text


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
            live_text = None
        else:
            offering.updated_at = ctx.now
            changed.append(offering)
            live_text = _live_text(offering)
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
        if offering.status == OfferingStatus.PUBLISHED:
            _date_imported_text(offering, live_text, ctx.now)
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
    offerings_bulk_save(
        new=new,
        changed=changed,
        terms=rows,
        progress=lambda done, count: ctx.progress("offerings (created)", done, count),
    )
    ctx.progress("offerings", total, total)
    return SectionResult(created=len(new), updated=len(changed))


def export_offerings(ctx: ExportContext) -> list[dict]:
    queryset = Offering.objects.select_related("organization", "kind", "layer").order_by("pk")
    if ctx.offering_ids is not None:
        queryset = queryset.filter(pk__in=ctx.offering_ids)
    if not ctx.include_unpublished:
        queryset = queryset.filter(status=OfferingStatus.PUBLISHED)
    offerings = list(queryset)
    ids = [offering.pk for offering in offerings]
    links = _terms_by_owner(ctx.cache, Offering, ids)
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
                **_exported_terms(links, offering.pk),
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
