from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "acss.providers"
    label = "providers"
    verbose_name = "Incidents de prestataires"
