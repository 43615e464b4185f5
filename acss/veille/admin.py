"""The watch-list is edited here by ACSS (vendors with their products inline); matches are read-only."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .forms import WatchedProductForm, WatchedVendorForm
from .matching import match_all
from .models import Match, WatchedProduct, WatchedVendor


class WatchedProductInline(admin.StackedInline):
    model = WatchedProduct
    form = WatchedProductForm
    extra = 0
    fields = ["name", "family", "category", "aliases", "cpe_patterns", "name_patterns", "active"]
    show_change_link = True


@admin.register(WatchedVendor)
class WatchedVendorAdmin(admin.ModelAdmin):
    form = WatchedVendorForm
    list_display = ["name", "family", "health_maker", "active", "product_count"]
    list_filter = ["family", "health_maker", "active"]
    search_fields = ["name", "aliases", "notes"]
    inlines = [WatchedProductInline]
    actions = ["rematch"]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_product_count=Count("products"))

    @admin.display(description=_("produits"), ordering="_product_count")
    def product_count(self, obj):
        return obj._product_count

    @admin.action(description=_("Recalculer toutes les correspondances (après une modification de la liste)"))
    def rematch(self, request, queryset):
        summary = match_all()
        self.message_user(
            request,
            ngettext(
                "%(n)d notice relue, %(m)d correspondance enregistrée.",
                "%(n)d notices relues, %(m)d correspondances enregistrées.",
                summary.matches,
            )
            % {"n": summary.records, "m": summary.matches},
            messages.SUCCESS,
        )


@admin.register(WatchedProduct)
class WatchedProductAdmin(admin.ModelAdmin):
    form = WatchedProductForm
    list_display = ["name", "vendor", "family", "category", "active"]
    list_filter = ["family", "category", "active"]
    list_select_related = ["vendor"]
    search_fields = ["name", "vendor__name", "aliases"]
    autocomplete_fields = ["vendor"]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["record", "product", "vendor", "family", "score", "priority", "immediate"]
    list_filter = ["family", "immediate"]
    list_select_related = ["vulnerability", "advisory", "product__vendor", "vendor"]
    search_fields = ["vulnerability__cve_id", "advisory__tracking_id", "product__name", "vendor__name"]
    readonly_fields = [f.name for f in Match._meta.fields]

    @admin.display(description=_("notice"))
    def record(self, obj):
        return obj.vulnerability or obj.advisory

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
