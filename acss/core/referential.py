"""Reference data shipped with the code, loaded by migrations.

Changing a label here and adding a data migration that calls ``load_referential`` keeps every
database in step; codes are stable and never reused.
"""

from __future__ import annotations

REGIONS: dict[str, str] = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}

# code: (name, region code)
DEPARTEMENTS: dict[str, tuple[str, str]] = {
    "01": ("Ain", "84"),
    "02": ("Aisne", "32"),
    "03": ("Allier", "84"),
    "04": ("Alpes-de-Haute-Provence", "93"),
    "05": ("Hautes-Alpes", "93"),
    "06": ("Alpes-Maritimes", "93"),
    "07": ("Ardèche", "84"),
    "08": ("Ardennes", "44"),
    "09": ("Ariège", "76"),
    "10": ("Aube", "44"),
    "11": ("Aude", "76"),
    "12": ("Aveyron", "76"),
    "13": ("Bouches-du-Rhône", "93"),
    "14": ("Calvados", "28"),
    "15": ("Cantal", "84"),
    "16": ("Charente", "75"),
    "17": ("Charente-Maritime", "75"),
    "18": ("Cher", "24"),
    "19": ("Corrèze", "75"),
    "2A": ("Corse-du-Sud", "94"),
    "2B": ("Haute-Corse", "94"),
    "21": ("Côte-d'Or", "27"),
    "22": ("Côtes-d'Armor", "53"),
    "23": ("Creuse", "75"),
    "24": ("Dordogne", "75"),
    "25": ("Doubs", "27"),
    "26": ("Drôme", "84"),
    "27": ("Eure", "28"),
    "28": ("Eure-et-Loir", "24"),
    "29": ("Finistère", "53"),
    "30": ("Gard", "76"),
    "31": ("Haute-Garonne", "76"),
    "32": ("Gers", "76"),
    "33": ("Gironde", "75"),
    "34": ("Hérault", "76"),
    "35": ("Ille-et-Vilaine", "53"),
    "36": ("Indre", "24"),
    "37": ("Indre-et-Loire", "24"),
    "38": ("Isère", "84"),
    "39": ("Jura", "27"),
    "40": ("Landes", "75"),
    "41": ("Loir-et-Cher", "24"),
    "42": ("Loire", "84"),
    "43": ("Haute-Loire", "84"),
    "44": ("Loire-Atlantique", "52"),
    "45": ("Loiret", "24"),
    "46": ("Lot", "76"),
    "47": ("Lot-et-Garonne", "75"),
    "48": ("Lozère", "76"),
    "49": ("Maine-et-Loire", "52"),
    "50": ("Manche", "28"),
    "51": ("Marne", "44"),
    "52": ("Haute-Marne", "44"),
    "53": ("Mayenne", "52"),
    "54": ("Meurthe-et-Moselle", "44"),
    "55": ("Meuse", "44"),
    "56": ("Morbihan", "53"),
    "57": ("Moselle", "44"),
    "58": ("Nièvre", "27"),
    "59": ("Nord", "32"),
    "60": ("Oise", "32"),
    "61": ("Orne", "28"),
    "62": ("Pas-de-Calais", "32"),
    "63": ("Puy-de-Dôme", "84"),
    "64": ("Pyrénées-Atlantiques", "75"),
    "65": ("Hautes-Pyrénées", "76"),
    "66": ("Pyrénées-Orientales", "76"),
    "67": ("Bas-Rhin", "44"),
    "68": ("Haut-Rhin", "44"),
    "69": ("Rhône", "84"),
    "70": ("Haute-Saône", "27"),
    "71": ("Saône-et-Loire", "27"),
    "72": ("Sarthe", "52"),
    "73": ("Savoie", "84"),
    "74": ("Haute-Savoie", "84"),
    "75": ("Paris", "11"),
    "76": ("Seine-Maritime", "28"),
    "77": ("Seine-et-Marne", "11"),
    "78": ("Yvelines", "11"),
    "79": ("Deux-Sèvres", "75"),
    "80": ("Somme", "32"),
    "81": ("Tarn", "76"),
    "82": ("Tarn-et-Garonne", "76"),
    "83": ("Var", "93"),
    "84": ("Vaucluse", "93"),
    "85": ("Vendée", "52"),
    "86": ("Vienne", "75"),
    "87": ("Haute-Vienne", "75"),
    "88": ("Vosges", "44"),
    "89": ("Yonne", "27"),
    "90": ("Territoire de Belfort", "27"),
    "91": ("Essonne", "11"),
    "92": ("Hauts-de-Seine", "11"),
    "93": ("Seine-Saint-Denis", "11"),
    "94": ("Val-de-Marne", "11"),
    "95": ("Val-d'Oise", "11"),
    "971": ("Guadeloupe", "01"),
    "972": ("Martinique", "02"),
    "973": ("Guyane", "03"),
    "974": ("La Réunion", "04"),
    "976": ("Mayotte", "06"),
}

TIMEZONES: dict[str, str] = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}

# Subdivisions of holidays.France with local public holidays (Alsace-Moselle, overseas).
HOLIDAY_SUBDIVISIONS: dict[str, str] = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}

# Outside the 101 départements: a FINESS prefix we recognise but that no ARS covers.
DEPARTEMENTS_WITHOUT_ARS: dict[str, str] = {"975": "Saint-Pierre-et-Miquelon"}

# code: (label, observatory group)
STRUCTURE_TYPES: list[tuple[str, str, str]] = [
    ("es-public", "Établissement de santé public", "es"),
    ("es-prive", "Établissement de santé privé", "es"),
    ("es-espic", "Établissement de santé privé d'intérêt collectif (ESPIC)", "es"),
    ("hia", "Hôpital des armées", "es"),
    ("clcc", "Centre de lutte contre le cancer (CLCC)", "es"),
    ("radiotherapie", "Centre de radiothérapie", "radiotherapie"),
    ("lbm", "Laboratoire de biologie médicale", "lbm"),
    ("medico-social", "Établissement ou service médico-social (EHPAD…)", "medico_social"),
    ("autre", "Autre", "autre"),
]

# code: (label, family, RSIT class)
INCIDENT_CATEGORIES: list[tuple[str, str, str, str]] = [
    (
        "rancongiciel",
        "Rançongiciel / cryptovirus",
        "malicious",
        "information-content-security:unauthorised-information-modification",
    ),
    ("compromission-si", "Compromission du système d'information", "malicious", "intrusions:system-compromise"),
    (
        "compromission-compte",
        "Compromission de compte (messagerie, annuaire, VPN)",
        "malicious",
        "intrusions:privileged-account-compromise or intrusions:unprivileged-account-compromise",
    ),
    ("hameconnage", "Message électronique malveillant / hameçonnage", "malicious", "fraud:phishing"),
    (
        "logiciel-malveillant",
        "Autre logiciel malveillant (cheval de Troie, cryptomineur)",
        "malicious",
        "malicious-code:infected-system",
    ),
    ("exploitation-vulnerabilite", "Exploitation de vulnérabilité", "malicious", "intrusion-attempts:exploit"),
    ("fuite-donnees", "Fuite ou divulgation de données", "malicious", "information-content-security:data-leak"),
    ("vol-equipement", "Vol d'équipement", "malicious", "intrusions:burglary"),
    ("deni-service", "Déni de service", "malicious", "availability:ddos"),
    ("defiguration", "Défiguration", "malicious", "information-content-security:unauthorised-information-modification"),
    ("fraude", "Fraude, usurpation (faux ordre de virement)", "malicious", "fraud:masquerade"),
    (
        "dysfonctionnement-infrastructure",
        "Dysfonctionnement d'infrastructure (interne)",
        "non_malicious",
        "availability:outage",
    ),
    ("defaillance-prestataire", "Défaillance d'un prestataire", "non_malicious", "availability:outage"),
    ("perte-lien-telecom", "Perte du lien télécom", "non_malicious", "availability:outage"),
    ("dysfonctionnement-applicatif", "Dysfonctionnement applicatif", "non_malicious", "availability:misconfiguration"),
    ("erreur-humaine", "Erreur humaine", "non_malicious", "availability:misconfiguration"),
    ("sinistre-physique", "Sinistre physique (incendie, eau, électricité)", "non_malicious", "availability:outage"),
    ("indetermine", "Indéterminé", "any", "other:undetermined"),
]

VECTORS: list[tuple[str, str]] = [
    ("courriel-malveillant", "Message électronique malveillant"),
    ("logiciel-malveillant", "Logiciel malveillant ou rançongiciel"),
    ("vulnerabilite", "Vulnérabilité exploitée"),
    ("compte-compromis", "Compte compromis"),
    ("acces-physique", "Accès physique"),
    ("erreur-humaine", "Erreur humaine"),
    ("panne-materielle", "Panne matérielle"),
    ("defaillance-prestataire", "Défaillance d'un prestataire"),
    ("autre", "Autre"),
]

AFFECTED_SYSTEMS: list[tuple[str, str]] = [
    ("dossier-patient", "Dossier patient informatisé"),
    ("imagerie-pacs", "Imagerie / PACS"),
    ("laboratoire", "Système de laboratoire"),
    ("messagerie", "Messagerie"),
    ("annuaire", "Annuaire / Active Directory"),
    ("acces-distant", "Accès distant / VPN"),
    ("lien-telecom", "Lien télécom"),
    ("site-internet", "Site internet"),
    ("dispositifs-biomedicaux", "Dispositifs biomédicaux"),
    ("autre", "Autre"),
]

DATA_CATEGORIES: list[tuple[str, str]] = [
    ("sante", "Données de santé"),
    ("personnel", "Données du personnel"),
    ("technique", "Données techniques"),
]


def load_referential(apps) -> None:
    """Create or update every reference row (idempotent); used by data migrations."""
    Region = apps.get_model("core", "Region")
    Departement = apps.get_model("core", "Departement")
    for code, name in REGIONS.items():
        Region.objects.update_or_create(code=code, defaults={"name": name})
    for code, (name, region) in DEPARTEMENTS.items():
        Departement.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "region_id": region,
                "timezone": TIMEZONES.get(code, "Europe/Paris"),
                "holiday_subdivision": HOLIDAY_SUBDIVISIONS.get(code, ""),
            },
        )
    StructureType = apps.get_model("core", "StructureType")
    for pos, (code, label, group) in enumerate(STRUCTURE_TYPES):
        StructureType.objects.update_or_create(code=code, defaults={"label": label, "group": group, "position": pos})
    IncidentCategory = apps.get_model("core", "IncidentCategory")
    for pos, (code, label, family, rsit) in enumerate(INCIDENT_CATEGORIES):
        IncidentCategory.objects.update_or_create(
            code=code, defaults={"label": label, "family": family, "rsit": rsit, "position": pos}
        )
    for model_name, rows in (
        ("Vector", VECTORS),
        ("AffectedSystem", AFFECTED_SYSTEMS),
        ("DataCategory", DATA_CATEGORIES),
    ):
        model = apps.get_model("core", model_name)
        for pos, (code, label) in enumerate(rows):
            model.objects.update_or_create(code=code, defaults={"label": label, "position": pos})
