"""The regulatory filings' pages: the stages of a declaration, one stage's form (prefilled from the declaration),
its downloads (PDF, JSON) and the record of its sending. Thin: reads through ``selectors.filings``, writes
through the table of actions (``actions.FILING_ACTIONS``) that the API uses too."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from acss.core.audit import AuditOrigin
from acss.core.calendars import zone_of
from acss.core.errors import Refusal, refusal_on_form
from acss.core.formsafety import login_required_keeping_post
from acss.core.idempotency import IdempotencyConflictError, scoped_key
from acss.incidents import access
from acss.incidents.actions import FILING_ACTIONS, FILING_SAVE, FILING_SENT, filing_form, filing_run
from acss.incidents.selectors.filings import (
    filing_declaration_get,
    filing_display,
    filing_document,
    filing_rows,
    filing_stage_get,
    filing_versions,
)

# The PDF's own style (a document, not a page: WeasyPrint reads it, no browser does).
PDF_CSS = """
@page { size: A4; margin: 2cm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "Marianne", "DejaVu Sans", sans-serif; font-size: 10pt; color: #161616; }
h1 { font-size: 16pt; color: #000091; }
h2 { font-size: 11pt; margin: 1em 0 0.3em; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: bold; margin-bottom: 0.3em; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #ddd; padding: 0.2em 0.4em; }
"""


def _sent_again() -> str:
    return _(
        "Ce formulaire a déjà été envoyé avec un autre contenu : rien n'a été enregistré cette fois. Vérifiez, puis "
        "enregistrez de nouveau."
    )


@login_required
@require_safe
def filing_list(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = filing_declaration_get(user=request.user, reference=reference)
    access.record_viewed(request, declaration, via="filings")
    return render(
        request,
        "filings/list.html",
        {
            "title": _("Déclarations réglementaires"),
            "d": declaration,
            "rows": filing_rows(declaration=declaration, now=timezone.now()),
            "writes": access.writes_filings(actor_or_user=request.user, declaration=declaration),
        },
    )


def _stage_page(request, declaration, stage, *, content_form=None, sent_form=None, status=200) -> HttpResponse:
    document = filing_document(declaration=declaration, stage=stage, now=timezone.now())
    writes = access.writes_filings(actor_or_user=request.user, declaration=declaration)
    if writes and content_form is None:
        content_form = filing_form(FILING_SAVE, None, declaration=declaration, stage=stage)
        content_form.initial = document["content"]
    if writes and sent_form is None:
        sent_form = filing_form(FILING_SENT, None, declaration=declaration, stage=stage)
    return render(
        request,
        "filings/detail.html",
        {
            "title": document["stage_label"],
            "d": declaration,
            "doc": document,
            "fields": filing_display(stage=stage, content=document["content"]),
            "versions": filing_versions(declaration=declaration, stage=stage),
            "writes": writes,
            "form": content_form,
            "sent_form": sent_form,
            "submission_key": uuid.uuid4().hex,
        },
        status=status,
    )


def _write(request, reference: str, stage: str, name: str) -> HttpResponse:
    declaration = filing_declaration_get(user=request.user, reference=reference)
    stage = filing_stage_get(declaration=declaration, stage=stage)
    access.check_filing(actor_or_user=request.user, declaration=declaration)
    form = filing_form(name, request.POST, declaration=declaration, stage=stage)
    if form.is_valid():
        key = scoped_key(kind=f"filing-{name}", user_pk=request.user.pk, key=request.POST.get("submission_key"))
        try:
            filing_run(
                name=name,
                declaration=declaration,
                stage=stage,
                by=request.user,
                form=form,
                key=key,
                origin=AuditOrigin.of(request),
            )
        except IdempotencyConflictError:
            form.add_error(None, _sent_again())
        except Refusal as exc:
            refusal_on_form(form, exc)
        else:
            messages.success(request, FILING_ACTIONS[name].done(stage))
            return redirect("incidents:filing", reference=reference, stage=stage)
    forms = {"content_form": form} if name == FILING_SAVE else {"sent_form": form}
    return _stage_page(request, declaration, stage, **forms)


@login_required_keeping_post
@require_http_methods(["GET", "POST"])
def filing_detail(request: HttpRequest, reference: str, stage: str) -> HttpResponse:
    if request.method == "POST":
        return _write(request, reference, stage, FILING_SAVE)
    declaration = filing_declaration_get(user=request.user, reference=reference)
    return _stage_page(request, declaration, filing_stage_get(declaration=declaration, stage=stage))


@login_required_keeping_post
@require_POST
def filing_sent(request: HttpRequest, reference: str, stage: str) -> HttpResponse:
    return _write(request, reference, stage, FILING_SENT)


def _filename(document: dict, ext: str) -> str:
    return f"{document['declaration']}-{document['stage'].replace('_', '-')}.{ext}"


@login_required
@require_safe
def filing_json(request: HttpRequest, reference: str, stage: str) -> HttpResponse:
    declaration = filing_declaration_get(user=request.user, reference=reference)
    document = filing_document(
        declaration=declaration, stage=filing_stage_get(declaration=declaration, stage=stage), now=timezone.now()
    )
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(document, "json")}"'
    return response


@login_required
@require_safe
def filing_pdf(request: HttpRequest, reference: str, stage: str) -> HttpResponse:
    from acss.core.pdf import pdf_from_html  # WeasyPrint is heavy: loaded on the first download only

    declaration = filing_declaration_get(user=request.user, reference=reference)
    document = filing_document(
        declaration=declaration, stage=filing_stage_get(declaration=declaration, stage=stage), now=timezone.now()
    )
    html = render_to_string(
        "filings/document.html",
        {
            "d": declaration,
            "doc": document,
            "fields": filing_display(stage=document["stage"], content=document["content"]),
            "zone": zone_of(declaration.structure),
        },
    )
    response = HttpResponse(pdf_from_html(html, css_text=PDF_CSS), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(document, "pdf")}"'
    return response
