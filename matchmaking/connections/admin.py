from django.contrib import admin

from matchmaking.connections.models import Connection, ConnectionEvent, Message


class ConnectionEventInline(admin.TabularInline):
    model = ConnectionEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "from_state", "to_state", "note")

    def has_add_permission(self, request, obj=None):
        return False


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ("created_at", "author", "body", "attachment_name")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "initiator_org",
        "receiver_org",
        "state",
        "created_at",
        "first_response_at",
    )
    list_filter = ("kind", "state")
    search_fields = ("initiator_org__name", "receiver_org__name", "offering__title", "need__title")
    raw_id_fields = ("offering", "need", "initiator_org", "receiver_org", "initiated_by")
    readonly_fields = ("state", "first_response_at", "accepted_at", "closed_at", "reminded_at")
    inlines = [ConnectionEventInline, MessageInline]
    date_hierarchy = "created_at"


@admin.register(ConnectionEvent)
class ConnectionEventAdmin(admin.ModelAdmin):
    list_display = ("connection", "from_state", "to_state", "actor", "at")
    list_filter = ("to_state",)
    raw_id_fields = ("connection", "actor")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
