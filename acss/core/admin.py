from django.contrib import admin

from .models import AuditEvent, Departement, IncidentCategory, Region, StructureType


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "timezone", "holiday_subdivision"]
    list_filter = ["region"]


@admin.register(StructureType)
class StructureTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "group", "active"]


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "family", "rsit", "active"]
