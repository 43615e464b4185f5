from django.apps import AppConfig


class FormerDeclarationsConfig(AppConfig):
    """The migration history of the former ``declarations`` application (see ``acss.incidents.former``)."""

    name = "acss.incidents.former.declarations"
    label = "declarations"
    verbose_name = "Déclarations (historique des migrations)"
