"""FINESS numbers: format, département, Luhn key.

A FINESS has 9 characters ``[0-9][0-9A-Z][0-9]{7}``; its first two characters give the département
(2A/2B for Corsica), or its first three overseas (97x). Real all-digit numbers carry a Luhn key:
a wrong key is a warning for ACSS to check, never a refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .referential import DEPARTEMENTS, DEPARTEMENTS_WITHOUT_ARS

FINESS_RE = re.compile(r"^[0-9][0-9A-Z][0-9]{7}$")


def finess_normalise(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "").upper()


def finess_departement_code(finess: str) -> str:
    return finess[:3] if finess.startswith("97") else finess[:2]


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@dataclass
class FinessCheck:
    value: str
    departement: str | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def finess_check(raw: str) -> FinessCheck:
    value = finess_normalise(raw)
    check = FinessCheck(value=value)
    if not value:
        check.errors.append(_("Saisissez le numéro FINESS (9 caractères)."))
        return check
    if not FINESS_RE.match(value):
        check.errors.append(
            _(
                "Un numéro FINESS compte 9 caractères : 9 chiffres, ou 2A/2B suivi de 7 chiffres pour la Corse "
                "(par exemple 750712184 ou 2A0000018). Vous avez saisi « %(value)s »."
            )
            % {"value": value}
        )
        return check
    code = finess_departement_code(value)
    if code in DEPARTEMENTS_WITHOUT_ARS:
        check.errors.append(
            _(
                "Le numéro FINESS commence par %(code)s (%(name)s) : aucune agence régionale de santé ne couvre "
                "ce territoire. Contactez directement l'ACSS."
            )
            % {"code": code, "name": DEPARTEMENTS_WITHOUT_ARS[code]}
        )
        return check
    if code not in DEPARTEMENTS:
        check.errors.append(
            _(
                "Le numéro FINESS commence par « %(code)s », qui n'est pas un département français. "
                "Vérifiez les premiers caractères."
            )
            % {"code": code}
        )
        return check
    check.departement = code
    if value.isdigit() and not luhn_valid(value):
        check.warnings.append(
            _(
                "La clé de contrôle du numéro FINESS %(value)s semble incorrecte. Vérifiez-le : l'ACSS le "
                "contrôlera avant d'ouvrir l'accès."
            )
            % {"value": value}
        )
    return check
