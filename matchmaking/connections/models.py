"""Connections (对接): an enterprise's request to an offering or a vendor's proposal for a
need, its answer, the funnel after acceptance, its audit trail and its message thread."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from matchmaking.connections.choices import (
    DISCLOSED_STATES,
    OPEN_STATES,
    ConnectionKind,
    ConnectionState,
)
from matchmaking.core.models import TimeStampedModel
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.core.private_files import PrivateFileStorage


class ConnectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Members of the two organizations, and platform admins."""
        if is_platform_admin(user):
            return self.all()
        org_id = user_organization_id(user)
        if org_id is None:
            return self.none()
        return self.filter(Q(initiator_org_id=org_id) | Q(receiver_org_id=org_id))

    def editable_by(self, user):
        """Rows the user may act on (which action depends on the side: see services)."""
        org_id = user_organization_id(user)
        if org_id is None:
            return self.none()
        return self.filter(Q(initiator_org_id=org_id) | Q(receiver_org_id=org_id))

    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def disclosed(self):
        return self.filter(state__in=DISCLOSED_STATES)

    def involving(self, org_id: int):
        return self.filter(Q(initiator_org_id=org_id) | Q(receiver_org_id=org_id))


class Connection(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=10, choices=ConnectionKind.choices)
    # A request targets an offering (and may be tied to one of the enterprise's needs);
    # a proposal targets a need (and may name one of the vendor's offerings).
    offering = models.ForeignKey(
        "listings.Offering",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="connections",
        verbose_name=_("offering"),
    )
    need = models.ForeignKey(
        "listings.Need",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="connections",
        verbose_name=_("need"),
    )
    initiator_org = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="connections_started",
        verbose_name=_("from"),
    )
    receiver_org = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="connections_received",
        verbose_name=_("to"),
    )
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    message = models.TextField(_("message"), max_length=4000)
    pilot_requested = models.BooleanField(_("asks for a pilot / proof of concept"), default=False)
    approach = models.TextField(_("approach"), max_length=4000, blank=True)
    indicative_price = models.PositiveBigIntegerField(
        _("indicative price (CNY)"), null=True, blank=True
    )
    timeline = models.CharField(_("timeline"), max_length=200, blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ConnectionState.choices,
        default=ConnectionState.PENDING,
        db_index=True,
    )
    decline_reason = models.TextField(_("reason for declining"), max_length=2000, blank=True)
    outcome_reason = models.TextField(_("outcome note"), max_length=2000, blank=True)
    contract_value = models.PositiveBigIntegerField(
        _("contract value (CNY)"), null=True, blank=True
    )
    first_response_at = models.DateTimeField(_("first answered at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "initiator_org"],
                condition=Q(kind=ConnectionKind.REQUEST, state__in=OPEN_STATES),
                name="one_open_request_per_offering_and_org",
                violation_error_message=_(
                    "Your organization already has an open request for this offering."
                ),
            ),
            models.UniqueConstraint(
                fields=["need", "initiator_org"],
                condition=Q(kind=ConnectionKind.PROPOSAL, state__in=OPEN_STATES),
                name="one_open_proposal_per_need_and_org",
                violation_error_message=_(
                    "Your organization already has an open proposal for this need."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(kind=ConnectionKind.REQUEST) & Q(offering__isnull=False))
                | (Q(kind=ConnectionKind.PROPOSAL) & Q(need__isnull=False)),
                name="connection_has_its_target",
            ),
            models.CheckConstraint(
                condition=~Q(initiator_org=models.F("receiver_org")),
                name="connection_between_two_organizations",
            ),
        ]
        indexes = [
            models.Index(fields=["receiver_org", "state"], name="connection_receiver_state"),
            models.Index(fields=["initiator_org", "created_at"], name="connection_initiator_day"),
            models.Index(fields=["state", "expires_at"], name="connection_state_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject_title}"

    def get_absolute_url(self) -> str:
        return reverse("connections:detail", args=[self.pk])

    @property
    def is_request(self) -> bool:
        return self.kind == ConnectionKind.REQUEST

    @property
    def target(self):
        """What the connection is about: the offering of a request, the need of a proposal."""
        return self.offering if self.is_request else self.need

    @property
    def subject_title(self) -> str:
        target = self.target
        return target.title if target is not None else ""

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_disclosed(self) -> bool:
        return self.state in DISCLOSED_STATES

    @property
    def is_pending(self) -> bool:
        return self.state == ConnectionState.PENDING

    @cached_property
    def response_seconds(self) -> float | None:
        if self.first_response_at is None:
            return None
        return (self.first_response_at - self.created_at).total_seconds()


class ConnectionEvent(models.Model):
    """Audit trail: every state change, who made it and when (admins read it)."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_state = models.CharField(
        _("previous state"), max_length=10, choices=ConnectionState.choices, blank=True
    )
    to_state = models.CharField(_("new state"), max_length=10, choices=ConnectionState.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("connection event")
        verbose_name_plural = _("connection events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state}"


class PrivateAttachmentStorage(PrivateFileStorage):
    """Attachments live outside MEDIA_ROOT (no public URL); a scoped view serves them.

    The rules are core's (shared with verification documents); the class keeps its name
    here because migrations refer to it.
    """


private_attachment_storage = PrivateAttachmentStorage()


class MessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(connection__in=Connection.objects.visible_to(user))


class Message(models.Model):
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_org = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("message"), max_length=5000, blank=True)
    attachment = models.FileField(
        _("attachment"),
        upload_to="connections/%Y/%m/",
        storage=private_attachment_storage,
        blank=True,
    )
    attachment_name = models.CharField(_("attachment name"), max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment_size = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]
