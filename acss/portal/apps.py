from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "acss.portal"
    label = "portal"
    verbose_name = "Portail"
