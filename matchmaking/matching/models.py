"""Stored suggestions, the feedback on them, the admin-editable lexicon and cached embeddings.

Suggestions are computed by the engine (``matching/engine``) in background tasks and stored
here, so pages only read them. A pair (need, offering) has one score whatever the direction,
but each side keeps its own top-K list: ``direction="need"`` rows are the offerings suggested
for a need (read on the need's page), ``direction="offering"`` rows the needs suggested for an
offering (商机, read by its vendor).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from matchmaking.core.models import TimeStampedModel


class Direction(models.TextChoices):
    FOR_NEED = "need", _("Offerings for a need")
    FOR_OFFERING = "offering", _("Needs for an offering")


class SuggestionQuerySet(models.QuerySet):
    def for_need(self, need):
        return self.filter(need=need, direction=Direction.FOR_NEED)

    def for_offering(self, offering):
        return self.filter(offering=offering, direction=Direction.FOR_OFFERING)


class Suggestion(models.Model):
    """One entry of a need's (or an offering's) ranked list, with its checklist of reasons."""

    # No index of their own: the two list indexes and the unique pair begin with them (three
    # indexes to update per stored row instead of five; the rebuild stores 1.1M at 100k).
    need = models.ForeignKey(
        "listings.Need",
        on_delete=models.CASCADE,
        related_name="suggestions",
        verbose_name=_("need"),
        db_index=False,
    )
    offering = models.ForeignKey(
        "listings.Offering",
        on_delete=models.CASCADE,
        related_name="suggestions",
        verbose_name=_("offering"),
        db_index=False,
    )
    direction = models.CharField(_("list"), max_length=10, choices=Direction.choices)
    score = models.FloatField(_("score"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    components = models.JSONField(_("score components"), default=dict)
    # [{"code": …, "met": bool, "params": {…}}] — rendered in the reader's language.
    reasons = models.JSONField(_("reasons"), default=list)
    created_at = models.DateTimeField(_("first suggested"), auto_now_add=True)
    refreshed_at = models.DateTimeField(_("refreshed"), auto_now=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-score", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "offering", "direction"], name="suggestion_unique_pair_direction"
            )
        ]
        indexes = [
            models.Index(fields=["need", "direction", "-score"], name="suggestion_need_list"),
            models.Index(
                fields=["offering", "direction", "-score"], name="suggestion_offering_list"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need_id} ↔ {self.offering_id} ({self.direction}, {self.score:.1f})"

    @property
    def met_reasons(self) -> list[dict]:
        return [r for r in self.reasons if r.get("met")]

    @property
    def missing_reasons(self) -> list[dict]:
        return [r for r in self.reasons if not r.get("met")]


class SuggestionFeedback(models.Model):
    """ "Not relevant": the pair never shows again on that side's list (recorded for tuning)."""

    need = models.ForeignKey("listings.Need", on_delete=models.CASCADE, related_name="+")
    offering = models.ForeignKey("listings.Offering", on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(_("list"), max_length=10, choices=Direction.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score = models.FloatField(_("score when dismissed"), null=True, blank=True)
    # The engine's score components of the pair when dismissed (training data for the ranker).
    components = models.JSONField(_("score components"), default=dict, blank=True)
    created_at = models.DateTimeField(_("dismissed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dismissed suggestion")
        verbose_name_plural = _("dismissed suggestions")
        constraints = [
            models.UniqueConstraint(
                fields=["need", "offering", "direction"], name="feedback_unique_pair_direction"
            )
        ]

    def __str__(self) -> str:
        return f"{self.need_id} ✕ {self.offering_id} ({self.direction})"


_TERM_SPLIT = re.compile(r"[,，、;；\n]+")


def split_terms(text: str) -> list[str]:
    terms: list[str] = []
    for part in _TERM_SPLIT.split(text or ""):
        part = part.strip()
        if part and part not in terms:
            terms.append(part)
    return terms


class SynonymGroup(TimeStampedModel):
    """Words that mean the same thing to the matcher (the first is the canonical one)."""

    terms = models.TextField(
        _("terms"),
        help_text=_("Separated by commas or new lines, e.g. 智能客服, 客服机器人, 在线客服."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")
        ordering = ["pk"]

    def __str__(self) -> str:
        return " / ".join(self.term_list[:4])

    @property
    def term_list(self) -> list[str]:
        return split_terms(self.terms)


class SuggestedSynonymStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class SuggestedSynonym(TimeStampedModel):
    """Two words the platform's own listings and cases use alike, mined by ``mine_synonyms``.

    Nothing here affects ranking until an admin approves it: approval adds the pair to a
    ``SynonymGroup`` (the admin-editable table the engine reads), which rebuilds the index.
    """

    term = models.CharField(_("term"), max_length=40)
    synonym = models.CharField(_("suggested synonym"), max_length=40)
    score = models.FloatField(_("similarity"), default=0.0)
    support = models.PositiveIntegerField(_("listings using both contexts"), default=0)
    examples = models.TextField(_("shared context words"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SuggestedSynonymStatus.choices,
        default=SuggestedSynonymStatus.PENDING,
        db_index=True,
    )
    group = models.ForeignKey(
        SynonymGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("synonym group"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggested synonym")
        verbose_name_plural = _("suggested synonyms")
        ordering = ["status", "-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["term", "synonym"], name="suggested_synonym_unique"),
            models.CheckConstraint(
                condition=~models.Q(term=models.F("synonym")), name="suggested_synonym_distinct"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} ↔ {self.synonym}"


class LexiconKind(models.TextChoices):
    SECTOR = "sector", _("Sector")
    APP_TYPE = "app_type", _("Application type")


class LexiconTerm(TimeStampedModel):
    """Everyday words that are evidence for a sector or application type."""

    kind = models.CharField(_("kind"), max_length=10, choices=LexiconKind.choices)
    code = models.CharField(
        _("code"), max_length=40, help_text=_("The sector or application type code, e.g. finance.")
    )
    words = models.TextField(_("words"), help_text=_("Separated by commas or new lines."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category vocabulary")
        verbose_name_plural = _("category vocabularies")
        ordering = ["kind", "code", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"

    @property
    def word_list(self) -> list[str]:
        return split_terms(self.words)


class ListingEmbedding(models.Model):
    """A cached embedding vector of one listing's text (optional semantic layer)."""

    kind = models.CharField(max_length=10)  # "need" | "offering"
    object_id = models.PositiveBigIntegerField()
    model = models.CharField(max_length=120)
    text_hash = models.CharField(max_length=64)
    vector = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("listing embedding")
        verbose_name_plural = _("listing embeddings")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "model"], name="embedding_unique_listing_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}-{self.object_id} ({self.model})"
