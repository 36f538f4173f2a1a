"""Read-mostly admin for events: organizers work on the event pages (/events/<id>/manage/),
where every change goes through the services; the admin is for looking things up."""

from django.contrib import admin

from matchmaking.events.forms import EventForm
from matchmaking.events.models import Event, Meeting, MeetingOutcome, MeetingRequest, Registration


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    form = EventForm
    list_display = ("title", "start_date", "end_date", "status", "table_count", "organizer")
    list_filter = ("status",)
    search_fields = ("title", "title_en", "venue")
    date_hierarchy = "start_date"


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("organization", "event", "status", "max_meetings", "checked_in_at")
    list_filter = ("status", "event")
    search_fields = ("organization__name",)
    raw_id_fields = ("event", "organization", "registered_by")
    filter_horizontal = ("members",)
    readonly_fields = ("needs", "offerings")


@admin.register(MeetingRequest)
class MeetingRequestAdmin(admin.ModelAdmin):
    list_display = ("__str__", "event", "state", "score", "created_at")
    list_filter = ("state", "event")
    raw_id_fields = (
        "event",
        "from_registration",
        "to_registration",
        "need",
        "offering",
        "requested_by",
        "connection",
    )


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "event", "slot", "table", "confirmed")
    list_filter = ("confirmed", "event")
    raw_id_fields = ("event", "request")

    def has_change_permission(self, request, obj=None):
        # Moves are checked for conflicts on the event's organizer page, not here.
        return False


@admin.register(MeetingOutcome)
class MeetingOutcomeAdmin(admin.ModelAdmin):
    list_display = ("meeting", "registration", "attendance", "follow_up")
    list_filter = ("attendance", "follow_up")
    raw_id_fields = ("meeting", "registration", "recorded_by")
