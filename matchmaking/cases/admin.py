"""Django admin for the case library. Curation (scores, publishing, returning, featuring)
goes through the services — from the review queue (/cases/review/) or the actions here —
so the overall score and the status rules stay in one place."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from matchmaking.cases import services
from matchmaking.cases.models import Case, CaseImage, CaseMetric
from matchmaking.core.images import ImageUploadField, store_image


class CaseMetricInline(admin.TabularInline):
    model = CaseMetric
    extra = 1
    fields = ["name", "value", "unit", "order"]


class CaseImageInline(admin.TabularInline):
    """Gallery images are added through the case form (core.images rules); here they can
    be captioned, reordered or removed."""

    model = CaseImage
    extra = 0
    can_delete = True
    fields = ["thumbnail", "caption", "order"]
    readonly_fields = ["thumbnail"]

    def has_add_permission(self, request, obj=None):
        return False


class CaseAdminForm(forms.ModelForm):
    source_url = forms.URLField(
        label=_("Source or reference link"), required=False, assume_scheme="https"
    )
    new_cover = ImageUploadField(label=_("Replace the cover image"), required=False)

    class Meta:
        model = Case
        fields = [
            "title",
            "vendor",
            "offering",
            "client",
            "ref",
            "from_white_paper",
            "sector",
            "app_type",
            "layer",
            "challenge",
            "solution",
            "outcome",
            "source_url",
            "curator_comment",
            "return_reason",
            "created_by",
        ]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    form = CaseAdminForm
    list_display = [
        "title",
        "vendor",
        "client",
        "sector",
        "app_type",
        "status",
        "overall_score",
        "is_featured",
        "featured_order",
        "published_at",
    ]
    list_filter = [
        "status",
        "is_featured",
        "from_white_paper",
        "sector",
        "app_type",
        "layer",
    ]
    search_fields = ["title", "client", "vendor__name", "ref"]
    list_select_related = ["vendor", "sector", "app_type"]
    autocomplete_fields = []
    raw_id_fields = ["vendor", "offering", "created_by"]
    readonly_fields = [
        "score_innovation",
        "score_demonstration",
        "score_benefit",
        "score_replicability",
        "overall_score",
        "status",
        "submitted_at",
        "published_at",
        "is_featured",
        "featured_order",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["title", "vendor", "offering", "client", "ref", "from_white_paper"]},
        ),
        (_("Taxonomy"), {"fields": ["sector", "app_type", "layer"]}),
        (_("Story"), {"fields": ["challenge", "solution", "outcome", "source_url", "new_cover"]}),
        (
            _("Curation (use the review queue or the actions)"),
            {
                "fields": [
                    "score_innovation",
                    "score_demonstration",
                    "score_benefit",
                    "score_replicability",
                    "overall_score",
                    "curator_comment",
                    "status",
                    "return_reason",
                    "is_featured",
                    "featured_order",
                    "submitted_at",
                    "published_at",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_by", "created_at", "updated_at"]}),
    ]
    inlines = [CaseMetricInline, CaseImageInline]
    actions = ["publish_cases", "feature_cases", "unfeature_cases"]

    def save_model(self, request, obj, form, change):
        cover = form.cleaned_data.get("new_cover")
        if cover:
            store_image(obj, "cover_image", "cover_thumbnail", cover)
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def _run(self, request, queryset, action, done_message, **kwargs):
        done = 0
        for case in queryset:
            try:
                action(actor=request.user, case=case, **kwargs)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{case}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Publish the selected (scored) cases"))
    def publish_cases(self, request, queryset):
        self._run(
            request,
            queryset,
            services.case_publish,
            lambda n: ngettext("%d case published.", "%d cases published.", n) % n,
        )

    @admin.action(description=_("Feature the selected published cases"))
    def feature_cases(self, request, queryset):
        self._run(
            request,
            queryset,
            services.case_feature,
            lambda n: ngettext("%d case featured.", "%d cases featured.", n) % n,
            featured=True,
        )

    @admin.action(description=_("Stop featuring the selected cases"))
    def unfeature_cases(self, request, queryset):
        self._run(
            request,
            queryset,
            services.case_feature,
            lambda n: ngettext("%d case no longer featured.", "%d cases no longer featured.", n)
            % n,
            featured=False,
        )
