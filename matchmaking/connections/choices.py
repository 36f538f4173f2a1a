from django.db import models
from django.utils.translation import gettext_lazy as _


class ConnectionKind(models.TextChoices):
    REQUEST = "request", _("Request (enterprise → offering)")
    PROPOSAL = "proposal", _("Proposal (vendor → need)")


class ConnectionState(models.TextChoices):
    PENDING = "pending", _("Awaiting an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    IN_TALKS = "in_talks", _("In talks")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


S = ConnectionState
# At most one open connection per (listing, counterpart organization).
OPEN_STATES = (S.PENDING, S.ACCEPTED, S.IN_TALKS)
# Once accepted, both sides see each other's contacts and may exchange messages.
DISCLOSED_STATES = (S.ACCEPTED, S.IN_TALKS, S.WON, S.LOST)
# Who may move a connection from one state to another: "receiver", "initiator", "either".
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PENDING, S.ACCEPTED): "receiver",
    (S.PENDING, S.DECLINED): "receiver",
    (S.PENDING, S.WITHDRAWN): "initiator",
    (S.ACCEPTED, S.IN_TALKS): "either",
    (S.ACCEPTED, S.WON): "either",
    (S.ACCEPTED, S.LOST): "either",
    (S.IN_TALKS, S.WON): "either",
    (S.IN_TALKS, S.LOST): "either",
}
FUNNEL_MARKS = (S.IN_TALKS, S.WON, S.LOST)
