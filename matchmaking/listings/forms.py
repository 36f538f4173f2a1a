"""Forms for needs and offerings. They collect and type the input; the services validate the
business rules (budget min ≤ max, deadline not in the past, …) and the views put any error the
services raise back on the field it concerns."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from matchmaking.core.images import MultipleImageUploadField
from matchmaking.listings.fields import NEED_EDITABLE_FIELDS, OFFERING_EDITABLE_FIELDS
from matchmaking.listings.models import Need, Offering
from matchmaking.listings.services.common import MAX_SCREENSHOTS
from matchmaking.taxonomy.models import ApplicationType, DeploymentMode, Layer, OfferingKind, Sector


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that never touches its instance: the service applies the cleaned data.

    Skipping ``_post_clean`` means a rejected edit leaves the saved object untouched in memory
    and in the database ("nothing already saved is lost")."""

    def _post_clean(self):
        pass

    def add_service_error(self, error: ValidationError) -> None:
        """Attach a service's ValidationError to the matching fields (others on top)."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)

    def _limit_terms(self) -> None:
        for name, model in (
            ("sectors", Sector),
            ("app_types", ApplicationType),
            ("deployment_modes", DeploymentMode),
            ("kind", OfferingKind),
            ("layer", Layer),
        ):
            if name in self.fields:
                self.fields[name].queryset = model.objects.active()


class ListField(forms.CharField):
    """A list of short strings typed as "a, b, c" (Chinese commas and 、 accepted)."""

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "，".join(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        return [part.strip() for part in re.split(r"[,，、;；\n]+", value or "") if part.strip()]


class NeedForm(ServiceModelForm):
    class Meta:
        model = Need
        fields = list(NEED_EDITABLE_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6, "data-suggest-source": "true"}),
            "sectors": forms.CheckboxSelectMultiple,
            "app_types": forms.CheckboxSelectMultiple,
            "deployment_modes": forms.CheckboxSelectMultiple,
            "data_availability": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "sectors": _("Optional — leave empty if you are not sure."),
            "app_types": _("Optional — leave empty if you are not sure."),
            "budget_min": _("In CNY. Either bound may be left empty."),
            # xgettext:no-python-format
            "success_metric": _("e.g. answer 80% of customer questions without an agent."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_terms()


class OfferingForm(ServiceModelForm):
    regions = ListField(
        label=_("Regions served"),
        required=False,
        help_text=_("Separated by commas, e.g. 北京, 天津; 全国 for nationwide."),
    )
    tags = ListField(label=_("Keywords"), required=False, help_text=_("Separated by commas."))
    domestic_platforms = ListField(
        label=_("Domestic hardware/OS compatibility"),
        required=False,
        help_text=_("e.g. Ascend, Hygon, Kunlun, Kylin, UOS."),
    )
    demo_url = forms.URLField(label=_("Demo link"), required=False, assume_scheme="https")
    screenshots = MultipleImageUploadField(
        label=_("Add screenshots"), max_files=MAX_SCREENSHOTS, name_prefix="screenshot"
    )

    class Meta:
        model = Offering
        fields = list(OFFERING_EDITABLE_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "sectors": forms.CheckboxSelectMultiple,
            "app_types": forms.CheckboxSelectMultiple,
            "deployment_modes": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "layer": _("For products: foundation, industry or application layer."),
            "price_min": _("In CNY. Either bound may be left empty."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_terms()


class ScreenshotUploadForm(forms.Form):
    screenshots = MultipleImageUploadField(
        label=_("Screenshots"), max_files=MAX_SCREENSHOTS, name_prefix="screenshot", required=True
    )
    caption = forms.CharField(label=_("Caption"), max_length=120, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the owner)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class RenewForm(forms.Form):
    deadline = forms.DateField(
        label=_("New deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to extend by the default period."),
    )


class CloseForm(forms.Form):
    fulfilled = forms.BooleanField(label=_("The need was fulfilled"), required=False)
