"""Filters for the public organization directory."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matchmaking.accounts.choices import OrganizationKind, VerificationStatus
from matchmaking.accounts.models import Organization


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(
        choices=OrganizationKind.choices, label=_("Kind"), empty_label=_("Any kind")
    )
    verified = django_filters.BooleanFilter(
        method="filter_verified",
        label=_("Verification"),
        widget=forms.Select(
            choices=[("", _("All")), ("true", _("Verified only")), ("false", _("Not verified"))]
        ),
    )
    region = django_filters.CharFilter(lookup_expr="icontains", label=_("Region"))

    class Meta:
        model = Organization
        fields = ["q", "kind", "verified", "region"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(name_en__icontains=value)
            | Q(description__icontains=value)
            | Q(uscc__iexact=value)
        )

    def filter_verified(self, queryset, name, value):
        if value is True:
            return queryset.filter(verification_status=VerificationStatus.VERIFIED)
        if value is False:
            return queryset.exclude(verification_status=VerificationStatus.VERIFIED)
        return queryset
