"""The organizations section of `llm-match/v1`."""

from __future__ import annotations

from collections.abc import Iterable

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.accounts.models import Organization
from matchmaking.accounts.services import organizations_bulk_save
from matchmaking.listings.io import checks
from matchmaking.listings.io.registry import (
    ExportContext,
    ImportContext,
    SectionResult,
)
from matchmaking.listings.io.sections.common import (
    ORGANIZATION_KINDS,
    _existing_by_ref,
    _max,
)
from matchmaking.listings.models import Offering


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


def prefetch_org_kinds(ctx: ImportContext, items: list) -> None:
    """Read the kinds of the organizations that ``items`` (listing records) name, a few
    queries for all: one query per organization was a fifth of importing 100k offerings.
    Kinds given by the file's own organizations section stay as they are."""
    kinds = ctx.cache.setdefault("organizations:kinds", {})
    named = (record.get("org") for record in items if isinstance(record, dict))
    refs = {ref for ref in named if isinstance(ref, str) and ref not in kinds}
    found = _existing_by_ref(Organization, refs, "kind")
    for ref in refs:
        kinds[ref] = found[ref].kind if ref in found else None


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
    organizations_bulk_save(
        new=new,
        changed=changed,
        fields=["kind", "name", "name_en", "region", "description", "filing_number", "updated_at"],
    )
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
