"""The observatory's indicators of a period and a scope, each with its written definition.

``compute_indicators`` hands back a JSON-serialisable dict: counts are integers, shares are unrounded fractions
of 1 (0.199…), delays are hours. What is shown to people goes through ``round_share`` (« 20 % », « 0,8 % ») and
``truncate_average`` (392 / 12 → 32), which print as the 2019 « en bref » does. Every count is computed in the
database (``acss.incidents.selectors.statistics``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acss.accompaniment.selectors import accompaniments_count
from acss.incidents.selectors import statistics
from acss.observatory.periods import PARIS, Period

# Structure types of health establishments, by legal status (codes of acss.core.referential.STRUCTURE_TYPES).
ES_STATUS: dict[str, str] = {
    "es-public": "public",
    "hia": "public",
    "es-prive": "private",
    "es-espic": "non_profit",
    "clcc": "non_profit",
}

GROUP_LABELS = {
    "es": gettext_lazy("Établissements de santé"),
    "lbm": gettext_lazy("Laboratoires de biologie médicale"),
    "radiotherapie": gettext_lazy("Centres de radiothérapie"),
    "medico_social": gettext_lazy("Autres, principalement EHPAD (médico-social)"),
    "autre": gettext_lazy("Autres structures"),
}

LABELS: dict[str, str] = {
    "declarations": gettext_lazy("Incidents déclarés"),
    "declaring_structures": gettext_lazy("Structures déclarantes"),
    "declarations_per_structure": gettext_lazy("Déclarations par structure déclarante"),
    "accompaniment_asked": gettext_lazy("Demandes d'accompagnement"),
    "accompaniment_asked_share": gettext_lazy("Part des signalements demandant un accompagnement"),
    "accompaniments": gettext_lazy("Accompagnements réalisés par la cellule"),
    "fssi_followed": gettext_lazy("Incidents significatifs suivis par le FSSI"),
    "anssi_handled": gettext_lazy("Incidents pris en charge par l'ANSSI"),
    "ansm_communicated": gettext_lazy("Incidents communiqués à l'ANSM"),
    "sanitary_impact": gettext_lazy("Incidents ayant eu un impact sanitaire"),
    "dgs_informed": gettext_lazy("Incidents transmis à la DGS"),
    "monthly_average": gettext_lazy("Moyenne de signalements par mois"),
    "by_month": gettext_lazy("Signalements par mois"),
    "by_region": gettext_lazy("Signalements par région"),
    "top_region": gettext_lazy("Région la plus participative"),
    "by_structure_type": gettext_lazy("Types de structures ayant déclaré"),
    "by_structure_type_detail": gettext_lazy("Signalements par type de structure"),
    "health_establishments": gettext_lazy("Établissements de santé (public, privé, privé non lucratif)"),
    "degraded_mode_share": gettext_lazy("Part des incidents en fonctionnement dégradé"),
    "malicious_share": gettext_lazy("Part des incidents d'origine malveillante"),
    "main_vectors": gettext_lazy("Principaux vecteurs des incidents malveillants"),
    "potential_endangerment_share": gettext_lazy("Part des cas de mise en danger patient potentielle"),
    "actual_endangerment": gettext_lazy("Incidents ayant entraîné une mise en danger patient avérée"),
    "typology": gettext_lazy("Typologie des incidents"),
    "ransomware_share": gettext_lazy("Part des rançongiciels"),
    "data_impact": gettext_lazy("Atteinte aux données (disponibilité, intégrité, confidentialité)"),
    "provider_caused_share": gettext_lazy("Part des incidents causés par un prestataire"),
    "delays": gettext_lazy("Délais de déclaration, de qualification et de clôture"),
}

DEFINITIONS: dict[str, str] = {
    "declarations": gettext_lazy(
        "Nombre de déclarations déposées pendant la période (date de dépôt, heure de Paris), "
        "déclarations importées comprises ; un doublon fusionné n'est compté qu'une fois."
    ),
    "declaring_structures": gettext_lazy(
        "Nombre de structures (FINESS géographique) ayant déposé au moins une déclaration pendant la période."
    ),
    "declarations_per_structure": gettext_lazy(
        "Nombre de déclarations divisé par le nombre de structures déclarantes."
    ),
    "accompaniment_asked": gettext_lazy(
        "Nombre de déclarations dont le formulaire demande un accompagnement de la cellule ACSS."
    ),
    "accompaniment_asked_share": gettext_lazy(
        "Déclarations demandant un accompagnement sur le formulaire, rapportées au nombre de déclarations."
    ),
    "accompaniments": gettext_lazy(
        "Nombre de déclarations de la période pour lesquelles la cellule a ouvert un accompagnement "
        "(fiche de suivi), qu'il ait été demandé par la structure ou décidé par la cellule. "
        "C'est un autre fait que la demande cochée sur le formulaire."
    ),
    "fssi_followed": gettext_lazy(
        "Incidents significatifs transmis au FSSI pour un suivi particulier (transmission décidée par la cellule)."
    ),
    "anssi_handled": gettext_lazy("Incidents dont la prise en charge a été transmise à l'ANSSI."),
    "ansm_communicated": gettext_lazy("Incidents communiqués à l'ANSM (médicaments ou dispositifs médicaux en cause)."),
    "sanitary_impact": gettext_lazy(
        "Incidents pour lesquels la cellule a confirmé un impact sanitaire lors de la qualification."
    ),
    "dgs_informed": gettext_lazy(
        "Incidents transmis à la DGS (impact sanitaire avéré ou suspecté), transmission décidée par la cellule."
    ),
    "monthly_average": gettext_lazy(
        "Nombre de déclarations divisé par le nombre de mois de la période, affiché tronqué à l'entier "
        "(392 / 12 = 32,7 s'affiche 32)."
    ),
    "by_month": gettext_lazy("Nombre de déclarations déposées chaque mois de la période (heure de Paris)."),
    "by_region": gettext_lazy(
        "Nombre de déclarations par région (code INSEE), d'après le département de la structure déclarante."
    ),
    "top_region": gettext_lazy("La région dont les structures ont déposé le plus de déclarations."),
    "by_structure_type": gettext_lazy(
        "Répartition des déclarations selon le groupe de la structure déclarante : établissements de santé, "
        "laboratoires de biologie médicale, centres de radiothérapie, médico-social (principalement EHPAD), "
        "autres."
    ),
    "by_structure_type_detail": gettext_lazy(
        "Nombre et part des déclarations par type de structure déclarante (référentiel des types)."
    ),
    "health_establishments": gettext_lazy(
        "Part des déclarations venant d'établissements de santé, puis, parmi elles, la part des établissements "
        "publics (dont hôpitaux des armées), privés, et privés d'intérêt collectif (ESPIC, CLCC)."
    ),
    "degraded_mode_share": gettext_lazy(
        "Part des déclarations où la structure a dû passer en fonctionnement dégradé du système de prise en "
        "charge des patients, ou l'a interrompue."
    ),
    "malicious_share": gettext_lazy("Part des déclarations dont l'origine déclarée est malveillante."),
    "main_vectors": gettext_lazy(
        "Vecteurs de déclenchement les plus fréquents parmi les déclarations d'origine malveillante, "
        "avec leur part parmi celles-ci."
    ),
    "potential_endangerment_share": gettext_lazy(
        "Part des déclarations signalant une mise en danger des patients, potentielle ou avérée."
    ),
    "actual_endangerment": gettext_lazy("Nombre de déclarations signalant une mise en danger avérée des patients."),
    "typology": gettext_lazy(
        "Répartition par catégorie d'incident : celle retenue par la cellule à la qualification, "
        "à défaut celle déclarée."
    ),
    "ransomware_share": gettext_lazy(
        "Part des déclarations classées « rançongiciel / cryptovirus » (catégorie retenue, à défaut déclarée)."
    ),
    "data_impact": gettext_lazy(
        "Part des déclarations signalant une indisponibilité, une perte d'intégrité, une perte de "
        "confidentialité ; une déclaration peut en signaler plusieurs."
    ),
    "provider_caused_share": gettext_lazy(
        "Part des déclarations mettant en cause un prestataire : prestataire nommé dans la déclaration ou à la "
        "clôture, prestataire partagé, ou défaillance d'un prestataire comme catégorie ou vecteur."
    ),
    "delays": gettext_lazy(
        "Médiane et 90e centile (interpolation linéaire), en heures : de la découverte (à défaut la survenue) "
        "au dépôt, du dépôt à la qualification, du dépôt à la clôture."
    ),
}

# The keys of the printed « en bref », in its order.
HEADLINE_KEYS = (
    "declarations",
    "accompaniment_asked",
    "fssi_followed",
    "anssi_handled",
    "ansm_communicated",
    "sanitary_impact",
)


def round_share(fraction: float | None) -> str:
    """A share as the « en bref » prints it: to the nearest percent (half up), one decimal below 1 %
    (« 20 % », « 0,8 % »); « — » when there is nothing to divide."""
    if fraction is None:
        return "—"
    percent = Decimal(repr(float(fraction))) * 100
    if 0 < percent < 1:
        text = str(percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)).replace(".", ",")
        if text == "1,0":
            text = "1"
    else:
        text = str(percent.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return f"{text}\u00a0%"


def truncate_average(value: float | None) -> int | None:
    """A mean shown as an integer, truncated as the « en bref » does (392 / 12 = 32,7 → 32)."""
    if value is None:
        return None
    return int(Decimal(repr(float(value))).to_integral_value(rounding="ROUND_DOWN"))


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def scope_label(region: str | None, structure_type: str | None) -> str:
    parts = []
    if region:
        parts.append(statistics.region_names().get(region, region))
    if structure_type:
        types = statistics.structure_type_reference()
        if structure_type in types:
            parts.append(types[structure_type][0])
        else:
            parts.append(str(GROUP_LABELS.get(structure_type, structure_type)))
    return " — ".join(parts) if parts else _("National")


def compute_indicators(period: Period, *, region: str | None = None, structure_type: str | None = None) -> dict:
    """Every indicator of the period and the scope (national, one region's INSEE code, one structure type's code
    or observatory group), as plain JSON values."""
    qs = statistics.declarations_counted(
        start=period.start, end=period.end, region=region, structure_type=structure_type
    )
    totals = statistics.statistics_totals(qs)
    n = totals["declarations"]
    escalated = statistics.statistics_escalations(qs)
    regions = statistics.region_names()
    types = statistics.structure_type_reference()
    categories = statistics.category_reference()
    vectors = statistics.vector_labels()

    by_region_rows = statistics.statistics_group(qs, "region")
    by_region = {code: count for code, count in by_region_rows if code}
    top_region = None
    if by_region_rows and by_region_rows[0][0]:
        code, count = by_region_rows[0]
        top_region = {"code": code, "name": regions.get(code, code), "count": count}

    group_counts: dict[str, int] = {}
    status_counts = {"public": 0, "private": 0, "non_profit": 0}
    by_type_detail = []
    for code, count in statistics.statistics_group(qs, "structure_type"):
        label, group = types.get(code, (code, "autre"))
        group_counts[group] = group_counts.get(group, 0) + count
        if group == "es":
            status_counts[ES_STATUS.get(code, "public")] += count
        by_type_detail.append({"key": code, "label": str(label), "count": count, "share": _share(count, n)})
    by_structure_type = [
        {
            "key": group,
            "label": str(label),
            "count": group_counts.get(group, 0),
            "share": _share(group_counts.get(group, 0), n),
        }
        for group, label in GROUP_LABELS.items()
    ]
    es = group_counts.get("es", 0)

    malicious = totals["malicious"]
    main_vectors = [
        {
            "key": code,
            "label": str(vectors.get(code, code)) if code else _("Non renseigné"),
            "count": count,
            "share": _share(count, malicious),
        }
        for code, count in statistics.statistics_group(qs, "vector_malicious")
    ]
    typology = [
        {
            "key": code,
            "label": str(categories[code][0]) if code in categories else _("Non renseignée"),
            "family": categories[code][1] if code in categories else "",
            "count": count,
            "share": _share(count, n),
        }
        for code, count in statistics.statistics_group(qs, "category")
    ]
    months = statistics.statistics_by_month(qs, PARIS)
    structures = totals["declaring_structures"]

    return {
        "period": period.label,
        "period_code": period.code,
        "partial": period.is_partial(timezone.now()),
        "scope": {
            "region": region,
            "structure_type": structure_type,
            "label": scope_label(region, structure_type),
        },
        "declarations": n,
        "declaring_structures": structures,
        "declarations_per_structure": n / structures if structures else 0.0,
        "accompaniment_asked": totals["accompaniment_asked"],
        "accompaniment_asked_share": _share(totals["accompaniment_asked"], n),
        "accompaniments": accompaniments_count(declarations=qs),
        "fssi_followed": escalated.get("fssi", 0),
        "anssi_handled": escalated.get("anssi", 0),
        "ansm_communicated": escalated.get("ansm", 0),
        "dgs_informed": escalated.get("dgs", 0),
        "sanitary_impact": totals["sanitary_impact"],
        "monthly_average": n / period.months,
        "by_month": [{"month": f"{y}-{m:02d}", "count": months.get((y, m), 0)} for y, m in period.month_starts()],
        "by_region": by_region,
        "top_region": top_region,
        "by_structure_type": by_structure_type,
        "by_structure_type_detail": by_type_detail,
        "health_establishments": {
            "count": es,
            "share": _share(es, n),
            "public": _share(status_counts["public"], es),
            "private": _share(status_counts["private"], es),
            "non_profit": _share(status_counts["non_profit"], es),
        },
        "degraded_mode_share": _share(totals["degraded_mode"], n),
        "malicious_share": _share(malicious, n),
        "main_vectors": main_vectors,
        "potential_endangerment_share": _share(totals["potential_endangerment"], n),
        "actual_endangerment": totals["actual_endangerment"],
        "typology": typology,
        "ransomware_share": _share(totals["ransomware"], n),
        "data_impact": {
            "availability": _share(totals["availability"], n),
            "integrity": _share(totals["integrity"], n),
            "confidentiality": _share(totals["confidentiality"], n),
        },
        "provider_caused_share": _share(totals["provider_caused"], n),
        "delays": statistics.statistics_delays(qs),
    }
