from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "acss.cases"
    label = "cases"
    verbose_name = "Traitement des incidents"
