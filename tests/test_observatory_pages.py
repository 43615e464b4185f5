"""The observatory's pages: the public « en bref » and trend, a published year's report (HTML, PDF), its exports
(CSV, XLSX) and open data, the charts with their tables, the ARS and cell dashboards."""

from __future__ import annotations

import csv
import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from acss.observatory.national import NATIONAL_YEARS

from .observatory_helpers import PAST_YEAR, main_of, past_declarations, published_year


def test_the_public_page_shows_the_national_years_beside_the_platforms_own(world):
    past_declarations(world, 4)
    published_year(world)
    response = world.client("anonymous").get(reverse("observatory:public"))
    assert response.status_code == 200
    html = main_of(response)
    for national in NATIONAL_YEARS:
        assert f'<th scope="row">{national.year}</th><td>{national.declarations}</td>' in html
    assert "Observatoire des incidents de sécurité des systèmes d&#x27;information pour le secteur santé – 2019" in html
    assert html.count("publié par") >= len(NATIONAL_YEARS)
    assert f'<a href="/observatoire/{PAST_YEAR}/">{PAST_YEAR}</a></th><td>4</td><td>calculé par la plateforme' in html
    assert f"{PAST_YEAR} en bref" in html


def test_the_public_page_without_any_published_year_says_so(world):
    html = main_of(world.client("anonymous").get(reverse("observatory:public")))
    assert "aucune année" in html
    assert "2024" in html  # the national years are there anyway


def test_a_year_not_published_is_a_404(world):
    past_declarations(world, 2)
    for route in ("year", "report", "report_pdf", "indicators_csv", "indicators_xlsx", "open_data"):
        assert world.client("anonymous").get(reverse(f"observatory:{route}", args=[PAST_YEAR])).status_code == 404


def test_every_chart_has_a_title_a_description_and_its_table(world):
    past_declarations(world, 12)
    published_year(world)
    html = main_of(world.client("anonymous").get(reverse("observatory:year", args=[PAST_YEAR])))
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    assert len(svgs) >= 4
    for svg in svgs:
        chart_id = re.search(r'aria-labelledby="([\w-]+)-title \1-desc"', svg).group(1)
        assert 'role="img"' in svg
        assert f'<title id="{chart_id}-title">' in svg and f'<desc id="{chart_id}-desc">' in svg
        assert f'<table id="{chart_id}-table">' in html
        assert "style=" not in svg and "<script" not in svg
    # The month chart: one bar a month (an even axis), January to December.
    months = re.search(r'<table id="y-mois-table">.*?</table>', html, flags=re.S).group(0)
    assert months.count('<th scope="row">') == 12
    assert "janv. 2025" in months and "déc. 2025" in months


def test_the_report_pdf_is_an_attachment(world):
    past_declarations(world, 3)
    published_year(world)
    html = world.client("anonymous").get(reverse("observatory:report", args=[PAST_YEAR]))
    assert html.status_code == 200
    assert "Définitions" in html.content.decode()
    response = world.client("anonymous").get(reverse("observatory:report_pdf", args=[PAST_YEAR]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")


def test_the_indicators_export_as_csv_and_xlsx(world):
    past_declarations(world, 5)
    published = published_year(world)
    response = world.client("anonymous").get(reverse("observatory:indicators_csv", args=[PAST_YEAR]))
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_key = {row["indicateur"]: row for row in rows}
    assert by_key["declarations"]["valeur"] == "5"
    assert by_key["declarations"]["definition"] == published.figures["definitions"]["declarations"]
    assert by_key[f"by_month/{PAST_YEAR}-01"]["valeur"] == "1"
    xlsx = world.client("anonymous").get(reverse("observatory:indicators_xlsx", args=[PAST_YEAR]))
    assert xlsx["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book["Indicateurs"]
    values = {row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["declarations"] == 5
    assert dict(book["Source"].iter_rows(values_only=True))["Version"] == 1


def test_the_open_data_file_masks_small_cells(world):
    past_declarations(world, 6)
    published_year(world)
    response = world.client("anonymous").get(reverse("observatory:open_data", args=[PAST_YEAR]))
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows
    for row in rows:
        if row["secret_statistique"] == "oui":
            assert row["structures_declarantes"] == "" and row["declarations"] == ""
        else:
            assert int(row["structures_declarantes"]) == 0 or int(row["structures_declarantes"]) >= 5
    # Three structures only: the grand total itself is secret.
    total = next(r for r in rows if r["region"] == "Total" and r["groupe_structures"] == "Total")
    assert total["secret_statistique"] == "oui"


def test_the_ars_dashboard_is_its_own_regions_only(world):
    past_declarations(world, 3)
    ars = world.client("ars_idf")
    home = ars.get(reverse("observatory:ars"))
    assert home.status_code == 302 and home["Location"] == reverse("observatory:ars_region", args=["11"])
    page = ars.get(reverse("observatory:ars_region", args=["11"]))
    assert page.status_code == 200
    assert "Île-de-France" in page.content.decode()
    assert ars.get(reverse("observatory:ars_region", args=["76"])).status_code == 404
    assert world.client("ars_other").get(reverse("observatory:ars_region", args=["11"])).status_code == 404
    assert world.client("analyst").get(reverse("observatory:ars_region", args=["76"])).status_code == 200
    assert world.client("declarant_a").get(reverse("observatory:ars_region", args=["11"])).status_code == 404


def test_the_cell_dashboard_marks_the_current_month_and_year_partial(world):
    past_declarations(world, 3)
    html = main_of(world.client("analyst").get(reverse("observatory:cell")))
    months = re.search(r'<table id="c-18-mois-table">.*?</table>', html, flags=re.S).group(0)
    assert months.count('<th scope="row">') == 18
    assert months.count("partiel") == 1
    assert "Période en cours (partielle)" in html
    years = re.search(r'<table id="c-annees-table">.*?</table>', html, flags=re.S).group(0)
    assert f'<th scope="row">{PAST_YEAR}</th><td>3</td>' in years
    assert '<th scope="row">2026</th><td>3</td><td>partiel</td>' in years
    assert 'name="reason"' in html
    assert world.client("declarant_a").get(reverse("observatory:cell")).status_code == 404


def test_the_public_pages_read_the_snapshot_not_the_declarations(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    past_declarations(world, 3)
    published_year(world)
    client = world.client("anonymous")
    for url in (reverse("observatory:public"), reverse("observatory:year", args=[PAST_YEAR])):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        touched = [q["sql"] for q in queries.captured_queries if "declarations_declaration" in q["sql"]]
        assert touched == [], url
        assert len(queries.captured_queries) <= 8, url
