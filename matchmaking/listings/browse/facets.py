"""The kinds of browse filter, each declared once and read four ways.

A browse list (``browse/offerings.py``, ``browse/needs.py``) declares its filters as a tuple of
the specs below. From each spec come:

* ``form_filter()``  — the django-filter field (parsing and validation of the URL parameter);
* ``sql(browse, queryset, value)``  — the rows of ``queryset`` passing the filter;
* ``sql_count(browse, queryset)``  — the facet counts ({code: n}, or {"1": n} for a yes/no box);
* ``mask(browse, index, value)``  — the same filter over an in-memory ``BrowseIndex``;
* ``index_count(browse, index, mask)``  — the same counts over the index's rows in ``mask``;
* ``index_columns()``  — what the index must hold for the two above (read from the database
  by the same field names and ``Q`` conditions the SQL path uses).

``browse`` is the bound filterset (``browse/filtersets.py``): it knows the active taxonomy
terms and the other filters' values. A spec with ``counted = False`` is a filter only.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import django_filters
import numpy as np
from django import forms
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.query import QuerySet

from matchmaking.core.extensions import ExtensionPoint
from matchmaking.listings.browse.index import count_rows, number, pack_rows
from matchmaking.taxonomy.selectors import active_terms

# The cases app (a higher floor) registers ``f() -> queryset of the published cases`` (rows with
# ``offering_id``, ``vendor_id`` and ``sector_id``) from CasesConfig.ready(). Until it does,
# ``has_cases=1`` and ``vendor_cases=1`` are accepted and match nothing.
published_cases = ExtensionPoint(
    "listings.browse.published_cases",
    "f() -> queryset of the published cases (offering_id, vendor_id, sector_id)",
)
# The same cases as the rows the in-memory index needs (``PublishedCaseRows``), kept by the
# cases app until a case changes (``cases.caching.published_case_rows``). Without a provider
# they are read from ``published_cases`` on every page view.
published_case_rows = ExtensionPoint(
    "listings.browse.published_case_rows",
    "f() -> PublishedCaseRows of the published cases, fresh after every case write",
)


@dataclass(frozen=True)
class PublishedCaseRows:
    """What the case flags read of the published cases: the offerings with a case (sorted)
    and the distinct (vendor_id, sector_id) pairs."""

    offering_ids: tuple[int, ...]
    vendor_sectors: tuple[tuple[int, int], ...]


def read_published_case_rows(cases: QuerySet) -> PublishedCaseRows:
    """Two queries over ``cases`` (a queryset of published cases)."""
    unordered = cases.order_by()
    offering_ids = unordered.filter(offering__isnull=False).values_list("offering_id", flat=True)
    pairs = unordered.values_list("vendor_id", "sector_id")
    return PublishedCaseRows(
        offering_ids=tuple(sorted(set(offering_ids.distinct()))),
        vendor_sectors=tuple(sorted(set(pairs.distinct()))),
    )


def current_case_rows() -> PublishedCaseRows | None:
    """The published cases' rows (None: no cases app registered, every flag matches nothing)."""
    provider = published_case_rows.first()
    if provider is not None:
        return provider()
    cases = published_cases.first()
    return None if cases is None else read_published_case_rows(cases())


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


def search_terms(value: str | None) -> list[str]:
    return [term for term in (value or "").split() if term][:MAX_SEARCH_TERMS]


class TermChoices:
    """Marks a filter whose choices are the active terms of a taxonomy model; the filterset
    reads each model once when it is created (see BrowseFilterSet.__init__)."""

    def __init__(self, model):
        self.model = model

    def __iter__(self):  # only reached if a filter is used outside a BrowseFilterSet
        return iter([(term.code, term.name) for term in active_terms(self.model)])


class CodeMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    """Values are taxonomy codes; the facet spec builds the SQL."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(*args, **kwargs)


@dataclass(frozen=True)
class IndexColumns:
    """What one spec needs an in-memory index to hold (see BrowseIndex)."""

    # (column, dtype, field or annotation read, function of the value read)
    numbers: tuple = ()
    # annotations read with the rows: name → expression
    annotations: dict = field(default_factory=dict)
    # plain lists: (column, field, function of the value)
    lists: tuple = ()
    # searched texts: (column, field)
    searches: tuple = ()
    # many-to-many term links: (column, model field)
    links: tuple = ()
    # single-valued term columns whose rows per value are kept as masks
    values: tuple = ()


METHOD = "filter_facet"  # the filterset method every declared filter goes through


class Facet(ABC):
    """A browse filter; ``counted`` ones are facets too (the sidebar shows their counts)."""

    counted = True
    flag = False  # a yes/no box counted as {"1": n}

    def __init__(self, name: str, label):
        self.name, self.label = name, label

    @abstractmethod
    def form_filter(self, model) -> django_filters.Filter:
        """The django-filter field of this filter on a list of ``model`` rows."""

    @abstractmethod
    def sql(self, browse, queryset, value):
        """The rows of ``queryset`` passing the filter with ``value``."""

    @abstractmethod
    def mask(self, browse, index, value):
        """The index rows passing the filter with ``value`` (None: all of them)."""

    def index_columns(self) -> IndexColumns:
        return IndexColumns()

    def sql_count(self, browse, queryset) -> dict[str, int]:
        return {}

    def index_count(self, browse, index, mask) -> dict[str, int]:
        return {}


# --- taxonomy terms ----------------------------------------------------------------------------


class TermFacet(Facet):
    """A filter on the taxonomy terms of ``field`` (codes in the URL, several mean "any")."""

    def __init__(self, name, label, *, field: str):
        super().__init__(name, label)
        self.field = field

    def term_model(self, model):
        return model._meta.get_field(self.field).related_model

    def form_filter(self, model):
        return CodeMultipleChoiceFilter(
            label=self.label, choices=TermChoices(self.term_model(model)), method=METHOD
        )

    def _index_counts(self, browse, index, packed, rows_of) -> dict[str, int]:
        """{code: rows in ``packed``} of the terms with any, ``rows_of(term id)`` being a
        term's packed rows (None when no row has it)."""
        counts = {}
        for pk, code in browse.term_codes(self.term_model(index.model)).items():
            rows = rows_of(pk)
            if rows is not None:
                n = count_rows(rows, packed)
                if n:
                    counts[code] = n
        return counts


class TermLinks(TermFacet):
    """Rows linked (many-to-many ``field``) to any of the chosen terms. ``unlinked_match``:
    rows linked to no term at all match every choice (e.g. sector-agnostic offerings) and are
    counted under each."""

    def __init__(self, name, label, *, field: str, unlinked_match: bool = False):
        super().__init__(name, label, field=field)
        self.unlinked_match = unlinked_match

    def _m2m(self, model):
        m2m = model._meta.get_field(self.field)
        return m2m, m2m.remote_field.through

    def index_columns(self):
        return IndexColumns(links=((self.name, self.field),))

    def sql(self, browse, queryset, value):
        if not value:
            return queryset
        m2m, through = self._m2m(queryset.model)
        ids = browse.term_ids(self.term_model(queryset.model), value)
        condition = Exists(
            through.objects.filter(
                **{m2m.m2m_column_name(): OuterRef("pk"), f"{m2m.m2m_reverse_name()}__in": ids}
            )
        )
        if self.unlinked_match:  # a correlated EXISTS lets the database stop after one page
            unlinked = ~Exists(through.objects.filter(**{m2m.m2m_column_name(): OuterRef("pk")}))
            return queryset.filter(condition | unlinked)
        return queryset.filter(condition)

    def sql_count(self, browse, queryset):
        m2m, through = self._m2m(queryset.model)
        column = m2m.m2m_reverse_name()
        rows = (
            through.objects.filter(
                **{f"{m2m.m2m_column_name()}__in": queryset.order_by().values("pk")}
            )
            .values(column)
            .annotate(n=Count("*"))
            .order_by()
        )
        codes = browse.term_codes(self.term_model(queryset.model))
        counts = {codes[row[column]]: row["n"] for row in rows if row[column] in codes}
        if not self.unlinked_match:
            return counts
        unlinked = queryset.exclude(pk__in=through.objects.values(m2m.m2m_column_name())).count()
        return {code: counts.get(code, 0) + unlinked for code in codes.values()}

    def mask(self, browse, index, value):
        if not value:
            return None
        wanted = index.term_mask(self.name, browse.term_ids(self.term_model(index.model), value))
        return index.memoised(self.name, wanted, lambda: self._rows_with(index, wanted))

    def _rows_with(self, index, wanted: int):
        """Rows linked to any term of the bits ``wanted`` (or to none, when that matches)."""
        links = index.masks[self.name]
        mask = (links & wanted) != 0
        return mask | (links == 0) if self.unlinked_match else mask

    def index_count(self, browse, index, mask):
        packed = pack_rows(mask)
        rows, bits = index.term_rows[self.name], index.bits[self.name]
        counts = self._index_counts(
            browse, index, packed, lambda pk: rows[bits[pk]] if pk in bits else None
        )
        if not self.unlinked_match:
            return counts
        unlinked = count_rows(index.unlinked_rows[self.name], packed)
        codes = browse.term_codes(self.term_model(index.model))
        return {code: counts.get(code, 0) + unlinked for code in codes.values()}


class TermValue(TermFacet):
    """Rows whose (foreign key) ``field`` is one of the chosen terms."""

    def index_columns(self):
        column = f"{self.field}_id"
        return IndexColumns(
            numbers=((self.name, np.int64, column, lambda value: -1 if value is None else value),),
            values=(self.name,),
        )

    def sql(self, browse, queryset, value):
        return queryset.filter(**{f"{self.field}__code__in": value}) if value else queryset

    def sql_count(self, browse, queryset):
        column = f"{self.field}_id"
        rows = queryset.order_by().values(column).annotate(n=Count("pk"))
        codes = browse.term_codes(self.term_model(queryset.model))
        return {codes[row[column]]: row["n"] for row in rows if row[column] in codes}

    def mask(self, browse, index, value):
        if not value:
            return None
        mask = np.zeros(len(index), dtype=bool)
        for term_id in browse.term_ids(self.term_model(index.model), value):
            rows = index.value_rows[self.name].get(term_id)
            if rows is not None:
                mask |= rows
        return mask

    def index_count(self, browse, index, mask):
        return self._index_counts(browse, index, pack_rows(mask), index.value_packed[self.name].get)


# --- yes/no boxes ------------------------------------------------------------------------------


class Flag(Facet):
    """Rows where ``condition()`` (a ``Q``) holds; the index reads the same condition as a
    column of booleans when it is built."""

    flag = True

    def __init__(self, name, label, condition: Callable[[], Q]):
        super().__init__(name, label)
        self.condition = condition

    def form_filter(self, model):
        return django_filters.BooleanFilter(
            label=self.label, method=METHOD, widget=forms.CheckboxInput
        )

    def index_columns(self):
        annotation = f"browse_{self.name}"
        return IndexColumns(
            numbers=((self.name, bool, annotation, bool),),
            annotations={annotation: ExpressionWrapper(self.condition(), BooleanField())},
        )

    def sql(self, browse, queryset, value):
        return queryset.filter(self.condition()) if value else queryset

    def sql_count(self, browse, queryset):
        return {"1": queryset.filter(self.condition()).count()}

    def mask(self, browse, index, value):
        return getattr(index, self.name) if value else None

    def index_count(self, browse, index, mask):
        return {"1": int(np.count_nonzero(getattr(index, self.name) & mask))}


class CaseFlag(Facet):
    """Yes/no boxes answered from the published cases: the SQL path filters by
    :data:`published_cases`; the index path reads :func:`current_case_rows` once per page
    view (kept by the cases app per cases version, so no query until a case changes)."""

    flag = True

    def form_filter(self, model):
        return django_filters.BooleanFilter(
            label=self.label, method=METHOD, widget=forms.CheckboxInput
        )

    def sql(self, browse, queryset, value):
        return queryset.filter(self.condition(browse)) if value else queryset

    def sql_count(self, browse, queryset):
        return {"1": queryset.filter(self.condition(browse)).count()}

    def mask(self, browse, index, value):
        return self.rows(browse, index) if value else None

    def index_count(self, browse, index, mask):
        return {"1": int(np.count_nonzero(self.rows(browse, index) & mask))}

    def condition(self, browse) -> Q:
        cases = published_cases.first()
        return Q(pk__in=[]) if cases is None else self.case_condition(browse, cases)

    def rows(self, browse, index):
        """The index rows passing, computed once per filterset and index."""
        return browse.memo(
            (self.name, id(index)),
            lambda: self.case_rows(
                browse, index, browse.memo("published_case_rows", current_case_rows)
            ),
        )


class HasCases(CaseFlag):
    """Offerings with a published case linked to the offering itself."""

    def case_condition(self, browse, cases):
        return Q(Exists(cases().filter(offering_id=OuterRef("pk"))))

    def case_rows(self, browse, index, cases: PublishedCaseRows | None):
        if cases is None:
            return np.zeros(len(index), dtype=bool)
        return index.memoised(
            self.name,
            cases,
            lambda: np.isin(index.ids, np.asarray(cases.offering_ids, dtype=np.int64)),
        )


class VendorCases(CaseFlag):
    """Offerings whose vendor has a published case in one of the filtered sectors — or, with
    no sector filtered, in one of the offering's own sectors."""

    def __init__(self, name, label, *, sectors: TermLinks):
        super().__init__(name, label)
        self.sectors = sectors

    def _sector_ids(self, browse, model):
        codes = browse.cleaned.get(self.sectors.name) or []
        return browse.term_ids(self.sectors.term_model(model), codes) if codes else None

    def case_condition(self, browse, cases):
        sector_ids = self._sector_ids(browse, browse.queryset.model)
        if sector_ids is not None:
            found = cases().filter(vendor_id=OuterRef("organization_id"), sector_id__in=sector_ids)
            return Q(Exists(found))
        m2m = browse.queryset.model._meta.get_field(self.sectors.field)
        vendor_sectors = cases().filter(vendor_id=OuterRef(OuterRef("organization_id")))
        own = m2m.remote_field.through.objects.filter(
            **{
                m2m.m2m_column_name(): OuterRef("pk"),
                f"{m2m.m2m_reverse_name()}__in": vendor_sectors.values("sector_id"),
            }
        )
        return Q(Exists(own))

    def case_rows(self, browse, index, cases):
        """Kept on the index per published cases and filtered sectors: the rows depend on
        nothing else, and working them out (a vendor lookup over every row) cost about a
        tenth of a browse page."""
        sector_ids = self._sector_ids(browse, index.model)
        sectors = None if sector_ids is None else tuple(sorted(sector_ids))
        return index.memoised(
            self.name, (cases, sectors), lambda: self._rows(index, cases, sector_ids)
        )

    def _rows(self, index, cases, sector_ids):
        bits = index.memoised(f"{self.name}:bits", cases, lambda: self._bits(index, cases))
        if sector_ids is None:
            return (bits & index.masks[self.sectors.name]) != 0
        return (bits & index.term_mask(self.sectors.name, sector_ids)) != 0

    def _bits(self, index, cases: PublishedCaseRows | None):
        """Per row: the index's sector bits of its vendor's published cases (0 for none)."""
        bits = np.zeros(len(index), dtype=np.int64)
        if cases is None:
            return bits
        by_vendor: dict[int, int] = {}
        for vendor_id, sector_id in cases.vendor_sectors:
            bit = index.bits[self.sectors.name].get(sector_id)
            if bit is not None:
                by_vendor[vendor_id] = by_vendor.get(vendor_id, 0) | (1 << bit)
        if by_vendor:  # each row's vendor looked up in the sorted vendor ids at once
            vendors = np.fromiter(sorted(by_vendor), dtype=np.int64, count=len(by_vendor))
            vendor_bits = np.array([by_vendor[v] for v in vendors.tolist()], dtype=np.int64)
            at = np.minimum(np.searchsorted(vendors, index.organization), len(vendors) - 1)
            found = vendors[at] == index.organization
            bits[found] = vendor_bits[at[found]]
        return bits


# --- amounts -----------------------------------------------------------------------------------


class Bound(Facet):
    """One end of an amount range over a row's (``low``, ``high``) fields (CNY)."""

    counted = False

    def __init__(self, name, label, *, low: str, high: str):
        super().__init__(name, label)
        self.low, self.high = low, high

    def form_filter(self, model):
        return django_filters.NumberFilter(label=self.label, method=METHOD, min_value=0)

    def index_columns(self):
        return IndexColumns(
            numbers=(
                (self.low, np.float64, self.low, number),
                (self.high, np.float64, self.high, number),
            )
        )


class AtLeast(Bound):
    """Rows whose range reaches ``value`` (its upper end, or its lower end when open-ended)."""

    def sql(self, browse, queryset, value):
        if value is None:
            return queryset
        return queryset.filter(
            Q(**{f"{self.high}__gte": value})
            | Q(**{f"{self.high}__isnull": True, f"{self.low}__gte": value})
        )

    def mask(self, browse, index, value):
        if value is None:
            return None
        value, high = float(value), getattr(index, self.high)
        with np.errstate(invalid="ignore"):
            return (high >= value) | (np.isnan(high) & (getattr(index, self.low) >= value))


class AtMost(Bound):
    """Rows whose range starts at or below ``value``; ``after`` names the lower bound's filter
    (a form error when it is higher than this one)."""

    def __init__(self, name, label, *, low: str, high: str, after: str):
        super().__init__(name, label, low=low, high=high)
        self.after = after

    def sql(self, browse, queryset, value):
        if value is None:
            return queryset
        return queryset.filter(**{f"{self.low}__lte": value})

    def mask(self, browse, index, value):
        if value is None:
            return None
        with np.errstate(invalid="ignore"):
            return getattr(index, self.low) <= float(value)


# --- text --------------------------------------------------------------------------------------


class TextFacet(Facet):
    """A filter on a text ``field`` (one free-text URL parameter)."""

    counted = False

    def __init__(self, name, label, *, field: str):
        super().__init__(name, label)
        self.field = field

    def form_filter(self, model):
        return django_filters.CharFilter(label=self.label, method=METHOD)

    def scan(self, index, value: str, test):
        """Index rows whose text column (this filter's) passes ``test``, memoised per value."""
        texts = getattr(index, self.name)
        return index.memoised(
            self.name,
            value,
            lambda: np.fromiter((test(text) for text in texts), dtype=bool, count=len(texts)),
        )


class Regions(TextFacet):
    """Offerings serving a region: ``field`` holds '|北京|上海|' (listings.indexing); a
    nationwide offering ('|全国|') serves every region."""

    def index_columns(self):
        return IndexColumns(lists=((self.name, self.field, lambda value: value or ""),))

    @staticmethod
    def _value(value):
        return (value or "").strip().strip("|")

    def sql(self, browse, queryset, value):
        value = self._value(value)
        if not value:
            return queryset
        return queryset.filter(
            Q(**{f"{self.field}__contains": f"|{value}|"})
            | Q(**{f"{self.field}__contains": "|全国|"})
        )

    def mask(self, browse, index, value):
        value = self._value(value)
        if not value:
            return None
        wanted, everywhere = f"|{value}|", "|全国|"
        return self.scan(index, value, lambda text: wanted in text or everywhere in text)


class RegionText(TextFacet):
    """Needs whose free-text region contains the value (case-insensitive), and needs with no
    region or nationwide ('全国')."""

    EVERYWHERE = ("", "全国")

    def index_columns(self):
        return IndexColumns(lists=((self.name, self.field, lambda value: (value or "").lower()),))

    def sql(self, browse, queryset, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(**{f"{self.field}__icontains": value}) | Q(**{f"{self.field}__in": self.EVERYWHERE})
        )

    def mask(self, browse, index, value):
        wanted = (value or "").strip().lower()
        if not wanted:
            return None
        return self.scan(index, wanted, lambda text: wanted in text or text in self.EVERYWHERE)


class Keywords(TextFacet):
    """Every whitespace-separated term occurs in the denormalised ``field`` (``icontains``),
    which finds "智能客服" and "客服机器人" for 客服 — no tokenizer, no extension. The index
    answers from its substring search column (browse/substrings.py)."""

    def __init__(self, name, label, *, field: str = "search_text"):
        super().__init__(name, label, field=field)

    def index_columns(self):
        return IndexColumns(searches=(("search", self.field),))

    def sql(self, browse, queryset, value):
        terms = search_terms(value)
        if not terms:
            return queryset

        def matching_ids():
            matching = browse.queryset.order_by().values_list("pk", flat=True)
            for term in terms:
                matching = matching.filter(**{f"{self.field}__icontains": term})
            ids = list(matching[: SEARCH_ID_LIMIT + 1])
            return ids if len(ids) <= SEARCH_ID_LIMIT else None

        ids = browse.memo("search_ids", matching_ids)
        if ids is not None:
            return queryset.filter(pk__in=id_set(ids))
        for term in terms:
            queryset = queryset.filter(**{f"{self.field}__icontains": term})
        return queryset

    def mask(self, browse, index, value):
        terms = search_terms(value)
        if not terms:
            return None
        mask = index.contains("search", terms[0]).copy()
        for term in terms[1:]:
            mask &= index.contains("search", term)
        return mask


# --- orders ------------------------------------------------------------------------------------


class Order:
    """A sort choice: the SQL ordering and the same order over index rows."""

    def __init__(self, code: str, label):
        self.code, self.label = code, label

    def index_columns(self) -> IndexColumns:
        return IndexColumns()


class Newest(Order):
    """The list's own order (published, newest first) — the index's row order."""

    def sql(self, browse, queryset):
        return queryset.order_by("-published_at", "-pk")

    def rows(self, browse, index, rows):
        return rows


class ByNumber(Order):
    """By a number or date ``field`` (missing values last), ties newest first (-pk)."""

    def __init__(self, code, label, *, field: str, descending: bool = False):
        super().__init__(code, label)
        self.field, self.descending = field, descending

    def index_columns(self):
        return IndexColumns(numbers=((self.field, np.float64, self.field, number),))

    def sql(self, browse, queryset):
        expression = F(self.field)
        expression = (
            expression.desc(nulls_last=True) if self.descending else expression.asc(nulls_last=True)
        )
        return queryset.order_by(expression, "-pk")

    def rows(self, browse, index, rows):
        values = getattr(index, self.field)[rows]
        missing = np.isnan(values)
        key = np.where(missing, 0.0, -values if self.descending else values)
        return rows[np.lexsort((-index.ids[rows], key, missing))]


class Relevance(Order):
    """Search terms found in the weighted short fields (e.g. title ×3, summary ×1); every row
    ranked already contains every term somewhere (the keyword filter), so only these
    columns are examined. Ties newest first."""

    def __init__(self, code, label, *, weights: tuple[tuple[str, int], ...]):
        super().__init__(code, label)
        self.weights = weights

    def index_columns(self):
        return IndexColumns(searches=tuple((field, field) for field, _weight in self.weights))

    def sql(self, browse, queryset):
        score = Value(0, output_field=IntegerField())
        for field_name, weight in self.weights:
            for term in browse.search_terms():
                score = score + Case(
                    When(**{f"{field_name}__icontains": term}, then=Value(weight)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
        return queryset.annotate(relevance=score).order_by("-relevance", "-published_at", "-pk")

    def rows(self, browse, index, rows):
        scores = np.zeros(len(rows), dtype=np.int64)
        for field_name, weight in self.weights:
            for term in browse.search_terms():
                scores += weight * index.contains(field_name, term)[rows]
        return rows[np.argsort(-scores, kind="stable")]
