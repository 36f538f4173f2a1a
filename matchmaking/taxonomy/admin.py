from django.contrib import admin

from matchmaking.taxonomy.models import ApplicationType, DeploymentMode, Layer, OfferingKind, Sector


class TaxonomyTermAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("code", "name_zh", "name_en")
    ordering = ("order", "code")


@admin.register(Sector, ApplicationType)
class EditableTaxonomyAdmin(TaxonomyTermAdmin):
    """Sectors and application types can be added and renamed by platform operators."""


@admin.register(Layer, OfferingKind, DeploymentMode)
class FixedTaxonomyAdmin(TaxonomyTermAdmin):
    """Layers, kinds and deployment modes carry business rules: names only, no new codes."""

    readonly_fields = ("code",)
    list_editable = ()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
