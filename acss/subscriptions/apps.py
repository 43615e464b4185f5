from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "acss.subscriptions"
    label = "subscriptions"
    verbose_name = "Abonnements"
