from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from acss.reflexes.models import ReflexSheet, ReflexSheetVersion


class ReflexSheetVersionInline(admin.TabularInline):
    """Versions are read-only: a new text is written on the platform's edit page (audited)."""

    model = ReflexSheetVersion
    extra = 0
    fields = ["number", "created_at", "created_by", "change_note"]
    readonly_fields = fields
    ordering = ["-number"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReflexSheet)
class ReflexSheetAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "position", "is_published"]
    list_editable = ["position", "is_published"]
    list_filter = ["is_published", "categories"]
    search_fields = ["title", "slug", "summary"]
    filter_horizontal = ["categories"]
    readonly_fields = ["edit_link", "created_at"]
    inlines = [ReflexSheetVersionInline]

    def get_readonly_fields(self, request, obj=None):
        # The slug is in published addresses and in the intake's links: fixed once created.
        return [*self.readonly_fields, "slug"] if obj is not None else self.readonly_fields

    @admin.display(description=_("texte"))
    def edit_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("reflexes:sheet_edit", args=[obj.slug]), _("Rédiger une nouvelle version")
        )


@admin.register(ReflexSheetVersion)
class ReflexSheetVersionAdmin(admin.ModelAdmin):
    """Read-only: a version is never modified."""

    list_display = ["sheet", "number", "created_at", "created_by", "change_note"]
    list_filter = ["sheet"]
    search_fields = ["sheet__title", "change_note", "body"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
