"""Pages of the matcher: the vendor's opportunities, "not relevant", live category suggestions.

No view computes a ranking: they read stored suggestions through the selectors.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from matchmaking.core.pagination import query_without_page
from matchmaking.core.permissions import get_visible_or_404
from matchmaking.listings.models import Need, Offering
from matchmaking.matching import selectors, services
from matchmaking.matching.filtersets import OpportunityFilterSet
from matchmaking.matching.models import Direction


class OpportunitiesView(LoginRequiredMixin, View):
    """商机: open needs suggested for any of the vendor's offerings, best first."""

    def get(self, request):
        organization = request.user.organization
        if organization is None or not organization.is_vendor:
            raise PermissionDenied
        filterset = OpportunityFilterSet(
            request.GET or None,
            queryset=selectors.vendor_suggestions(request.user),
            request=request,
        )
        page_obj = selectors.vendor_opportunities(
            request.user, filterset.qs, page=request.GET.get("page")
        )
        return render(
            request,
            "matching/opportunities.html",
            {
                "organization": organization,
                "filterset": filterset,
                "page_obj": page_obj,
                "paginator": page_obj.paginator,
                "rows": page_obj.object_list,
                "query_string": query_without_page(request),
            },
        )


class DismissForm(forms.Form):
    need = forms.IntegerField()
    offering = forms.IntegerField()
    direction = forms.ChoiceField(choices=Direction.choices)
    next = forms.CharField(required=False)


class DismissView(LoginRequiredMixin, View):
    """POST "not relevant" on a suggestion of the viewer's own need or offering."""

    def post(self, request):
        form = DismissForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Invalid request."))
        data = form.cleaned_data
        need = get_visible_or_404(Need.objects.all(), request.user, pk=data["need"])
        offering = get_visible_or_404(Offering.objects.all(), request.user, pk=data["offering"])
        try:
            services.suggestion_dismiss(
                need=need, offering=offering, direction=data["direction"], user=request.user
            )
        except ValidationError:
            return HttpResponseBadRequest(_("Invalid request."))
        messages.success(request, _("The suggestion was hidden. Thank you for the feedback."))
        target = data.get("next") or ""
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = (
                need.get_absolute_url()
                if data["direction"] == Direction.FOR_NEED
                else offering.get_absolute_url()
            )
        return redirect(target)


class SuggestCategoriesView(View):
    """JSON: likely sectors and application types of a text (the need form calls it live)."""

    def get(self, request):
        return self.answer(request.GET.get("text", ""))

    def post(self, request):
        return self.answer(request.POST.get("text", ""))

    def answer(self, text: str):
        return JsonResponse(selectors.category_suggestions(text))
