"""The `cases` section of `llm-match/v1` files (import_listings / export_listings).

    {"ref": "c-001", "vendor": "<vendor ref>", "offering": "<offering ref>" | null,
     "client": "某股份制银行", "title": "...", "sector": "finance", "app_type": "qa",
     "layer": "application" | null, "challenge": "...", "solution": "...", "outcome": "...",
     "metrics": [{"name": "文档处理时间", "value": "-40%", "unit": ""}],
     "scores": {"innovation": 1-5, "demonstration": 1-5, "benefit": 1-5, "replicability": 1-5},
     optional: "curator_comment", "source_url", "from_white_paper", "featured",
               "featured_order", "published_at"}

Imported cases are published with their scores (the overall score is their mean).
Only published cases are exported. Registered from ``CasesConfig.ready()`` with order 40,
after organizations (10), offerings (20) and needs (30).
"""

from __future__ import annotations

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.accounts.models import Organization
from matchmaking.cases import services
from matchmaking.cases.choices import MAX_METRICS, SCORE_DIMENSIONS, SCORE_MAX, SCORE_MIN
from matchmaking.cases.models import Case, CaseMetric
from matchmaking.listings.io import checks
from matchmaking.listings.io.registry import (
    ExportContext,
    ImportContext,
    ImportSection,
    SectionResult,
    register_import_section,
)
from matchmaking.listings.models import Offering
from matchmaking.taxonomy.models import ApplicationType, Layer, Sector

SECTION = "cases"
SCORE_KEYS = [name for name, _label in SCORE_DIMENSIONS]
_TEXT_FIELDS = ("title", "client", "challenge", "solution", "outcome")


def _max(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


def _org_kind(ctx: ImportContext, ref: str) -> str | None:
    """The kind of the organization `ref`: from this file (the organizations section records
    the kinds it validated in ``ctx.cache["organizations:kinds"]``), else the database."""
    kinds = ctx.cache.setdefault("organizations:kinds", {})
    if ref not in kinds:
        org = Organization.objects.filter(ref=ref).only("kind").first()
        kinds[ref] = org.kind if org else None
    return kinds[ref]


def _check_scores(ctx: ImportContext, record: dict, place: str) -> dict | None:
    scores = record.get("scores")
    if scores is None:
        ctx.error(f"{place}.scores", "required (imported cases are published with their scores)")
        return None
    if not isinstance(scores, dict):
        ctx.error(f"{place}.scores", f"expected an object, got {checks.show(scores)}")
        return None
    cleaned = {}
    for key in SCORE_KEYS:
        value = scores.get(key)
        if value is None:
            ctx.error(f"{place}.scores.{key}", "required")
        elif isinstance(value, bool) or not isinstance(value, int):
            ctx.error(f"{place}.scores.{key}", f"expected a whole number, got {checks.show(value)}")
        elif not SCORE_MIN <= value <= SCORE_MAX:
            ctx.error(
                f"{place}.scores.{key}",
                f"must be from {SCORE_MIN} to {SCORE_MAX}, got {checks.show(value)}",
            )
        else:
            cleaned[key] = value
    unknown = sorted(set(scores) - set(SCORE_KEYS))
    if unknown:
        ctx.error(
            f"{place}.scores",
            f"unknown dimension(s) {', '.join(unknown)} (expected: {', '.join(SCORE_KEYS)})",
        )
    return cleaned if len(cleaned) == len(SCORE_KEYS) else None


def _check_metrics(ctx: ImportContext, record: dict, place: str) -> list[dict]:
    metrics = record.get("metrics")
    if metrics is None:
        return []
    if not isinstance(metrics, list):
        ctx.error(f"{place}.metrics", f"expected a list, got {checks.show(metrics)}")
        return []
    if len(metrics) > MAX_METRICS:
        ctx.error(f"{place}.metrics", f"too many metrics ({len(metrics)}; at most {MAX_METRICS})")
        return []
    cleaned = []
    for index, metric in enumerate(metrics):
        where = f"{place}.metrics[{index}]"
        if not isinstance(metric, dict):
            ctx.error(where, f"expected an object with name and value, got {checks.show(metric)}")
            continue
        value = metric.get("value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            metric = {**metric, "value": str(value)}
        name = checks.text(
            ctx, metric, where, "name", required=True, max_length=_max(CaseMetric, "name")
        )
        text = checks.text(
            ctx, metric, where, "value", required=True, max_length=_max(CaseMetric, "value")
        )
        unit = checks.text(ctx, metric, where, "unit", max_length=_max(CaseMetric, "unit"))
        if name and text:
            cleaned.append(
                {"name": name.strip(), "value": text.strip(), "unit": (unit or "").strip()}
            )
    return cleaned


def validate_cases(items: list, ctx: ImportContext) -> None:
    cleaned: dict[int, dict] = {}
    db_offering_owner: dict[str, str | None] = {}
    for index, place, record in checks.records(SECTION, items, ctx):
        vendor = checks.reference(ctx, record, place, "vendor", "organizations", required=True)
        if vendor is not None and _org_kind(ctx, vendor) not in (None, OrganizationKind.VENDOR):
            ctx.error(f"{place}.vendor", f'"{vendor}" is not a vendor organization')
        offering = checks.reference(ctx, record, place, "offering", "offerings")
        # An offering already stored must belong to the case's vendor. (One that only exists
        # in this file is checked when applied: a mismatch is then simply not linked.)
        if (
            offering is not None
            and vendor is not None
            and offering not in ctx.file_refs.get("offerings", set())
        ):
            if offering not in db_offering_owner:
                db_offering_owner[offering] = (
                    Offering.objects.filter(ref=offering)
                    .values_list("organization__ref", flat=True)
                    .first()
                )
            if db_offering_owner[offering] != vendor:
                ctx.error(f"{place}.offering", f'"{offering}" is not an offering of "{vendor}"')
        values = {
            name: checks.text(ctx, record, place, name, required=True, max_length=_max(Case, name))
            for name in _TEXT_FIELDS
        }
        values["sector"] = checks.code(
            ctx, record, place, "sector", ctx.sector_codes, required=True
        )
        values["app_type"] = checks.code(
            ctx, record, place, "app_type", ctx.app_type_codes, required=True
        )
        values["layer"] = checks.code(ctx, record, place, "layer", ctx.layer_codes)
        values["source_url"] = checks.text(
            ctx, record, place, "source_url", max_length=_max(Case, "source_url")
        )
        if values["source_url"] and not values["source_url"].startswith(("http://", "https://")):
            ctx.error(
                f"{place}.source_url",
                f"expected an http(s) address, got {checks.show(values['source_url'])}",
            )
        extra = {
            "curator_comment": checks.text(ctx, record, place, "curator_comment") or "",
            "from_white_paper": checks.boolean(ctx, record, place, "from_white_paper"),
            "is_featured": checks.boolean(ctx, record, place, "featured"),
            "published_at": checks.datetime(ctx, record, place, "published_at"),
        }
        order = record.get("featured_order", 0)
        if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 32767:
            ctx.error(
                f"{place}.featured_order", f"expected a whole number ≥ 0, got {checks.show(order)}"
            )
            order = 0
        extra["featured_order"] = order
        cleaned[index] = {
            "values": values,
            "extra": extra,
            "scores": _check_scores(ctx, record, place),
            "metrics": _check_metrics(ctx, record, place),
        }
    ctx.cache["cases:cleaned"] = cleaned


def _resolve(ctx: ImportContext, section: str, model, ref: str):
    found = ctx.resolve(section, ref)
    if found is None:
        found = model.objects.get(ref=ref)
    return found


def apply_cases(items: list, ctx: ImportContext) -> SectionResult:
    cleaned = ctx.cache["cases:cleaned"]
    sectors = {term.code: term for term in Sector.objects.all()}
    app_types = {term.code: term for term in ApplicationType.objects.all()}
    layers = {term.code: term for term in Layer.objects.all()}
    objects = ctx.objects.setdefault(SECTION, {})
    result = SectionResult()
    for index, record in enumerate(items):
        entry = cleaned[index]
        values = entry["values"]
        vendor = _resolve(ctx, "organizations", Organization, record["vendor"])
        offering = None
        if record.get("offering"):
            offering = _resolve(ctx, "offerings", Offering, record["offering"])
        case, created = services.case_import(
            ref=record["ref"],
            vendor=vendor,
            offering=offering,
            scores=entry["scores"],
            metrics=entry["metrics"],
            now=ctx.now,
            title=values["title"],
            client=values["client"],
            challenge=values["challenge"],
            solution=values["solution"],
            outcome=values["outcome"],
            source_url=values["source_url"] or "",
            sector=sectors[values["sector"]],
            app_type=app_types[values["app_type"]],
            layer=layers[values["layer"]] if values["layer"] else None,
            **entry["extra"],
        )
        objects[case.ref] = case
        if created:
            result.created += 1
        else:
            result.updated += 1
    ctx.progress(SECTION, len(items), len(items))
    return result


def export_cases(ctx: ExportContext) -> list[dict]:
    """Published cases only (an imported case is always published); for an export of a
    filtered offering list, the published cases linked to those offerings."""
    queryset = (
        Case.objects.published()
        .select_related("vendor", "offering", "sector", "app_type", "layer")
        .prefetch_related("metrics")
        .order_by("pk")
    )
    if ctx.offering_ids is not None:  # a filtered offering list: the cases of its offerings
        queryset = queryset.filter(offering_id__in=ctx.offering_ids)
    rows = []
    for case in queryset:
        metrics = []
        for metric in case.metrics.all():
            row = {"name": metric.name, "value": metric.value}
            if metric.unit:
                row["unit"] = metric.unit
            metrics.append(row)
        rows.append(
            {
                "ref": case.ref or f"case-{case.pk}",
                "vendor": ctx.org_ref(case.vendor),
                "offering": ctx.offering_ref(case.offering) if case.offering else None,
                "client": case.client,
                "title": case.title,
                "sector": case.sector.code,
                "app_type": case.app_type.code,
                "layer": case.layer.code if case.layer else None,
                "challenge": case.challenge,
                "solution": case.solution,
                "outcome": case.outcome,
                "metrics": metrics,
                "scores": {key: getattr(case, f"score_{key}") for key in SCORE_KEYS},
                "curator_comment": case.curator_comment,
                "source_url": case.source_url,
                "from_white_paper": case.from_white_paper,
                "featured": case.is_featured,
                "featured_order": case.featured_order,
                "published_at": case.published_at.isoformat() if case.published_at else None,
            }
        )
    return sorted(rows, key=lambda row: row["ref"])


def _db_refs() -> set[str]:
    return set(Case.objects.exclude(ref=None).values_list("ref", flat=True))


def _resolver(ref: str):
    return Case.objects.filter(ref=ref).first()


def register() -> None:
    register_import_section(
        ImportSection(
            name=SECTION,
            order=40,
            validate=validate_cases,
            apply=apply_cases,
            export=export_cases,
            db_refs=_db_refs,
            resolve=_resolver,
        )
    )
