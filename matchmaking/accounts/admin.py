"""Admin for users, organizations (with the verification actions), invitations and history."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from matchmaking.accounts import services
from matchmaking.accounts.forms import AdminSignInForm, VerificationRefusalForm
from matchmaking.accounts.models import (
    Invitation,
    JoinRequest,
    LoginDelay,
    Membership,
    Organization,
    User,
    VerificationRequest,
)


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "full_name")


class UserChangeForm(DjangoUserChangeForm):
    class Meta(DjangoUserChangeForm.Meta):
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin, adapted to users who sign in with an email address."""

    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "organization_link", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "membership__role")
    search_fields = ("email", "full_name", "membership__organization__name")
    list_select_related = ("membership__organization",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "preferred_language")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    @admin.display(description=_("organization"))
    def organization_link(self, obj: User):
        membership = getattr(obj, "membership", None)
        if membership is None:
            return "—"
        return f"{membership.organization} ({membership.get_role_display()})"


class VerificationQueueFilter(admin.SimpleListFilter):
    """A one-click "waiting for a decision" view of the organization list."""

    title = _("verification queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return (("pending", _("Waiting for a decision")),)

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(verification_status="pending").order_by("updated_at")
        return queryset


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "name_en",
        "kind",
        "region",
        "uscc",
        "verification_status",
        "member_count",
        "created_at",
    )
    list_filter = (VerificationQueueFilter, "kind", "verification_status", "region", "size")
    search_fields = ("name", "name_en", "uscc", "ref")
    readonly_fields = (
        "logo_thumbnail",
        "verification_status",
        "verification_note",
        "verified_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("kind", "name", "name_en", "uscc", "ref")}),
        (
            _("Profile"),
            {"fields": ("region", "size", "website", "description", "logo", "logo_thumbnail")},
        ),
        (_("Private contact"), {"fields": ("contact_person", "contact_phone", "contact_email")}),
        (
            _("Trust"),
            {
                "fields": (
                    "filing_number",
                    "verification_status",
                    "verification_note",
                    "verified_at",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = (MembershipInline,)
    actions = ("grant_verification", "refuse_verification")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=Count("memberships"))

    @admin.display(description=_("members"), ordering="_member_count")
    def member_count(self, obj: Organization) -> int:
        return obj._member_count

    @admin.action(description=_("Grant verification"), permissions=["change"])
    def grant_verification(self, request, queryset):
        for organization in queryset:
            services.verification_decide(organization=organization, admin=request.user, grant=True)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "Verification granted to %(count)d organization.",
                "Verification granted to %(count)d organizations.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Refuse verification (asks for a reason)"), permissions=["change"])
    def refuse_verification(self, request, queryset):
        """An intermediate page asks for the reason the organizations will see."""
        form = VerificationRefusalForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            count = 0
            for organization in queryset:
                try:
                    services.verification_decide(
                        organization=organization,
                        admin=request.user,
                        grant=False,
                        reason=form.cleaned_data["reason"],
                    )
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                    return None
                count += 1
            self.message_user(
                request,
                ngettext(
                    "Verification refused for %(count)d organization.",
                    "Verification refused for %(count)d organizations.",
                    count,
                )
                % {"count": count},
                messages.WARNING,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refuse verification"),
            "opts": self.model._meta,
            "organizations": queryset,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "action": "refuse_verification",
        }
        return TemplateResponse(request, "accounts/admin/refuse_verification.html", context)


@admin.register(VerificationRequest)
class VerificationRequestAdmin(admin.ModelAdmin):
    """The history of requests and decisions; decisions are made on the organization list."""

    list_display = ("organization", "requested_by", "created_at", "decision", "decided_by")
    list_filter = ("decision",)
    search_fields = ("organization__name", "organization__name_en", "organization__uscc")
    list_select_related = ("organization", "requested_by", "decided_by")
    readonly_fields = (
        "organization",
        "requested_by",
        "note",
        "decision",
        "reason",
        "decided_by",
        "decided_at",
        "created_at",
        "review_page",
    )
    fields = readonly_fields

    @admin.display(description=_("Review on the site"))
    def review_page(self, obj):
        # The business licence is shown there (it is served only by the scoped view).
        url = reverse("accounts:verification-review", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    """Requests to join organizations; owners decide on their members page."""

    list_display = ("user", "organization", "status", "created_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("user__email", "organization__name", "organization__name_en")
    list_select_related = ("user", "organization", "decided_by")
    readonly_fields = (
        "organization",
        "user",
        "message",
        "status",
        "decided_by",
        "decided_at",
        "created_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organization", "invited_by", "created_at", "expires_at", "state")
    search_fields = ("email", "organization__name")
    list_select_related = ("organization", "invited_by")
    readonly_fields = (
        "organization",
        "email",
        "invited_by",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "created_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("state"))
    def state(self, obj: Invitation) -> str:
        if obj.accepted_at:
            return _("accepted")
        if obj.revoked_at:
            return _("withdrawn")
        if not obj.is_usable:
            return _("expired")
        return _("pending")


@admin.register(LoginDelay)
class LoginDelayAdmin(admin.ModelAdmin):
    """Accounts slowed down after failed sign-ins; deleting a row lifts the delay at once."""

    list_display = ("username", "failures", "last_failure_at", "next_attempt_at")
    search_fields = ("username",)
    readonly_fields = ("username", "failures", "last_failure_at", "next_attempt_at")

    def has_add_permission(self, request):
        return False


# The admin's own sign-in form is under the per-account limit too (accounts/login_limits.py).
admin.site.login_form = AdminSignInForm
