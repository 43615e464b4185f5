"""REST API v1 of the accompaniment (``/api/v1/accompagnements/<reference>/``): the sheet and the plan, read
through the same selectors as the page; its expert missions (``missions/``); its writes (``actions/``), the
page's table of actions (``actions.ACTIONS``): the same forms, services and French messages, the same 404 and
403, and an ``Idempotency-Key`` honoured like the incident's actions (``keyed_action``). What one cannot read is
a 404 (``declaration_get_visible``, a declaration without accompaniment, missions for an ARS or an authority
other than the FSSI).
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from acss.core.api import ErrorSerializer, FormDataParser, JSONObjectParser, form_input, form_request_serializer
from acss.core.audit import AuditOrigin
from acss.core.idempotency import scoped_key
from acss.incidents.selectors.declarations import declaration_get_visible

from . import access, actions
from .downloads import evidence_response, mission_report_response
from .models import Accompaniment, EntryKind, ExpertMission, PlanAction, SheetEntry
from .selectors import (
    accompaniment_for,
    declaration_get_for_missions,
    expert_mission_get_visible,
    expert_missions,
    plan_action_get_visible,
    plan_actions,
    sheet_entries,
)


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="follow_up, urgent_measure ou recommendation")
    kind_label = serializers.CharField()
    body = serializers.CharField()
    author = serializers.CharField()
    organisation = serializers.CharField()
    created_at = serializers.DateTimeField()


class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    owner = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    state = serializers.CharField(help_text="todo, in_progress, done ou abandoned")
    state_label = serializers.CharField()
    overdue = serializers.BooleanField()
    evidence_note = serializers.CharField()
    evidence_file = serializers.CharField(allow_null=True, help_text="Nom du fichier de preuve, s'il y en a un.")
    evidence_url = serializers.CharField(
        allow_null=True, help_text="Où télécharger la preuve avec le jeton (pièce jointe), s'il y en a une."
    )
    updated_at = serializers.DateTimeField()


class AccompanimentSerializer(serializers.Serializer):
    declaration = serializers.CharField()
    origin = serializers.CharField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    template = serializers.CharField(allow_null=True)
    entries = EntrySerializer(many=True)
    actions = ActionSerializer(many=True)


def _entry(entry: SheetEntry) -> dict:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "kind_label": entry.get_kind_display(),
        "body": entry.body,
        "author": entry.author.display_name,
        "organisation": entry.author_organisation.name,
        "created_at": entry.created_at,
    }


def _action(action: PlanAction) -> dict:
    return {
        "id": action.pk,
        "title": action.title,
        "owner": action.owner_label,
        "due_on": action.due_on,
        "state": action.state,
        "state_label": action.get_state_display(),
        "overdue": action.is_overdue,
        "evidence_note": action.evidence_note,
        "evidence_file": action.evidence_name or None,
        "evidence_url": reverse(
            "accompaniment:api_evidence", args=[action.accompaniment.declaration.reference, action.pk]
        )
        if action.evidence_file
        else None,
        "updated_at": action.updated_at,
    }


def _accompaniment(accompaniment: Accompaniment) -> dict:
    version = accompaniment.template_version
    return {
        "declaration": accompaniment.declaration.reference,
        "origin": accompaniment.origin,
        "opened_at": accompaniment.opened_at,
        "closed_at": accompaniment.closed_at,
        "template": str(version) if version else None,
        "entries": [_entry(e) for e in sheet_entries(accompaniment=accompaniment)],
        "actions": [_action(a) for a in plan_actions(accompaniment=accompaniment)],
    }


class AccompanimentAPI(APIView):
    @extend_schema(
        responses={200: AccompanimentSerializer, 404: ErrorSerializer},
        summary="L'accompagnement d'une déclaration : fiche de suivi et plan de remédiation",
    )
    def get(self, request, reference):
        declaration = declaration_get_visible(user=request.user, reference=reference)
        accompaniment = accompaniment_for(declaration=declaration)
        if accompaniment is None:
            raise Http404("no accompaniment")
        return Response(AccompanimentSerializer(_accompaniment(accompaniment)).data)


# --------------------------------------------------------------------------------------------------
# Expert missions
# --------------------------------------------------------------------------------------------------


class MissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="analysis ou on_site")
    kind_label = serializers.CharField()
    state = serializers.CharField(help_text="requested, opened, finished ou refused")
    state_label = serializers.CharField()
    request_reason = serializers.CharField()
    requested_by = serializers.CharField()
    requested_at = serializers.DateTimeField()
    team = serializers.CharField(allow_blank=True)
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    scope = serializers.CharField(allow_blank=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    report_summary = serializers.CharField(allow_blank=True)
    report_file = serializers.CharField(allow_null=True, help_text="Nom du fichier du rapport, s'il y en a un.")
    report_url = serializers.CharField(
        allow_null=True, help_text="Le lien de téléchargement du rapport (sur le site, après connexion)."
    )
    finished_at = serializers.DateTimeField(allow_null=True)
    refusal_reason = serializers.CharField(allow_blank=True)
    refused_at = serializers.DateTimeField(allow_null=True)


def _mission(mission: ExpertMission) -> dict:
    ref = mission.declaration.reference
    return {
        "id": mission.pk,
        "kind": mission.kind,
        "kind_label": mission.get_kind_display(),
        "state": mission.state,
        "state_label": mission.get_state_display(),
        "request_reason": mission.request_reason,
        "requested_by": mission.requested_by.display_name,
        "requested_at": mission.requested_at,
        "team": mission.team,
        "starts_on": mission.starts_on,
        "ends_on": mission.ends_on,
        "scope": mission.scope,
        "opened_at": mission.opened_at,
        "report_summary": mission.report_summary,
        "report_file": mission.report_name or None,
        "report_url": f"/api/v1/accompagnements/{ref}/missions/{mission.pk}/rapport/" if mission.report_file else None,
        "finished_at": mission.finished_at,
        "refusal_reason": mission.refusal_reason,
        "refused_at": mission.refused_at,
    }


class MissionListAPI(APIView):
    @extend_schema(
        responses={200: MissionSerializer(many=True), 404: ErrorSerializer},
        summary="Les missions d'expertise d'une déclaration",
        description="Le FSSI, la cellule ACSS et la structure les lisent ; pour les autres, 404.",
    )
    def get(self, request, reference):
        declaration = declaration_get_for_missions(user=request.user, reference=reference)
        missions = expert_missions(declaration=declaration)
        return Response(MissionSerializer([_mission(m) for m in missions], many=True).data)


class MissionReportAPI(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ErrorSerializer},
        summary="Le rapport d'une mission d'expertise terminée",
        description="Un téléchargement (pièce jointe). Le FSSI, la cellule ACSS et la structure ; pour les autres, 404.",
    )
    def get(self, request, reference, pk):
        return mission_report_response(request, reference=reference, pk=pk)


class EvidenceAPI(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ErrorSerializer},
        summary="La preuve (fichier) d'une action du plan de remédiation",
        description="Un téléchargement (pièce jointe), pour qui lit l'accompagnement ; pour les autres, 404.",
    )
    def get(self, request, reference, pk):
        return evidence_response(request, reference=reference, pk=pk)


# --------------------------------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------------------------------

TARGET_HELP = {
    actions.PLAN_ACTION: "L'id de l'action du plan (voir « actions » de l'accompagnement).",
    actions.MISSION: "L'id de la mission (voir « missions/ »).",
}
TARGET_REQUIRED = {
    actions.PLAN_ACTION: _("Indiquez l'action du plan (son id)."),
    actions.MISSION: _("Indiquez la mission (son id)."),
}
ACTION_NOTES = {
    "template": "Le « slug » d'un modèle de plan (facultatif : plan vide)",
    "owner": "L'id d'une personne de la structure (ou « owner_name » en texte libre)",
}


def _action_input(name: str, *, files: bool = False) -> type[serializers.Serializer]:
    entry = actions.ACTIONS[name]
    component = "Accompaniment" + "".join(part.capitalize() for part in name.split("_")) + ("Upload" if files else "")
    if entry.form is not None:
        base = form_request_serializer(f"{component}Fields", [entry.form], notes=ACTION_NOTES, files=files)
    else:
        base = serializers.Serializer
    attrs = {
        "__doc__": entry.summary,
        "action": serializers.CharField(help_text="Le nom de l'action."),
        "Meta": type("Meta", (), {"ref_name": component}),
    }
    if entry.target:
        attrs[entry.target] = serializers.IntegerField(help_text=TARGET_HELP[entry.target])
    if name == access.ENTRY:  # the form's choices are the person's own; every kind, for the schema
        attrs["kind"] = serializers.ChoiceField(
            choices=EntryKind.choices, help_text="Nature de l'entrée (mesures et recommandations : cellule et ARS)."
        )
    return type(component, (base,), attrs)


ACTION_INPUTS = {name: _action_input(name) for name in actions.ACTIONS}
ACTION_UPLOADS = {name: _action_input(name, files=True) for name in actions.ACTIONS}

IDEMPOTENCY_ON_ACCOMPANIMENT = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Facultatif, conseillé (un UUID par exemple). Une clé vaut pour une personne. Renvoyée pour la même "
    "déclaration, la même action et les mêmes paramètres (double envoi, nouvel essai après une coupure), elle "
    "répond l'état actuel (200) sans refaire l'action. Pour une autre déclaration, une autre action ou d'autres "
    "paramètres, elle est refusée (409) et rien n'est fait.",
)


class ActionDoneSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Ce qui est fait, en français (la phrase de la page).")
    retry = serializers.BooleanField(help_text="Vrai quand l'Idempotency-Key dit que l'action était déjà faite.")
    accompaniment = AccompanimentSerializer(allow_null=True)
    missions = MissionSerializer(many=True, allow_null=True, help_text="Null pour qui ne lit pas les missions.")


def _bad(field: str, message: str) -> Response:
    return Response({"errors": {field: [message]}}, status=status.HTTP_400_BAD_REQUEST)


class AccompanimentActionAPI(APIView):
    """One write of the accompaniment, named by ``action``: the page's table of actions."""

    parser_classes = [JSONObjectParser, FormDataParser]

    @extend_schema(
        parameters=[IDEMPOTENCY_ON_ACCOMPANIMENT],
        request={
            "application/json": PolymorphicProxySerializer(
                component_name="AccompanimentAction", serializers=ACTION_INPUTS, resource_type_field_name="action"
            ),
            "multipart/form-data": PolymorphicProxySerializer(
                component_name="AccompanimentActionUpload",
                serializers=ACTION_UPLOADS,
                resource_type_field_name="action",
            ),
        },
        responses={
            200: ActionDoneSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Corps illisible (« detail »), action inconnue, paramètre invalide ou action refusée dans "
                "l'état actuel (« errors », les messages de la page).",
            ),
            403: OpenApiResponse(ErrorSerializer, description="Cette personne ne peut pas faire cette action."),
            404: OpenApiResponse(ErrorSerializer, description="Déclaration, action du plan ou mission introuvable."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="Cette Idempotency-Key a déjà servi pour une autre requête : rien n'est fait.",
            ),
        },
        summary="Une action de l'accompagnement (ouvrir, fiche, plan, clore, missions d'expertise)",
        description="« open », « plan_edit », « close », « mission_open », « mission_finish », « mission_refuse » : la "
        "cellule ACSS ; « entry » : la cellule, l'ARS de la région (mesures et recommandations comprises) et la "
        "structure ; « plan_add », « plan_progress » : la cellule et la structure ; « mission_request » : le FSSI. "
        "Les fichiers (« evidence_file », « report ») s'envoient en multipart/form-data.",
    )
    def post(self, request, reference):
        declaration = declaration_get_visible(user=request.user, reference=reference)
        name = request.data.get("action")
        if not isinstance(name, str) or name not in actions.ACTIONS:
            choices = ", ".join(actions.ACTIONS)
            return _bad("action", _("Action inconnue ; les actions sont : %(choices)s.") % {"choices": choices})
        entry = actions.ACTIONS[name]
        if entry.on_missions:
            declaration = declaration_get_for_missions(user=request.user, reference=reference)
        target = None
        if entry.target:
            raw = request.data.get(entry.target)
            if isinstance(raw, bool) or not str(raw or "").strip().isdigit():
                return _bad(entry.target, str(TARGET_REQUIRED[entry.target]))
            target = self._target(request, reference, entry.target, int(str(raw).strip()))
        data, type_errors = form_input(request.data, [entry.form] if entry.form is not None else [])
        access.check(actor_or_user=request.user, declaration=declaration, action=actions.access_action(name, data))
        form = actions.action_form(name, data, request.FILES, user=request.user, declaration=declaration)
        if form is not None and (not form.is_valid() or type_errors):
            errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
            return Response({"errors": {**errors, **type_errors}}, status=status.HTTP_400_BAD_REQUEST)
        created = actions.action_run(
            name=name,
            declaration=declaration,
            target=target,
            by=request.user,
            data=form.cleaned_data if form is not None else {},
            origin=AuditOrigin.of(request),
            key=scoped_key(kind="api-acc", user_pk=request.user.pk, key=request.headers.get("Idempotency-Key")),
        )
        accompaniment = accompaniment_for(declaration=declaration)
        reads = access.reads_missions(actor_or_user=request.user, declaration=declaration)
        return Response(
            ActionDoneSerializer(
                {
                    "detail": actions.done(name),
                    "retry": not created,
                    "accompaniment": _accompaniment(accompaniment) if accompaniment else None,
                    "missions": [_mission(m) for m in expert_missions(declaration=declaration)] if reads else None,
                }
            ).data
        )

    @staticmethod
    def _target(request, reference: str, kind: str, pk: int):
        if kind == actions.PLAN_ACTION:
            return plan_action_get_visible(user=request.user, reference=reference, pk=pk)[1]
        return expert_mission_get_visible(user=request.user, reference=reference, pk=pk)[1]
