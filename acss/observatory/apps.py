from django.apps import AppConfig


class ObservatoryConfig(AppConfig):
    name = "acss.observatory"
    label = "observatory"
    verbose_name = "Observatoire des incidents"
