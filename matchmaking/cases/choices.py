from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    RETURNED = "returned", _("Returned to the vendor")


# The white paper's four dimensions for judging a typical case, in its order.
SCORE_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("innovation", _("Innovation (创新性)")),
    ("demonstration", _("Demonstration value (示范性)")),
    ("benefit", _("Economic and social benefit (经济与社会效益性)")),
    ("replicability", _("Replicability (可推广性)")),
)
SCORE_MIN = 1
SCORE_MAX = 5
MAX_GALLERY_IMAGES = 6
MAX_METRICS = 8
