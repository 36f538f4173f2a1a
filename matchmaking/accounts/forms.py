"""Forms for signing up, signing in, profiles, organizations and invitations.

Forms only validate input; the writes happen in `services`.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from matchmaking.accounts import login_limits
from matchmaking.accounts.choices import OrganizationKind
from matchmaking.accounts.documents import DocumentUploadField
from matchmaking.accounts.models import Organization, User
from matchmaking.core.images import ImageUploadField

_password_help = lazy(lambda: " ".join(password_validation.password_validators_help_texts()), str)


class SignUpForm(forms.Form):
    """A new person: email, name, password twice, and which side of the market they are on."""

    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    full_name = forms.CharField(label=_("Your name"), max_length=80)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_password_help(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    kind = forms.ChoiceField(
        label=_("I represent"),
        choices=OrganizationKind.choices,
        widget=forms.RadioSelect,
        initial=OrganizationKind.ENTERPRISE,
    )

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this email address already exists. Sign in instead."),
                code="duplicate_email",
            )
        return email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2",
                forms.ValidationError(
                    _("The two passwords do not match."), code="password_mismatch"
                ),
            )
        elif password1:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AccountDelayMixin:
    """Refuse a sign-in while the account must wait (accounts/login_limits.py), before the
    password is checked — so the refused attempt is not counted as a failure anywhere."""

    def clean(self):
        wait = login_limits.seconds_to_wait(username=self.cleaned_data.get("username"))
        if wait:
            raise forms.ValidationError(
                ngettext(
                    "There were many failed sign-ins to this account. Wait %(seconds)d second "
                    "before trying again.",
                    "There were many failed sign-ins to this account. Wait %(seconds)d seconds "
                    "before trying again.",
                    wait,
                )
                % {"seconds": wait},
                code="account_delayed",
            )
        return super().clean()


class AdminSignInForm(AccountDelayMixin, AdminAuthenticationForm):
    """The admin's sign-in form under the same per-account limit."""


class SignInForm(AccountDelayMixin, AuthenticationForm):
    """Django's sign-in form; the `username` field holds the email address."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("full_name", "preferred_language")


def _formfield(model_field, **kwargs):
    """Addresses typed without a scheme are taken as https://."""
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


class OrganizationForm(forms.ModelForm):
    """The organization's profile. Field names are the model's (the import format uses them too).

    `logo` goes through the shared image rules (core.images); on edit an empty upload keeps
    the current logo.
    """

    logo = ImageUploadField(label=_("Logo"), required=False, name_prefix="logo")
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)

    class Meta:
        model = Organization
        formfield_callback = _formfield
        fields = (
            "kind",
            "name",
            "name_en",
            "uscc",
            "region",
            "size",
            "website",
            "description",
            "contact_person",
            "contact_phone",
            "contact_email",
            "filing_number",
        )
        widgets = {
            "kind": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 5}),
            "uscc": forms.TextInput(
                attrs={"maxlength": 18, "autocapitalize": "characters", "spellcheck": "false"}
            ),
            "contact_phone": forms.TextInput(attrs={"type": "tel"}),
        }
        error_messages = {
            "uscc": {
                "unique": _(
                    "Another organization on the platform is already registered with this "
                    "unified social credit code. Check the code; if it is right, contact the "
                    "platform operators."
                )
            }
        }
        help_texts = {
            "region": _("Province and city or district, e.g. 北京市海淀区."),
            "contact_person": _(
                "Contact details are private: only your organization, platform operators and "
                "parties whose requests you accept can see them."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        if editing:
            # The side of the market is chosen once: listings and matches depend on it.
            del self.fields["kind"]
            if not self.instance.logo:
                del self.fields["remove_logo"]
            if not self.instance.is_vendor:
                del self.fields["filing_number"]
        else:
            del self.fields["remove_logo"]
            self.fields["kind"].choices = OrganizationKind.choices  # no empty radio
        self.fields["name"].widget.attrs.setdefault("autocomplete", "organization")
        # Field order: identity, public profile, logo, private contacts, vendor-only filing.
        order = [
            "kind",
            "name",
            "name_en",
            "uscc",
            "region",
            "size",
            "website",
            "description",
            "logo",
            "remove_logo",
            "contact_person",
            "contact_phone",
            "contact_email",
            "filing_number",
        ]
        self.order_fields([name for name in order if name in self.fields])

    # Set when a new organization's code is already registered: the page then offers to
    # ask to join that organization instead (see `clean_uscc`).
    existing_organization: Organization | None = None

    def clean_uscc(self):
        uscc = self.cleaned_data.get("uscc") or None
        if uscc and self.instance.pk is None:
            existing = Organization.objects.filter(uscc=uscc).first()
            if existing is not None:
                self.existing_organization = existing
                raise forms.ValidationError(
                    _(
                        "%(organization)s is already registered with this unified social "
                        "credit code. If you work there, use “Ask to join” on this page instead "
                        "of creating it again, or ask one of its owners to invite you."
                    )
                    % {"organization": existing.display_name},
                    code="uscc_registered",
                )
        return uscc

    @property
    def kind_value(self) -> str:
        if "kind" not in self.fields:
            return self.instance.kind
        return self["kind"].value() or ""

    def profile_fields(self) -> dict:
        """The cleaned values the organization services accept as profile fields."""
        names = [
            "name",
            "name_en",
            "uscc",
            "region",
            "size",
            "website",
            "description",
            "contact_person",
            "contact_phone",
            "contact_email",
        ]
        fields = {name: self.cleaned_data[name] for name in names}
        if self.cleaned_data.get("kind", self.instance.kind) == OrganizationKind.VENDOR:
            fields["filing_number"] = self.cleaned_data.get("filing_number", "")
        return fields


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the person to invite"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class VerificationRequestForm(forms.Form):
    document = DocumentUploadField(label=_("Business licence (营业执照)"))
    note = forms.CharField(
        label=_("Note to the reviewers"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VerificationRefusalForm(forms.Form):
    """Used by the admin's "Refuse verification" action: the organization sees the reason."""

    reason = forms.CharField(
        label=_("Reason for the refusal"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("The organization sees this reason on its page."),
    )


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the owners"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say who you are and what you do there, so the owners recognise you."),
    )


class VerificationDecisionForm(forms.Form):
    """Staff's decision on the review page; a refusal needs a reason the organization sees."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("grant", _("Verify the organization")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a refusal: the organization sees it on its page."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "refuse" and not cleaned.get("reason", "").strip():
            self.add_error(
                "reason",
                forms.ValidationError(
                    _("Give the organization a reason for the refusal."), code="required"
                ),
            )
        return cleaned
