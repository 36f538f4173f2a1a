"""Pages for needs and offerings. Thin: a scoped queryset, a filterset or form, a service call.

Who may see or change an object is decided only by the models' ``visible_to``/``editable_by``/
``moderatable_by`` scopes, through `core.permissions` (404 when not visible, 403 when visible but
not editable).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from matchmaking.accounts.choices import OrganizationKind
from matchmaking.core.page_cache import read_page_versions
from matchmaking.core.permissions import (
    get_editable_or_403,
    get_visible_or_404,
    is_platform_admin,
)
from matchmaking.listings import revisions, selectors, services
from matchmaking.listings.browse import presentation
from matchmaking.listings.browse.selectors import need_browse, offering_browse
from matchmaking.listings.forms import (
    CloseForm,
    NeedForm,
    OfferingForm,
    ReasonForm,
    RenewForm,
    ScreenshotUploadForm,
)
from matchmaking.listings.models import ListingRevision, Need, Offering, OfferingScreenshot

# --- browse -------------------------------------------------------------------------------


class BrowseListView(TemplateView):
    """A browse page: the kind's browse selector answers rows, facets, chips and paging."""

    browse = None  # browse.selectors.offering_browse / need_browse

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        found = self.browse(params=request.GET, user=request.user, page=request.GET.get("page"))
        rows = found.rows(request)
        found.page.object_list = rows
        facets = found.facets
        context.update(
            filterset=found.filterset,
            form=found.filterset.form,
            page_obj=found.page,
            object_list=rows,
            facets=facets,
            facets_html=presentation.facet_groups_html(facets),
            facet_flags=found.flags,
            chips=found.chips,
            sort=found.sort,
            query_string=found.query_string,
            total=found.total,
        )
        return context


class OfferingListView(BrowseListView):
    template_name = "listings/offering_list.html"
    browse = staticmethod(offering_browse)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # staff export the list as they filtered it (listings/exports.py)
        context["can_export"] = is_platform_admin(self.request.user)
        return context


class NeedListView(BrowseListView):
    template_name = "listings/need_list.html"
    browse = staticmethod(need_browse)


# --- offerings ----------------------------------------------------------------------------


def _organization_of_kind(user, kind: str):
    organization = getattr(getattr(user, "membership", None), "organization", None)
    if organization is None or organization.kind != kind:
        raise PermissionDenied
    return organization


class OfferingDetailView(View):
    def get(self, request, pk: int):
        queryset = selectors.with_viewer_can_edit(selectors.offering_page_queryset(), request.user)
        offering = get_visible_or_404(queryset, request.user, pk=pk)
        selectors.attach_terms(offering, screenshots=True)
        services.offering_record_view(offering=offering, viewer=request.user)
        can_moderate = is_platform_admin(request.user)
        return render(
            request,
            "listings/offering_detail.html",
            {
                "offering": offering,
                "can_edit": offering.viewer_can_edit,
                "can_moderate": can_moderate,
                "reason_form": ReasonForm(),
                **(
                    selectors.revision_state(offering, request.user)
                    if offering.viewer_can_edit or can_moderate
                    else {}
                ),
            },
        )


class OfferingFormView(LoginRequiredMixin, View):
    """Create (no pk) or edit (pk) an offering."""

    template_name = "listings/offering_form.html"

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return get_editable_or_403(Offering.objects.all(), self.request.user, pk=self.kwargs["pk"])

    def get(self, request, pk=None):
        offering = self.get_object()
        if offering is None:
            _organization_of_kind(request.user, OrganizationKind.VENDOR)
        return self.render(
            OfferingForm(instance=offering, initial=_proposed_values(offering)), offering
        )

    def post(self, request, pk=None):
        offering = self.get_object()
        organization = (
            _organization_of_kind(request.user, OrganizationKind.VENDOR)
            if offering is None
            else offering.organization
        )
        form = OfferingForm(request.POST, request.FILES, instance=offering)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if offering is None:
                    offering = services.offering_create(
                        organization=organization,
                        created_by=request.user,
                        submit="submit" in request.POST,
                        **data,
                    )
                    messages.success(request, _("The offering was saved."))
                else:
                    offering = services.offering_update(
                        offering=offering, proposed_by=request.user, **data
                    )
                    _say_saved(request, offering, _("The offering was saved."))
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return redirect(offering.get_absolute_url())
        return self.render(form, self.get_object(), status=400)

    def render(self, form, offering, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "offering": offering,
                "pending_revision": offering and services.pending_revision(offering),
                **_threshold_context(),
            },
            status=status,
        )


def _proposed_values(listing) -> dict:
    """The edit form starts from the pending revision's values, if there is one."""
    revision = services.pending_revision(listing) if listing is not None else None
    return revisions.to_service_fields(revision.changes) if revision is not None else {}


def _threshold_context() -> dict:
    return {
        "minor_max_chars": revisions.MINOR_EDIT_MAX_CHARS,
        "minor_field_percent": int(revisions.MINOR_EDIT_FIELD_RATIO * 100),
    }


def _say_saved(request, listing, saved: str) -> None:
    if services.pending_revision(listing) is not None:
        messages.info(
            request,
            _(
                "Your changes are waiting for review; the published version stays online "
                "until a moderator approves them."
            ),
        )
    else:
        messages.success(request, saved)


class OfferingActionView(LoginRequiredMixin, View):
    """POST-only owner actions (submit for review, archive)."""

    action = ""

    def post(self, request, pk: int):
        offering = get_editable_or_403(Offering.objects.all(), request.user, pk=pk)
        try:
            if self.action == "submit":
                services.offering_submit(offering=offering)
                messages.success(request, _("The offering was sent for review."))
            elif self.action == "archive":
                services.offering_archive(offering=offering)
                messages.success(request, _("The offering was archived."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(offering.get_absolute_url())


class OfferingScreenshotsView(LoginRequiredMixin, View):
    template_name = "listings/offering_screenshots.html"

    def get(self, request, pk: int):
        offering = get_editable_or_403(Offering.objects.all(), request.user, pk=pk)
        return self.render(offering, ScreenshotUploadForm())

    def post(self, request, pk: int):
        offering = get_editable_or_403(Offering.objects.all(), request.user, pk=pk)
        form = ScreenshotUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                if offering.is_published:  # new pictures of a live offering are reviewed
                    services.offering_update(
                        offering=offering,
                        screenshots=form.cleaned_data["screenshots"],
                        proposed_by=request.user,
                    )
                else:
                    services.offering_add_screenshots(
                        offering=offering,
                        images=form.cleaned_data["screenshots"],
                        caption=form.cleaned_data["caption"],
                    )
            except ValidationError as error:
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                _say_saved(request, offering, _("The screenshots were added."))
                return redirect("listings:offering-screenshots", pk=offering.pk)
        return self.render(offering, form, status=400)

    def render(self, offering, form, status=200):
        return render(
            self.request,
            self.template_name,
            {"offering": offering, "form": form, "screenshots": offering.screenshots.all()},
            status=status,
        )


class OfferingScreenshotDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk: int, screenshot_pk: int):
        offering = get_editable_or_403(Offering.objects.all(), request.user, pk=pk)
        screenshot = get_object_or_404(OfferingScreenshot, pk=screenshot_pk, offering=offering)
        services.offering_remove_screenshot(screenshot=screenshot)
        messages.success(request, _("The screenshot was removed."))
        return redirect("listings:offering-screenshots", pk=offering.pk)


class OfferingCompareView(View):
    def get(self, request):
        ids = []
        for value in request.GET.getlist("ids"):
            try:
                ids.append(int(value))
            except ValueError:
                continue
        offerings = selectors.offerings_to_compare(request.user, ids)
        return render(
            request,
            "listings/offering_compare.html",
            {
                "offerings": offerings,
                "too_many": len(set(ids)) > selectors.MAX_COMPARE,
                "too_few": len(offerings) < selectors.MIN_COMPARE,
                "max_compare": selectors.MAX_COMPARE,
            },
        )


class MyOfferingsView(LoginRequiredMixin, TemplateView):
    template_name = "listings/my_offerings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["offerings"] = selectors.my_offerings(self.request.user)
        organization = getattr(getattr(self.request.user, "membership", None), "organization", None)
        context["is_vendor"] = organization is not None and organization.is_vendor
        return context


# --- needs --------------------------------------------------------------------------------


class NeedDetailView(View):
    def get(self, request, pk: int):
        # The suggestions' relaxations and the similar cases are cached under these
        # versions: read them all in one round trip (kept for the request).
        read_page_versions()
        need = get_object_or_404(selectors.need_page_read(request.user), pk=pk)
        selectors.attach_terms(need)  # from the links read with the need: no query
        can_moderate = is_platform_admin(request.user)
        return render(
            request,
            "listings/need_detail.html",
            {
                "need": need,
                "can_edit": need.viewer_can_edit,
                "can_moderate": can_moderate,
                "close_form": CloseForm(),
                "renew_form": RenewForm(),
                "reason_form": ReasonForm(),
                **(
                    selectors.revision_state(need, request.user)
                    if need.viewer_can_edit or can_moderate
                    else {}
                ),
            },
        )


class NeedFormView(LoginRequiredMixin, View):
    template_name = "listings/need_form.html"

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return get_editable_or_403(Need.objects.all(), self.request.user, pk=self.kwargs["pk"])

    def get(self, request, pk=None):
        need = self.get_object()
        if need is None:
            _organization_of_kind(request.user, OrganizationKind.ENTERPRISE)
        return self.render(NeedForm(instance=need, initial=_proposed_values(need)), need)

    def post(self, request, pk=None):
        need = self.get_object()
        organization = (
            _organization_of_kind(request.user, OrganizationKind.ENTERPRISE)
            if need is None
            else need.organization
        )
        form = NeedForm(request.POST, instance=need)
        if form.is_valid():
            try:
                if need is None:
                    need = services.need_create(
                        organization=organization,
                        created_by=request.user,
                        publish="publish" in request.POST,
                        **form.cleaned_data,
                    )
                    messages.success(request, _("The need was saved."))
                else:
                    need = services.need_update(
                        need=need, proposed_by=request.user, **form.cleaned_data
                    )
                    _say_saved(request, need, _("The need was saved."))
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return redirect(need.get_absolute_url())
        return self.render(form, self.get_object(), status=400)

    def render(self, form, need, status=200):
        context = {
            "form": form,
            "need": need,
            "pending_revision": need and services.pending_revision(need),
            **_threshold_context(),
        }
        return render(self.request, self.template_name, context, status=status)


class NeedActionView(LoginRequiredMixin, View):
    """POST-only owner actions: publish, close (fulfilled or not), renew."""

    action = ""

    def post(self, request, pk: int):
        need = get_editable_or_403(Need.objects.all(), request.user, pk=pk)
        try:
            if self.action == "publish":
                services.need_publish(need=need)
                messages.success(request, _("The need is open."))
            elif self.action == "close":
                form = CloseForm(request.POST)
                form.is_valid()
                services.need_close(need=need, fulfilled=form.cleaned_data.get("fulfilled", False))
                messages.success(request, _("The need was closed."))
            elif self.action == "renew":
                form = RenewForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors.get("deadline", []))
                services.need_renew(need=need, deadline=form.cleaned_data.get("deadline"))
                messages.success(request, _("The need was renewed."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(need.get_absolute_url())


class MyNeedsView(LoginRequiredMixin, TemplateView):
    template_name = "listings/my_needs.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["needs"] = selectors.my_needs(self.request.user)
        organization = getattr(getattr(self.request.user, "membership", None), "organization", None)
        context["is_enterprise"] = organization is not None and organization.is_enterprise
        return context


# --- moderation ---------------------------------------------------------------------------


class AdminRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not is_platform_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ModerationQueueView(AdminRequiredMixin, TemplateView):
    template_name = "listings/moderation_queue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.moderation_queue(self.request.user))
        context["reason_form"] = ReasonForm()
        return context


class ModerationActionView(AdminRequiredMixin, View):
    """Approve or hide (with a reason) an offering or a need."""

    model = Offering
    action = "approve"

    def post(self, request, pk: int):
        obj = get_object_or_404(self.model.objects.moderatable_by(request.user), pk=pk)
        form = ReasonForm(request.POST)
        try:
            if self.action == "approve":
                approve = (
                    services.offering_approve if self.model is Offering else services.need_approve
                )
                approve(**{self.model._meta.model_name: obj}, by=request.user)
                messages.success(request, _("Approved: %(title)s") % {"title": obj.title})
            else:
                if not form.is_valid():
                    raise ValidationError(form.errors["reason"])
                hide = services.offering_hide if self.model is Offering else services.need_hide
                hide(
                    **{self.model._meta.model_name: obj},
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Hidden: %(title)s") % {"title": obj.title})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        next_url = request.POST.get("next", "")
        if next_url == "detail":
            return redirect(obj.get_absolute_url())
        return redirect(reverse("listings:moderation-queue"))


# --- revisions ----------------------------------------------------------------------------


class RevisionDetailView(LoginRequiredMixin, View):
    """Proposed changes, field by field: the listing's members (who may withdraw them) and
    platform admins (who approve or decline them); 404 for everyone else."""

    def get(self, request, pk: int):
        revision = get_visible_or_404(selectors.revision_detail_queryset(), request.user, pk=pk)
        return render(
            request,
            "listings/revision_detail.html",
            {
                "revision": revision,
                "listing": revision.listing,
                "diff": selectors.revision_diff(revision),
                "can_withdraw": revision.is_pending
                and ListingRevision.objects.editable_by(request.user).filter(pk=pk).exists(),
                "can_moderate": revision.is_pending and is_platform_admin(request.user),
                "reason_form": ReasonForm(),
            },
        )


class RevisionWithdrawView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        revision = get_editable_or_403(ListingRevision.objects.all(), request.user, pk=pk)
        try:
            services.revision_withdraw(revision=revision, by=request.user)
            messages.success(request, _("Your proposed changes were withdrawn."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(revision.listing.get_absolute_url())


class RevisionModerationView(AdminRequiredMixin, View):
    """Approve or decline (with a reason) proposed changes."""

    action = "approve"

    def post(self, request, pk: int):
        revision = get_object_or_404(ListingRevision.objects.moderatable_by(request.user), pk=pk)
        title = revision.listing.title
        try:
            if self.action == "approve":
                services.revision_approve(revision=revision, by=request.user)
                messages.success(request, _("Changes approved: %(title)s") % {"title": title})
            else:
                form = ReasonForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors["reason"])
                services.revision_reject(
                    revision=revision, by=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Changes declined: %(title)s") % {"title": title})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        if request.POST.get("next", "") == "detail":
            return redirect(revision.listing.get_absolute_url())
        return redirect(reverse("listings:moderation-queue"))
