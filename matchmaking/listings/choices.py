from django.db import models
from django.utils.translation import gettext_lazy as _


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    FULFILLED = "fulfilled", _("Fulfilled")
    EXPIRED = "expired", _("Expired")
    HIDDEN = "hidden", _("Hidden by the platform")


class NeedVisibility(models.TextChoices):
    PUBLIC = "public", _("Public, with our name")
    ANONYMOUS = "anonymous", _("Public, without our name")
    PRIVATE = "private", _("Only vendors we contact")


class DataAvailability(models.TextChoices):
    NONE = "none", _("No data yet")
    SOME = "some", _("Some data")
    LARGE = "large", _("Large amounts of data")


class OfferingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending review")
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden by the platform")
    ARCHIVED = "archived", _("Archived")


class HypeFlag(models.TextChoices):
    """Why a listing is flagged for moderation by the hype detector (listings/hype.py)."""

    SUPERLATIVES = "superlatives", _("Superlatives or unverifiable claims")
    BUZZWORDS = "buzzwords", _("Pile of buzzwords with few concrete facts")
    TAG_STUFFING = "tag_stuffing", _("Claims nearly every sector and application type")
    SECTOR_SPREAD = "sector_spread", _("Text names the clients of nearly every sector")
    KEYWORD_LIST = "keyword_list", _("Text is mostly a list of keywords")


class PriceUnit(models.TextChoices):
    PROJECT = "project", _("per project")
    YEAR = "year", _("per year")
    MONTH = "month", _("per month")
    USER_YEAR = "user_year", _("per user per year")
    MILLION_TOKENS = "million_tokens", _("per million tokens")
    GPU_HOUR = "gpu_hour", _("per GPU-hour")
    UNIT = "unit", _("per unit")
    OTHER = "other", _("other")


def price_unit_label(value: str) -> str:
    """The label of a price unit, as ``get_price_unit_display()`` gives it, without that
    method's rebuilding of the field's choices on every call (for lists of many rows: the
    browse rows, the exports)."""
    try:
        return str(PriceUnit(value).label)
    except ValueError:
        return value


class RevisionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
