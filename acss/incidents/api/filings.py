"""REST API v1 of the regulatory filings (the NIS 2 stages, the CNIL's), beside the declaration's:

- ``GET  /api/v1/declarations/<ref>/declarations-reglementaires/``: the stages due, with deadline and state;
- ``GET  …/<stage>/contenu/``: the stage as it stands (latest version, else the prefill), as the JSON download;
- ``POST …/<stage>/contenu/``: a new version, validated by the page's form;
- ``POST …/<stage>/envoi/``: the date the structure sent it.

Reads and writes go through the same selectors and the same table of actions as the pages
(``acss.incidents.actions.FILING_ACTIONS``): the same rules, the same French messages. Who reads: the structure,
the cell, the region's ARS (anyone else: 404); who writes: the structure's people (the others who read: 403).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from acss.core.api import ErrorSerializer, form_input, form_request_serializer
from acss.core.audit import AuditOrigin
from acss.core.idempotency import scoped_key
from acss.incidents import access
from acss.incidents.actions import FILING_SAVE, FILING_SENT, filing_form, filing_run
from acss.incidents.forms.filings import STAGE_FORMS, FilingSentForm
from acss.incidents.selectors.filings import filing_declaration_get, filing_document, filing_rows, filing_stage_get

STAGE = OpenApiParameter(
    "stage",
    str,
    OpenApiParameter.PATH,
    enum=list(STAGE_FORMS),
    description="early_warning (NIS 2, 24 h), notification (NIS 2, 72 h), final_report (NIS 2, un mois), cnil "
    "(violation de données personnelles, 72 h). Une étape que la déclaration n'appelle pas est un 404.",
)
IDEMPOTENCY_ON_FILING = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Facultatif, conseillé (un UUID par exemple). Une clé vaut pour une personne et un type d'envoi. "
    "Renvoyée pour la même étape avec le même contenu (double envoi, nouvel essai après une coupure), elle donne ce "
    "qui a déjà été enregistré (200) au lieu de l'enregistrer une deuxième fois ; pour un autre contenu ou une autre "
    "étape, elle est refusée (409) et rien n'est enregistré.",
)
NOT_VISIBLE = (
    "Introuvable, pas visible de ce compte (seules la structure, la cellule et l'ARS de la région lisent les "
    "déclarations réglementaires), ou étape que la déclaration n'appelle pas."
)
NOT_WRITABLE = "Lisible mais pas modifiable par ce compte : seule la structure complète et enregistre l'envoi."


class FilingStageSerializer(serializers.Serializer):
    stage = serializers.CharField(help_text="early_warning, notification, final_report ou cnil")
    label = serializers.CharField()
    due = serializers.DateTimeField(help_text="Échéance, à l'heure de la structure.")
    state = serializers.CharField(
        help_text="pending (à préparer), in_progress (en cours : une version enregistrée), sent (envoyée), late "
        "(en retard : échéance passée, pas envoyée)"
    )
    state_label = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True, help_text="La date d'envoi déclarée par la structure.")
    versions = serializers.IntegerField(help_text="Nombre de versions enregistrées.")


class FilingListSerializer(serializers.Serializer):
    declaration = serializers.CharField()
    stages = FilingStageSerializer(many=True)


class FilingStructureSerializer(serializers.Serializer):
    name = serializers.CharField()
    finess_et = serializers.CharField()
    nis2 = serializers.CharField(allow_null=True, help_text="essential, important ou null, lors du dépôt.")


class FilingDocumentSerializer(serializers.Serializer):
    declaration = serializers.CharField()
    structure = FilingStructureSerializer()
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    aware_at = serializers.DateTimeField()
    due = serializers.DateTimeField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(allow_null=True, help_text="Null tant que rien n'est enregistré.")
    saved_at = serializers.DateTimeField(allow_null=True)
    saved_by = serializers.CharField(allow_null=True)
    prefilled = serializers.BooleanField(help_text="Vrai : le contenu est celui prérempli d'après la déclaration.")
    content = serializers.DictField(help_text="Les champs de l'étape (voir le corps de POST …/contenu/).")
    labels = serializers.DictField(child=serializers.CharField(), help_text="Le libellé français de chaque champ.")


def rows_data(declaration, now) -> list[dict]:
    """The stages due, as the API gives them (here and in the case's ``regulatory_deadlines``)."""
    return [
        {
            "stage": r.stage,
            "label": r.label,
            "due": r.due,
            "state": r.state,
            "state_label": r.state_label,
            "sent_at": r.sent_at,
            "versions": r.versions,
        }
        for r in filing_rows(declaration=declaration, now=now)
    ]


CONTENT_INPUTS = [
    form_request_serializer(f"Filing{''.join(p.title() for p in stage.split('_'))}Input", [form])
    for stage, form in STAGE_FORMS.items()
]
FilingContentInput = PolymorphicProxySerializer(
    component_name="FilingContentInput", serializers=CONTENT_INPUTS, resource_type_field_name=None
)
FilingSentInput = form_request_serializer(
    "FilingSentInput",
    [FilingSentForm],
    notes={
        "sent_at": "Date et heure de l'envoi ; sans décalage, à l'heure locale de la structure. Pas dans le futur, "
        "ni avant la prise de connaissance de l'incident"
    },
)


def _errors(form, type_errors: dict) -> Response:
    errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
    errors.update(type_errors)
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _write(request, reference: str, stage: str, name: str, form_classes) -> tuple[object, Response | None]:
    declaration = filing_declaration_get(user=request.user, reference=reference)
    stage = filing_stage_get(declaration=declaration, stage=stage)
    access.check_filing(actor_or_user=request.user, declaration=declaration)
    data, type_errors = form_input(request.data, form_classes(stage))
    form = filing_form(name, data, declaration=declaration, stage=stage)
    if not form.is_valid() or type_errors:
        return declaration, _errors(form, type_errors)
    written = filing_run(
        name=name,
        declaration=declaration,
        stage=stage,
        by=request.user,
        form=form,
        key=scoped_key(kind=f"api-filing-{name}", user_pk=request.user.pk, key=request.headers.get("Idempotency-Key")),
        origin=AuditOrigin.of(request),
    )
    code = status.HTTP_201_CREATED if written.created else status.HTTP_200_OK
    document = filing_document(declaration=declaration, stage=stage, now=timezone.now())
    return declaration, Response(document, status=code)


def _written_responses(what: str) -> dict:
    return {
        201: OpenApiResponse(FilingDocumentSerializer, description=f"{what} : l'étape telle qu'elle est désormais."),
        200: OpenApiResponse(
            FilingDocumentSerializer,
            description="Nouvel essai avec une Idempotency-Key déjà reçue, pour la même étape et le même contenu : "
            "rien n'est enregistré de nouveau.",
        ),
        400: OpenApiResponse(ErrorSerializer, description="Champs à corriger (« errors », en français)."),
        403: OpenApiResponse(ErrorSerializer, description=NOT_WRITABLE),
        404: OpenApiResponse(ErrorSerializer, description=NOT_VISIBLE),
        409: OpenApiResponse(ErrorSerializer, description="Idempotency-Key déjà servie pour une autre requête."),
    }


class FilingListAPI(APIView):
    @extend_schema(
        responses={200: FilingListSerializer, 404: OpenApiResponse(ErrorSerializer, description=NOT_VISIBLE)},
        summary="Les déclarations réglementaires d'un incident",
        description="Les étapes NIS 2 (entité essentielle ou importante lors du dépôt) et la notification à la "
        "CNIL (violation de données personnelles) que la déclaration appelle, avec leur échéance et leur état.",
    )
    def get(self, request, reference):
        declaration = filing_declaration_get(user=request.user, reference=reference)
        access.record_viewed(request, declaration, via="api-filings")
        return Response({"declaration": declaration.reference, "stages": rows_data(declaration, timezone.now())})


class FilingContentAPI(APIView):
    @extend_schema(
        parameters=[STAGE],
        responses={200: FilingDocumentSerializer, 404: OpenApiResponse(ErrorSerializer, description=NOT_VISIBLE)},
        summary="Le contenu d'une étape",
        description="La dernière version enregistrée, sinon le contenu prérempli d'après la déclaration (le même "
        "document que le téléchargement JSON de la page).",
    )
    def get(self, request, reference, stage):
        declaration = filing_declaration_get(user=request.user, reference=reference)
        stage = filing_stage_get(declaration=declaration, stage=stage)
        return Response(filing_document(declaration=declaration, stage=stage, now=timezone.now()))

    @extend_schema(
        parameters=[STAGE, IDEMPOTENCY_ON_FILING],
        request=FilingContentInput,
        responses=_written_responses("Version enregistrée"),
        summary="Enregistrer une nouvelle version d'une étape",
        description="Les champs de l'étape, validés comme sur la page ; les versions précédentes sont conservées.",
    )
    def post(self, request, reference, stage):
        _declaration, response = _write(request, reference, stage, FILING_SAVE, lambda s: [STAGE_FORMS[s]])
        return response


class FilingSentAPI(APIView):
    @extend_schema(
        parameters=[STAGE, IDEMPOTENCY_ON_FILING],
        request=FilingSentInput,
        responses=_written_responses("Envoi enregistré"),
        summary="Enregistrer la date d'envoi d'une étape",
        description="La date à laquelle la structure a envoyé l'étape à l'autorité (la plateforme n'envoie rien). "
        "Une nouvelle date corrige la précédente ; chacune est tracée.",
    )
    def post(self, request, reference, stage):
        _declaration, response = _write(request, reference, stage, FILING_SENT, lambda s: [FilingSentForm])
        return response
