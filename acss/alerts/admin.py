from django.contrib import admin

from .models import GlossaryTerm


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    """The glossary the editor flags jargon with (acss/alerts/readability.py)."""

    list_display = ("term", "plain", "active")
    list_editable = ("plain", "active")
    list_filter = ("active",)
    search_fields = ("term", "plain", "note")
