from django.apps import AppConfig


class ObservablesConfig(AppConfig):
    name = "acss.observables"
    label = "observables"
    verbose_name = "Observables"
