"""Declaration pages. Thin: every read through the selectors, every write through a service."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from acss.accounts.selectors import actor_for
from acss.core.audit import AuditOrigin
from acss.core.calendars import zone_of
from acss.core.errors import Refusal, refusal_on_form
from acss.core.formsafety import login_required_keeping_post, pop_kept_post
from acss.core.idempotency import IdempotencyConflictError, scoped_key
from acss.core.panels import declaration_panels
from acss.incidents import access
from acss.incidents.forms.cases import AssignForm, CloseForm, EscalateForm, MergeForm, QualifyForm, ReasonForm
from acss.incidents.forms.declarations import (
    REVIEW_STEP,
    STEPS,
    AddendumForm,
    QuickAlertForm,
    SituationForm,
    as_form_data,
    iter_step_titles,
    raw_step_data,
    step_kwargs,
    validate_declaration,
)
from acss.incidents.models import DeclarationDraft, Situation
from acss.incidents.review import review_sections
from acss.incidents.rules import RANSOMWARE_CATEGORY, RANSOMWARE_WORDS
from acss.incidents.selectors.cases import acss_analysts, handling_view
from acss.incidents.selectors.declarations import (
    attachment_get_visible,
    declaration_get_for_action,
    declaration_get_visible,
    declaration_list_visible,
    declaration_with_state,
    declaring_on_behalf,
    draft_get_for_user,
    draft_get_submitted,
    draft_list_for_user,
    structures_for_declaring,
)
from acss.incidents.selectors.record import declaration_record
from acss.incidents.services import declarations as services
from acss.incidents.uploads import file_download, max_upload_label
from acss.incidents.views.cases import pop_kept_forms
from acss.reflexes.selectors import orientation_for_structure, reflex_sheets_for_categories

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _tz(structure) -> ZoneInfo:
    return zone_of(structure)


def _chosen_structure(structures, data, default=None):
    finess = (data or {}).get("structure") if data is not None else None
    if finess:
        return structures.filter(finess_et=finess).first() or default
    return default


def _kept_notice(request: HttpRequest, had_files: bool) -> None:
    messages.warning(
        request,
        _("Votre session avait expiré : vos réponses ont été conservées. Vérifiez-les, puis envoyez à nouveau."),
    )
    if had_files:
        messages.warning(request, _("Les fichiers joints n'ont pas pu être conservés : joignez-les à nouveau."))


@login_required
@require_safe
def declaration_list(request: HttpRequest) -> HttpResponse:
    declarations = declaration_with_state(declaration_list_visible(user=request.user).select_related("case"))
    page = Paginator(declarations, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "declarations/list.html",
        {
            "title": _("Déclarations"),
            "page": page,
            "drafts": draft_list_for_user(user=request.user),
            "declare_label": _declare_label(request.user),
        },
    )


def _declare_label(user) -> str | None:
    """The button to declare: for the people of a structure; on behalf of one, for ACSS and the ARS."""
    mode = access.declare_mode(user)
    if mode == access.DECLARE_AS_STRUCTURE:
        return _("Déclarer un incident")
    if mode == access.DECLARE_ON_BEHALF:
        return _("Saisir une déclaration pour le compte d'une structure")
    return None


@login_required
@require_safe
def declaration_detail(request: HttpRequest, reference: str) -> HttpResponse:

    declaration = declaration_get_visible(user=request.user, reference=reference)
    actor = actor_for(request.user)
    access.record_viewed(request, declaration)
    reads_handling = access.reads_handling(actor_or_user=actor, declaration=declaration)
    reads_routing = access.reads_routing(actor_or_user=actor)
    handling = handling_view(user=request.user, declaration=declaration)
    actions = (
        handling.actions
        if handling is not None
        else access.allowed_actions(actor_or_user=actor, declaration=declaration)
    )
    record = declaration_record(user=request.user, declaration=declaration, reads_handling=reads_handling)
    kept = pop_kept_forms(request, reference)
    forms = {}
    if handling is not None and handling.handling_actions:
        case = handling.case
        initial_qualify = {
            "criticity": case.criticity or case.provisional_criticity,
            "category": (case.category_id or declaration.category_id),
        }
        analysts = acss_analysts()
        forms = {
            "qualify": QualifyForm(kept.get("qualify"), initial=initial_qualify, auto_id="qualify_%s"),
            "close": CloseForm(
                kept.get("close"),
                auto_id="close_%s",
                initial={
                    "degraded_hours": declaration.degraded_hours,
                    "patients_affected": declaration.patients_count,
                    "provider": declaration.provider_name,
                },
            ),
            "out_of_scope": ReasonForm(kept.get("out_of_scope"), auto_id="oos_%s"),
            "escalate": EscalateForm(kept.get("escalate"), auto_id="escalate_%s"),
            "merge": MergeForm(kept.get("merge"), auto_id="merge_%s"),
            "assign": AssignForm(
                kept.get("assign"), analysts=analysts, auto_id="assign_%s", initial={"analyst": case.assigned_to_id}
            ),
        }
    return render(
        request,
        "declarations/detail.html",
        {
            "title": declaration.reference,
            "declaration": declaration,
            "d": declaration,
            "actions": actions,
            "reads_handling": reads_handling,
            "feature_panels": declaration_panels(request.user, declaration),
            "merged": record.merged,
            "addenda": record.addenda,
            "situations": record.situations,
            "attachments": record.attachments,
            "journal": record.journal,
            "notifications": declaration.notifications.all() if reads_routing else [],
            "suggestions": declaration.suggestions.select_related("authority") if reads_routing else [],
            "escalations": record.escalations,
            "tz": _tz(declaration.structure),
            "handling": handling,
            "forms": forms,
            "kept": kept,
            "submission_key": uuid.uuid4().hex,  # the thread's forms: a message sent twice is written once
        },
    )


@login_required
@require_safe
def declare_start(request: HttpRequest) -> HttpResponse:
    structures = structures_for_declaring(user=request.user)
    return render(
        request,
        "declarations/start.html",
        {
            "title": _("Déclarer un incident"),
            "structures": structures,
            "drafts": draft_list_for_user(user=request.user),
        },
    )


@login_required_keeping_post
@require_http_methods(["GET", "POST"])
def quick_alert(request: HttpRequest) -> HttpResponse:
    structures = structures_for_declaring(user=request.user)
    if not structures.exists():
        raise Http404("no structure to declare for")
    kept, had_files = pop_kept_post(request)
    data = request.POST if request.method == "POST" else kept
    if kept is not None:
        _kept_notice(request, had_files)
    if request.method == "POST":
        access.structure_check_for_declaring(structures=structures, finess=data.get("structure"))
    only = structures.first() if structures.count() == 1 else None
    structure = _chosen_structure(structures, data, default=only)
    tz = _tz(structure)
    form = QuickAlertForm(
        data,
        structures=structures,
        tz=tz,
        initial={
            "structure": only.finess_et if only else None,
            "callback_phone": request.user.phone,
            "alert_since": timezone.now().astimezone(tz).strftime(LOCAL_INPUT),
        },
    )
    key = (data or {}).get("submission_key") or uuid.uuid4().hex
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        declaration, _created = services.quick_alert_submit(
            by=request.user,
            structure=d["structure"],
            summary=d["alert_summary"],
            since=d["alert_since"],
            care_impact=d["alert_care_impact"],
            phone=d["callback_phone"],
            is_major=d["is_major"],
            on_behalf=declaring_on_behalf(user=request.user, structure=d["structure"]),
            idempotency_key=scoped_key(kind="alert", user_pk=request.user.pk, key=key),
            origin=AuditOrigin.of(request),
        )
        return redirect("incidents:receipt", reference=declaration.reference)
    return render(
        request, "declarations/quick_alert.html", {"title": _("Première alerte"), "form": form, "submission_key": key}
    )


def _prefill(user) -> dict:
    return {
        "declarant_name": user.display_name,
        "declarant_function": user.job_title,
        "declarant_phone": user.phone,
        "declarant_email": user.email,
    }


@login_required
@require_POST
def draft_new(request: HttpRequest) -> HttpResponse:
    if not structures_for_declaring(user=request.user).exists():
        raise Http404("no structure to declare for")
    draft = services.draft_create(by=request.user, data=_prefill(request.user), origin=AuditOrigin.of(request))
    return redirect("incidents:draft_step", key=draft.key, step=1)


@login_required
@require_POST
def declaration_complete_start(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_for_action(user=request.user, reference=reference, action=access.COMPLETE)
    if not declaration.is_quick_alert_pending:
        messages.info(request, _("Cette déclaration est déjà complète : ajoutez plutôt un complément."))
        return redirect("incidents:detail", reference=reference)
    draft = draft_list_for_user(user=request.user).filter(completes=declaration).first()
    if draft is None:
        tz = _tz(declaration.structure)
        data = {
            **_prefill(request.user),
            "structure": declaration.structure.finess_et,
            "title": declaration.alert_summary[:200],
            "description": declaration.alert_summary,
            "functioning": declaration.alert_care_impact,
            "discovered_at": declaration.alert_since.astimezone(tz).strftime(LOCAL_INPUT)
            if declaration.alert_since
            else "",
        }
        if declaration.callback_phone:
            data["declarant_phone"] = declaration.callback_phone
        draft = services.draft_create(by=request.user, data=data, completes=declaration, origin=AuditOrigin.of(request))
    return redirect("incidents:draft_step", key=draft.key, step=1)


@login_required_keeping_post
@require_http_methods(["GET", "POST"])
def draft_step(request: HttpRequest, key: uuid.UUID, step: int) -> HttpResponse:
    draft = draft_get_for_user(user=request.user, key=key)
    if step == REVIEW_STEP:
        return _review(request, draft)
    if not 1 <= step <= len(STEPS):
        raise Http404("no such step")
    step_form = STEPS[step - 1]
    structures = structures_for_declaring(user=request.user)
    if draft.completes_id:
        structures = structures.filter(pk=draft.completes.structure_id)
    kept, had_files = pop_kept_post(request)
    if kept is not None:
        _kept_notice(request, had_files)
    posted = request.POST if request.method == "POST" else kept
    tz = _tz(_chosen_structure(structures, posted, default=draft.structure))
    kwargs = step_kwargs(step_form, structures=structures)
    if posted is None:
        form = step_form(tz=tz, initial=draft.data, **kwargs)
    else:
        raw = raw_step_data(posted, step_form)
        form = step_form(as_form_data(raw), tz=tz, **kwargs)
        valid = form.is_valid()
        structure = form.cleaned_data["structure"] if valid and step == 1 else None
        draft = services.draft_step_save(
            draft=draft,
            by=request.user,
            step=step,
            raw=raw,
            structure=structure,
            on_behalf=structure is not None and declaring_on_behalf(user=request.user, structure=structure),
            origin=AuditOrigin.of(request),
        )
        if request.method == "POST":
            valid = _store_files(request, draft, form) and valid
            move = request.POST.get("nav", "next")
            if move == "previous" and step > 1:
                return redirect("incidents:draft_step", key=draft.key, step=step - 1)
            if valid and move == "save":
                messages.success(request, _("Brouillon enregistré. Vous pouvez le reprendre depuis « Déclarer »."))
                return redirect("incidents:draft_step", key=draft.key, step=step)
            if valid:
                return redirect("incidents:draft_step", key=draft.key, step=step + 1)
    return render(
        request,
        "declarations/draft_step.html",
        {
            "title": _("Déclaration — étape %(n)s sur %(total)s : %(name)s")
            % {"n": step, "total": REVIEW_STEP, "name": step_form.step_title},
            "form": form,
            "draft": draft,
            "step": step,
            "steps": list(iter_step_titles()),
            "total": REVIEW_STEP,
            "step_title": step_form.step_title,
            "next_title": STEPS[step].step_title if step < len(STEPS) else _("Vérification et envoi"),
            "is_files_step": step == len(STEPS),
            "draft_files": draft.attachments.all() if step == len(STEPS) else [],
            "max_upload": max_upload_label(),
        },
    )


def _store_files(request: HttpRequest, draft: DeclarationDraft, form) -> bool:
    ok = True
    for upload in request.FILES.getlist("files"):
        try:
            services.attachment_store(upload=upload, by=request.user, draft=draft, origin=AuditOrigin.of(request))
        except Refusal as exc:
            form.add_error(None, exc.message)  # above the step's form, with the step's own errors
            ok = False
    return ok


def _review(request: HttpRequest, draft: DeclarationDraft) -> HttpResponse:
    structures = structures_for_declaring(user=request.user)
    tz = _tz(draft.structure)
    cleaned, errors = validate_declaration(as_form_data(draft.data), structures=structures, tz=tz)
    steps_in_error = sorted({n for n, f in enumerate(STEPS, start=1) for name in errors if name in f.base_fields})
    return render(
        request,
        "declarations/review.html",
        {
            "title": _("Déclaration — vérification et envoi"),
            "draft": draft,
            "sections": []
            if errors
            else review_sections(cleaned, structures=structures, tz=tz, files=draft.attachments.all()),
            "errors": errors,
            "steps_in_error": steps_in_error,
            "steps": list(iter_step_titles()),
            "step": REVIEW_STEP,
            "total": REVIEW_STEP,
            "step_title": _("Vérification et envoi"),
        },
    )


@login_required_keeping_post
@require_POST
def draft_submit(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    done = draft_get_submitted(user=request.user, key=key)
    if done is not None:  # a double click or a retry: the same declaration
        return redirect("incidents:receipt", reference=done.submitted.reference)
    draft = draft_get_for_user(user=request.user, key=key)
    structures = structures_for_declaring(user=request.user)
    cleaned, errors = validate_declaration(as_form_data(draft.data), structures=structures, tz=_tz(draft.structure))
    if errors:
        first = min(n for n, f in enumerate(STEPS, start=1) for name in errors if name in f.base_fields)
        messages.error(request, _("Certaines réponses sont à corriger avant l'envoi."))
        return redirect("incidents:draft_step", key=draft.key, step=first)
    if draft.completes_id:
        declaration, _created = services.declaration_complete(
            declaration=draft.completes, by=request.user, cleaned=cleaned, draft=draft, origin=AuditOrigin.of(request)
        )
    else:
        declaration, _created = services.declaration_submit(
            by=request.user,
            structure=cleaned["structure"],
            cleaned=cleaned,
            draft=draft,
            on_behalf=declaring_on_behalf(user=request.user, structure=cleaned["structure"]),
            idempotency_key=f"draft:{draft.key}",
            origin=AuditOrigin.of(request),
        )
    return redirect("incidents:receipt", reference=declaration.reference)


@login_required
@require_POST
def draft_delete(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    draft = draft_get_for_user(user=request.user, key=key)
    services.draft_delete(draft=draft, by=request.user, origin=AuditOrigin.of(request))
    messages.info(request, _("Brouillon supprimé."))
    return redirect("incidents:start")


@login_required
@require_safe
def receipt(request: HttpRequest, reference: str) -> HttpResponse:

    declaration = declaration_get_visible(user=request.user, reference=reference)
    codes = [declaration.category_id] if declaration.category_id else []

    if not codes and RANSOMWARE_WORDS.search(declaration.alert_summary):
        codes = [RANSOMWARE_CATEGORY]
    return render(
        request,
        "declarations/receipt.html",
        {
            "title": _("Accusé de réception %(ref)s") % {"ref": declaration.reference},
            "d": declaration,
            "tz": _tz(declaration.structure),
            "sheets": reflex_sheets_for_categories(category_codes=codes),
            "orientation": orientation_for_structure(declaration.structure),
            "actions": access.allowed_actions(actor_or_user=request.user, declaration=declaration),
        },
    )


def _sent_already() -> str:
    """A form sent again with other content (back in the browser, text changed): the first one stands."""
    return _(
        "Ce formulaire a déjà été envoyé avec un autre contenu : rien n'a été enregistré cette fois. Vérifiez la "
        "déclaration, puis enregistrez de nouveau s'il s'agit bien d'un nouvel ajout."
    )


@login_required_keeping_post
@require_http_methods(["GET", "POST"])
def addendum_new(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_for_action(user=request.user, reference=reference, action=access.ADDENDUM)
    kept, had_files = pop_kept_post(request)
    if kept is not None:
        _kept_notice(request, had_files)
    data = request.POST if request.method == "POST" else kept
    form = AddendumForm(data, request.FILES or None)
    key = (data or {}).get("submission_key") or uuid.uuid4().hex
    if request.method == "POST" and form.is_valid():
        try:
            services.addendum_add(
                declaration=declaration,
                by=request.user,
                kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"],
                uploads=request.FILES.getlist("files"),
                idempotency_key=scoped_key(kind="addendum", user_pk=request.user.pk, key=key),
                origin=AuditOrigin.of(request),
            )
        except IdempotencyConflictError:
            form.add_error(None, _sent_already())
            key = uuid.uuid4().hex  # sent again on purpose, it is a new one
        except Refusal as exc:
            refusal_on_form(form, exc)
        else:
            messages.success(request, _("Complément ajouté à la déclaration %(ref)s.") % {"ref": declaration.reference})
            return redirect("incidents:detail", reference=reference)
    return render(
        request,
        "declarations/addendum.html",
        {"title": _("Ajouter un complément"), "form": form, "d": declaration, "submission_key": key},
    )


@login_required_keeping_post
@require_http_methods(["GET", "POST"])
def situation_new(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_for_action(user=request.user, reference=reference, action=access.SITUATION)
    tz = _tz(declaration.structure)
    kept, had_files = pop_kept_post(request)
    if kept is not None:
        _kept_notice(request, had_files)
    data = request.POST if request.method == "POST" else kept
    form = SituationForm(data, tz=tz, initial={"effective_at": timezone.now().astimezone(tz).strftime(LOCAL_INPUT)})
    key = (data or {}).get("submission_key") or uuid.uuid4().hex
    if request.method == "POST" and form.is_valid():
        try:
            services.situation_update_add(
                declaration=declaration,
                by=request.user,
                origin=AuditOrigin.of(request),
                idempotency_key=scoped_key(kind="situation", user_pk=request.user.pk, key=key),
                **form.cleaned_data,
            )
        except IdempotencyConflictError:
            form.add_error(None, _sent_already())
            key = uuid.uuid4().hex  # sent again on purpose, it is a new one
        else:
            messages.success(
                request,
                _("Point de situation enregistré : %(situation)s.")
                % {"situation": Situation(form.cleaned_data["situation"]).label.lower()},
            )
            return redirect("incidents:detail", reference=reference)
    return render(
        request,
        "declarations/situation.html",
        {"title": _("Mettre à jour la situation"), "form": form, "d": declaration, "submission_key": key},
    )


@login_required
@require_safe
def attachment_download(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    declaration, attachment = attachment_get_visible(user=request.user, reference=reference, pk=pk)
    access.record_downloaded(request, declaration, attachment)
    return file_download(attachment.file, filename=attachment.original_name)
