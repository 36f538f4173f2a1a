"""The case gallery's filters: sector, application type, layer, minimum score, vendor, q."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matchmaking.accounts.models import Organization
from matchmaking.cases.models import Case
from matchmaking.taxonomy.models import ApplicationType, Layer, Sector


def _vendors(request):
    return Organization.objects.vendors().filter(cases__status="published").distinct()


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title, client, text")}),
    )
    sector = django_filters.ModelChoiceFilter(
        label=_("Sector"),
        queryset=Sector.objects.active(),
        to_field_name="code",
        empty_label=_("All sectors"),
    )
    app_type = django_filters.ModelChoiceFilter(
        label=_("Application type"),
        queryset=ApplicationType.objects.active(),
        to_field_name="code",
        empty_label=_("All application types"),
    )
    layer = django_filters.ModelChoiceFilter(
        label=_("Layer"),
        queryset=Layer.objects.active(),
        to_field_name="code",
        empty_label=_("All layers"),
    )
    min_score = django_filters.NumberFilter(
        label=_("Minimum overall score"),
        field_name="overall_score",
        lookup_expr="gte",
        min_value=1,
        max_value=5,
        widget=forms.NumberInput(attrs={"min": 1, "max": 5, "step": 0.5}),
    )
    vendor = django_filters.ModelChoiceFilter(
        label=_("Vendor"), queryset=_vendors, empty_label=_("All vendors")
    )

    class Meta:
        model = Case
        fields = ["q", "sector", "app_type", "layer", "min_score", "vendor"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(client__icontains=value)
            | Q(challenge__icontains=value)
            | Q(solution__icontains=value)
            | Q(outcome__icontains=value)
            | Q(vendor__name__icontains=value)
        )
