from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "acss.declarations"
    label = "declarations"
    verbose_name = "Déclarations"
