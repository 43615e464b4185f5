"""The subscriptions in the admin: read only (writes go through the services, audited): who is subscribed to
what, and the outbox (what failed, and why)."""

from django.contrib import admin

from .models import Delivery, Subscriber, Subscription


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ["topic", "frequency", "created_at", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(ReadOnly):
    list_display = ["email", "user", "confirmed_at", "created_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    exclude = ["secret"]
    inlines = [SubscriptionInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = ["key", "subscription", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["state", "subscription__topic"]
    search_fields = ["key", "subscription__subscriber__email"]
    list_select_related = ["subscription__subscriber"]
