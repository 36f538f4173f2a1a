from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RequestState(models.TextChoices):
    # "Requested" alone is a column of dates ("申请时间"); as a state it awaits an answer.
    REQUESTED = "requested", pgettext_lazy("meeting request state", "Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


# A pair of participants has at most one request in these states (whichever way it goes).
ACTIVE_REQUEST_STATES = (RequestState.REQUESTED, RequestState.ACCEPTED)


class Attendance(models.TextChoices):
    HELD = "held", _("Held")
    NO_SHOW = "no_show", _("No-show")
