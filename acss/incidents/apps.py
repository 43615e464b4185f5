from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "acss.incidents"
    label = "incidents"
    verbose_name = "Incidents"
