"""供需对接会: events, who registers for them, the meetings they ask each other for, where
the scheduler puts those meetings and how they went.

Slots are derived, never stored: each day of the event runs from ``day_start`` to
``day_end`` in steps of ``meeting_minutes``; a slot that overlaps one of the ``breaks``
takes no meeting. Slot indices run over all days in time order (day 0's slots first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from matchmaking.core.models import TimeStampedModel
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.events.choices import (
    ACTIVE_REQUEST_STATES,
    Attendance,
    EventStatus,
    RegistrationStatus,
    RequestState,
)

_BREAK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")


def parse_breaks(text: str) -> list[tuple[time, time]]:
    """``"12:00-13:30, 15:00-15:15"`` → [(12:00, 13:30), (15:00, 15:15)]; ValueError if unreadable."""
    breaks = []
    for part in re.split(r"[,，;；\n]+", text or ""):
        if not part.strip():
            continue
        match = _BREAK.match(part)
        if not match:
            raise ValueError(part.strip())
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = time(h1, m1), time(h2, m2)
        if end <= start:
            raise ValueError(part.strip())
        breaks.append((start, end))
    return breaks


@dataclass(frozen=True)
class Slot:
    index: int
    day: date
    start: datetime
    end: datetime
    is_break: bool


class EventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Published and cancelled events for everyone; drafts for platform admins."""
        if is_platform_admin(user):
            return self.all()
        return self.exclude(status=EventStatus.DRAFT)

    def editable_by(self, user):
        return self.all() if is_platform_admin(user) else self.none()

    def upcoming(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.filter(end_date__gte=today).order_by("start_date", "pk")

    def past(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.filter(end_date__lt=today).order_by("-start_date", "-pk")


class Event(TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=8000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=8000, blank=True)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    day_start = models.TimeField(_("meetings start at"), default=time(9, 0))
    day_end = models.TimeField(_("meetings end at"), default=time(17, 0))
    meeting_minutes = models.PositiveSmallIntegerField(
        _("meeting length (minutes)"), default=20, validators=[MinValueValidator(5)]
    )
    breaks = models.CharField(
        _("breaks"),
        max_length=300,
        blank=True,
        help_text=_("Times without meetings each day, e.g. 12:00-13:30, 15:00-15:15."),
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    sectors = models.ManyToManyField(
        "taxonomy.Sector", blank=True, related_name="+", verbose_name=_("sectors")
    )
    application_types = models.ManyToManyField(
        "taxonomy.ApplicationType",
        blank=True,
        related_name="+",
        verbose_name=_("application types"),
    )
    registration_opens = models.DateTimeField(_("registration opens"))
    registration_closes = models.DateTimeField(_("registration closes"))
    table_count = models.PositiveSmallIntegerField(
        _("tables"), default=10, validators=[MinValueValidator(1)]
    )
    table_names = models.TextField(
        _("table names"),
        blank=True,
        help_text=_(
            "Optional, one per line (e.g. A1, Room 203); tables without a name are numbered."
        ),
    )
    capacity = models.PositiveIntegerField(_("capacity (organizations)"), null=True, blank=True)
    approval_required = models.BooleanField(_("registrations need approval"), default=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("organizer"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    scheduled_at = models.DateTimeField(_("last scheduled at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminders sent at"), null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("matchmaking event")
        verbose_name_plural = _("matchmaking events")
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="event_ends_after_it_starts",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.CheckConstraint(
                condition=Q(day_end__gt=models.F("day_start")),
                name="event_day_ends_after_it_starts",
                violation_error_message=_("Meetings must end after they start."),
            ),
            models.CheckConstraint(
                condition=Q(registration_closes__gt=models.F("registration_opens")),
                name="event_registration_window",
                violation_error_message=_("Registration must close after it opens."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])

    def clean(self):
        try:
            parse_breaks(self.breaks)
        except ValueError as exc:
            raise ValidationError(
                {"breaks": _("“%(part)s” is not a time range like 12:00-13:30.") % {"part": exc}}
            ) from None
        if self.day_start and self.day_end and self.meeting_minutes and self.slots_per_day < 1:
            raise ValidationError(
                {"meeting_minutes": _("No meeting fits between the start and end times.")}
            )

    @property
    def _english(self) -> bool:
        return (get_language() or "").startswith("en")

    @property
    def display_title(self) -> str:
        return self.title_en if self._english and self.title_en else self.title

    @property
    def display_description(self) -> str:
        if self._english and self.description_en:
            return self.description_en
        return self.description

    @property
    def is_published(self) -> bool:
        return self.status == EventStatus.PUBLISHED

    def registration_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.is_published and self.registration_opens <= now < self.registration_closes

    @property
    def days(self) -> list[date]:
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + timedelta(days=i) for i in range(max(count, 0))]

    @property
    def slots_per_day(self) -> int:
        minutes = (self.day_end.hour * 60 + self.day_end.minute) - (
            self.day_start.hour * 60 + self.day_start.minute
        )
        return max(minutes // self.meeting_minutes, 0) if self.meeting_minutes else 0

    def slots(self) -> list[Slot]:
        tz = timezone.get_current_timezone()
        breaks = parse_breaks(self.breaks)
        length = timedelta(minutes=self.meeting_minutes)
        result = []
        for day in self.days:
            start = timezone.make_aware(datetime.combine(day, self.day_start), tz)
            for _i in range(self.slots_per_day):
                end = start + length
                local_start, local_end = start.timetz(), end.timetz()
                is_break = any(
                    local_start.replace(tzinfo=None) < b_end
                    and b_start < local_end.replace(tzinfo=None)
                    for b_start, b_end in breaks
                )
                result.append(Slot(len(result), day, start, end, is_break))
                start = end
        return result

    def blocked_slots(self) -> frozenset[int]:
        return frozenset(slot.index for slot in self.slots() if slot.is_break)

    @property
    def table_labels(self) -> list[str]:
        names = [n.strip() for n in (self.table_names or "").splitlines() if n.strip()]
        return [
            names[i] if i < len(names) else str(_("Table %(number)s") % {"number": i + 1})
            for i in range(self.table_count)
        ]

    def table_label(self, index: int) -> str:
        labels = self.table_labels
        return labels[index] if 0 <= index < len(labels) else str(index + 1)


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins; the registering organization; approved participants of the same event see
        the other approved participants (the event's marketplace)."""
        if is_platform_admin(user):
            return self.all()
        org_id = user_organization_id(user)
        if org_id is None:
            return self.none()
        own_events = Registration.objects.filter(
            organization_id=org_id, status=RegistrationStatus.APPROVED
        ).values("event_id")
        return self.filter(
            Q(organization_id=org_id)
            | Q(event_id__in=own_events, status=RegistrationStatus.APPROVED)
        )

    def editable_by(self, user):
        org_id = user_organization_id(user)
        if org_id is None:
            return self.none()
        return self.filter(organization_id=org_id)

    def approved(self):
        return self.filter(status=RegistrationStatus.APPROVED)


class Registration(TimeStampedModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="event_registrations",
        verbose_name=_("organization"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("members attending")
    )
    needs = models.ManyToManyField(
        "listings.Need", blank=True, related_name="+", verbose_name=_("needs to discuss")
    )
    offerings = models.ManyToManyField(
        "listings.Offering", blank=True, related_name="+", verbose_name=_("offerings to present")
    )
    unavailable_slots = models.JSONField(_("slots we cannot attend"), default=list, blank=True)
    max_meetings = models.PositiveSmallIntegerField(
        _("maximum meetings"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.PENDING,
        db_index=True,
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("event registration")
        verbose_name_plural = _("event registrations")
        ordering = ["event", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "organization"],
                name="one_registration_per_event_and_org",
                violation_error_message=_("Your organization has already registered."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} @ {self.event}"

    @property
    def is_approved(self) -> bool:
        return self.status == RegistrationStatus.APPROVED


class MeetingRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins and the two organizations, no one else."""
        if is_platform_admin(user):
            return self.all()
        org_id = user_organization_id(user)
        if org_id is None:
            return self.none()
        return self.filter(
            Q(from_registration__organization_id=org_id)
            | Q(to_registration__organization_id=org_id)
        )

    def editable_by(self, user):
        org_id = user_organization_id(user)
        if org_id is None:
            return self.none()
        return self.filter(
            Q(from_registration__organization_id=org_id)
            | Q(to_registration__organization_id=org_id)
        )

    def involving(self, registration):
        return self.filter(Q(from_registration=registration) | Q(to_registration=registration))


class MeetingRequest(TimeStampedModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meeting_requests")
    from_registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="requests_sent"
    )
    to_registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="requests_received"
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=RequestState.choices,
        default=RequestState.REQUESTED,
        db_index=True,
    )
    need = models.ForeignKey(
        "listings.Need", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offering = models.ForeignKey(
        "listings.Offering", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score = models.FloatField(_("match score"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    connection = models.ForeignKey(
        "connections.Connection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MeetingRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting request")
        verbose_name_plural = _("meeting requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_registration", "to_registration"],
                condition=Q(state__in=ACTIVE_REQUEST_STATES),
                name="one_active_meeting_request_per_pair",
                violation_error_message=_("You have already asked this participant for a meeting."),
            ),
            models.CheckConstraint(
                condition=~Q(from_registration=models.F("to_registration")),
                name="meeting_request_between_two_participants",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_registration.organization} → {self.to_registration.organization}"

    def other_registration(self, registration) -> Registration:
        return (
            self.to_registration
            if registration.pk == self.from_registration_id
            else self.from_registration
        )


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(request__in=MeetingRequest.objects.visible_to(user))


class Meeting(TimeStampedModel):
    """Where the scheduler (or the organizer, by hand) placed an accepted request."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meetings")
    request = models.OneToOneField(MeetingRequest, on_delete=models.CASCADE, related_name="meeting")
    slot = models.PositiveIntegerField(_("slot"))
    table = models.PositiveIntegerField(_("table"))
    confirmed = models.BooleanField(
        _("confirmed"), default=False, help_text=_("A confirmed meeting never moves on a re-run.")
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["slot", "table"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "slot", "table"], name="one_meeting_per_table_and_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request} (slot {self.slot}, table {self.table})"


class MeetingOutcome(TimeStampedModel):
    """One side's record of how a meeting went."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="outcomes")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="outcomes"
    )
    attendance = models.CharField(_("the meeting"), max_length=10, choices=Attendance.choices)
    follow_up = models.BooleanField(_("we want to follow up"), default=False)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("meeting outcome")
        verbose_name_plural = _("meeting outcomes")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "registration"], name="one_outcome_per_meeting_side"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.get_attendance_display()}"
