"""The observatory's pages. Public: the latest published year and the national trend, a published year's
« en bref », its report (HTML and PDF), its indicators (CSV, XLSX) and its open data; all read from the
snapshot, never from the declarations. Staff: the ARS regional dashboard (its own region; the cell any) and the
cell's dashboard with the publication form."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal, refusal_on_form

from . import access, charts, presentation, publication, selectors
from .forms import PublishForm
from .periods import Period

MONTHS_SHOWN = 18


def _published_or_404(request: HttpRequest, year: int):
    version = request.GET.get("version")
    published = selectors.published_year_get(year=year, version=int(version) if version and version.isdigit() else None)
    if published is None:
        raise Http404(_("Cette année n'est pas publiée."))
    return published


def _year_context(published) -> dict:
    figures = published.figures
    return {
        "published": published,
        "figures": figures,
        "key_figures": presentation.key_figures(figures),
        "sections": presentation.sections(figures),
        "definitions": presentation.definitions(figures),
    }


@require_safe
def public(request: HttpRequest) -> HttpResponse:
    summary = selectors.published_years_summary()
    chart, years = presentation.trend(summary)
    context = {"trend": chart, "years": years}
    if summary:
        published = selectors.published_year_latest(summary[-1]["year"])
        context |= _year_context(published)
    return render(request, "observatory/public.html", context)


@require_safe
def year(request: HttpRequest, year: int) -> HttpResponse:
    published = _published_or_404(request, year)
    context = _year_context(published) | {"versions": selectors.published_year_versions(year)}
    return render(request, "observatory/year.html", context)


@require_safe
def report(request: HttpRequest, year: int) -> HttpResponse:
    published = _published_or_404(request, year)
    return render(request, "observatory/report.html", _year_context(published))


@require_safe
def report_pdf(request: HttpRequest, year: int) -> HttpResponse:
    from django.contrib.staticfiles import finders

    from acss.core.pdf import pdf_from_html

    published = _published_or_404(request, year)
    html = render_to_string("observatory/report_pdf.html", _year_context(published), request=request)
    pdf = pdf_from_html(html, css_files=(finders.find("acss/observatory-report.css"),))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="observatoire-{published.year}-v{published.version}.pdf"'
    return response


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def indicators_csv(request: HttpRequest, year: int) -> HttpResponse:
    published = _published_or_404(request, year)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["annee", "version", "indicateur", "libelle", "valeur", "definition"])
    for key, label, value, definition in presentation.export_rows(published.figures):
        writer.writerow([published.year, published.version, key, label, value, definition])
    return _download(
        ("\ufeff" + out.getvalue()).encode(),
        "text/csv; charset=utf-8",
        f"observatoire-{published.year}-v{published.version}-indicateurs.csv",
    )


@require_safe
def indicators_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    from openpyxl import Workbook

    published = _published_or_404(request, year)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Indicateurs")
    sheet.append([_("Indicateur"), _("Libellé"), _("Valeur"), _("Définition")])
    for key, label, value, definition in presentation.export_rows(published.figures):
        try:
            cell_value = int(value) if value.lstrip("-").isdigit() else float(value)
        except ValueError:
            cell_value = value
        sheet.append([key, label, cell_value, definition])
    about = book.create_sheet(_("Source"))
    about.append([_("Année"), published.year])
    about.append([_("Version"), published.version])
    about.append([_("Publiée le"), published.published_at.isoformat()])
    about.append([_("Version du logiciel"), published.software_version])
    if published.reason:
        about.append([_("Motif"), published.reason])
    out = io.BytesIO()
    book.save(out)
    return _download(
        out.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"observatoire-{published.year}-v{published.version}-indicateurs.xlsx",
    )


@require_safe
def open_data(request: HttpRequest, year: int) -> HttpResponse:
    published = _published_or_404(request, year)
    data = published.open_data
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "annee",
            "version",
            "code_region",
            "region",
            "groupe_structures",
            "structures_declarantes",
            "declarations",
            "secret_statistique",
        ]
    )
    total = _("Total")
    for cell in data["cells"]:
        writer.writerow(
            [
                published.year,
                published.version,
                "" if cell["row"] == "total" else cell["row"],
                total if cell["row"] == "total" else data["regions"].get(cell["row"], cell["row"]),
                total if cell["col"] == "total" else data["groups"].get(cell["col"], cell["col"]),
                "" if cell["structures"] is None else cell["structures"],
                "" if cell["declarations"] is None else cell["declarations"],
                "oui" if cell["secret"] else "non",
            ]
        )
    return _download(
        out.getvalue().encode(),
        "text/csv; charset=utf-8",
        f"observatoire-{published.year}-v{published.version}-donnees-ouvertes.csv",
    )


# --- staff dashboards ---------------------------------------------------------------------------------------


def _months_chart(*, chart_id: str, region: str | None = None) -> charts.Chart:
    now = selectors.now_paris()
    months = charts.last_months(now.date(), MONTHS_SHOWN)
    counts = selectors.monthly_counts(months=months, region=region)
    return charts.bar_chart(
        chart_id=chart_id,
        title=_("Déclarations par mois, %(count)s derniers mois") % {"count": MONTHS_SHOWN},
        points=charts.even_months(counts, months, partial=months[-1]),
        value_label=_("déclarations"),
        label_header=_("Mois"),
    )


def _live(region: str | None, prefix: str) -> dict:
    now = selectors.now_paris()
    period = Period.year_of(now.year)
    figures = presentation.live_figures(selectors.live_indicators(period, region=region), regions=selectors.regions())
    return {
        "period": period,
        "key_figures": presentation.key_figures(figures),
        "sections": presentation.sections(figures, prefix=prefix),
        "months_chart": _months_chart(chart_id=f"{prefix}-18-mois", region=region),
    }


@login_required
@require_safe
def ars_home(request: HttpRequest) -> HttpResponse:
    codes = access.dashboard_regions(request.user)
    if codes is None:
        return redirect("observatory:cell")
    if not codes:
        raise Http404("observatoire régional")
    return redirect("observatory:ars_region", region=sorted(codes)[0])


@login_required
@require_safe
def ars_region(request: HttpRequest, region: str) -> HttpResponse:
    found = selectors.region_get(region)
    if found is None or not access.reads_region(request.user, region):
        raise Http404("observatoire régional")
    codes = access.dashboard_regions(request.user)
    names = selectors.regions()
    others = [] if codes is None else [(code, names.get(code, code)) for code in sorted(codes - {region})]
    context = {"region": found, "others": others} | _live(region, "r")
    return render(request, "observatory/ars.html", context)


def _publishable_years() -> list[int]:
    now = selectors.now_paris()
    years = [y for y in selectors.yearly_counts() if y < now.year]
    last = now.year - 1
    return sorted(set(years) | {last}, reverse=True)


def _cell_page(request: HttpRequest, form: PublishForm, status: int = 200) -> HttpResponse:
    now = selectors.now_paris()
    yearly = charts.bar_chart(
        chart_id="c-annees",
        title=_("Déclarations par année"),
        points=charts.even_years(selectors.yearly_counts(), partial=now.year),
        value_label=_("déclarations"),
        label_header=_("Année"),
    )
    context = {"yearly_chart": yearly, "form": form, "versions": selectors.published_versions_all()} | _live(None, "c")
    return render(request, "observatory/cell.html", context, status=status)


@login_required
@require_safe
def cell(request: HttpRequest) -> HttpResponse:
    if not access.publishes(request.user):
        raise Http404("observatoire")
    return _cell_page(request, PublishForm(years=_publishable_years()))


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    if not access.publishes(request.user):
        raise Http404("observatoire")
    form = PublishForm(request.POST, years=_publishable_years())
    if form.is_valid():
        try:
            published = publication.year_publish(
                year=form.cleaned_data["year"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                origin=AuditOrigin.of(request),
            )
        except Refusal as refusal:
            refusal_on_form(form, refusal)
        else:
            messages.success(
                request,
                _("L'année %(year)s est publiée (version %(version)s).")
                % {"year": published.year, "version": published.version},
            )
            return redirect("observatory:year", year=published.year)
    return _cell_page(request, form, status=400)
