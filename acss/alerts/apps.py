from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "acss.alerts"
    label = "alerts"
    verbose_name = "Alertes de sécurité"
