"""Pages of the case library: the gallery, a case, a vendor's cases and the review queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from matchmaking.cases import selectors, services
from matchmaking.cases.choices import CaseStatus
from matchmaking.cases.filtersets import CaseFilterSet
from matchmaking.cases.forms import (
    CaseForm,
    FeatureForm,
    MetricFormSet,
    ReturnForm,
    ScoreForm,
    metric_initial,
    metrics_from,
)
from matchmaking.cases.models import Case
from matchmaking.core.pagination import query_without_page
from matchmaking.core.permissions import (
    ScopedObjectMixin,
    get_editable_or_403,
    get_visible_or_404,
    is_platform_admin,
)
from matchmaking.listings.models import Offering


def _add_errors(form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (or the form itself)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class VendorMemberRequiredMixin(LoginRequiredMixin):
    """Signed-in members of a vendor organization (others get 403)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        organization = request.user.organization
        if organization is None or not organization.is_vendor:
            raise PermissionDenied(_("Only members of a vendor organization can submit cases."))
        self.vendor = organization
        return super().dispatch(request, *args, **kwargs)


class StaffRequiredMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not is_platform_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# --- Public ------------------------------------------------------------------------------


class CaseListView(ListView):
    template_name = "cases/case_list.html"
    context_object_name = "cases"
    paginate_by = 12

    def get_queryset(self):
        self.filterset = CaseFilterSet(
            self.request.GET or None, queryset=selectors.case_list(user=self.request.user)
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        context["query_string"] = query_without_page(self.request)
        return context


class CaseDetailView(ScopedObjectMixin, DetailView):
    template_name = "cases/case_detail.html"
    context_object_name = "case"

    def get_queryset(self):
        return selectors.case_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case, user = self.object, self.request.user
        can_edit = Case.objects.editable_by(user).filter(pk=case.pk).exists()
        context["can_edit"] = can_edit
        context["can_submit"] = (
            can_edit
            and case.status in (CaseStatus.DRAFT, CaseStatus.RETURNED)
            and user.organization is not None
            and user.organization.pk == case.vendor_id
        )
        context["is_curator"] = is_platform_admin(user)
        context["offering_visible"] = (
            case.offering_id is not None
            and Offering.objects.visible_to(user).filter(pk=case.offering_id).exists()
        )
        return context


# --- Vendor ------------------------------------------------------------------------------


class CaseFormMixin:
    template_name = "cases/case_form.html"

    def forms(self, case=None):
        data = self.request.POST if self.request.method == "POST" else None
        files = self.request.FILES if self.request.method == "POST" else None
        form = CaseForm(data, files, instance=case, vendor=self.form_vendor(case))
        metric_forms = MetricFormSet(data, prefix="metrics", initial=metric_initial(case))
        return form, metric_forms

    def form_vendor(self, case):
        return case.vendor if case is not None else self.vendor

    def render_forms(self, form, metric_forms, case=None, status=200):
        return render(
            self.request,
            self.template_name,
            {"form": form, "metric_forms": metric_forms, "case": case},
            status=status,
        )

    def save(self, form, metric_forms, case=None):
        """Run the service; on a ValidationError show it at the field and save nothing."""
        if not (form.is_valid() and metric_forms.is_valid()):
            return None
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if case is None:
                    return services.case_create(
                        actor=self.request.user,
                        vendor=self.vendor,
                        metrics=metrics_from(metric_forms),
                        cover=data["cover"] or None,
                        gallery=data["gallery"],
                        **form.content(),
                    )
                remove_images = [int(pk) for pk in self.request.POST.getlist("remove_image")]
                return services.case_update(
                    actor=self.request.user,
                    case=case,
                    metrics=metrics_from(metric_forms),
                    cover=data["cover"] or None,
                    remove_cover=data.get("remove_cover", False),
                    gallery=data["gallery"],
                    remove_images=remove_images,
                    **form.content(),
                )
        except ValidationError as error:
            _add_errors(form, error)
            return None


class CaseCreateView(VendorMemberRequiredMixin, CaseFormMixin, View):
    def get(self, request):
        return self.render_forms(*self.forms())

    def post(self, request):
        form, metric_forms = self.forms()
        case = self.save(form, metric_forms)
        if case is None:
            return self.render_forms(form, metric_forms)
        messages.success(
            request, _("Your case was saved as a draft. Submit it for review when it is ready.")
        )
        return HttpResponseRedirect(case.get_absolute_url())


class CaseEditView(LoginRequiredMixin, CaseFormMixin, View):
    def get_case(self):
        return get_editable_or_403(Case.objects.all(), self.request.user, pk=self.kwargs["pk"])

    def get(self, request, pk):
        case = self.get_case()
        return self.render_forms(*self.forms(case), case=case)

    def post(self, request, pk):
        case = self.get_case()
        form, metric_forms = self.forms(case)
        saved = self.save(form, metric_forms, case)
        if saved is None:
            case.refresh_from_db()
            return self.render_forms(form, metric_forms, case=case)
        messages.success(request, _("The case was saved."))
        return HttpResponseRedirect(saved.get_absolute_url())


class CaseSubmitView(LoginRequiredMixin, View):
    def post(self, request, pk):
        case = get_visible_or_404(Case.objects.all(), request.user, pk=pk)
        try:
            services.case_submit(actor=request.user, case=case)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(case.get_absolute_url())
        messages.success(request, _("The case was submitted for review."))
        return HttpResponseRedirect(reverse("cases:my-cases"))


class MyCasesView(VendorMemberRequiredMixin, ListView):
    template_name = "cases/case_mine.html"
    context_object_name = "cases"
    paginate_by = 20

    def get_queryset(self):
        return selectors.vendor_cases(organization_id=self.vendor.pk)


# --- Curators ----------------------------------------------------------------------------

REVIEW_TABS = [
    (CaseStatus.SUBMITTED, CaseStatus.SUBMITTED.label),
    (CaseStatus.PUBLISHED, CaseStatus.PUBLISHED.label),
    (CaseStatus.RETURNED, CaseStatus.RETURNED.label),
    (CaseStatus.DRAFT, CaseStatus.DRAFT.label),
]


class ReviewQueueView(StaffRequiredMixin, View):
    """The curators' queue: score on the four dimensions, publish, return, feature."""

    template_name = "cases/case_review.html"
    paginate_by = 10

    def current_status(self) -> str:
        status = self.request.GET.get("status") or self.request.POST.get("status")
        valid = {value for value, _label in REVIEW_TABS}
        return status if status in valid else CaseStatus.SUBMITTED

    def get(self, request):
        return self.render_queue()

    def render_queue(self, overrides: dict | None = None, status: int = 200):
        current = self.current_status()
        page = Paginator(selectors.review_queue(status=current), self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        overrides = overrides or {}
        items = []
        for case in page.object_list:
            prefix = f"case-{case.pk}"
            forms = {
                "score_form": ScoreForm(case=case, prefix=f"{prefix}-score"),
                "return_form": ReturnForm(prefix=f"{prefix}-return"),
                "feature_form": FeatureForm(
                    prefix=f"{prefix}-feature",
                    initial={"featured": case.is_featured, "order": case.featured_order},
                ),
            }
            forms.update(overrides.get(case.pk, {}))
            items.append({"case": case, **forms})
        return render(
            self.request,
            self.template_name,
            {
                "items": items,
                "page_obj": page,
                "tabs": REVIEW_TABS,
                "current_status": current,
                "counts": selectors.review_counts(),
                "query_string": f"status={current}",
            },
            status=status,
        )


class ReviewActionView(ReviewQueueView):
    """POST /cases/review/<pk>/<action>/ — one curator action, then back to the queue."""

    def get(self, request, pk, action):
        return HttpResponseRedirect(reverse("cases:review-queue"))

    def post(self, request, pk, action):
        case = get_visible_or_404(Case.objects.all(), request.user, pk=pk)
        prefix = f"case-{case.pk}"
        actor = request.user
        try:
            if action == "score":
                form = ScoreForm(request.POST, case=case, prefix=f"{prefix}-score")
                if not form.is_valid():
                    return self.render_queue({case.pk: {"score_form": form}})
                services.case_score(
                    actor=actor, case=case, comment=form.cleaned_data["comment"], **form.scores()
                )
                messages.success(request, _("Scores saved for “%(title)s”.") % {"title": case})
            elif action == "publish":
                services.case_publish(actor=actor, case=case)
                messages.success(request, _("“%(title)s” is published.") % {"title": case})
            elif action == "return":
                form = ReturnForm(request.POST, prefix=f"{prefix}-return")
                if not form.is_valid():
                    return self.render_queue({case.pk: {"return_form": form}})
                services.case_return(actor=actor, case=case, reason=form.cleaned_data["reason"])
                messages.success(
                    request, _("“%(title)s” was returned to the vendor.") % {"title": case}
                )
            elif action == "feature":
                form = FeatureForm(request.POST, prefix=f"{prefix}-feature")
                if not form.is_valid():
                    return self.render_queue({case.pk: {"feature_form": form}})
                services.case_feature(
                    actor=actor,
                    case=case,
                    featured=form.cleaned_data["featured"],
                    order=form.cleaned_data["order"],
                )
                messages.success(request, _("Featuring updated for “%(title)s”.") % {"title": case})
            else:
                return HttpResponseRedirect(reverse("cases:review-queue"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        back = reverse("cases:review-queue") + f"?status={self.current_status()}"
        return HttpResponseRedirect(back + f"#case-{case.pk}")
