"""What a quick alert's completion added, in French words, for the message sent to those informed of the alert.

Only short facts are written in the e-mail (labels of the reference lists, counts, dates); the free texts
(description, measures, details) are named but left on the platform, behind authentication.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from acss.core.french import date_en_toutes_lettres
from acss.incidents.models import Declaration


@dataclass
class CompletionSummary:
    rows: list[tuple[str, str]] = field(default_factory=list)  # (label, value), in the order of the form's steps
    texts: str = ""  # the free texts filled in, named only: « description, mesures déjà prises »


def _listed(words: list[str]) -> str:
    return ", ".join(w for w in words if w)


def completion_summary(declaration: Declaration) -> CompletionSummary:
    """The facts a completion filled in. A declaration never changes after its completion, so this can be
    computed whenever the message is sent."""
    d = declaration
    rows: list[tuple[str, str]] = []

    def add(label: str, value: object) -> None:
        if value not in (None, "", []):
            rows.append((capfirst(label), str(value)))

    declarant = _listed([d.declarant_name, d.declarant_function, d.declarant_phone])
    add(_("déclarant"), declarant)
    add(_("titre"), d.title)
    if d.occurred_at:
        add(_("survenu le"), date_en_toutes_lettres(d.occurred_at, d.structure))
    if d.discovered_at:
        add(_("découvert le"), date_en_toutes_lettres(d.discovered_at, d.structure))
    scope = d.get_scope_display() if d.scope else ""
    if d.provider_name:
        scope = _listed([scope, _("prestataire : %(name)s") % {"name": d.provider_name}])
    add(_("périmètre"), scope)
    add(_("systèmes affectés"), _listed([*(str(s) for s in d.systems.all()), d.systems_other]))
    add(_("données affectées"), _listed([str(c) for c in d.data_categories.all()]))
    add(_("état de l'incident"), d.get_handling_state_display() if d.handling_state else "")
    add(
        _("atteintes"),
        _listed(
            [
                _("indisponibilité") if d.unavailability else "",
                _("perte d'intégrité") if d.integrity_loss else "",
                _("perte de confidentialité") if d.confidentiality_loss else "",
            ]
        ),
    )
    functioning = d.get_functioning_display() if d.functioning else ""
    if functioning and d.degraded_hours is not None:
        functioning += " " + _("(durée : %(hours)s h)") % {"hours": d.degraded_hours}
    add(_("fonctionnement"), functioning)
    add(_("sécurité des patients"), d.get_patient_safety_display() if d.patient_safety else "")
    add(_("nombre approximatif de patients concernés"), d.patients_count)
    add(_("médicaments ou dispositifs médicaux en cause"), _("oui") if d.health_products else "")
    add(_("origine"), d.get_origin_display() if d.origin else "")
    add(_("typologie"), d.category or "")
    add(_("vecteur"), d.vector or "")
    add(_("accompagnement demandé"), _("oui") if d.accompaniment_requested else "")
    add(
        _("démarches déjà faites"),
        _listed(
            [
                _("plainte déposée") if d.complaint_filed else "",
                _("CNIL notifiée") if d.cnil_notified else "",
                _("ANSSI notifiée") if d.anssi_notified else "",
            ]
        ),
    )
    texts = _listed(
        [
            _("description") if d.description.strip() else "",
            _("précisions sur les médicaments ou dispositifs") if d.health_products_details.strip() else "",
            _("impact sur d'autres structures ou le territoire") if d.territory_impact.strip() else "",
            _("mesures déjà prises") if d.measures_taken.strip() else "",
        ]
    )
    return CompletionSummary(rows=rows, texts=texts)
