"""Needs (posted by enterprises) and offerings (listed by vendors)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from matchmaking.core.images import ProcessedImageField, ThumbnailImageField
from matchmaking.core.models import TimeStampedModel, keep_counters
from matchmaking.core.permissions import is_platform_admin
from matchmaking.listings import scoping
from matchmaking.listings.choices import (
    DataAvailability,
    HypeFlag,
    NeedStatus,
    NeedVisibility,
    OfferingStatus,
    PriceUnit,
    RevisionStatus,
)


class NeedQuerySet(models.QuerySet):
    """Which needs a user may see and change (who may see is decided by
    ``scoping.need_visibility``)."""

    def open(self):
        return self.filter(status=NeedStatus.OPEN)

    def public(self):
        return self.filter(status=NeedStatus.OPEN, visibility__in=scoping.SHARED_VISIBILITIES)

    def visible_to(self, user):
        return self.filter(scoping.need_visibility(user).q())

    def editable_by(self, user):
        """Only members of the posting organization change a need (``scoping.editing``)."""
        rule = scoping.editing(user)
        return self.filter(rule.q()) if rule.clauses else self.none()

    def moderatable_by(self, user):
        return self.all() if is_platform_admin(user) else self.none()

    def awaiting_review(self):
        """Open needs no admin has looked at yet (needs are published first, reviewed after)."""
        return self.filter(status=NeedStatus.OPEN, reviewed_at__isnull=True)


class OfferingQuerySet(models.QuerySet):
    """Which offerings a user may see (``scoping.offering_visibility``) and change: only the
    vendor's members edit; platform admins moderate."""

    def published(self):
        return self.filter(status=OfferingStatus.PUBLISHED)

    def visible_to(self, user):
        return self.filter(scoping.offering_visibility(user).q())

    def editable_by(self, user):
        rule = scoping.editing(user)  # the vendor's members only
        return self.filter(rule.q()) if rule.clauses else self.none()

    def moderatable_by(self, user):
        return self.all() if is_platform_admin(user) else self.none()

    def awaiting_review(self):
        return self.filter(status=OfferingStatus.PENDING)


class Need(TimeStampedModel):
    """An enterprise's structured demand card (需求)."""

    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="needs",
        verbose_name=_("organization"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ref = models.CharField(_("import reference"), max_length=80, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(
        _("business problem"), help_text=_("Describe the problem in your own business words.")
    )
    sectors = models.ManyToManyField(
        "taxonomy.Sector", blank=True, related_name="needs", verbose_name=_("sectors")
    )
    app_types = models.ManyToManyField(
        "taxonomy.ApplicationType",
        blank=True,
        related_name="needs",
        verbose_name=_("application types"),
    )
    data_availability = models.CharField(
        _("data we have"),
        max_length=10,
        choices=DataAvailability.choices,
        default=DataAvailability.NONE,
    )
    data_labelled = models.BooleanField(_("the data is labelled"), default=False)
    data_note = models.CharField(_("about the data"), max_length=300, blank=True)
    success_metric = models.CharField(_("success metric"), max_length=200, blank=True)
    budget_min = models.PositiveBigIntegerField(_("budget from (CNY)"), null=True, blank=True)
    budget_max = models.PositiveBigIntegerField(_("budget up to (CNY)"), null=True, blank=True)
    deployment_modes = models.ManyToManyField(
        "taxonomy.DeploymentMode",
        blank=True,
        related_name="needs",
        verbose_name=_("accepted deployment modes"),
        help_text=_("Leave empty if any deployment mode is acceptable."),
    )
    requires_domestic_hw = models.BooleanField(_("must run on domestic hardware/OS"), default=False)
    requires_on_premises = models.BooleanField(_("data must stay on premises"), default=False)
    requires_filing = models.BooleanField(
        _("vendor must hold a generative AI filing"), default=False
    )
    compliance_note = models.CharField(_("other compliance needs"), max_length=300, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=NeedVisibility.choices,
        default=NeedVisibility.PUBLIC,
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NeedStatus.choices,
        default=NeedStatus.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The day after which an open need expires: its deadline, or NEED_DEFAULT_LIFETIME_DAYS
    # after publication/renewal when it has none. Set by the services.
    expires_on = models.DateField(_("expires on"), null=True, blank=True, editable=False)
    expiry_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    moderation_reason = models.TextField(_("moderation reason"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    # The text fields as a moderator last saw them: minor edits are measured against these
    # (revisions.py), so a chain of small edits cannot rewrite a listing unseen.
    reviewed_text = models.JSONField(default=dict, blank=True, editable=False)
    # Denormalised text for keyword search (title, description, data note, metric), kept by services.
    search_text = models.TextField(blank=True, editable=False)
    # Moves whenever this need's list of suggested offerings is written: the matching
    # services bump it (``F() + 1``, an ``update()``: no signal, no change record) in the
    # same transaction as every write of the list, and the need's page keys its cached
    # suggestions panel on it (matching/selectors.py). Read with the need on every view.
    suggestions_revision = models.PositiveIntegerField(default=0, editable=False)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_min__isnull=True)
                | Q(budget_max__isnull=True)
                | Q(budget_min__lte=F("budget_max")),
                name="need_budget_min_not_above_max",
                violation_error_message=_("The minimum budget cannot be higher than the maximum."),
            )
        ]
        indexes = [
            models.Index(
                fields=["status", "visibility", "-published_at"], name="need_status_vis_pub"
            ),
            models.Index(fields=["organization", "status"], name="need_org_status"),
            models.Index(fields=["status", "deadline"], name="need_status_deadline"),
            models.Index(fields=["status", "expires_on"], name="need_status_expires"),
            # the browse index's change check: MAX(updated_at) from the index alone
            models.Index(fields=["updated_at"], name="need_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, **kwargs):
        # ``suggestions_revision`` only ever moves by ``UPDATE … + 1`` (matching.services): a
        # save of a need read before such an update must not write back the older value it
        # read (the need's page would then find its cached list under that value again).
        super().save(**keep_counters(self, kwargs, ("suggestions_revision",)))

    def get_absolute_url(self) -> str:
        return reverse("listings:need-detail", args=[self.pk])

    @property
    def is_anonymous(self) -> bool:
        return self.visibility == NeedVisibility.ANONYMOUS

    @property
    def is_open(self) -> bool:
        return self.status == NeedStatus.OPEN


class Offering(TimeStampedModel):
    """A vendor's listing (供给): a product, compute, data or a service."""

    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="offerings",
        verbose_name=_("vendor"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ref = models.CharField(_("import reference"), max_length=80, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("one-line summary"), max_length=200)
    description = models.TextField(_("description"))
    kind = models.ForeignKey(
        "taxonomy.OfferingKind",
        on_delete=models.PROTECT,
        related_name="offerings",
        verbose_name=_("kind"),
    )
    layer = models.ForeignKey(
        "taxonomy.Layer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offerings",
        verbose_name=_("layer"),
    )
    sectors = models.ManyToManyField(
        "taxonomy.Sector",
        blank=True,
        related_name="offerings",
        verbose_name=_("sectors"),
        help_text=_("Leave empty if the offering serves every sector."),
    )
    app_types = models.ManyToManyField(
        "taxonomy.ApplicationType",
        blank=True,
        related_name="offerings",
        verbose_name=_("application types"),
    )
    deployment_modes = models.ManyToManyField(
        "taxonomy.DeploymentMode",
        blank=True,
        related_name="offerings",
        verbose_name=_("deployment modes"),
    )
    price_min = models.PositiveBigIntegerField(_("price from (CNY)"), null=True, blank=True)
    price_max = models.PositiveBigIntegerField(_("price up to (CNY)"), null=True, blank=True)
    price_unit = models.CharField(
        _("price unit"), max_length=20, choices=PriceUnit.choices, default=PriceUnit.PROJECT
    )
    regions = models.JSONField(_("regions served"), default=list, blank=True)
    tags = models.JSONField(_("keywords"), default=list, blank=True)
    domestic_platforms = models.JSONField(
        _("domestic hardware/OS compatibility"),
        default=list,
        blank=True,
        help_text=_("e.g. Ascend, Hygon, Kunlun, Kylin, UOS."),
    )
    on_premises_data = models.BooleanField(
        _("data stays on the customer's premises"), default=False
    )
    demo_url = models.URLField(_("demo link"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OfferingStatus.choices,
        default=OfferingStatus.DRAFT,
        db_index=True,
    )
    moderation_reason = models.TextField(_("moderation reason"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    reviewed_text = models.JSONField(default=dict, blank=True, editable=False)
    # When the offering's current text first went live, and that text (listings/text_dating.py):
    # a rewrite into other words is new text, dated anew; edits of the same text keep the date.
    text_since = models.DateTimeField(_("text live since"), null=True, blank=True, editable=False)
    dated_text = models.JSONField(default=dict, blank=True, editable=False)
    near_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("near-duplicate of"),
    )
    # Kept by services and the importer from listings/hype.py: codes of HypeFlag.
    hype_flags = models.JSONField(_("hype flags"), default=list, blank=True, editable=False)
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)
    # Denormalised fields kept by services: text for keyword search, "|北京|全国|" for region filters.
    search_text = models.TextField(blank=True, editable=False)
    regions_index = models.CharField(max_length=500, blank=True, editable=False)

    objects = OfferingQuerySet.as_manager()

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_min__isnull=True)
                | Q(price_max__isnull=True)
                | Q(price_min__lte=F("price_max")),
                name="offering_price_min_not_above_max",
                violation_error_message=_("The minimum price cannot be higher than the maximum."),
            )
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="offering_status_pub"),
            # The browse index's change check (MAX(updated_at)) reads one index entry.
            models.Index(fields=["updated_at"], name="offering_updated"),
            models.Index(fields=["organization", "status"], name="offering_org_status"),
            models.Index(fields=["status", "price_min"], name="offering_status_price"),
            # Covering indexes for the kind/layer/vendor facet counts (GROUP BY without
            # reading the wide rows): 300 ms → 25 ms at 100k offerings on SQLite.
            models.Index(fields=["status", "kind"], name="offering_status_kind"),
            models.Index(fields=["status", "layer"], name="offering_status_layer"),
            models.Index(fields=["status", "organization"], name="offering_status_org"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("listings:offering-detail", args=[self.pk])

    @property
    def hype_flag_labels(self) -> list[str]:
        """Readable reasons of the hype detector's flags."""
        known = dict(HypeFlag.choices)
        return [str(known[code]) for code in self.hype_flags if code in known]

    @property
    def is_published(self) -> bool:
        return self.status == OfferingStatus.PUBLISHED


class OfferingScreenshot(TimeStampedModel):
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="screenshots")
    image = ProcessedImageField(
        _("image"), upload_to="screenshots/", thumbnail_field="thumbnail", name_prefix="screenshot"
    )
    thumbnail = ThumbnailImageField(_("thumbnail"), upload_to="screenshots/")
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("screenshot")
        verbose_name_plural = _("screenshots")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class RevisionQuerySet(models.QuerySet):
    """Who may see and act on proposed changes — decided here only.

    Members of the listing's organization see its revisions and withdraw a pending one;
    platform admins see all and approve or decline; nobody else sees any (the public sees
    the live listing only).
    """

    def pending(self):
        return self.filter(status=RevisionStatus.PENDING)

    def visible_to(self, user):
        if is_platform_admin(user):
            return self.all()
        return self.editable_by(user)

    def editable_by(self, user):
        rule = scoping.editing(user)  # the listing's organization's members only
        return self.filter(rule.q()) if rule.clauses else self.none()

    def moderatable_by(self, user):
        return self.all() if is_platform_admin(user) else self.none()


class ListingRevision(TimeStampedModel):
    """Proposed changes to a live offering or need, waiting for a moderator.

    ``changes`` holds only the fields that differ from the live listing, in stored form
    (taxonomy terms as primary keys, dates as ISO strings); ``previous`` keeps the live values
    they replaced once a decision is taken. At most one pending revision per listing.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="listing_revisions"
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RevisionStatus.choices,
        default=RevisionStatus.PENDING,
        db_index=True,
    )
    changes = models.JSONField(default=dict, blank=True)
    previous = models.JSONField(default=dict, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(offering__isnull=True, need__isnull=False)
                | Q(offering__isnull=False, need__isnull=True),
                name="revision_of_one_listing",
            ),
            models.UniqueConstraint(
                fields=["offering"],
                condition=Q(status="pending", offering__isnull=False),
                name="revision_one_pending_per_offering",
            ),
            models.UniqueConstraint(
                fields=["need"],
                condition=Q(status="pending", need__isnull=False),
                name="revision_one_pending_per_need",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("listings:revision-detail", args=[self.pk])

    @property
    def listing(self):
        return self.offering if self.offering_id else self.need

    @property
    def is_pending(self) -> bool:
        return self.status == RevisionStatus.PENDING


class RevisionScreenshot(TimeStampedModel):
    """A screenshot proposed with a revision; it joins the offering when the revision is
    approved (the files move, they are not copied)."""

    revision = models.ForeignKey(
        ListingRevision, on_delete=models.CASCADE, related_name="screenshots"
    )
    image = models.ImageField(_("image"), upload_to="screenshots/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="screenshots/")
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name
