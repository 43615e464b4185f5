from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "acss.core"
    label = "core"
    verbose_name = "Socle"
