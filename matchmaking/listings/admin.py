from django.contrib import admin

from matchmaking.listings.models import Need, Offering, OfferingScreenshot


class OfferingScreenshotInline(admin.TabularInline):
    model = OfferingScreenshot
    extra = 0
    fields = ("image", "thumbnail", "caption", "order")
    readonly_fields = ("image", "thumbnail")


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "kind", "status", "published_at", "updated_at")
    list_filter = ("status", "kind", "layer")
    search_fields = ("title", "ref", "organization__name")
    raw_id_fields = ("organization", "created_by", "near_duplicate_of")
    readonly_fields = ("search_text", "regions_index", "view_count")
    inlines = [OfferingScreenshotInline]
    list_select_related = ("organization", "kind")
    show_full_result_count = False


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "status", "visibility", "expires_on", "updated_at")
    list_filter = ("status", "visibility")
    search_fields = ("title", "ref", "organization__name")
    raw_id_fields = ("organization", "created_by")
    readonly_fields = ("search_text", "expires_on", "reviewed_at")
    list_select_related = ("organization",)
    show_full_result_count = False


# Bulk import page (/admin/listings/import/), see matchmaking/listings/admin_import.py.
from matchmaking.listings.admin_import import register_admin_import  # noqa: E402

register_admin_import(admin.site)
