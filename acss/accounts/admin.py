from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AccessRequest, Membership, Organisation, Structure, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_superuser", "last_login"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name", "job_title", "phone"]}),
        ("Droits", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "password1", "password2"]})]
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "authority_code", "email", "oncall_email", "oncall_deputy_email"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "finess_et", "finess_ej", "structure_type", "departement", "verification"]
    list_filter = ["verification", "structure_type", "departement__region"]
    search_fields = ["name", "finess_et", "finess_ej"]


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "structure", "created_at", "decision"]
