"""Who may do what with the observables of a declaration, built on ``acss.incidents.access``.

- **Read** the observables of a declaration: whoever reads the declaration (``declaration_get_visible`` gives the
  404 to anyone else).
- **Add** (typed, extracted, STIX): the ACSS cell and the declaring structure's people; anyone else who reads the
  declaration (its region's ARS, the authorities) gets a 403 with ``ADD_REFUSAL``.
- **Correlations** (« Aussi vu dans » : the other declarations that share an observable): the cell only. The
  structure and the ARS never see another declaration through an observable.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from acss.core.forbidden import Forbidden
from acss.incidents import access as incident_access
from acss.incidents.models import Declaration

ADD_REFUSAL = _("Seules la structure et la cellule ACSS ajoutent des observables à une déclaration.")


def may_add(*, actor_or_user, declaration: Declaration) -> bool:
    return incident_access.is_cell(actor_or_user) or incident_access.acts_for_structure(
        actor_or_user=actor_or_user, declaration=declaration
    )


def check_add(*, actor_or_user, declaration: Declaration) -> None:
    """403 (French) for a person who reads the declaration but may not add observables to it."""
    if not may_add(actor_or_user=actor_or_user, declaration=declaration):
        raise Forbidden(str(ADD_REFUSAL))


def sees_correlations(actor_or_user) -> bool:
    return incident_access.is_cell(actor_or_user)


def correlation_q(actor_or_user):
    """The restriction on the other declarations shown (None: all of them, what the cell reads)."""
    return incident_access.visibility_q(actor_or_user)


def readable_message_kinds(*, actor_or_user, declaration: Declaration) -> frozenset[str]:
    return incident_access.readable_message_kinds(actor_or_user=actor_or_user, declaration=declaration)
