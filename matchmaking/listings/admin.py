from django.contrib import admin

from matchmaking.listings.admin_import import register_admin_import
from matchmaking.listings.models import Need, Offering, OfferingScreenshot
from matchmaking.listings.services.common import need_changed, offering_changed


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

    def save_related(self, request, form, formsets, change):
        # The admin writes around the services: announce the change as they do (matching
        # refreshes the offering's suggestions, caches drop their figures).
        super().save_related(request, form, formsets, change)
        offering_changed(form.instance.pk, created=not change)


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "status", "visibility", "expires_on", "updated_at")
    list_filter = ("status", "visibility")
    search_fields = ("title", "ref", "organization__name")
    raw_id_fields = ("organization", "created_by")
    readonly_fields = ("search_text", "expires_on", "reviewed_at")
    list_select_related = ("organization",)
    show_full_result_count = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # see OfferingAdmin.save_related
        need_changed(form.instance.pk, created=not change)


# Bulk import page (/admin/listings/import/), see matchmaking/listings/admin_import.py.
register_admin_import(admin.site)
