from django.apps import AppConfig


class ReflexesConfig(AppConfig):
    name = "acss.reflexes"
    label = "reflexes"
    verbose_name = "Fiches réflexes"
