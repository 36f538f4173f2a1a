"""The white paper's taxonomy: sectors, application types, layers, offering kinds and
deployment modes. Codes are stable identifiers used in URLs, import files and the API;
names and descriptions are bilingual and shown in the active language."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def localized_name(name_zh: str, name_en: str) -> str:
    """A term's name in the active language (Chinese unless English is active) — for code
    that reads the two columns without loading the terms (the browse rows)."""
    return name_en if (get_language() or "").startswith("en") else name_zh


class TaxonomyTermQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class TaxonomyTerm(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80)
    description_zh = models.TextField(_("Chinese description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = TaxonomyTermQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (Chinese unless English is active)."""
        return localized_name(self.name_zh, self.name_en)

    @property
    def description(self) -> str:
        if (get_language() or "").startswith("en"):
            return self.description_en or self.description_zh
        return self.description_zh or self.description_en


class Sector(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class ApplicationType(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("application type")
        verbose_name_plural = _("application types")


class Layer(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("layer")
        verbose_name_plural = _("layers")


class OfferingKind(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("offering kind")
        verbose_name_plural = _("offering kinds")


class DeploymentMode(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("deployment mode")
        verbose_name_plural = _("deployment modes")


TAXONOMY_MODELS: dict[str, type[TaxonomyTerm]] = {
    "sectors": Sector,
    "app_types": ApplicationType,
    "layers": Layer,
    "offering_kinds": OfferingKind,
    "deployment_modes": DeploymentMode,
}
