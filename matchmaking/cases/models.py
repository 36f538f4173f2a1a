"""The case library: application cases that vendors submit and admins curate and score."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from matchmaking.cases.choices import SCORE_DIMENSIONS, SCORE_MAX, SCORE_MIN, CaseStatus
from matchmaking.core.images import ProcessedImageField, ThumbnailImageField
from matchmaking.core.models import TimeStampedModel
from matchmaking.core.permissions import is_platform_admin, user_organization_id

SCORE_FIELDS = tuple(f"score_{name}" for name, _label in SCORE_DIMENSIONS)
# Statuses in which the vendor's members may still change their case.
VENDOR_EDITABLE_STATUSES = (CaseStatus.DRAFT, CaseStatus.RETURNED)


class CaseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=CaseStatus.PUBLISHED)

    def visible_to(self, user):
        """Published cases to everyone; a vendor's own cases in any status to its members;
        everything to platform admins."""
        if is_platform_admin(user):
            return self.all()
        org_id = user_organization_id(user)
        if org_id is None:
            return self.published()
        return self.filter(Q(status=CaseStatus.PUBLISHED) | Q(vendor_id=org_id))

    def editable_by(self, user):
        """Admins may change any case; the vendor's members only while it is a draft or
        has been returned to them (not while under review, not once published)."""
        if is_platform_admin(user):
            return self.all()
        org_id = user_organization_id(user)
        if org_id is None:
            return self.none()
        return self.filter(vendor_id=org_id, status__in=VENDOR_EDITABLE_STATUSES)

    def featured_first(self):
        """Featured cases (in their curated order), then the best scored, then the newest."""
        return self.order_by(
            "-is_featured",
            "featured_order",
            models.F("overall_score").desc(nulls_last=True),
            models.F("published_at").desc(nulls_last=True),
            "-pk",
        )

    def with_related(self):
        return self.select_related("vendor", "offering", "sector", "app_type", "layer")


def _score_field(label):
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)],
    )


class Case(TimeStampedModel):
    """A typical application case (典型案例): who used what, for which problem, with what result."""

    vendor = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="cases",
        verbose_name=_("vendor"),
        limit_choices_to={"kind": "vendor"},
    )
    offering = models.ForeignKey(
        "listings.Offering",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("offering used"),
        help_text=_("Optional: one of the vendor's own offerings."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ref = models.CharField(_("import reference"), max_length=80, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=120)
    client = models.CharField(
        _("client"),
        max_length=120,
        help_text=_("The client's name, or an anonymised label such as 某股份制银行."),
    )
    sector = models.ForeignKey(
        "taxonomy.Sector", on_delete=models.PROTECT, related_name="cases", verbose_name=_("sector")
    )
    app_type = models.ForeignKey(
        "taxonomy.ApplicationType",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("application type"),
    )
    layer = models.ForeignKey(
        "taxonomy.Layer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("layer"),
    )
    challenge = models.TextField(_("challenge"), help_text=_("The client's problem before."))
    solution = models.TextField(
        _("solution"), help_text=_("What was built and how it was deployed.")
    )
    outcome = models.TextField(_("outcome"), help_text=_("What changed for the client."))
    cover_image = ProcessedImageField(
        _("cover image"),
        upload_to="cases/",
        blank=True,
        thumbnail_field="cover_thumbnail",
        name_prefix="case",
    )
    cover_thumbnail = ThumbnailImageField(_("cover thumbnail"), upload_to="cases/", blank=True)
    source_url = models.URLField(_("source or reference link"), blank=True)
    from_white_paper = models.BooleanField(
        _("from the white paper"),
        default=False,
        help_text=_("A typical case described in the 2023 Beijing white paper."),
    )
    # Curation: set only by platform admins, through the services.
    score_innovation = _score_field(_("innovation (创新性)"))
    score_demonstration = _score_field(_("demonstration value (示范性)"))
    score_benefit = _score_field(_("economic and social benefit (经济与社会效益性)"))
    score_replicability = _score_field(_("replicability (可推广性)"))
    overall_score = models.DecimalField(
        _("overall score"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        db_index=True,
        help_text=_("The mean of the four scores, kept for filtering and sorting."),
    )
    curator_comment = models.TextField(_("curator's comment"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CaseStatus.choices,
        default=CaseStatus.DRAFT,
        db_index=True,
    )
    return_reason = models.TextField(_("reason for returning"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    is_featured = models.BooleanField(_("featured"), default=False)
    featured_order = models.PositiveSmallIntegerField(
        _("featured order"), default=0, help_text=_("Lower numbers come first.")
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-is_featured", "featured_order", "-published_at", "-pk"]
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True})
                    | Q(**{f"{field}__gte": SCORE_MIN, f"{field}__lte": SCORE_MAX}),
                    name=f"case_{field}_1_to_5",
                    violation_error_message=_("Scores run from 1 to 5."),
                )
                for field in SCORE_FIELDS
            ),
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.PUBLISHED) | Q(overall_score__isnull=False),
                name="case_published_is_scored",
                violation_error_message=_("A case must be scored before it is published."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "sector", "app_type"], name="case_status_sector_app"),
            models.Index(
                fields=["status", "-is_featured", "featured_order"], name="case_status_featured"
            ),
            models.Index(fields=["vendor", "status"], name="case_vendor_status"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:case-detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.vendor_id and getattr(self.vendor, "kind", "vendor") != "vendor":
            raise ValidationError({"vendor": _("Cases belong to vendor organizations.")})
        if self.offering_id and self.vendor_id and self.offering.organization_id != self.vendor_id:
            raise ValidationError(
                {"offering": _("The offering must be one of this vendor's own offerings.")}
            )

    @property
    def is_published(self) -> bool:
        return self.status == CaseStatus.PUBLISHED

    @property
    def is_scored(self) -> bool:
        return all(getattr(self, field) is not None for field in SCORE_FIELDS)

    @property
    def scores(self) -> list[tuple[str, str, int | None]]:
        """(code, label, score) for the four dimensions, in the white paper's order."""
        return [(name, label, getattr(self, f"score_{name}")) for name, label in SCORE_DIMENSIONS]


class CaseMetric(models.Model):
    """A measured result, e.g. 文档处理时间 −40% — shown as a large figure."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(_("metric"), max_length=80)
    value = models.CharField(
        _("value"),
        max_length=40,
        # xgettext:no-python-format
        help_text=_("e.g. -40% or 8周缩短至5周"),
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.value}{self.unit}"


class CaseImage(TimeStampedModel):
    """A gallery image (at most six per case), stored through core.images."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="images")
    image = ProcessedImageField(
        _("image"), upload_to="cases/", thumbnail_field="thumbnail", name_prefix="case"
    )
    thumbnail = ThumbnailImageField(_("thumbnail"), upload_to="cases/")
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("gallery image")
        verbose_name_plural = _("gallery images")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name
