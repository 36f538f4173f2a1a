from django.contrib import admin

from matchmaking.matching.models import (
    LexiconTerm,
    Suggestion,
    SuggestionFeedback,
    SynonymGroup,
)


@admin.register(SynonymGroup)
class SynonymGroupAdmin(admin.ModelAdmin):
    list_display = ("__str__", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("terms",)


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


@admin.register(SuggestionFeedback)
class SuggestionFeedbackAdmin(admin.ModelAdmin):
    list_display = ("need", "offering", "direction", "organization", "score", "created_at")
    list_filter = ("direction",)
    raw_id_fields = ("need", "offering", "user", "organization")
