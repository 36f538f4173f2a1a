"""In-site notifications, each user's delivery preferences and saved searches."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from matchmaking.notifications.choices import (
    Frequency,
    NotificationKind,
    SavedSearchTarget,
)


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A notification is its recipient's alone (admins read them in the admin site)."""
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def editable_by(self, user):
        return self.visible_to(user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def awaiting_digest(self, frequency: str):
        return self.filter(delivery=frequency, digest_sent_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=250)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # How it was (or will be) emailed, fixed when created from the recipient's preference.
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Frequency.choices, default=Frequency.INSTANT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    digest_sent_at = models.DateTimeField(_("sent in a digest at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["delivery", "digest_sent_at"], name="notification_digest"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("notifications:open", args=[self.pk])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A user's chosen delivery for one kind; kinds without a row use DEFAULT_FREQUENCY."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="one_notification_preference_per_user_and_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}: {self.frequency}"


class SavedSearchQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def editable_by(self, user):
        return self.visible_to(user)


class SavedSearch(models.Model):
    """A browse page's filters, saved with a name; new matches are reported in digests."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=80)
    target = models.CharField(_("searching"), max_length=10, choices=SavedSearchTarget.choices)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    frequency = models.CharField(
        _("alerts"),
        max_length=10,
        choices=[
            (Frequency.DAILY, Frequency.DAILY.label),
            (Frequency.WEEKLY, Frequency.WEEKLY.label),
            (Frequency.OFF, Frequency.OFF.label),
        ],
        default=Frequency.DAILY,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], name="saved_search_name_unique_per_user"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def browse_path(self) -> str:
        """The browse page this search was saved from, with its filters."""
        name = (
            "listings:offering-list"
            if self.target == SavedSearchTarget.OFFERINGS
            else "listings:need-list"
        )
        try:
            base = reverse(name)
        except NoReverseMatch:  # the listings pages are not installed
            base = "/offerings/" if self.target == SavedSearchTarget.OFFERINGS else "/needs/"
        return f"{base}?{self.query}" if self.query else base


class NeedBroadcast(models.Model):
    """A need's enterprise told the vendors of close offerings about it (no strong match).

    Recorded so the vendors are told once per ``NEED_BROADCAST_COOLDOWN_DAYS``, not on every
    click, and so the page can say when it was done.
    """

    need = models.ForeignKey(
        "listings.Need", on_delete=models.CASCADE, related_name="+", verbose_name=_("need")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    vendors = models.PositiveIntegerField(_("vendors told"), default=0)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("need sent to vendors")
        verbose_name_plural = _("needs sent to vendors")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.need_id} → {self.vendors}"
