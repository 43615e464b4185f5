from django.apps import AppConfig


class VeilleConfig(AppConfig):
    name = "acss.veille"
    label = "veille"
    verbose_name = "Veille"
