"""What the pages, the report and the exports show of a set of indicators (a published snapshot, or the live
figures of a dashboard): the six key figures, the « en bref » sections with their charts, the export rows.
Pure: it reads the indicators' dict and never the database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import charts
from .indicators import HEADLINE_KEYS, round_share, truncate_average
from .national import COMPUTED_BY_PLATFORM, NATIONAL_YEARS, PUBLISHED_BY


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str
    definition: str


def _figure(figures: dict, key: str, value: str) -> Figure:
    return Figure(key, figures["labels"].get(key, key), value, figures["definitions"].get(key, ""))


def key_figures(figures: dict) -> list[Figure]:
    """The six key figures of the « en bref », in its order, each with its definition."""
    ind = figures["indicators"]
    return [_figure(figures, key, f"{ind.get(key, 0)}") for key in HEADLINE_KEYS]


def definitions(figures: dict) -> list[tuple[str, str]]:
    """(label, definition) of every indicator that has one, in the order of the definitions."""
    return [(figures["labels"].get(k, k), d) for k, d in figures["definitions"].items()]


def sections(figures: dict, *, prefix: str = "y") -> dict:
    """The « en bref » below the key figures: month, region, structure types, origin and vectors, endangerment."""
    ind = figures["indicators"]
    regions = figures.get("regions", {})
    months = ind.get("by_month", [])
    partial_month = None
    if ind.get("partial") and months:
        partial_month = max((m["month"] for m in months if m["count"]), default=None)
    by_month = charts.bar_chart(
        chart_id=f"{prefix}-mois",
        title=_("Déclarations par mois"),
        points=charts.even_months(
            {m["month"]: m["count"] for m in months}, [m["month"] for m in months], partial=partial_month
        ),
        value_label=_("déclarations"),
        label_header=_("Mois"),
    )
    region_rows = sorted(ind.get("by_region", {}).items(), key=lambda item: (-item[1], regions.get(item[0], item[0])))
    by_region = charts.bar_chart(
        chart_id=f"{prefix}-regions",
        title=_("Déclarations par région"),
        points=[charts.Point(regions.get(code, code), count) for code, count in region_rows],
        value_label=_("déclarations"),
        label_header=_("Région"),
        horizontal=True,
    )
    types = charts.bar_chart(
        chart_id=f"{prefix}-types",
        title=_("Déclarations par type de structure"),
        points=[
            charts.Point(t["label"], t["count"], note=round_share(t["share"])) for t in ind.get("by_structure_type", [])
        ],
        value_label=_("déclarations"),
        label_header=_("Type de structure"),
        horizontal=True,
    )
    vectors = charts.bar_chart(
        chart_id=f"{prefix}-vecteurs",
        title=_("Vecteurs des incidents d'origine malveillante"),
        points=[
            charts.Point(v["label"], v["count"], note=round_share(v["share"])) for v in ind.get("main_vectors", [])
        ],
        value_label=_("déclarations"),
        label_header=_("Vecteur"),
        horizontal=True,
    )
    es = ind.get("health_establishments", {})
    top = ind.get("top_region")
    return {
        "month": {
            "average": _figure(figures, "monthly_average", str(truncate_average(ind.get("monthly_average", 0)) or 0)),
            "chart": by_month,
        },
        "region": {
            "top": _figure(figures, "top_region", f"{top['name']} ({top['count']})" if top else "—"),
            "chart": by_region,
        },
        "types": {
            "chart": types,
            "es": _figure(figures, "health_establishments", round_share(es.get("share"))),
            "es_split": [
                (_("public"), round_share(es.get("public"))),
                (_("privé"), round_share(es.get("private"))),
                (_("privé non lucratif (ESPIC)"), round_share(es.get("non_profit"))),
            ],
        },
        "origin": {
            "degraded": _figure(figures, "degraded_mode_share", round_share(ind.get("degraded_mode_share"))),
            "malicious": _figure(figures, "malicious_share", round_share(ind.get("malicious_share"))),
            "ransomware": _figure(figures, "ransomware_share", round_share(ind.get("ransomware_share"))),
            "chart": vectors,
        },
        "endangerment": {
            "potential": _figure(
                figures, "potential_endangerment_share", round_share(ind.get("potential_endangerment_share"))
            ),
            "actual": _figure(figures, "actual_endangerment", str(ind.get("actual_endangerment", 0))),
        },
    }


def trend(platform_years: list[dict]) -> tuple[charts.Chart, list[dict]]:
    """The national years as published beside the platform's own published years, each labelled which is which.
    A year the platform published is shown as computed (dotted), the others as published (solid)."""
    rows: dict[int, dict] = {}
    for n in NATIONAL_YEARS:
        rows[n.year] = {
            "year": n.year,
            "declarations": n.declarations,
            "computed": False,
            "label": PUBLISHED_BY % {"publisher": n.publisher},
            "source": n.source,
        }
    for p in platform_years:
        rows[p["year"]] = {
            "year": p["year"],
            "declarations": p["declarations"],
            "computed": True,
            "label": str(COMPUTED_BY_PLATFORM),
            "source": _("version %(version)s publiée sur la plateforme") % {"version": p["version"]},
            "version": p["version"],
        }
    ordered = [rows[y] for y in sorted(rows)]
    points = []
    if ordered:
        for year in range(ordered[0]["year"], ordered[-1]["year"] + 1):  # an even axis: a missing year is a gap
            row = rows.get(year)
            if row is None:
                points.append(charts.Point(str(year), 0, note=_("aucune donnée")))
            else:
                points.append(
                    charts.Point(
                        str(year),
                        row["declarations"],
                        charts.COMPUTED if row["computed"] else charts.SOLID,
                        row["label"],
                    )
                )
    chart = charts.bar_chart(
        chart_id="tendance",
        title=_("Déclarations par année"),
        points=points,
        value_label=_("déclarations"),
        label_header=_("Année"),
        legend=[
            (charts.SOLID, _("publié par l'observatoire national")),
            (charts.COMPUTED, str(COMPUTED_BY_PLATFORM)),
        ],
    )
    return chart, ordered


def _value(value) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else ("oui" if value else "non")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def export_rows(figures: dict) -> Iterator[tuple[str, str, str, str]]:
    """(key, label, value, definition) for every indicator, nested ones flattened (``by_month/2025-01``); shares
    are unrounded fractions, as stored."""
    labels, definitions = figures["labels"], figures["definitions"]
    regions = figures.get("regions", {})
    for key, value in figures["indicators"].items():
        label, definition = labels.get(key, key), definitions.get(key, "")
        if key in ("period", "period_code", "scope", "partial"):
            continue
        if isinstance(value, dict):
            for sub, sub_value in value.items():
                if isinstance(sub_value, dict):
                    for leaf, leaf_value in sub_value.items():
                        yield f"{key}/{sub}/{leaf}", label, _value(leaf_value), definition
                else:
                    name = regions.get(sub, sub) if key == "by_region" else sub
                    yield f"{key}/{sub}", f"{label} – {name}", _value(sub_value), definition
        elif isinstance(value, list):
            for item in value:
                item_key = item.get("key") or item.get("month") or ""
                item_label = item.get("label") or item_key
                yield f"{key}/{item_key}", f"{label} – {item_label}", _value(item.get("count")), definition
        else:
            yield key, label, _value(value), definition


def live_figures(indicators: dict, *, regions: dict[str, str]) -> dict:
    """Live indicators in the shape of a snapshot, for the dashboards."""
    from .indicators import DEFINITIONS, LABELS

    return {
        "indicators": indicators,
        "labels": {k: str(v) for k, v in LABELS.items()},
        "definitions": {k: str(v) for k, v in DEFINITIONS.items()},
        "regions": regions,
    }
