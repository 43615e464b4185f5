from django.apps import AppConfig


class AccompanimentConfig(AppConfig):
    name = "acss.accompaniment"
    label = "accompaniment"
    verbose_name = "Accompagnement"
