"""Forms of the case library. Images go through core.images' fields only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from matchmaking.cases.choices import (
    MAX_GALLERY_IMAGES,
    MAX_METRICS,
    SCORE_DIMENSIONS,
    SCORE_MAX,
    SCORE_MIN,
)
from matchmaking.cases.models import Case
from matchmaking.core.images import ImageUploadField, MultipleImageUploadField
from matchmaking.listings.models import Offering
from matchmaking.taxonomy.models import ApplicationType, Layer, Sector

CONTENT_FIELDS = [
    "title",
    "client",
    "offering",
    "sector",
    "app_type",
    "layer",
    "challenge",
    "solution",
    "outcome",
    "source_url",
]


class CaseForm(forms.ModelForm):
    """A vendor's case: the story, the taxonomy, a cover image and a small gallery."""

    source_url = forms.URLField(
        label=_("Source or reference link"), required=False, assume_scheme="https"
    )
    cover = ImageUploadField(label=_("Cover image"), required=False, name_prefix="case")
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)
    gallery = MultipleImageUploadField(
        label=_("Add gallery images"), max_files=MAX_GALLERY_IMAGES, name_prefix="case"
    )

    class Meta:
        model = Case
        fields = CONTENT_FIELDS
        widgets = {
            "challenge": forms.Textarea(attrs={"rows": 4}),
            "solution": forms.Textarea(attrs={"rows": 5}),
            "outcome": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.vendor = vendor
        self.fields["offering"].queryset = Offering.objects.filter(organization=vendor).order_by(
            "title"
        )
        self.fields["offering"].empty_label = _("(none)")
        self.fields["sector"].queryset = Sector.objects.active()
        self.fields["app_type"].queryset = ApplicationType.objects.active()
        self.fields["layer"].queryset = Layer.objects.active()
        if not self.instance.pk or not self.instance.cover_image:
            del self.fields["remove_cover"]
        if self.instance.pk:
            room = MAX_GALLERY_IMAGES - self.instance.images.count()
            self.fields["gallery"].max_files = max(room, 0)
            self.fields["gallery"].help_text = _(
                "Up to %(count)s more images (JPEG, PNG or WebP)."
            ) % {"count": max(room, 0)}

    def content(self) -> dict:
        return {name: self.cleaned_data[name] for name in CONTENT_FIELDS}


class MetricForm(forms.Form):
    name = forms.CharField(label=_("Metric"), max_length=80, required=False)
    value = forms.CharField(label=_("Value"), max_length=40, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("name")) != bool(data.get("value")):
            raise forms.ValidationError(
                _("Give both the metric's name and its value (e.g. 文档处理时间, -40%)."),
                code="metric",
            )
        return data


MetricFormSet = forms.formset_factory(
    MetricForm, extra=3, max_num=MAX_METRICS, validate_max=True, absolute_max=MAX_METRICS
)


def metric_initial(case: Case | None) -> list[dict]:
    if case is None or not case.pk:
        return []
    return [{"name": m.name, "value": m.value, "unit": m.unit} for m in case.metrics.all()]


def metrics_from(formset) -> list[dict]:
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and form.cleaned_data.get("name")
    ]


_SCORE_CHOICES = [("", "—")] + [(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]


class ScoreForm(forms.Form):
    """The curator's four scores (1–5) and comment."""

    comment = forms.CharField(
        label=_("Curator's comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, case: Case | None = None, **kwargs):
        if case is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: score for name, _label, score in case.scores}
            kwargs["initial"]["comment"] = case.curator_comment
        super().__init__(*args, **kwargs)
        score_fields = {
            name: forms.TypedChoiceField(label=label, choices=_SCORE_CHOICES, coerce=int)
            for name, label in SCORE_DIMENSIONS
        }
        # The four dimensions first, in the white paper's order, then the comment.
        self.fields = {**score_fields, "comment": self.fields["comment"]}

    def scores(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name, _label in SCORE_DIMENSIONS}


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for returning"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The vendor sees this on their cases page."),
    )


class FeatureForm(forms.Form):
    featured = forms.BooleanField(label=_("Featured"), required=False)
    order = forms.IntegerField(label=_("Featured order"), min_value=0, max_value=999, initial=0)
