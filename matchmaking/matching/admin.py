from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from matchmaking.matching import lexicon_mining
from matchmaking.matching.models import (
    LexiconTerm,
    SuggestedSynonym,
    SuggestedSynonymStatus,
    Suggestion,
    SuggestionFeedback,
    SynonymGroup,
)
from matchmaking.matching.services import revise_need_lists


@admin.register(SynonymGroup)
class SynonymGroupAdmin(admin.ModelAdmin):
    list_display = ("__str__", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("terms",)


@admin.register(SuggestedSynonym)
class SuggestedSynonymAdmin(admin.ModelAdmin):
    """Synonyms mined by ``mine_synonyms``: approving adds the pair to a synonym group."""

    list_display = ("term", "synonym", "score", "support", "examples", "status", "group")
    list_filter = ("status",)
    search_fields = ("term", "synonym")
    readonly_fields = (
        "term",
        "synonym",
        "score",
        "support",
        "examples",
        "status",
        "group",
        "reviewed_by",
        "reviewed_at",
    )
    actions = ("approve", "reject")

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Approve: add to the synonym groups"))
    def approve(self, request, queryset):
        done = 0
        for suggestion in queryset.exclude(status=SuggestedSynonymStatus.APPROVED):
            lexicon_mining.suggested_synonym_approve(suggestion=suggestion, user=request.user)
            done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)s synonym approved; it takes effect when the index is rebuilt.",
                "%(count)s synonyms approved; they take effect when the index is rebuilt.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reject: never suggest again"))
    def reject(self, request, queryset):
        done = 0
        for suggestion in queryset.filter(status=SuggestedSynonymStatus.PENDING):
            lexicon_mining.suggested_synonym_reject(suggestion=suggestion, user=request.user)
            done += 1
        self.message_user(
            request,
            ngettext("%(count)s synonym rejected.", "%(count)s synonyms rejected.", done)
            % {"count": done},
            messages.SUCCESS,
        )


@admin.register(LexiconTerm)
class LexiconTermAdmin(admin.ModelAdmin):
    list_display = ("kind", "code", "words", "is_active", "updated_at")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "words")


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ("need", "offering", "direction", "score", "rank", "refreshed_at")
    list_filter = ("direction",)
    raw_id_fields = ("need", "offering")
    search_fields = ("need__title", "offering__title")

    # The need's page caches its list under the need's suggestions revision: an edit here
    # moves it like the services' writes do.
    @transaction.atomic
    def save_model(self, request, obj, form, change):
        # Both lists when the row was moved to another need.
        revise_need_lists({obj.need_id, form.initial.get("need", obj.need_id)})
        super().save_model(request, obj, form, change)

    @transaction.atomic
    def delete_model(self, request, obj):
        revise_need_lists([obj.need_id])
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        revise_need_lists({need_id for need_id in queryset.values_list("need_id", flat=True)})
        super().delete_queryset(request, queryset)


@admin.register(SuggestionFeedback)
class SuggestionFeedbackAdmin(admin.ModelAdmin):
    list_display = ("need", "offering", "direction", "organization", "score", "created_at")
    list_filter = ("direction",)
    raw_id_fields = ("need", "offering", "user", "organization")
