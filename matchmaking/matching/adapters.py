"""Models → the engine's documents (OfferingDoc, NeedDoc, CaseDoc), in bulk.

Reads use ``values()`` and one query per many-to-many table (not per row), so building the
documents of 100k offerings costs a handful of queries. Only what may be matched is turned
into a document: published offerings and open needs (status open, not past their expiry day
or deadline). Refs are the import ``ref`` or ``offering-<pk>`` / ``need-<pk>`` / ``org-<pk>``;
callers map them back to primary keys with the ``*_pk_by_ref`` dictionaries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import Q, QuerySet
from django.utils import timezone

from matchmaking.accounts.choices import VerificationStatus
from matchmaking.cases.models import Case
from matchmaking.listings.choices import NeedStatus, NeedVisibility, OfferingStatus
from matchmaking.listings.models import Need, Offering
from matchmaking.listings.scoping import private_need_ids_for
from matchmaking.matching.engine import CaseDoc, NeedDoc, OfferingDoc


def offering_ref(pk: int, ref: str | None) -> str:
    return ref or f"offering-{pk}"


def need_ref(pk: int, ref: str | None) -> str:
    return ref or f"need-{pk}"


def org_ref(pk: int, ref: str | None) -> str:
    return ref or f"org-{pk}"


@dataclass
class Documents:
    offerings: list[OfferingDoc] = field(default_factory=list)
    needs: list[NeedDoc] = field(default_factory=list)
    cases: list[CaseDoc] = field(default_factory=list)
    offering_pk_by_ref: dict[str, int] = field(default_factory=dict)
    need_pk_by_ref: dict[str, int] = field(default_factory=dict)


# --- what may be matched -------------------------------------------------------------------


def matchable_offerings_q(prefix: str = "") -> Q:
    """``matchable_offerings()`` as a condition, e.g. on a suggestion's ``offering__`` (a join
    instead of an ``IN`` over every published offering)."""
    return Q(**{f"{prefix}status": OfferingStatus.PUBLISHED})


def matchable_offerings() -> QuerySet:
    return Offering.objects.filter(matchable_offerings_q())


def matchable_needs(today=None) -> QuerySet:
    """Open needs not past their expiry day or deadline (the daily expiry job may lag)."""
    today = today or timezone.localdate()
    return Need.objects.filter(status=NeedStatus.OPEN).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today),
        Q(deadline__isnull=True) | Q(deadline__gte=today),
    )


# --- helpers -------------------------------------------------------------------------------


def _m2m_codes(model, field_name: str, owner_ids: Iterable[int] | None) -> dict[int, list[str]]:
    """{owner pk: [codes]} for one many-to-many field, in one query (or one per 500 owners)."""
    through = model._meta.get_field(field_name).remote_field.through
    owner = model._meta.model_name
    term = model._meta.get_field(field_name).related_model._meta.model_name
    out: dict[int, list[str]] = defaultdict(list)
    if owner_ids is None:
        rows = through.objects.values_list(f"{owner}_id", f"{term}__code").order_by(
            f"{term}__order", f"{term}__code"
        )
        for owner_id, code in rows.iterator(chunk_size=5000):
            out[owner_id].append(code)
        return out
    ids = list(owner_ids)
    for start in range(0, len(ids), 500):
        rows = (
            through.objects.filter(**{f"{owner}_id__in": ids[start : start + 500]})
            .values_list(f"{owner}_id", f"{term}__code")
            .order_by(f"{term}__order", f"{term}__code")
        )
        for owner_id, code in rows:
            out[owner_id].append(code)
    return out


def _case_sectors(offering_ids: Iterable[int] | None) -> dict[int, list[str]]:
    queryset = Case.objects.published().filter(offering__isnull=False, sector__isnull=False)
    if offering_ids is not None:
        queryset = queryset.filter(offering_id__in=list(offering_ids))
    out: dict[int, list[str]] = defaultdict(list)
    for offering_id, code in queryset.values_list("offering_id", "sector__code"):
        out[offering_id].append(code)
    return out


def _days_ago(moment, now) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (now - moment).total_seconds() / 86400.0)


# --- offerings -----------------------------------------------------------------------------

_OFFERING_VALUES = (
    "pk",
    "ref",
    "organization_id",
    "organization__ref",
    "organization__verification_status",
    "organization__filing_number",
    "title",
    "summary",
    "description",
    "kind__code",
    "layer__code",
    "price_min",
    "price_max",
    "regions",
    "tags",
    "domestic_platforms",
    "on_premises_data",
    "published_at",
    "created_at",
    "text_since",
)


def offering_documents(queryset: QuerySet | None = None, *, bulk: bool = True) -> Documents:
    """Documents of the matchable offerings in ``queryset`` (default: all of them)."""
    queryset = matchable_offerings() if queryset is None else queryset & matchable_offerings()
    rows = list(queryset.order_by("pk").values(*_OFFERING_VALUES))
    ids = None if bulk else [row["pk"] for row in rows]
    sectors = _m2m_codes(Offering, "sectors", ids)
    app_types = _m2m_codes(Offering, "app_types", ids)
    deployment = _m2m_codes(Offering, "deployment_modes", ids)
    cases = _case_sectors(ids)
    now = timezone.now()
    docs = Documents()
    for row in rows:
        pk = row["pk"]
        ref = offering_ref(pk, row["ref"])
        docs.offering_pk_by_ref[ref] = pk
        docs.offerings.append(
            OfferingDoc(
                ref=ref,
                org_ref=org_ref(row["organization_id"], row["organization__ref"]),
                title=row["title"],
                summary=row["summary"] or "",
                description=row["description"] or "",
                kind=row["kind__code"] or "product",
                layer=row["layer__code"],
                sectors=tuple(sectors.get(pk, ())),
                app_types=tuple(app_types.get(pk, ())),
                deployment=tuple(deployment.get(pk, ())),
                price_min=row["price_min"],
                price_max=row["price_max"],
                regions=tuple(row["regions"] or ()),
                tags=tuple(row["tags"] or ()),
                org_verified=row["organization__verification_status"]
                == VerificationStatus.VERIFIED,
                has_filing=bool((row["organization__filing_number"] or "").strip()),
                domestic_hw=bool(row["domestic_platforms"]),
                on_premises=bool(row["on_premises_data"]),
                published_case_sectors=tuple(cases.get(pk, ())),
                created_days_ago=_days_ago(row["published_at"] or row["created_at"], now),
                text_days_ago=_days_ago(row["text_since"], now) if row["text_since"] else None,
            )
        )
    return docs


def offering_document(offering_id: int) -> tuple[OfferingDoc, str] | None:
    """(document, ref) of one offering, or None when it may not be matched."""
    docs = offering_documents(Offering.objects.filter(pk=offering_id), bulk=False)
    if not docs.offerings:
        return None
    doc = docs.offerings[0]
    return doc, doc.ref


# --- needs ---------------------------------------------------------------------------------

_NEED_VALUES = (
    "pk",
    "ref",
    "organization_id",
    "organization__ref",
    "title",
    "description",
    "success_metric",
    "data_note",
    "budget_min",
    "budget_max",
    "region",
    "requires_domestic_hw",
    "requires_on_premises",
    "requires_filing",
    "visibility",
)


def private_need_audiences(need_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """For private needs: the refs of the vendor organizations that may see each of them.

    The listings app names, per organization, the private needs its members may read
    (``listings.scoping.private_need_audience``); only vendors with published offerings can be
    matched, so only they are asked. A private need nobody may see gets an empty set.
    """
    wanted = set(need_ids)
    audiences: dict[int, set[str]] = {pk: set() for pk in wanted}
    if not wanted:
        return {}
    vendors = (
        matchable_offerings()
        .values_list("organization_id", "organization__ref")
        .distinct()
        .order_by()
    )
    for org_id, ref in vendors:
        for need_id in set(private_need_ids_for(org_id)) & wanted:
            audiences[need_id].add(org_ref(org_id, ref))
    return {pk: frozenset(refs) for pk, refs in audiences.items()}


def need_documents(queryset: QuerySet | None = None, *, bulk: bool = True) -> Documents:
    """Documents of the matchable needs in ``queryset`` (default: all of them)."""
    queryset = matchable_needs() if queryset is None else queryset & matchable_needs()
    rows = list(queryset.order_by("pk").values(*_NEED_VALUES))
    ids = None if bulk else [row["pk"] for row in rows]
    sectors = _m2m_codes(Need, "sectors", ids)
    app_types = _m2m_codes(Need, "app_types", ids)
    deployment = _m2m_codes(Need, "deployment_modes", ids)
    audiences = private_need_audiences(
        row["pk"] for row in rows if row["visibility"] == NeedVisibility.PRIVATE
    )
    docs = Documents()
    for row in rows:
        pk = row["pk"]
        ref = need_ref(pk, row["ref"])
        docs.need_pk_by_ref[ref] = pk
        extra = [row["success_metric"], row["data_note"]]
        description = "\n".join(part for part in [row["description"], *extra] if part)
        docs.needs.append(
            NeedDoc(
                ref=ref,
                org_ref=org_ref(row["organization_id"], row["organization__ref"]),
                title=row["title"],
                description=description,
                sectors=tuple(sectors.get(pk, ())),
                app_types=tuple(app_types.get(pk, ())),
                deployment=tuple(deployment.get(pk, ())),
                budget_min=row["budget_min"],
                budget_max=row["budget_max"],
                region=row["region"] or None,
                requires_domestic_hw=row["requires_domestic_hw"],
                requires_on_premises=row["requires_on_premises"],
                requires_filing=row["requires_filing"],
                visible_to_orgs=audiences.get(pk) if pk in audiences else None,
            )
        )
    return docs


def for_own_list(doc: NeedDoc) -> NeedDoc:
    """``doc`` as its own list of offerings ranks it: every offering is a candidate. A private
    need's audience (``visible_to_orgs``) limits who sees the *need* (its place in offerings'
    lists, rank_needs); its own list is read only by its enterprise, so showing it offerings
    discloses nothing. Everything that scores or evaluates a need's own list ranks this."""
    return replace(doc, visible_to_orgs=None) if doc.visible_to_orgs is not None else doc


def need_document(need_id: int) -> tuple[NeedDoc, str] | None:
    docs = need_documents(Need.objects.filter(pk=need_id), bulk=False)
    if not docs.needs:
        return None
    doc = docs.needs[0]
    return doc, doc.ref


# --- cases ---------------------------------------------------------------------------------


def case_documents(offering_ref_by_pk: dict[int, str]) -> list[CaseDoc]:
    """Published cases: training text for the category model and evidence for offerings."""
    out: list[CaseDoc] = []
    queryset = (
        Case.objects.published()
        .select_related("vendor", "sector", "app_type")
        .prefetch_related("metrics")
        .order_by("pk")
    )
    for case in queryset:
        metrics = "；".join(f"{m.name}{m.value}" for m in case.metrics.all())
        text = "\n".join(
            part
            for part in [case.client, case.challenge, case.solution, case.outcome, metrics]
            if part
        )
        out.append(
            CaseDoc(
                ref=case.ref or f"case-{case.pk}",
                vendor_ref=org_ref(case.vendor_id, case.vendor.ref),
                offering_ref=offering_ref_by_pk.get(case.offering_id) if case.offering_id else None,
                sector=case.sector.code if case.sector_id else None,
                app_type=case.app_type.code if case.app_type_id else None,
                title=case.title,
                text=text,
            )
        )
    return out


def all_documents() -> Documents:
    """Everything the engine is built from."""
    docs = offering_documents()
    needs = need_documents()
    docs.needs = needs.needs
    docs.need_pk_by_ref = needs.need_pk_by_ref
    by_pk = {pk: ref for ref, pk in docs.offering_pk_by_ref.items()}
    docs.cases = case_documents(by_pk)
    return docs
