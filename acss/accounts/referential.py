"""The organisations every installation has: the cell, the authorities, one ARS per region.

Their addresses are placeholders for the operator to set (admin); on-call addresses are the ones
alerted out of hours (the intake's routing), deputy addresses the ones alerted when the on-call does not
acknowledge an alert.
"""

from acss.core.referential import REGIONS

ACSS_CELL = {
    "name": "Cellule ACSS (CERT Santé)",
    "email": "cert@acss.example.fr",
    "oncall_email": "astreinte@acss.example.fr",
}
ACSS_CELL_ONCALL_DEPUTY = "astreinte-suppleant@acss.example.fr"
FSSI_ONCALL_DEPUTY = "astreinte-suppleant-fssi@sg.example.fr"


def ars_oncall_deputy(region_code: str) -> str:
    return f"astreinte-suppleant-ars{region_code}@ars.example.fr"


AUTHORITIES = [
    # code, name, systematic information (sees every declaration), e-mail, on-call e-mail
    ("fssi", "FSSI des ministères sociaux", True, "fssi@sg.example.fr", "astreinte-fssi@sg.example.fr"),
    ("dgs", "Direction générale de la santé — CORRUSS", False, "alerte@dgs.example.fr", ""),
    ("anssi", "ANSSI — CERT-FR", False, "cert-fr@anssi.example.fr", ""),
    ("ansm", "ANSM", False, "securite@ansm.example.fr", ""),
]


def ars_name(region_name: str) -> str:
    return f"ARS {region_name}"


def load_organisations(apps) -> None:
    Organisation = apps.get_model("accounts", "Organisation")
    Organisation.objects.update_or_create(kind="acss", defaults=ACSS_CELL)
    for code, name, systematic, email, oncall in AUTHORITIES:
        Organisation.objects.update_or_create(
            kind="authority",
            authority_code=code,
            defaults={"name": name, "systematic_information": systematic, "email": email, "oncall_email": oncall},
        )
    for code, region_name in REGIONS.items():
        Organisation.objects.get_or_create(
            kind="ars",
            region_id=code,
            defaults={
                "name": ars_name(region_name),
                "email": f"signalement-ars{code}@ars.example.fr",
                "oncall_email": f"astreinte-ars{code}@ars.example.fr",
            },
        )


def load_oncall_deputies(apps) -> None:
    """Give every on-call point a deputy placeholder, without overwriting an address the operator has set."""
    Organisation = apps.get_model("accounts", "Organisation")
    Organisation.objects.filter(kind="acss", oncall_deputy_email="").update(oncall_deputy_email=ACSS_CELL_ONCALL_DEPUTY)
    Organisation.objects.filter(kind="authority", authority_code="fssi", oncall_deputy_email="").update(
        oncall_deputy_email=FSSI_ONCALL_DEPUTY
    )
    for ars in Organisation.objects.filter(kind="ars", oncall_deputy_email="").exclude(region_id=None):
        ars.oncall_deputy_email = ars_oncall_deputy(ars.region_id)
        ars.save(update_fields=["oncall_deputy_email"])
