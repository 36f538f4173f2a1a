from django.contrib import admin

from matchmaking.notifications.models import (
    NeedBroadcast,
    Notification,
    NotificationPreference,
    SavedSearch,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "delivery", "created_at", "read_at")
    list_filter = ("kind", "delivery")
    search_fields = ("title", "recipient__email")
    raw_id_fields = ("recipient",)
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "frequency")
    list_filter = ("kind", "frequency")
    raw_id_fields = ("user",)


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "target", "frequency", "last_checked_at")
    list_filter = ("target", "frequency")
    raw_id_fields = ("user",)


@admin.register(NeedBroadcast)
class NeedBroadcastAdmin(admin.ModelAdmin):
    list_display = ("need", "vendors", "sent_by", "created_at")
    raw_id_fields = ("need", "sent_by")
