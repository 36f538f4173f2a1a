"""The browse lists' FilterSets: django-filter parses and validates the URL parameters (an
unknown code is a form error shown on the page; the other, valid filters still apply), and
every filter, count, index mask and order comes from the list's declared facets and orders
(browse/facets.py) — none is written here.

Several values of one parameter mean "any of them"; different parameters must all hold.
"""

from __future__ import annotations

import copy

import django_filters
import numpy as np
from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from matchmaking.core.memo import BoundedMemo
from matchmaking.listings.browse.facets import AtMost, TermChoices, search_terms
from matchmaking.taxonomy.selectors import active_terms

# (FilterSet, language, taxonomy choices): a handful in practice
_form_classes = BoundedMemo(64)


class RangeForm(forms.Form):
    """A range's lower bound may not exceed its upper bound."""

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


class BrowseFilterSet(django_filters.FilterSet):
    """A FilterSet built from ``facets`` and ``orders`` (see :func:`browse_filterset`) that
    also counts, for each counted facet, how many rows each choice would give combined with
    all the *other* active filters (standard faceting), on SQL or on an in-memory index."""

    facets: tuple = ()
    orders: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._terms: dict = {}
        self._memo: dict = {}
        for filter_ in self.filters.values():
            choices = filter_.extra.get("choices")
            if isinstance(choices, TermChoices):
                terms = self._terms.setdefault(choices.model, active_terms(choices.model))
                filter_.extra["choices"] = [(term.code, term.name) for term in terms]

    def get_form_class(self):
        """django-filter builds a new form class for every FilterSet from its filters' form
        fields; that class depends only on the declaration, the term choices and the
        language, so each process keeps it per those (each form still copies its fields)."""
        key = (
            type(self),
            get_language(),
            tuple(
                (name, tuple(filter_.extra.get("choices") or ()))
                for name, filter_ in self.filters.items()
            ),
        )
        return _form_classes.get_or_compute(key, super().get_form_class)

    # -- what the facet specs ask of their filterset ---------------------------------------------

    @property
    def cleaned(self) -> dict:
        """The valid filter values (all of them when the data is bound and checked)."""
        if not self.is_bound:
            return {}
        self.errors  # noqa: B018 - validate so that cleaned_data exists
        return getattr(self.form, "cleaned_data", {})

    def memo(self, key, compute):
        """``compute()`` once per filterset (e.g. the ids a keyword search matched)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def term_ids(self, term_model, codes) -> list[int]:
        self.term_codes(term_model)
        wanted = set(codes)
        return [term.pk for term in self._terms[term_model] if term.code in wanted]

    def term_codes(self, term_model) -> dict[int, str]:
        """pk → code of the active terms of a taxonomy model (read once, in __init__)."""
        if term_model not in self._terms:
            self._terms[term_model] = active_terms(term_model)
        return {term.pk: term.code for term in self._terms[term_model]}

    def search_terms(self) -> list[str]:
        return search_terms(self.cleaned.get("q"))

    # -- the declarations ------------------------------------------------------------------------

    @classmethod
    def facet(cls, name: str):
        return cls._facets_by_name[name]

    @property
    def facet_names(self) -> tuple[str, ...]:
        """The counted filters, in the sidebar's order."""
        return tuple(facet.name for facet in self.facets if facet.counted)

    @property
    def flag_names(self) -> tuple[str, ...]:
        """The counted yes/no boxes ({"1": n})."""
        return tuple(facet.name for facet in self.facets if facet.counted and facet.flag)

    def filter_facet(self, queryset, name, value):  # facets.METHOD: every declared filter
        return self.facet(name).sql(self, queryset, value)

    def filter_sort(self, queryset, name, value):
        return queryset  # the order is applied by ``order``, once every filter is in

    def _active(self):
        return [(name, value) for name, value in self.cleaned.items() if name != "sort"]

    # -- SQL ----------------------------------------------------------------------------------

    def queryset_without(self, excluded: str | None) -> QuerySet:
        queryset = self.queryset.all()
        for name, value in self._active():
            if name != excluded:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def facet_counts(self) -> dict[str, dict[str, int]]:
        return {
            name: self.facet(name).sql_count(self, self.queryset_without(name))
            for name in self.facet_names
        }

    def order(self, queryset: QuerySet) -> QuerySet:
        return self._order().sql(self, queryset)

    # -- the in-memory index --------------------------------------------------------------------

    def indexed_results(self, index, *, scope=None):
        """(ids in display order, facet counts) answered from an in-memory browse index —
        the same results as ``order(qs)`` and ``facet_counts()``. ``scope`` (a row mask) is
        what the viewer may see, when that is not every row of the index."""
        masks = {} if scope is None else {None: scope}
        for name, value in self._active():
            mask = self.facet(name).mask(self, index, value)
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
            name: self.facet(name).index_count(
                self, index, combined(name) if name in masks else everything
            )
            for name in self.facet_names
        }
        rows = self._order().rows(self, index, np.flatnonzero(everything))
        return index.ids[rows], counts

    # -- sorting and caching ----------------------------------------------------------------------

    def cache_params(self) -> dict:
        """The normalised active filters (the cache key of counts), sort excluded."""
        return {name: value for name, value in self._active() if not _blank(value)}

    def active_sort(self) -> str:
        sort = self.cleaned.get("sort") or ""
        if not sort:
            sort = "relevance" if self.search_terms() else "newest"
        if sort == "relevance" and not self.search_terms():
            sort = "newest"
        return sort

    def _order(self):
        return self._orders_by_code[self.active_sort()]


class DeclaredFilters(dict):
    """A browse FilterSet's declared filters (``base_filters``), copied cheaply per instance.

    django-filter deep-copies the declared filters for every FilterSet it makes (here ~700
    objects a page: lazy labels, choices, the method wrappers), ~0.35 ms of each browse
    request. An instance only ever sets attributes on its filters (``model``, ``parent``,
    its own ``extra["choices"]``, the form field built from them), so a copy of each filter
    with its own ``extra`` and its own method wrapper keeps instances and the declaration
    apart just as well (``test_filtersets.DeclaredFiltersTests``).
    """

    def __deepcopy__(self, memo):
        return {name: _filter_copy(filter_) for name, filter_ in self.items()}


def _filter_copy(filter_):
    copied = copy.copy(filter_)
    copied.extra = dict(filter_.extra)
    copied.__dict__.pop("_field", None)  # built from this copy's extra when the form asks
    copied.method = filter_.method  # a FilterMethod of its own, bound to this copy
    return copied


def _blank(value) -> bool:
    """No filter: an empty value or an unticked box — but 0 is an amount (``0 == False``)."""
    return value is None or value is False or (isinstance(value, str | list) and not value)


def browse_filterset(name: str, model, *, facets: tuple, orders: tuple) -> type[BrowseFilterSet]:
    """The FilterSet of a browse list of ``model`` rows: one django-filter field per declared
    facet (plus ``sort``), a form that rejects upside-down ranges."""
    form = type(
        f"{name}Form",
        (RangeForm,),
        {
            "range_fields": tuple(
                (facet.after, facet.name) for facet in facets if isinstance(facet, AtMost)
            )
        },
    )
    fields = [facet.name for facet in facets]
    meta = type("Meta", (), {"model": model, "form": form, "fields": [*fields, "sort"]})
    attributes = {facet.name: facet.form_filter(model) for facet in facets}
    attributes.update(
        sort=django_filters.ChoiceFilter(
            label=_("Sort"),
            choices=[(order.code, order.label) for order in orders],
            method="filter_sort",
            empty_label=None,
        ),
        Meta=meta,
        facets=facets,
        orders=orders,
        _facets_by_name={facet.name: facet for facet in facets},
        _orders_by_code={order.code: order for order in orders},
        __module__=__name__,
    )
    filterset = type(name, (BrowseFilterSet,), attributes)
    filterset.base_filters = DeclaredFilters(filterset.base_filters)
    return filterset
