"""Inventories are read here by the administrators; they are changed on the structures' pages (through the
services, which keep the matching keys and the audit trail)."""

from django.contrib import admin

from .models import InventoryItem


@admin.register(InventoryItem)
class InventoryItemAdmin(admin.ModelAdmin):
    list_display = ["structure", "vendor", "product", "version", "watched_product", "match_confirmed", "source"]
    list_filter = ["source", "match_confirmed"]
    search_fields = ["structure__name", "structure__finess_et", "vendor", "product", "cpe"]
    list_select_related = ["structure", "watched_product__vendor"]
    raw_id_fields = ["structure", "watched_product", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
