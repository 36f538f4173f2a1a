"""The filters of the vendor's opportunities (商机): one of the vendor's offerings, the band."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from matchmaking.listings.models import Offering
from matchmaking.matching import adapters
from matchmaking.matching.calibration import POSSIBLE_MATCH, STRONG_MATCH
from matchmaking.matching.models import Suggestion


def _own_offerings(request):
    """Only the viewer's vendor's live offerings can be chosen: another organization's id is
    a form error ("Select a valid choice"), never a way to read its opportunities."""
    if request is None:
        return Offering.objects.none()
    own = Offering.objects.editable_by(request.user)  # the one rule of "its own" listings
    return (own & adapters.matchable_offerings()).order_by("title", "pk")


class OpportunityFilterSet(django_filters.FilterSet):
    offering = django_filters.ModelChoiceFilter(
        label=_("For offering"), queryset=_own_offerings, empty_label=_("All my offerings")
    )
    band = django_filters.ChoiceFilter(
        label=_("Match"),
        choices=(
            ("strong", _("Strong matches only")),
            ("possible", _("Strong and possible matches")),
        ),
        empty_label=_("All matches"),
        method="filter_band",
    )

    class Meta:
        model = Suggestion
        fields = ["offering", "band"]

    def filter_band(self, queryset, name, value):
        return queryset.filter(score__gte=STRONG_MATCH if value == "strong" else POSSIBLE_MATCH)
