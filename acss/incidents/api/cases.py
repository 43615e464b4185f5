"""REST API v1 for the handling of a declaration: the case, its thread, its actions.

Every endpoint reads the declaration through ``declaration_get_visible`` (a declaration one may not see is a
404, like a missing one) and writes through the services of ``handling`` — the same rules and the same French
messages as the pages. A visible declaration on which the person may not do the action answers 403 with the
French message (``acss.incidents.access.check_action``, as on the pages); an action the case refuses (wrong state, missing justification…) answers 400.

Authentication is by token only (``Authorization: Token …``, one ``rest_framework.authtoken`` token per
person). Staff (ACSS, ARS, authorities) get a token only from an administrator, who creates it in the admin
site once the person has enrolled their second factor: the token stands in for that second factor, so it is
given to a named person only and revoked by deleting it. There is no self-service token page.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from acss.accounts.selectors import actor_for
from acss.core.api import ErrorSerializer, form_input, form_request_serializer
from acss.core.audit import AuditOrigin
from acss.core.idempotency import scoped_key
from acss.incidents import access, actions
from acss.incidents.api.filings import FilingStageSerializer, rows_data
from acss.incidents.forms.cases import MessageForm
from acss.incidents.models import Case, CaseState, Declaration, Message, MessageKind
from acss.incidents.rules import STRUCTURE_STATUS
from acss.incidents.selectors.cases import (
    case_get_for_declaration,
    message_get_for_display,
    message_list_visible,
)
from acss.incidents.selectors.declarations import declaration_get_visible
from acss.incidents.selectors.filings import declaration_deadlines
from acss.incidents.selectors.record import merged_into

# --------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------

ErrorsSerializer = inline_serializer(
    "HandlingErrors",
    fields={
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Messages en français, par champ ; « __all__ » pour ce qui concerne l'action entière.",
        )
    },
)


class Nis2DeadlinesSerializer(serializers.Serializer):
    early_warning = serializers.DateTimeField(help_text="Alerte précoce : 24 h réelles après la prise de connaissance.")
    notification = serializers.DateTimeField(help_text="Notification : 72 h réelles après la prise de connaissance.")
    final_report = serializers.DateTimeField(
        help_text="Rapport final : un mois calendaire après l'envoi de la notification, à l'heure locale de la "
        "structure (le jour ramené à la fin du mois si besoin)."
    )
    final_report_is_earliest = serializers.BooleanField(
        help_text="Vrai tant que l'envoi de la notification n'est pas connu : le rapport final est alors compté "
        "depuis la prise de connaissance, au plus tôt."
    )


class CnilDeadlineSerializer(serializers.Serializer):
    notification = serializers.DateTimeField(help_text="72 h après la prise de connaissance (RGPD, art. 33).")
    notified = serializers.BooleanField(
        help_text="La structure a déclaré avoir notifié la CNIL (dans sa déclaration, ou en enregistrant l'envoi de "
        "la notification préparée sur la plateforme)."
    )


class RegulatoryDeadlinesSerializer(serializers.Serializer):
    aware_at = serializers.DateTimeField(
        help_text="Prise de connaissance : découverte déclarée, sinon début de l'alerte, sinon dépôt."
    )
    nis2 = Nis2DeadlinesSerializer(allow_null=True, help_text="Null si la structure n'est pas une entité NIS 2.")
    cnil = CnilDeadlineSerializer(allow_null=True, help_text="Null si aucune donnée personnelle n'est en cause.")
    stages = FilingStageSerializer(
        many=True,
        help_text="Chaque étape due, avec son état : envoyée (sent, avec la date déclarée par la structure), en "
        "retard (late), en cours ou à préparer (GET …/declarations/<ref>/declarations-reglementaires/).",
    )


class OpenQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    answer_due_at = serializers.DateTimeField(allow_null=True)


class CaseEscalationSerializer(serializers.Serializer):
    authority = serializers.CharField(help_text="dgs, ansm, anssi ou fssi")
    authority_name = serializers.CharField()
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField()
    decided_by = serializers.CharField()


class CaseHandlingSerializer(serializers.Serializer):
    """Ce que les agents (la cellule ACSS, l'ARS de la région, une autorité saisie du dossier) voient du traitement."""

    state_label = serializers.CharField()
    provisional_criticity = serializers.IntegerField()
    criticity = serializers.IntegerField(allow_null=True)
    effective_criticity = serializers.IntegerField()
    legal_level = serializers.CharField(help_text="significant, serious, ou vide avant la qualification")
    justification = serializers.CharField(allow_blank=True)
    sanitary_impact_confirmed = serializers.BooleanField(allow_null=True)
    declared_category = serializers.CharField(allow_null=True, help_text="La typologie déclarée par la structure.")
    category = serializers.CharField(allow_null=True, help_text="La typologie retenue par la cellule.")
    rsit = serializers.CharField(allow_blank=True, help_text="La classe RSIT retenue par la cellule.")
    assigned_to = serializers.EmailField(allow_null=True)
    opened_at = serializers.DateTimeField()
    qualified_at = serializers.DateTimeField(allow_null=True)
    qualification_due_at = serializers.DateTimeField(
        allow_null=True, help_text="Null pendant l'attente de la structure (l'horloge de la cellule est gelée)."
    )
    qualification_overdue = serializers.BooleanField()
    waiting_since = serializers.DateTimeField(allow_null=True)
    paused_remaining_seconds = serializers.IntegerField(
        allow_null=True, help_text="Temps ouvré restant, gelé pendant l'attente de la structure."
    )
    closed_by = serializers.EmailField(allow_null=True)
    closure_root_cause = serializers.CharField(allow_blank=True)
    closure_degraded_hours = serializers.IntegerField(allow_null=True)
    closure_patients_affected = serializers.IntegerField(allow_null=True)
    closure_provider = serializers.CharField(allow_blank=True)
    merged_into = serializers.CharField(allow_null=True)
    escalations = CaseEscalationSerializer(many=True)


class CaseSerializer(serializers.Serializer):
    reference = serializers.CharField()
    state = serializers.CharField(
        help_text="new, qualifying, qualified, accompaniment, closed, out_of_scope ou duplicate"
    )
    status = serializers.CharField(help_text="L'état en clair, tel que la structure le lit.")
    awaiting_structure = serializers.BooleanField(help_text="Une question attend la réponse de la structure.")
    open_questions = OpenQuestionSerializer(many=True)
    regulatory_deadlines = RegulatoryDeadlinesSerializer()
    structure_resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    closure_summary = serializers.CharField(allow_blank=True)
    merged = serializers.ListField(
        child=serializers.CharField(),
        help_text="Les doublons fusionnés dans cette déclaration (leurs messages sont dans son fil), du plus ancien au "
        "plus récent.",
    )
    handling = CaseHandlingSerializer(
        allow_null=True, help_text="Le détail du traitement, pour les agents ; null pour la structure."
    )


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(
        help_text="question, answer, note (note interne : cellule ACSS seulement) ou info (information de la cellule, sans réponse attendue)"
    )
    kind_label = serializers.CharField()
    body = serializers.CharField()
    author = serializers.CharField()
    author_organisation = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    question = serializers.IntegerField(allow_null=True, help_text="Pour une réponse : la question.")
    answer_due_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    declaration = serializers.CharField(
        help_text="La déclaration sur laquelle le message a été écrit : celle-ci, ou un doublon fusionné dans celle-ci."
    )


def regulatory_deadlines_data(declaration: Declaration) -> dict:
    """The NIS 2 and CNIL clocks of ``acss.incidents.rules.regulatory_deadlines`` with the sendings the structure
    recorded, as the API gives them; ``stages``: each stage's state (sent, late…)."""
    deadlines = declaration_deadlines(declaration)
    nis2 = deadlines.nis2
    return {
        "aware_at": deadlines.aware_at,
        "nis2": (
            {
                "early_warning": nis2.early_warning,
                "notification": nis2.notification,
                "final_report": nis2.final_report,
                "final_report_is_earliest": nis2.final_report_is_earliest,
            }
            if nis2 is not None
            else None
        ),
        "cnil": (
            {"notification": deadlines.cnil, "notified": deadlines.cnil_notified}
            if deadlines.cnil is not None
            else None
        ),
        "stages": rows_data(declaration, timezone.now()),
    }


def _case_data(*, case: Case, declaration: Declaration, user, now: datetime) -> dict:
    actor = actor_for(user)
    questions = message_list_visible(user=user, declaration=declaration).filter(
        kind=MessageKind.QUESTION, answered_at__isnull=True
    )
    data = {
        "reference": declaration.reference,
        "state": case.state,
        "status": str(STRUCTURE_STATUS[case.state]),
        "awaiting_structure": case.waiting_since is not None,
        "open_questions": [
            {"id": q.pk, "body": q.body, "created_at": q.created_at, "answer_due_at": q.answer_due_at}
            for q in questions
        ],
        "regulatory_deadlines": regulatory_deadlines_data(declaration),
        "structure_resolved_at": case.structure_resolved_at,
        "closed_at": case.closed_at,
        "closure_summary": case.closure_summary,
        "merged": [d.reference for d in merged_into(user=user, declaration=declaration)],
        "handling": None,
    }
    if access.reads_handling(actor_or_user=actor, declaration=declaration):
        due = case.qualification_due_at
        data["handling"] = {
            "state_label": str(CaseState(case.state).label),
            "provisional_criticity": case.provisional_criticity,
            "criticity": case.criticity,
            "effective_criticity": case.effective_criticity,
            "legal_level": case.legal_level,
            "justification": case.justification,
            "sanitary_impact_confirmed": case.sanitary_impact_confirmed,
            "declared_category": declaration.category_id,
            "category": case.category_id,
            "rsit": case.rsit,
            "assigned_to": case.assigned_to.email if case.assigned_to else None,
            "opened_at": case.opened_at,
            "qualified_at": case.qualified_at,
            "qualification_due_at": due,
            "qualification_overdue": bool(case.is_open and case.qualified_at is None and due and due < now),
            "waiting_since": case.waiting_since,
            "paused_remaining_seconds": (
                int(case.paused_remaining.total_seconds()) if case.paused_remaining is not None else None
            ),
            "closed_by": case.closed_by.email if case.closed_by else None,
            "closure_root_cause": case.closure_root_cause,
            "closure_degraded_hours": case.closure_degraded_hours,
            "closure_patients_affected": case.closure_patients_affected,
            "closure_provider": case.closure_provider,
            "merged_into": case.merged_into.reference if case.merged_into else None,
            "escalations": [
                {
                    "authority": e.authority.authority_code,
                    "authority_name": e.authority.name,
                    "reason": e.reason,
                    "decided_at": e.decided_at,
                    "decided_by": e.decided_by.email,
                }
                for e in declaration.escalations.select_related("authority", "decided_by").order_by("decided_at")
            ],
        }
    return data


def _message_data(message: Message) -> dict:
    organisation = message.author_organisation
    if organisation is None and message.kind == MessageKind.ANSWER:
        organisation = message.declaration.structure
    return {
        "id": message.pk,
        "kind": message.kind,
        "kind_label": str(MessageKind(message.kind).label),
        "body": message.body,
        "author": message.author.get_full_name() or message.author.email,
        "author_organisation": organisation.name if organisation else None,
        "created_at": message.created_at,
        "question": message.question_id,
        "answer_due_at": message.answer_due_at,
        "answered_at": message.answered_at,
        "declaration": message.declaration.reference,
    }


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _errors(errors: dict, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"errors": errors}, status=code)


def _load(request, reference: str) -> tuple[Declaration, Case]:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    return declaration, case_get_for_declaration(declaration=declaration)


def _case_response(request, reference: str) -> Response:
    """The case as it is now (after an action), read again as this person sees it."""
    declaration, case = _load(request, reference)
    data = _case_data(case=case, declaration=declaration, user=request.user, now=timezone.now())
    return Response(CaseSerializer(data).data)


# --------------------------------------------------------------------------------------------------
# The case
# --------------------------------------------------------------------------------------------------


class CaseDetailAPI(APIView):
    """The handling of a declaration, for everyone who can see the declaration.

    The structure reads the plain-language status, its open questions and the NIS 2 / CNIL clocks; staff also
    read ``handling`` (criticity, legal level, justification, analyst, the cell's deadline, escalations).
    Staff use a token that only an administrator can give them (see the module's docstring)."""

    @extend_schema(
        responses={200: CaseSerializer},
        summary="Le dossier de traitement d'une déclaration",
        description="Pour toute personne qui voit la déclaration. La structure lit l'état en clair, ses questions "
        "ouvertes et les échéances NIS 2 et CNIL ; les agents lisent aussi « handling » (criticité, niveau légal, "
        "justification, analyste, échéance de la cellule, transmissions).",
    )
    def get(self, request, reference):
        declaration, case = _load(request, reference)
        access.record_viewed(request, declaration, via="api:case")
        data = _case_data(case=case, declaration=declaration, user=request.user, now=timezone.now())
        return Response(CaseSerializer(data).data)


# --------------------------------------------------------------------------------------------------
# The thread
# --------------------------------------------------------------------------------------------------


class MessageInput(
    form_request_serializer(
        "MessageInputFields",
        [MessageForm],
        notes={"question": "Pour une réponse (obligatoire alors) : l'identifiant d'une question de cette déclaration"},
    )
):
    """Une question, une réponse ou une note interne : les champs du formulaire de la page."""

    kind = serializers.ChoiceField(
        choices=MessageKind.choices,
        help_text="question (cellule, ARS de la région), answer (la structure), note (cellule ACSS, interne)",
    )

    class Meta:
        ref_name = "MessageInput"


def _unknown_kind() -> Response:
    kinds = ", ".join(actions.MESSAGES)
    return _errors({"kind": [_("Ce n'est pas un choix valide : les messages sont %(kinds)s.") % {"kinds": kinds}]})


IDEMPOTENCY_ON_MESSAGE = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Facultatif, conseillé (un UUID par exemple). Une clé vaut pour une personne. Renvoyée pour la même "
    "déclaration avec le même message (même nature, même texte, même question), elle donne le message déjà écrit "
    "(200, même id) au lieu de l'écrire une deuxième fois ; pour un autre message, elle est refusée (409) et rien "
    "n'est écrit.",
)


class MessageListAPI(APIView):
    """The thread of a declaration: questions, answers, and the cell's internal notes (ACSS only).

    The structure and the region's ARS read questions and answers; an authority reads no thread. POST asks a
    question, answers one or adds a note, through the same services as the page. Staff use a token that only an
    administrator can give them."""

    @extend_schema(
        responses={200: MessageSerializer(many=True)},
        summary="Les messages d'une déclaration",
        description="Questions et réponses pour la structure et l'ARS de la région ; les notes internes pour la "
        "cellule ACSS seulement ; aucun fil pour une autorité.",
    )
    def get(self, request, reference):
        declaration, _case = _load(request, reference)
        access.record_viewed(request, declaration, via="api:messages")
        merged = merged_into(user=request.user, declaration=declaration)
        messages = message_list_visible(user=request.user, declaration=declaration, merged=merged)
        return Response(MessageSerializer([_message_data(m) for m in messages], many=True).data)

    @extend_schema(
        parameters=[IDEMPOTENCY_ON_MESSAGE],
        request=MessageInput,
        responses={
            201: OpenApiResponse(MessageSerializer, description="Message écrit."),
            200: OpenApiResponse(
                MessageSerializer,
                description="Nouvel essai avec une Idempotency-Key déjà reçue, pour le même message : le message déjà "
                "écrit (même id), rien n'est écrit de nouveau.",
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="Cette Idempotency-Key a déjà servi pour un autre message : rien n'est écrit (« detail »).",
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="Corps illisible ou qui n'est pas un objet JSON (« detail »), ou message refusé : vide, "
                "question inconnue, déjà répondue… (« errors »).",
            ),
            403: OpenApiResponse(ErrorsSerializer, description="Cette personne ne peut pas écrire ce message."),
        },
        summary="Poser une question, y répondre, ou ajouter une note interne",
        description="Par les mêmes services que la page de la déclaration.",
    )
    def post(self, request, reference):
        declaration, _case = _load(request, reference)
        kind = request.data.get("kind")
        if not isinstance(kind, str) or kind not in actions.MESSAGES:
            return _unknown_kind()
        access.check_action(actor_or_user=request.user, declaration=declaration, action=kind)
        data, type_errors = form_input(request.data, [MessageForm])
        form = actions.message_form(kind, data, user=request.user, declaration=declaration)
        if not form.is_valid() or type_errors:
            return _errors({**actions.form_errors(form), **type_errors})
        written = actions.message_post(
            kind=kind,
            declaration=declaration,
            by=request.user,
            data=form.cleaned_data,
            origin=AuditOrigin.of(request),
            key=scoped_key(kind="api-msg", user_pk=request.user.pk, key=request.headers.get("Idempotency-Key")),
        )
        code = status.HTTP_201_CREATED if written.created else status.HTTP_200_OK
        message = message_get_for_display(pk=written.row.pk)
        return Response(MessageSerializer(_message_data(message)).data, status=code)


# --------------------------------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------------------------------


ACTION_NOTES = {  # what the schema says besides the form's own rules
    "analyst": "Adresse électronique d'un analyste de la cellule (la casse est indifférente) ; null ou absent pour "
    "ne plus assigner personne",
    "into": "Référence de la déclaration qui reste (elle doit vous être visible), autre que celle-ci ; la casse et "
    "les espaces autour sont indifférents",
    "authority_code": "Une fois par autorité : une deuxième transmission est refusée",
}


def _action_input(name: str) -> type[serializers.Serializer]:
    """The request schema of action ``name``: its form's fields, and ``action`` itself (for the schema only: the
    form validates)."""
    entry = actions.ACTIONS[name]
    component = "Case" + "".join(part.capitalize() for part in name.split("_"))
    if entry.form is not None:
        base = form_request_serializer(f"{component}Fields", [entry.form], notes=ACTION_NOTES)
    else:
        base = serializers.Serializer
    attrs = {
        "__doc__": entry.summary,
        "action": serializers.CharField(help_text="Le nom de l'action."),
        "Meta": type("Meta", (), {"ref_name": component}),
    }
    return type(component, (base,), attrs)


ACTION_INPUTS = {name: _action_input(name) for name in actions.ACTIONS}


IDEMPOTENCY_ON_ACTION = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Facultatif, conseillé (un UUID par exemple). Une clé vaut pour une personne. Renvoyée pour la même "
    "déclaration, la même action et les mêmes paramètres (double envoi, nouvel essai après une coupure), elle "
    "répond l'état actuel du dossier (200) sans refaire l'action : pas de deuxième transmission, pas de refus "
    "« Passage impossible » pour un passage déjà fait sous cette clé. Pour une autre déclaration, une autre action "
    "ou d'autres paramètres, elle est refusée (409) et rien n'est fait.",
)


class CaseActionAPI(APIView):
    """One handling action on a declaration, named by ``action``, with its parameters.

    ``take``, ``assign``, ``qualify``, ``accompany``, ``close``, ``out_of_scope``, ``merge``, ``escalate``: the
    ACSS cell; ``resolved``: the structure. Answers the updated case. Staff use a token that only an
    administrator can give them."""

    @extend_schema(
        parameters=[IDEMPOTENCY_ON_ACTION],
        request=PolymorphicProxySerializer(
            component_name="CaseAction",
            serializers=ACTION_INPUTS,
            resource_type_field_name="action",
        ),
        responses={
            200: CaseSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Corps illisible ou qui n'est pas un objet JSON (« detail »), paramètre invalide ou "
                "passage refusé dans l'état actuel du dossier (« errors »).",
            ),
            403: OpenApiResponse(ErrorsSerializer, description="Cette personne ne peut pas faire cette action."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="Cette Idempotency-Key a déjà servi pour une autre requête (une autre déclaration, une "
                "autre action ou d'autres paramètres) : rien n'est fait (« detail »).",
            ),
        },
        summary="Une action de traitement (prendre, qualifier, transmettre, clore…)",
        description="« take », « assign », « qualify », « accompany », « close », « out_of_scope », « merge », "
        "« escalate » : la cellule ACSS ; « resolved » : la structure. Répond avec le dossier à jour.",
    )
    def post(self, request, reference):
        declaration, case = _load(request, reference)
        action = request.data.get("action")
        if not isinstance(action, str) or action not in actions.ACTIONS:
            choices = ", ".join(actions.ACTIONS)
            return _errors({"action": [_("Action inconnue ; les actions sont : %(choices)s.") % {"choices": choices}]})
        access.check_action(actor_or_user=request.user, declaration=declaration, action=action)
        form_class = actions.ACTIONS[action].form
        data, type_errors = form_input(request.data, [form_class] if form_class is not None else [])
        form = actions.action_form(action, data, user=request.user, declaration=declaration)
        if form is not None and (not form.is_valid() or type_errors):
            return _errors({**actions.form_errors(form), **type_errors})
        actions.action_run(
            name=action,
            case=case,
            declaration=declaration,
            by=request.user,
            data=form.cleaned_data if form is not None else {},
            origin=AuditOrigin.of(request),
            key=scoped_key(kind="api-act", user_pk=request.user.pk, key=request.headers.get("Idempotency-Key")),
        )
        return _case_response(request, reference)
