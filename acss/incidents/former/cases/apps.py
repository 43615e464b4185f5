from django.apps import AppConfig


class FormerCasesConfig(AppConfig):
    """The migration history of the former ``cases`` application (see ``acss.incidents.former``)."""

    name = "acss.incidents.former.cases"
    label = "cases"
    verbose_name = "Traitement (historique des migrations)"
