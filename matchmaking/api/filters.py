"""The HTML pages' FilterSets, used as they are: the same query parameters, the same
validation (an unknown code is a 400 with the field named), the same ordering."""

from __future__ import annotations

import django_filters
from django import forms
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend

from matchmaking.api.serializers import MAX_BIGINT

SORT_DESCRIPTION = "Sort order; defaults to relevance while searching, else newest."


def _parameter_schema(filter_) -> dict:
    if isinstance(filter_, django_filters.MultipleChoiceFilter):
        return {"type": "array", "items": {"type": "string"}}
    if isinstance(filter_, django_filters.ModelChoiceFilter):
        return {"type": "string"}
    if isinstance(filter_, django_filters.ChoiceFilter):
        choices = filter_.extra.get("choices") or []
        return {"type": "string", "enum": [str(code) for code, _label in choices]}
    if isinstance(filter_, django_filters.NumberFilter):
        schema = {"type": "number", "maximum": MAX_BIGINT}
        minimum = filter_.extra.get("min_value")
        schema["minimum"] = minimum if minimum is not None else 0
        if filter_.extra.get("max_value") is not None:
            schema["maximum"] = filter_.extra["max_value"]
        return schema
    if isinstance(filter_, django_filters.BooleanFilter):
        return {"type": "boolean"}
    return {"type": "string"}


class ListingFilterBackend(BaseFilterBackend):
    """Applies ``view.filterset_class`` to the query string — or, for the listings, the view's
    ``browse`` selector (the one the browse pages call), which also decides the ordering."""

    def filterset(self, request, queryset, view):
        data = request.query_params.copy()
        for name in ("page", "page_size"):
            data.pop(name, None)
        return view.filterset_class(data or None, queryset=queryset, request=request)

    def filter_queryset(self, request, queryset, view):
        browse = getattr(view, "browse", None)
        if browse is not None:  # the listings: their browse selector filters and orders
            found = browse(params=request.query_params, user=request.user, page=None, paged=False)
            self.validate(found.filterset)
            return found.ordered()
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is None:
            return queryset
        filterset = self.filterset(request, queryset, view)
        self.validate(filterset)
        rows = filterset.qs
        order = getattr(filterset, "order", None)
        return order(rows) if order is not None else rows

    def validate(self, filterset) -> None:
        """A 400 naming each invalid filter (as the HTML pages name them next to the field)."""
        if filterset.is_bound and not filterset.is_valid():
            raise exceptions.ValidationError(
                {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
            )
        errors = {}
        for name, value in getattr(filterset.form, "cleaned_data", {}).items():
            numeric = isinstance(value, int | float) or hasattr(value, "as_tuple")
            if numeric and not isinstance(value, bool) and abs(value) > MAX_BIGINT:
                errors[name] = [forms.IntegerField().error_messages["invalid"]]
        if errors:
            raise exceptions.ValidationError(errors)

    def get_schema_operation_parameters(self, view):
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is None:
            return []
        parameters = []
        for name, filter_ in filterset_class.base_filters.items():
            schema = _parameter_schema(filter_)
            parameter = {
                "name": name,
                "required": False,
                "in": "query",
                "description": str(filter_.label or name),
                "schema": schema,
            }
            if schema["type"] == "array":
                parameter.update(style="form", explode=True)
            if name == "sort":
                parameter["description"] = SORT_DESCRIPTION
            parameters.append(parameter)
        return parameters
