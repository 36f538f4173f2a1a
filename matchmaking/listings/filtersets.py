"""Browse filters for offerings and needs, with facet counts.

URL parameters use the taxonomy codes (shareable, stable across languages):

    /offerings/?sector=finance&app_type=qa&layer=industry&kind=product&deployment=private
               &region=北京&price_min=10000&price_max=500000&verified=1&has_cases=1
               &vendor_cases=1&domestic=1&on_premises=1&filed=1&q=客服&sort=relevance
    /needs/?sector=…&app_type=…&deployment=…&region=…&budget_min=…&budget_max=…&q=…&sort=…

Several values of one parameter mean "any of them"; different parameters must all hold.
An unknown code is a form error shown on the page; the other, valid filters still apply.

Keyword search (``q``): every whitespace-separated term must occur in the denormalised
``search_text`` (``icontains``), which finds "智能客服" and "客服机器人" for 客服 on SQLite and
PostgreSQL alike — no tokenizer, no extension. ``sort=relevance`` (the default while searching)
ranks by the terms found in the title (×3) and, for offerings, the summary (×1).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import django_filters
import numpy as np
from django import forms
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from matchmaking.accounts.choices import VerificationStatus
from matchmaking.listings.browse_index import count_rows, pack_rows
from matchmaking.listings.models import Need, Offering
from matchmaking.taxonomy.models import (
    ApplicationType,
    DeploymentMode,
    Layer,
    OfferingKind,
    Sector,
)
from matchmaking.taxonomy.selectors import active_terms

# Hook for the cases app (a higher floor): a callable returning the queryset of the published
# cases (rows with ``offering_id``, ``vendor_id`` and ``sector_id``), e.g.
#     lambda: Case.objects.published()
# Set it from CasesConfig.ready():  filtersets.PUBLISHED_CASES = that_callable
# Until it is set, ``has_cases=1`` and ``vendor_cases=1`` are accepted and match nothing.
#   has_cases     offerings with a published case linked to that very offering;
#   vendor_cases  offerings whose vendor has a published case in the filtered sector(s) —
#                 with no sector filter, in one of the offering's own sectors.
PUBLISHED_CASES: Callable[[], QuerySet] | None = None

MAX_SEARCH_TERMS = 6
# A keyword search runs its LIKE scan once per page view: the matching ids are read once and
# the count, the facets and the page reuse them — unless there are more than this many hits,
# when each query keeps the LIKE condition instead (a very long id list costs more than it saves).
SEARCH_ID_LIMIT = 50_000


def id_set(ids: list[int]) -> RawSQL:
    """The ids as ONE query parameter (a JSON array on SQLite, an array on PostgreSQL), so a
    long list costs neither thousands of placeholders nor the SQLite variable limit."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


def has_published_cases_q() -> Q:
    """Offerings with a published case linked to the offering itself."""
    if PUBLISHED_CASES is None:
        return Q(pk__in=[])
    return Q(Exists(PUBLISHED_CASES().filter(offering_id=OuterRef("pk"))))


def vendor_cases_q(sector_ids: list[int] | None) -> Q:
    """Offerings whose vendor has a published case in one of ``sector_ids`` — or, when None
    (no sector filtered), in one of the offering's own sectors."""
    if PUBLISHED_CASES is None:
        return Q(pk__in=[])
    if sector_ids is not None:
        cases = PUBLISHED_CASES().filter(
            vendor_id=OuterRef("organization_id"), sector_id__in=sector_ids
        )
        return Q(Exists(cases))
    vendor_sectors = PUBLISHED_CASES().filter(vendor_id=OuterRef(OuterRef("organization_id")))
    own = Offering.sectors.through.objects.filter(
        offering_id=OuterRef("pk"), sector_id__in=vendor_sectors.values("sector_id")
    )
    return Q(Exists(own))


# Yes/no facets of offerings: name → the Q over Offering that holds when the box is ticked.
# Each is a filter (``name=1``), a facet count ({"1": n}) and an in-memory index column of the
# same name (browse_index.OfferingIndex), so SQL, index, API and saved searches agree.
COMPLIANCE_FLAGS: dict[str, Callable[[], Q]] = {
    # 信创: runs on domestic hardware/OS (at least one platform listed)
    "domestic": lambda: ~Q(domestic_platforms=[]),
    # data stays on the customer's premises
    "on_premises": lambda: Q(on_premises_data=True),
    # 备案: the vendor organization has a generative-AI service filing number
    "filed": lambda: ~Q(organization__filing_number=""),
}


def search_terms(value: str | None) -> list[str]:
    return [term for term in (value or "").split() if term][:MAX_SEARCH_TERMS]


def relevance_expression(terms: list[str]):
    """Terms found in the title count 3, in the one-line summary (offerings) 1.

    Every row being ranked already contains every term somewhere (the ``q`` filter), so only
    the short title/summary columns are examined here — cheap even for many thousands of hits.
    """
    score = Value(0, output_field=IntegerField())
    for term in terms:
        score = score + Case(
            When(title__icontains=term, then=Value(3)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return score


def offering_relevance_expression(terms: list[str]):
    score = relevance_expression(terms)
    for term in terms:
        score = score + Case(
            When(summary__icontains=term, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return score


class TermChoices:
    """Marks a filter whose choices are the active terms of a taxonomy model; the filterset
    reads each model once when it is created (see FacetedFilterSet.__init__)."""

    def __init__(self, model):
        self.model = model

    def __iter__(self):  # only reached if a filter is used outside a FacetedFilterSet
        return iter([(term.code, term.name) for term in active_terms(self.model)])


class CodeMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    """Values are taxonomy codes; each filter builds its own SQL in ``method``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(*args, **kwargs)


class RangeForm(forms.Form):
    """Shared check: a range's lower bound may not exceed its upper bound."""

    range_fields: tuple[tuple[str, str], ...] = ()

    def clean(self):
        cleaned = super().clean()
        for low_name, high_name in self.range_fields:
            low, high = cleaned.get(low_name), cleaned.get(high_name)
            if low is not None and high is not None and low > high:
                self.add_error(
                    high_name,
                    forms.ValidationError(
                        _("The upper bound cannot be lower than the lower bound."),
                        code="min_above_max",
                    ),
                )
        return cleaned


class OfferingFilterForm(RangeForm):
    range_fields = (("price_min", "price_max"),)


class NeedFilterForm(RangeForm):
    range_fields = (("budget_min", "budget_max"),)


SORT_CHOICES_OFFERINGS = [
    ("newest", _("Newest")),
    ("relevance", _("Relevance")),
    ("price_asc", _("Price: low to high")),
    ("price_desc", _("Price: high to low")),
]
SORT_CHOICES_NEEDS = [
    ("newest", _("Newest")),
    ("relevance", _("Relevance")),
    ("deadline", _("Deadline soonest")),
    ("budget_desc", _("Budget: high to low")),
]


class FacetedFilterSet(django_filters.FilterSet):
    """A FilterSet that also counts, for each facet, how many rows each choice would give
    when combined with all the *other* active filters (standard faceting)."""

    # filters with counts; each has a ``count_<name>(queryset) -> {code: count}`` method
    facet_names: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._terms: dict = {}
        for filter_ in self.filters.values():
            choices = filter_.extra.get("choices")
            if isinstance(choices, TermChoices):
                terms = self._terms.setdefault(choices.model, active_terms(choices.model))
                filter_.extra["choices"] = [(term.code, term.name) for term in terms]

    def indexed_results(self, index, *, scope=None):
        """(ids in display order, facet counts) answered from an in-memory browse index —
        the same results as ``order(qs)`` and ``facet_counts()`` — or None if a filter is not
        one the index knows (the caller then uses the SQL path). ``scope`` (a row mask) is
        what the viewer may see, when that is not every row of the index."""
        cleaned = {}
        if self.is_bound:
            self.errors  # noqa: B018
            cleaned = getattr(self.form, "cleaned_data", {})
        masks = {} if scope is None else {None: scope}
        for name, value in cleaned.items():
            if name == "sort":
                continue
            method = getattr(self, f"index_filter_{name}", None)
            if method is None:
                return None
            mask = method(index, value)
            if mask is not None:
                masks[name] = mask

        def combined(excluded=None):
            result = np.ones(len(index), dtype=bool)
            for name, mask in masks.items():
                if name is None or name != excluded:
                    result &= mask
            return result

        everything = combined()
        counts = {
            name: getattr(self, f"index_count_{name}")(
                index, combined(name) if name in masks else everything
            )
            for name in self.facet_names
        }
        rows = self.index_order(index, np.flatnonzero(everything), self.active_sort())
        return index.ids[rows], counts

    # sort → (index column, descending) for the sorts the in-memory index orders by a number
    index_sort_columns: dict[str, tuple[str, bool]] = {}

    def index_order(self, index, rows, sort: str):
        """``rows`` (index positions, in the index's newest-first order) as ``sort`` asks:
        by the index's relevance score, by a number column (missing values last), or as
        they are ("newest")."""
        if sort == "relevance":
            scores = index.relevance(rows, self.search_terms())
            return rows[np.argsort(-scores, kind="stable")]
        if sort in self.index_sort_columns:
            column, descending = self.index_sort_columns[sort]
            return _order_by_number(index, rows, getattr(index, column), descending=descending)
        return rows

    def index_filter_q(self, index, value):
        terms = search_terms(value)
        if not terms:
            return None
        mask = index.contains(terms[0]).copy()
        for term in terms[1:]:
            mask &= index.contains(term)
        return mask

    def _index_any(self, index, name, term_model, value, *, unlinked: bool = False):
        if not value:
            return None
        wanted = index.term_mask(name, self.term_ids(term_model, value))
        links = index.masks[name]
        mask = (links & wanted) != 0
        return mask | (links == 0) if unlinked else mask

    def _index_link_counts(self, index, name, term_model, packed_mask) -> dict[str, int]:
        rows = index.term_rows[name]
        counts = {}
        for pk, code in self.term_codes(term_model).items():
            bit = index.bits[name].get(pk)
            if bit is not None:
                n = count_rows(rows[bit], packed_mask)
                if n:
                    counts[code] = n
        return counts

    def queryset_without(self, excluded: str | None) -> QuerySet:
        queryset = self.queryset.all()
        if not self.is_bound:
            return queryset
        self.errors  # noqa: B018 - validate so that cleaned_data exists
        for name, value in self.form.cleaned_data.items():
            if name in (excluded, "sort"):
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def facet_counts(self) -> dict[str, dict[str, int]]:
        return {
            name: getattr(self, f"count_{name}")(self.queryset_without(name))
            for name in self.facet_names
        }

    def cache_params(self) -> dict:
        """The normalised active filters (the cache key of counts), sort excluded."""
        if not self.is_bound:
            return {}
        self.errors  # noqa: B018
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if name != "sort" and value not in (None, "", [], False)
        }

    def active_sort(self) -> str:
        sort = ""
        if self.is_bound:
            self.errors  # noqa: B018
            sort = self.form.cleaned_data.get("sort") or ""
        if not sort:
            sort = "relevance" if self.search_terms() else "newest"
        if sort == "relevance" and not self.search_terms():
            sort = "newest"
        return sort

    def search_terms(self) -> list[str]:
        if not self.is_bound:
            return []
        self.errors  # noqa: B018
        return search_terms(getattr(self.form, "cleaned_data", {}).get("q"))

    def filter_q(self, queryset, name, value):
        terms = search_terms(value)
        if not terms:
            return queryset
        if not hasattr(self, "_search_ids"):
            matching = self.queryset.order_by().values_list("pk", flat=True)
            for term in terms:
                matching = matching.filter(search_text__icontains=term)
            ids = list(matching[: SEARCH_ID_LIMIT + 1])
            self._search_ids = ids if len(ids) <= SEARCH_ID_LIMIT else None
        if self._search_ids is not None:
            return queryset.filter(pk__in=id_set(self._search_ids))
        for term in terms:
            queryset = queryset.filter(search_text__icontains=term)
        return queryset

    def term_ids(self, term_model, codes) -> list[int]:
        self.term_codes(term_model)
        wanted = set(codes)
        return [term.pk for term in self._terms[term_model] if term.code in wanted]

    def term_codes(self, term_model) -> dict[int, str]:
        """pk → code of the active terms of a taxonomy model (read once, in __init__)."""
        if term_model not in self._terms:
            self._terms[term_model] = active_terms(term_model)
        return {term.pk: term.code for term in self._terms[term_model]}

    def _m2m_counts(self, queryset: QuerySet, through, column: str, term_model) -> dict[str, int]:
        owner = f"{queryset.model._meta.model_name}_id__in"
        rows = (
            through.objects.filter(**{owner: queryset.order_by().values("pk")})
            .values(column)
            .annotate(n=Count("*"))
            .order_by()
        )
        codes = self.term_codes(term_model)
        return {codes[row[column]]: row["n"] for row in rows if row[column] in codes}

    def _fk_counts(self, queryset: QuerySet, column: str, term_model) -> dict[str, int]:
        rows = queryset.order_by().values(column).annotate(n=Count("pk"))
        codes = self.term_codes(term_model)
        return {codes[row[column]]: row["n"] for row in rows if row[column] in codes}


def _m2m_filter(through, owner: str, column: str, term_model):
    """A filter method: rows linked to any of the codes.

    A correlated EXISTS (not ``pk IN (subquery)``) lets the database walk the list's ordering
    index and stop after one page: 1 ms instead of 50 ms at 100k offerings on SQLite."""

    def filter_method(self, queryset, name, value):
        if not value:
            return queryset
        links = through.objects.filter(
            **{f"{owner}_id": OuterRef("pk"), f"{column}__in": self.term_ids(term_model, value)}
        )
        return queryset.filter(Exists(links))

    return filter_method


def _unlinked(through, owner: str):
    """Rows with no link at all in ``through`` (e.g. sector-agnostic offerings)."""
    return ~Exists(through.objects.filter(**{f"{owner}_id": OuterRef("pk")}))


def _order_by_number(index, rows, column, *, descending: bool):
    """Rows by a number column (missing values last), ties newest first (-pk)."""
    values = column[rows]
    missing = np.isnan(values)
    key = np.where(missing, 0.0, -values if descending else values)
    return rows[np.lexsort((-index.ids[rows], key, missing))]


class OfferingFilterSet(FacetedFilterSet):
    q = django_filters.CharFilter(label=_("Keywords"), method="filter_q")
    sector = CodeMultipleChoiceFilter(
        label=_("Sector"), choices=TermChoices(Sector), method="filter_sector"
    )
    app_type = CodeMultipleChoiceFilter(
        label=_("Application type"), choices=TermChoices(ApplicationType), method="filter_app_type"
    )
    kind = CodeMultipleChoiceFilter(
        label=_("Kind"), choices=TermChoices(OfferingKind), method="filter_kind"
    )
    layer = CodeMultipleChoiceFilter(
        label=_("Layer"), choices=TermChoices(Layer), method="filter_layer"
    )
    deployment = CodeMultipleChoiceFilter(
        label=_("Deployment"), choices=TermChoices(DeploymentMode), method="filter_deployment"
    )
    region = django_filters.CharFilter(label=_("Region served"), method="filter_region")
    price_min = django_filters.NumberFilter(
        label=_("Price from (CNY)"), method="filter_price_min", min_value=0
    )
    price_max = django_filters.NumberFilter(
        label=_("Price up to (CNY)"), method="filter_price_max", min_value=0
    )
    verified = django_filters.BooleanFilter(
        label=_("Verified vendors only"),
        method="filter_verified",
        widget=forms.CheckboxInput,
    )
    has_cases = django_filters.BooleanFilter(
        label=_("A published case of this offering"),
        method="filter_has_cases",
        widget=forms.CheckboxInput,
    )
    vendor_cases = django_filters.BooleanFilter(
        label=_("Vendor has a published case in the sector"),
        method="filter_vendor_cases",
        widget=forms.CheckboxInput,
    )
    domestic = django_filters.BooleanFilter(
        label=_("Xinchuang: runs on domestic hardware/OS"),
        method="filter_flag",
        widget=forms.CheckboxInput,
    )
    on_premises = django_filters.BooleanFilter(
        label=_("Data stays on premises"), method="filter_flag", widget=forms.CheckboxInput
    )
    filed = django_filters.BooleanFilter(
        label=_("Vendor has a generative-AI service filing"),
        method="filter_flag",
        widget=forms.CheckboxInput,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=SORT_CHOICES_OFFERINGS, method="filter_sort", empty_label=None
    )

    # yes/no facets (a checkbox each, counted as {"1": n}); the others are choice groups
    flag_names = ("verified", "has_cases", "vendor_cases", "domestic", "on_premises", "filed")
    facet_names = ("sector", "app_type", "kind", "layer", "deployment", *flag_names)

    class Meta:
        model = Offering
        form = OfferingFilterForm
        fields = [
            "q",
            "sector",
            "app_type",
            "kind",
            "layer",
            "deployment",
            "region",
            "price_min",
            "price_max",
            "verified",
            "has_cases",
            "vendor_cases",
            "domestic",
            "on_premises",
            "filed",
            "sort",
        ]

    # -- filters ---------------------------------------------------------------------------

    def filter_kind(self, queryset, name, value):
        return queryset.filter(kind__code__in=value) if value else queryset

    def filter_layer(self, queryset, name, value):
        return queryset.filter(layer__code__in=value) if value else queryset

    def filter_sector(self, queryset, name, value):
        """Offerings tagged with any of the sectors, and sector-agnostic ones (no sectors)."""
        if not value:
            return queryset
        through = Offering.sectors.through
        tagged = through.objects.filter(
            offering_id=OuterRef("pk"), sector_id__in=self.term_ids(Sector, value)
        )
        return queryset.filter(Exists(tagged) | _unlinked(through, "offering"))

    filter_app_type = _m2m_filter(
        Offering.app_types.through, "offering", "applicationtype", ApplicationType
    )
    filter_deployment = _m2m_filter(
        Offering.deployment_modes.through, "offering", "deploymentmode", DeploymentMode
    )

    def filter_region(self, queryset, name, value):
        value = (value or "").strip().strip("|")
        if not value:
            return queryset
        return queryset.filter(
            Q(regions_index__contains=f"|{value}|") | Q(regions_index__contains="|全国|")
        )

    def filter_price_min(self, queryset, name, value):
        """Offerings whose price range reaches ``value`` (upper price, or lower if no upper)."""
        if value is None:
            return queryset
        return queryset.filter(
            Q(price_max__gte=value) | Q(price_max__isnull=True, price_min__gte=value)
        )

    def filter_price_max(self, queryset, name, value):
        """Offerings whose lowest price is at most ``value``."""
        if value is None:
            return queryset
        return queryset.filter(price_min__lte=value)

    def filter_verified(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(organization__verification_status=VerificationStatus.VERIFIED)

    def filter_has_cases(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(has_published_cases_q())

    def _filtered_sector_ids(self) -> list[int] | None:
        """The active ids of the sectors filtered on, or None when no sector is."""
        cleaned = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        codes = cleaned.get("sector") or []
        return self.term_ids(Sector, codes) if codes else None

    def filter_vendor_cases(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(vendor_cases_q(self._filtered_sector_ids()))

    def filter_flag(self, queryset, name, value):
        return queryset.filter(COMPLIANCE_FLAGS[name]()) if value else queryset

    def filter_sort(self, queryset, name, value):
        return queryset  # ordering is applied by `order`, once every filter is in

    def order(self, queryset: QuerySet) -> QuerySet:
        sort = self.active_sort()
        if sort == "relevance":
            return queryset.annotate(
                relevance=offering_relevance_expression(self.search_terms())
            ).order_by("-relevance", "-published_at", "-pk")
        if sort == "price_asc":
            return queryset.order_by(nulls_last("price_min"), "-pk")
        if sort == "price_desc":
            return queryset.order_by(nulls_last("price_min", descending=True), "-pk")
        return queryset.order_by("-published_at", "-pk")

    # -- facets ----------------------------------------------------------------------------

    def count_sector(self, queryset):
        through = Offering.sectors.through
        counts = self._m2m_counts(queryset, through, "sector_id", Sector)
        agnostic = queryset.exclude(pk__in=through.objects.values("offering_id")).count()
        return {code: counts.get(code, 0) + agnostic for code in self.term_codes(Sector).values()}

    def count_app_type(self, queryset):
        return self._m2m_counts(
            queryset, Offering.app_types.through, "applicationtype_id", ApplicationType
        )

    def count_deployment(self, queryset):
        return self._m2m_counts(
            queryset, Offering.deployment_modes.through, "deploymentmode_id", DeploymentMode
        )

    def count_kind(self, queryset):
        return self._fk_counts(queryset, "kind_id", OfferingKind)

    def count_layer(self, queryset):
        return self._fk_counts(queryset, "layer_id", Layer)

    def count_verified(self, queryset):
        return {
            "1": queryset.filter(
                organization__verification_status=VerificationStatus.VERIFIED
            ).count()
        }

    def count_has_cases(self, queryset):
        if PUBLISHED_CASES is None:
            return {"1": 0}
        return {"1": queryset.filter(has_published_cases_q()).count()}

    def count_vendor_cases(self, queryset):
        if PUBLISHED_CASES is None:
            return {"1": 0}
        return {"1": queryset.filter(vendor_cases_q(self._filtered_sector_ids())).count()}

    def _count_flag(self, name, queryset):
        return {"1": queryset.filter(COMPLIANCE_FLAGS[name]()).count()}

    def count_domestic(self, queryset):
        return self._count_flag("domestic", queryset)

    def count_on_premises(self, queryset):
        return self._count_flag("on_premises", queryset)

    def count_filed(self, queryset):
        return self._count_flag("filed", queryset)

    # -- the in-memory index (browse_index.OfferingIndex): same filters, facets and orders ---------

    index_sort_columns = {"price_asc": ("price_min", False), "price_desc": ("price_min", True)}

    def _cases(self, index):
        """Rows with a published case of their own (read once per filterset and index)."""
        found = getattr(self, "_cases_mask", None)
        if found is not None and found[0] is index:
            return found[1]
        if PUBLISHED_CASES is None:
            mask = np.zeros(len(index), dtype=bool)
        else:
            # read afresh (the small cases table): a cached list would outlive a publication
            ids = list(
                PUBLISHED_CASES()
                .filter(offering__isnull=False)
                .values_list("offering_id", flat=True)
                .distinct()
            )
            mask = np.isin(index.ids, np.asarray(ids, dtype=np.int64))
        self._cases_mask = (index, mask)
        return mask

    def _vendor_case_sectors(self, index):
        """Per row: the index's sector bits of its vendor's published cases (0 for none)."""
        found = getattr(self, "_vendor_case_bits", None)
        if found is not None and found[0] is index:
            return found[1]
        bits = np.zeros(len(index), dtype=np.int64)
        if PUBLISHED_CASES is not None:
            pairs = PUBLISHED_CASES().values_list("vendor_id", "sector_id").distinct()
            by_vendor: dict[int, int] = {}
            for vendor_id, sector_id in pairs:
                bit = index.bits["sector"].get(sector_id)
                if bit is not None:
                    by_vendor[vendor_id] = by_vendor.get(vendor_id, 0) | (1 << bit)
            if by_vendor:  # each row's vendor looked up in the sorted vendor ids at once
                vendors = np.fromiter(sorted(by_vendor), dtype=np.int64, count=len(by_vendor))
                vendor_bits = np.array([by_vendor[v] for v in vendors.tolist()], dtype=np.int64)
                at = np.minimum(np.searchsorted(vendors, index.organization), len(vendors) - 1)
                found = vendors[at] == index.organization
                bits[found] = vendor_bits[at[found]]
        self._vendor_case_bits = (index, bits)
        return bits

    def _vendor_cases(self, index):
        case_bits = self._vendor_case_sectors(index)
        sector_ids = self._filtered_sector_ids()
        if sector_ids is None:
            return (case_bits & index.masks["sector"]) != 0
        return (case_bits & index.term_mask("sector", sector_ids)) != 0

    def index_filter_sector(self, index, value):
        return self._index_any(index, "sector", Sector, value, unlinked=True)

    def index_filter_app_type(self, index, value):
        return self._index_any(index, "app_type", ApplicationType, value)

    def index_filter_deployment(self, index, value):
        return self._index_any(index, "deployment", DeploymentMode, value)

    def _index_value_filter(self, index, name, term_model, value):
        if not value:
            return None
        mask = np.zeros(len(index), dtype=bool)
        for term_id in self.term_ids(term_model, value):
            rows = index.value_rows[name].get(term_id)
            if rows is not None:
                mask |= rows
        return mask

    def index_filter_kind(self, index, value):
        return self._index_value_filter(index, "kind", OfferingKind, value)

    def index_filter_layer(self, index, value):
        return self._index_value_filter(index, "layer", Layer, value)

    def index_filter_region(self, index, value):
        value = (value or "").strip().strip("|")
        return index.region_mask(value) if value else None

    def index_filter_price_min(self, index, value):
        import numpy as np

        if value is None:
            return None
        value = float(value)
        with np.errstate(invalid="ignore"):
            return (index.price_max >= value) | (
                np.isnan(index.price_max) & (index.price_min >= value)
            )

    def index_filter_price_max(self, index, value):
        import numpy as np

        if value is None:
            return None
        with np.errstate(invalid="ignore"):
            return index.price_min <= float(value)

    def index_filter_verified(self, index, value):
        return index.verified if value else None

    def index_filter_has_cases(self, index, value):
        return self._cases(index) if value else None

    def index_filter_vendor_cases(self, index, value):
        return self._vendor_cases(index) if value else None

    def index_filter_domestic(self, index, value):
        return index.domestic if value else None

    def index_filter_on_premises(self, index, value):
        return index.on_premises if value else None

    def index_filter_filed(self, index, value):
        return index.filed if value else None

    def _index_value_counts(self, index, name, term_model, mask) -> dict[str, int]:
        packed_mask = pack_rows(mask)
        counts = {}
        for pk, code in self.term_codes(term_model).items():
            rows = index.value_packed[name].get(pk)
            if rows is not None:
                n = count_rows(rows, packed_mask)
                if n:
                    counts[code] = n
        return counts

    def index_count_sector(self, index, mask):
        packed = pack_rows(mask)
        counts = self._index_link_counts(index, "sector", Sector, packed)
        agnostic = count_rows(index.unlinked_rows["sector"], packed)
        return {code: counts.get(code, 0) + agnostic for code in self.term_codes(Sector).values()}

    def index_count_app_type(self, index, mask):
        return self._index_link_counts(index, "app_type", ApplicationType, pack_rows(mask))

    def index_count_deployment(self, index, mask):
        return self._index_link_counts(index, "deployment", DeploymentMode, pack_rows(mask))

    def index_count_kind(self, index, mask):
        return self._index_value_counts(index, "kind", OfferingKind, mask)

    def index_count_layer(self, index, mask):
        return self._index_value_counts(index, "layer", Layer, mask)

    def index_count_verified(self, index, mask):
        return {"1": int(np.count_nonzero(index.verified & mask))}

    def index_count_has_cases(self, index, mask):
        return {"1": int(np.count_nonzero(self._cases(index) & mask))}

    def index_count_vendor_cases(self, index, mask):
        return {"1": int(np.count_nonzero(self._vendor_cases(index) & mask))}

    def index_count_domestic(self, index, mask):
        return {"1": int(np.count_nonzero(index.domestic & mask))}

    def index_count_on_premises(self, index, mask):
        return {"1": int(np.count_nonzero(index.on_premises & mask))}

    def index_count_filed(self, index, mask):
        return {"1": int(np.count_nonzero(index.filed & mask))}


def nulls_last(field: str, *, descending: bool = False):
    expression = F(field)
    return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)


class NeedFilterSet(FacetedFilterSet):
    q = django_filters.CharFilter(label=_("Keywords"), method="filter_q")
    sector = CodeMultipleChoiceFilter(
        label=_("Sector"),
        choices=TermChoices(Sector),
        method="filter_sector",
    )
    app_type = CodeMultipleChoiceFilter(
        label=_("Application type"),
        choices=TermChoices(ApplicationType),
        method="filter_app_type",
    )
    deployment = CodeMultipleChoiceFilter(
        label=_("Deployment"), choices=TermChoices(DeploymentMode), method="filter_deployment"
    )
    region = django_filters.CharFilter(label=_("Region"), method="filter_region")
    budget_min = django_filters.NumberFilter(
        label=_("Budget from (CNY)"), method="filter_budget_min", min_value=0
    )
    budget_max = django_filters.NumberFilter(
        label=_("Budget up to (CNY)"), method="filter_budget_max", min_value=0
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=SORT_CHOICES_NEEDS, method="filter_sort", empty_label=None
    )

    facet_names = ("sector", "app_type", "deployment")

    class Meta:
        model = Need
        form = NeedFilterForm
        fields = [
            "q",
            "sector",
            "app_type",
            "deployment",
            "region",
            "budget_min",
            "budget_max",
            "sort",
        ]

    filter_sector = _m2m_filter(Need.sectors.through, "need", "sector", Sector)
    filter_app_type = _m2m_filter(
        Need.app_types.through, "need", "applicationtype", ApplicationType
    )

    def filter_deployment(self, queryset, name, value):
        """Needs accepting any of the modes — including needs that accept any mode (none set)."""
        if not value:
            return queryset
        through = Need.deployment_modes.through
        accepting = through.objects.filter(
            need_id=OuterRef("pk"), deploymentmode_id__in=self.term_ids(DeploymentMode, value)
        )
        return queryset.filter(Exists(accepting) | _unlinked(through, "need"))

    def filter_region(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(region__icontains=value) | Q(region__in=["", "全国"]))

    def filter_budget_min(self, queryset, name, value):
        """Needs whose budget reaches ``value`` (upper bound, or lower if no upper)."""
        if value is None:
            return queryset
        return queryset.filter(
            Q(budget_max__gte=value) | Q(budget_max__isnull=True, budget_min__gte=value)
        )

    def filter_budget_max(self, queryset, name, value):
        """Needs whose budget starts at or below ``value``."""
        if value is None:
            return queryset
        return queryset.filter(budget_min__lte=value)

    def filter_sort(self, queryset, name, value):
        return queryset

    def order(self, queryset: QuerySet) -> QuerySet:
        sort = self.active_sort()
        if sort == "relevance":
            return queryset.annotate(relevance=relevance_expression(self.search_terms())).order_by(
                "-relevance", "-published_at", "-pk"
            )
        if sort == "deadline":
            return queryset.order_by(nulls_last("expires_on"), "-pk")
        if sort == "budget_desc":
            return queryset.order_by(nulls_last("budget_max", descending=True), "-pk")
        return queryset.order_by("-published_at", "-pk")

    def count_sector(self, queryset):
        return self._m2m_counts(queryset, Need.sectors.through, "sector_id", Sector)

    def count_app_type(self, queryset):
        return self._m2m_counts(
            queryset, Need.app_types.through, "applicationtype_id", ApplicationType
        )

    def count_deployment(self, queryset):
        through = Need.deployment_modes.through
        counts = self._m2m_counts(queryset, through, "deploymentmode_id", DeploymentMode)
        any_mode = queryset.exclude(pk__in=through.objects.values("need_id")).count()
        return {
            code: counts.get(code, 0) + any_mode
            for code in self.term_codes(DeploymentMode).values()
        }

    # -- the in-memory index (browse_index.NeedIndex): same filters, facets and orders -------------

    def index_filter_sector(self, index, value):
        return self._index_any(index, "sector", Sector, value)

    def index_filter_app_type(self, index, value):
        return self._index_any(index, "app_type", ApplicationType, value)

    def index_filter_deployment(self, index, value):
        return self._index_any(index, "deployment", DeploymentMode, value, unlinked=True)

    def index_filter_region(self, index, value):
        value = (value or "").strip()
        return index.region_mask(value) if value else None

    def index_filter_budget_min(self, index, value):
        if value is None:
            return None
        value = float(value)
        with np.errstate(invalid="ignore"):
            return (index.budget_max >= value) | (
                np.isnan(index.budget_max) & (index.budget_min >= value)
            )

    def index_filter_budget_max(self, index, value):
        if value is None:
            return None
        with np.errstate(invalid="ignore"):
            return index.budget_min <= float(value)

    def index_count_sector(self, index, mask):
        return self._index_link_counts(index, "sector", Sector, pack_rows(mask))

    def index_count_app_type(self, index, mask):
        return self._index_link_counts(index, "app_type", ApplicationType, pack_rows(mask))

    def index_count_deployment(self, index, mask):
        packed = pack_rows(mask)
        counts = self._index_link_counts(index, "deployment", DeploymentMode, packed)
        any_mode = count_rows(index.unlinked_rows["deployment"], packed)
        return {
            code: counts.get(code, 0) + any_mode
            for code in self.term_codes(DeploymentMode).values()
        }

    index_sort_columns = {"deadline": ("expires_on", False), "budget_desc": ("budget_max", True)}
