"""Accounts pages: sign-up and sign-in, the profile, organizations, members and invitations.

Views are thin: a queryset scoped by `visible_to`/`editable_by`, a form, a service call.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView

from matchmaking.accounts import selectors, services
from matchmaking.accounts.choices import MembershipRole, OrganizationKind
from matchmaking.accounts.filtersets import OrganizationFilterSet
from matchmaking.accounts.forms import (
    InvitationForm,
    JoinRequestForm,
    OrganizationForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
    VerificationDecisionForm,
    VerificationRequestForm,
)
from matchmaking.accounts.models import JoinRequest, Organization, VerificationRequest
from matchmaking.accounts.tasks import (
    RESET_BODY_TEMPLATE,
    RESET_SUBJECT_TEMPLATE,
    send_password_reset,
)
from matchmaking.accounts.validators import validate_uscc
from matchmaking.core.pagination import query_without_page
from matchmaking.core.permissions import (
    ScopedObjectMixin,
    get_editable_or_403,
    get_visible_or_404,
    is_platform_admin,
)
from matchmaking.core.private_files import private_file_response


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _apply_form_errors(form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form fields it names (or the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )


# --- Signing up, in and out -------------------------------------------------------------


class SignUpView(FormView):
    template_name = "accounts/signup.html"
    form_class = SignUpForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("accounts:profile")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("kind") in OrganizationKind.values:
            initial["kind"] = self.request.GET["kind"]
        if self.request.GET.get("email"):
            initial["email"] = self.request.GET["email"]
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = _safe_next(self.request)
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        user = services.user_create(
            email=data["email"],
            password=data["password1"],
            full_name=data["full_name"],
            preferred_language=get_language() or settings.LANGUAGE_CODE,
        )
        login(self.request, user, backend="matchmaking.accounts.backends.MembershipModelBackend")
        messages.success(self.request, _("Welcome! Your account has been created."))
        next_url = _safe_next(self.request)
        if next_url:
            return HttpResponseRedirect(next_url)
        return HttpResponseRedirect(
            reverse("accounts:organization-create") + "?" + urlencode({"kind": data["kind"]})
        )


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", "account_delayed"):
            response.status_code = 429
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        # A person's saved language applies unless they already picked one on this device.
        if settings.LANGUAGE_COOKIE_NAME not in self.request.COOKIES:
            _set_language_cookie(response, form.get_user().preferred_language)
        return response


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class PasswordResetView(auth_views.PasswordResetView):
    """Enqueues the email (accounts/tasks.py) instead of looking up the account and sending it
    here, so known and unknown addresses take the same time."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = RESET_BODY_TEMPLATE
    subject_template_name = RESET_SUBJECT_TEMPLATE
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        send_password_reset.enqueue(
            email=form.cleaned_data["email"],
            domain=self.request.get_host(),
            use_https=self.request.is_secure(),
            language=get_language() or settings.LANGUAGE_CODE,
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


# --- Profile ----------------------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = selectors.user_with_membership(user=request.user)
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(
            user=user,
            full_name=form.cleaned_data["full_name"],
            preferred_language=form.cleaned_data["preferred_language"],
        )
        messages.success(request, _("Your profile has been saved."))
        response = redirect("accounts:profile")
        _set_language_cookie(response, user.preferred_language)
        return response
    membership = getattr(user, "membership", None)
    return render(
        request,
        "accounts/profile.html",
        {"profile_user": user, "form": form, "membership": membership},
    )


# --- Organizations ----------------------------------------------------------------------


class OrganizationListView(ListView):
    template_name = "accounts/organization_list.html"
    context_object_name = "organizations"
    paginate_by = 24

    def get_queryset(self):
        self.filterset = OrganizationFilterSet(
            self.request.GET or None, queryset=selectors.organization_list(user=self.request.user)
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["query_string"] = query_without_page(self.request)
        return context


class OrganizationDetailView(ScopedObjectMixin, DetailView):
    template_name = "accounts/organization_detail.html"
    context_object_name = "organization"

    def get_queryset(self):
        return Organization.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization, user = self.object, self.request.user
        membership = selectors.organization_membership_of(user=user, organization=organization)
        context.update(
            {
                "show_contacts": Organization.objects.contacts_visible_to(user)
                .filter(pk=organization.pk)
                .exists(),
                "can_edit": Organization.objects.editable_by(user)
                .filter(pk=organization.pk)
                .exists(),
                "membership": membership,
                "is_owner": membership is not None and membership.is_owner,
                "can_see_members": selectors.organization_can_see_members(
                    user=user, organization=organization
                ),
                "verification_form": VerificationRequestForm(),
                # Someone without an organization who finds theirs here can ask to join it.
                "can_ask_to_join": user.is_authenticated and not hasattr(user, "membership"),
            }
        )
        return context


@login_required
def organization_create(request: HttpRequest) -> HttpResponse:
    if hasattr(request.user, "membership"):
        messages.info(request, _("You already belong to an organization."))
        return redirect(request.user.membership.organization)
    initial = {}
    if request.GET.get("kind") in OrganizationKind.values:
        initial["kind"] = request.GET["kind"]
    form = OrganizationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(
                owner=request.user,
                kind=form.cleaned_data["kind"],
                logo=form.cleaned_data.get("logo") or None,
                **form.profile_fields(),
            )
        except ValidationError as error:
            _apply_form_errors(form, error)
        else:
            messages.success(request, _("Your organization has been created."))
            return redirect(organization)
    return render(request, "accounts/organization_form.html", {"form": form, "creating": True})


@login_required
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_editable_or_403(Organization.objects.all(), request.user, pk=pk)
    # The form works on its own copy, so a rejected submission never alters the page header.
    form = OrganizationForm(
        request.POST or None,
        request.FILES or None,
        instance=Organization.objects.get(pk=organization.pk),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                organization=organization,
                logo=form.cleaned_data.get("logo") or None,
                remove_logo=form.cleaned_data.get("remove_logo", False),
                **form.profile_fields(),
            )
        except ValidationError as error:
            _apply_form_errors(form, error)
        else:
            messages.success(request, _("The organization's profile has been saved."))
            return redirect(organization)
    return render(
        request,
        "accounts/organization_form.html",
        {"form": form, "organization": organization, "creating": False},
    )


@login_required
def organization_members(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_visible_or_404(Organization.objects.all(), request.user, pk=pk)
    if not selectors.organization_can_see_members(user=request.user, organization=organization):
        raise PermissionDenied
    membership = selectors.organization_membership_of(user=request.user, organization=organization)
    is_owner = membership is not None and membership.role == MembershipRole.OWNER
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    organization=organization,
                    invited_by=request.user,
                    email=form.cleaned_data["email"],
                )
            except ValidationError as error:
                _apply_form_errors(form, error)
            else:
                messages.success(
                    request,
                    _("An invitation has been sent to %(email)s.") % {"email": invitation.email},
                )
                return redirect("accounts:organization-members", pk=organization.pk)
    return render(
        request,
        "accounts/organization_members.html",
        {
            "organization": organization,
            "members": selectors.organization_members(organization=organization),
            "invitations": selectors.organization_pending_invitations(organization=organization),
            "is_owner": is_owner,
            "form": form,
            "join_requests": selectors.join_requests_to_decide(
                user=request.user, organization=organization
            ),
        },
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    organization = get_visible_or_404(Organization.objects.all(), request.user, pk=pk)
    invitation = get_object_or_404(organization.invitations, pk=invitation_pk)
    try:
        services.invitation_revoke(invitation=invitation, revoked_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation has been withdrawn."))
    return redirect("accounts:organization-members", pk=organization.pk)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the invitation email. Visitors sign up or sign in first, then come back.

    404 for an unknown token; 410 for a link already used, withdrawn or expired; 403 for a
    signed-in account that is not the invited address. Each with a page that says why."""
    invitation = selectors.invitation_by_token(token=token)
    template = "accounts/invitation_accept.html"
    if invitation is None:
        return render(request, template, {"invitation": None}, status=404)
    if not invitation.is_usable:
        return render(request, template, {"invitation": invitation}, status=410)
    if request.user.is_authenticated and not invitation.is_for(request.user):
        return render(
            request, template, {"invitation": invitation, "wrong_address": True}, status=403
        )
    here = request.get_full_path()
    login_url = reverse("accounts:login") + "?" + urlencode({"next": here})
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect(login_url)
    already_member = request.user.is_authenticated and hasattr(request.user, "membership")
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("You have joined %(organization)s.")
                % {"organization": invitation.organization.display_name},
            )
            return redirect(invitation.organization)
    return render(
        request,
        template,
        {
            "invitation": invitation,
            "already_member": already_member,
            "signup_url": reverse("accounts:signup")
            + "?"
            + urlencode({"next": here, "email": invitation.email}),
            "login_url": login_url,
        },
    )


@login_required
def verification_request(request: HttpRequest, pk: int) -> HttpResponse:
    """An owner asks to be verified, uploading the business licence with the request."""
    organization = get_editable_or_403(Organization.objects.all(), request.user, pk=pk)
    membership = selectors.organization_membership_of(user=request.user, organization=organization)
    if membership is None or not membership.is_owner:
        raise PermissionDenied
    form = VerificationRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.verification_request(
                organization=organization,
                requested_by=request.user,
                note=form.cleaned_data["note"],
                document=form.cleaned_data["document"],
            )
        except ValidationError as error:
            _apply_form_errors(form, error)
        else:
            messages.success(
                request,
                _("Your request has been sent. Platform operators will review it."),
            )
            return redirect(organization)
    return render(
        request,
        "accounts/verification_request.html",
        {"organization": organization, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _require_platform_admin(request: HttpRequest) -> None:
    if not is_platform_admin(request.user):
        raise PermissionDenied


@login_required
def verification_queue(request: HttpRequest) -> HttpResponse:
    """Operators' queue: pending verification requests, oldest first."""
    _require_platform_admin(request)
    return render(
        request,
        "accounts/verification_queue.html",
        {
            "pending": selectors.verification_requests_pending(user=request.user),
            "recent": selectors.verification_requests_recently_decided(user=request.user),
        },
    )


@login_required
def verification_review(request: HttpRequest, request_pk: int) -> HttpResponse:
    """One request: the licence, the code's check-digit result, the history; the decision."""
    _require_platform_admin(request)
    verification = get_object_or_404(
        VerificationRequest.objects.decidable_by(request.user).select_related(
            "organization", "requested_by", "decided_by"
        ),
        pk=request_pk,
    )
    organization = verification.organization
    form = VerificationDecisionForm(request.POST or None)
    if request.method == "POST":
        if verification.decision != VerificationRequest.Decision.PENDING:
            messages.error(request, _("This request has already been decided."))
            return redirect("accounts:verification-review", request_pk=verification.pk)
        if form.is_valid():
            try:
                services.verification_decide(
                    organization=organization,
                    admin=request.user,
                    grant=form.cleaned_data["decision"] == "grant",
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("The decision has been recorded and sent."))
                return redirect("accounts:verification-queue")
    uscc_problem = ""
    if organization.uscc:
        try:
            validate_uscc(organization.uscc)
        except ValidationError as error:
            uscc_problem = " ".join(error.messages)
    return render(
        request,
        "accounts/verification_review.html",
        {
            "verification": verification,
            "organization": organization,
            "uscc_problem": uscc_problem,
            "history": selectors.verification_history(organization=organization),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def verification_document(request: HttpRequest, request_pk: int) -> HttpResponse:
    """The licence of a verification request: for the organization's members and operators."""
    verification = get_object_or_404(
        VerificationRequest.objects.visible_to(request.user).exclude(document=""), pk=request_pk
    )
    return private_file_response(
        verification.document,
        filename=verification.document_name or "licence",
        content_type=verification.document_type,
        inline=verification.document_type.startswith("image/"),
    )


# --- Join requests ----------------------------------------------------------------------


@login_required
def join_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to join an organization. Shows only its public profile's name and link."""
    organization = get_visible_or_404(Organization.objects.all(), request.user, pk=pk)
    own = selectors.user_with_membership(user=request.user)
    membership = getattr(own, "membership", None)
    pending = selectors.join_request_pending_of(user=request.user, organization=organization)
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and membership is None and pending is None and form.is_valid():
        try:
            services.join_request_create(
                organization=organization, user=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            _apply_form_errors(form, error)
        else:
            messages.success(
                request,
                _("Your request has been sent. You will be told when an owner answers."),
            )
            return redirect("accounts:join-request-create", pk=organization.pk)
    return render(
        request,
        "accounts/join_request_form.html",
        {
            "organization": organization,
            "membership": membership,
            "pending": pending,
            "form": form,
        },
    )


@login_required
@require_POST
def join_request_withdraw(request: HttpRequest, join_pk: int) -> HttpResponse:
    join_request = get_object_or_404(
        JoinRequest.objects.withdrawable_by(request.user).select_related("organization"),
        pk=join_pk,
    )
    try:
        services.join_request_withdraw(join_request=join_request, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("accounts:join-request-create", pk=join_request.organization_id)


@login_required
@require_POST
def join_request_answer(request: HttpRequest, pk: int, join_pk: int, answer: str) -> HttpResponse:
    """An owner approves or declines on the members page. Others: 404 (not disclosed)."""
    join_request = get_object_or_404(
        JoinRequest.objects.decidable_by(request.user).select_related("user"),
        pk=join_pk,
        organization_id=pk,
    )
    try:
        if answer == "approve":
            services.join_request_approve(join_request=join_request, decided_by=request.user)
        else:
            services.join_request_decline(join_request=join_request, decided_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        who = join_request.user.full_name or join_request.user.email
        if answer == "approve":
            messages.success(request, _("%(person)s is now a member.") % {"person": who})
        else:
            messages.success(
                request, _("The request from %(person)s has been declined.") % {"person": who}
            )
    return redirect("accounts:organization-members", pk=pk)
