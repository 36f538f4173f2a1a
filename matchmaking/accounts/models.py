"""Users, organizations, membership, invitations and verification."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from matchmaking.accounts.choices import (
    MembershipRole,
    OrganizationKind,
    OrganizationSize,
    VerificationStatus,
)
from matchmaking.accounts.signals import password_changed
from matchmaking.accounts.validators import validate_uscc
from matchmaking.core.extensions import ExtensionPoint
from matchmaking.core.images import ProcessedImageField, ThumbnailImageField
from matchmaking.core.models import TimeStampedModel, keep_counters
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.core.private_files import private_file_storage


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person; signs in with an email address."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("name"), max_length=80, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    # Moves with every write of this user's notifications (the notifications app bumps it,
    # ``F() + 1``, in the writing transaction); the navigation keeps the unread count under
    # it. Read with the user on every signed-in request.
    notifications_revision = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        # set_password() keeps the new raw password in _password until the next save; Django's
        # re-hash on sign-in (hasher upgrade) clears it before saving, so only a real change
        # is announced.
        changed = self._password is not None and not self._state.adding
        # Never the notifications revision read with this instance (see core.models).
        super().save(*args, **keep_counters(self, kwargs, ("notifications_revision",)))
        if changed:
            password_changed.send(sender=User, user=self)

    @property
    def organization(self) -> Organization | None:
        membership = getattr(self, "membership", None)
        return membership.organization if membership else None


class OrganizationQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(verification_status=VerificationStatus.VERIFIED)

    def vendors(self):
        return self.filter(kind=OrganizationKind.VENDOR)

    def enterprises(self):
        return self.filter(kind=OrganizationKind.ENTERPRISE)

    def visible_to(self, user):
        """Organizations' public profiles are visible to everyone (contacts are not: see
        `contacts_visible_to`)."""
        return self.all()

    def editable_by(self, user):
        if is_platform_admin(user):
            return self.all()
        org_id = user_organization_id(user)
        if org_id is None:
            return self.none()
        return self.filter(
            pk=org_id, memberships__user=user, memberships__role=MembershipRole.OWNER
        )

    def contacts_visible_to(self, user):
        """Organizations whose private contact details this user may read: their own,
        and — once connections exist — counterparts that accepted them."""
        if is_platform_admin(user):
            return self.all()
        org_id = user_organization_id(user)
        if org_id is None:
            return self.none()
        return self.filter(Q(pk=org_id) | Q(pk__in=_accepted_counterpart_ids(org_id)))


# Accounts cannot import connections (floor rule); the connections app registers the ids of
# counterparts that accepted a request from its AppConfig.ready().
contact_disclosure = ExtensionPoint(
    "accounts.contact_disclosure",
    "f(org_id) -> iterable of organization ids whose private contacts org_id's members may read",
)


def _accepted_counterpart_ids(org_id: int) -> list[int]:
    ids: list[int] = []
    for provider in contact_disclosure.providers():
        ids.extend(provider(org_id))
    return ids


class Organization(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160, blank=True)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_uscc],
        help_text=_("统一社会信用代码: 18 characters, as on the business licence."),
    )
    region = models.CharField(_("region"), max_length=60, blank=True)
    size = models.CharField(_("size"), max_length=20, choices=OrganizationSize.choices, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    logo = ProcessedImageField(
        _("logo"),
        upload_to="logos/",
        blank=True,
        thumbnail_field="logo_thumbnail",
        name_prefix="logo",
    )
    logo_thumbnail = ThumbnailImageField(_("logo thumbnail"), upload_to="logos/", blank=True)
    # Private contact details: shown only to the organization, admins, and parties it accepted.
    contact_person = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    filing_number = models.CharField(
        _("generative AI service filing number"),
        max_length=80,
        blank=True,
        help_text=_("生成式人工智能服务备案号 (vendors only)."),
    )
    verification_status = models.CharField(
        _("verification"),
        max_length=20,
        choices=VerificationStatus.choices,
        default=VerificationStatus.UNVERIFIED,
        db_index=True,
    )
    verification_note = models.TextField(_("verification note"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    ref = models.CharField(
        _("import reference"),
        max_length=80,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Stable identifier from bulk import files."),
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "verification_status"])]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("accounts:organization-detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    @property
    def is_vendor(self) -> bool:
        return self.kind == OrganizationKind.VENDOR

    @property
    def is_enterprise(self) -> bool:
        return self.kind == OrganizationKind.ENTERPRISE

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED


class Membership(TimeStampedModel):
    """A user belongs to at most one organization, as its owner or a member."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def is_owner(self) -> bool:
        return self.role == MembershipRole.OWNER


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(TimeStampedModel):
    """An owner invites a person by email; the link in the email lets them join."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    @property
    def is_usable(self) -> bool:
        return self.state == "usable"

    @property
    def state(self) -> str:
        """``used`` (single-use: accepted once), ``revoked``, ``expired`` or ``usable``."""
        if self.accepted_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "usable"

    def is_for(self, user) -> bool:
        """Whether ``user``'s account is the invited address (compared case-insensitively).

        The link was mailed to that address; whoever holds it must also sign in (or sign up)
        with the address itself, so a forwarded or leaked link is useless to anyone else."""
        email = getattr(user, "email", "") or ""
        return bool(email) and email.strip().casefold() == self.email.strip().casefold()


class VerificationRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The organization's own requests (and their documents) for its members; all for
        platform operators."""
        if is_platform_admin(user):
            return self.all()
        org_id = user_organization_id(user)
        if org_id is None:
            return self.none()
        return self.filter(organization_id=org_id)

    def decidable_by(self, user):
        if is_platform_admin(user):
            return self.all()
        return self.none()


class VerificationRequest(TimeStampedModel):
    """An organization's request to be verified and the admin's decision (kept as history)."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="verification_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(_("note to the reviewers"), blank=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The business licence (营业执照), kept like message attachments: outside MEDIA_ROOT,
    # served only by accounts:verification-document to the organization and operators.
    document = models.FileField(
        _("business licence"),
        upload_to="verification/%Y/%m/",
        storage=private_file_storage,
        blank=True,
    )
    document_name = models.CharField(_("document name"), max_length=200, blank=True)
    document_type = models.CharField(max_length=100, blank=True)
    document_size = models.PositiveIntegerField(null=True, blank=True)

    objects = VerificationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("verification request")
        verbose_name_plural = _("verification requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(decision="pending"),
                name="one_pending_verification_request_per_organization",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_decision_display()})"


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class JoinRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=JoinRequestStatus.PENDING)

    def decidable_by(self, user):
        """Requests to join an organization the user owns (only owners decide)."""
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(
            organization__memberships__user=user,
            organization__memberships__role=MembershipRole.OWNER,
        )

    def withdrawable_by(self, user):
        """A person withdraws only their own requests."""
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class JoinRequest(TimeStampedModel):
    """A person asks to join an existing organization; one of its owners decides."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="join_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(_("message to the owners"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=JoinRequestStatus.choices,
        default=JoinRequestStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = JoinRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(status="pending"),
                name="one_pending_join_request_per_user_and_organization",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == JoinRequestStatus.PENDING


class LoginDelay(models.Model):
    """Failed sign-ins of one account, from any address, and when it may next try.

    django-axes locks a username + address pair; this adds a limit per account that guessing
    spread over many addresses cannot escape. It only ever delays (the delay is capped), so
    it cannot lock the real person out for good. See accounts/login_limits.py.
    """

    username = models.CharField(_("email address"), max_length=254, unique=True)
    failures = models.PositiveIntegerField(_("failed sign-ins"), default=0)
    last_failure_at = models.DateTimeField(_("last failure"))
    next_attempt_at = models.DateTimeField(_("next attempt allowed at"))

    class Meta:
        verbose_name = _("sign-in delay")
        verbose_name_plural = _("sign-in delays")

    def __str__(self) -> str:
        return f"{self.username}: {self.failures}"
