from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    REQUEST_RECEIVED = "request_received", _("A request was received")
    PROPOSAL_RECEIVED = "proposal_received", _("A proposal was received")
    CONNECTION_ANSWERED = "connection_answered", _("A request or proposal was answered")
    CONNECTION_EXPIRING = "connection_expiring", _("A request or proposal expires soon")
    MESSAGE_RECEIVED = "message_received", _("A new message")
    NEW_SUGGESTION = "new_suggestion", _("A new strong match for my need or offering")
    CASE_PUBLISHED = "case_published", _("A case was published")
    SAVED_SEARCH_MATCH = "saved_search_match", _("New listings for a saved search")
    NEED_SHARED = (
        "need_shared",
        _("A buyer with no strong match shared a need close to my offering"),
    )
    JOIN_REQUESTED = "join_requested", _("Someone asks to join my organization")
    JOIN_ANSWERED = "join_answered", _("My request to join an organization was answered")
    VERIFICATION_DECIDED = "verification_decided", _("Our verification request was decided")
    EVENT_UPDATE = "event_update", _("News about a matchmaking event I take part in")
    REVISION_DECIDED = "revision_decided", _("Changes to my listing were approved or declined")


class Frequency(models.TextChoices):
    INSTANT = "instant", _("Instantly")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    OFF = "off", _("Off")


class SavedSearchTarget(models.TextChoices):
    OFFERINGS = "offerings", _("Offerings")
    NEEDS = "needs", _("Needs")


# What a user gets before choosing: connection events at once, the rest in the daily digest.
DEFAULT_FREQUENCY = {
    NotificationKind.REQUEST_RECEIVED: Frequency.INSTANT,
    NotificationKind.PROPOSAL_RECEIVED: Frequency.INSTANT,
    NotificationKind.CONNECTION_ANSWERED: Frequency.INSTANT,
    NotificationKind.CONNECTION_EXPIRING: Frequency.INSTANT,
    NotificationKind.MESSAGE_RECEIVED: Frequency.INSTANT,
    NotificationKind.NEW_SUGGESTION: Frequency.DAILY,
    NotificationKind.CASE_PUBLISHED: Frequency.DAILY,
    NotificationKind.SAVED_SEARCH_MATCH: Frequency.DAILY,
    NotificationKind.NEED_SHARED: Frequency.DAILY,
    NotificationKind.JOIN_REQUESTED: Frequency.INSTANT,
    NotificationKind.JOIN_ANSWERED: Frequency.INSTANT,
    NotificationKind.VERIFICATION_DECIDED: Frequency.INSTANT,
    NotificationKind.EVENT_UPDATE: Frequency.INSTANT,
    NotificationKind.REVISION_DECIDED: Frequency.INSTANT,
}

DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)
