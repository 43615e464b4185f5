"""REST API v1 of the accompaniment (``/api/v1/accompagnements/<reference>/``): the sheet and the plan, read
through the same selectors as the page. What one cannot read is a 404 (``declaration_get_visible``, and a
declaration without accompaniment). Writes are the page's only for now: an API write must take an
``Idempotency-Key`` like every other of the API (a key column on the rows it writes).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from acss.core.api import ErrorSerializer
from acss.incidents.selectors.declarations import declaration_get_visible

from .models import Accompaniment, PlanAction, SheetEntry
from .selectors import accompaniment_for, plan_actions, sheet_entries


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
