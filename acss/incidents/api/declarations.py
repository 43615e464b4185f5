"""REST API v1 for declarations. Reads go through the selectors; writes through the services, validated by
the very forms the pages use (``forms.validate_declaration``), so the messages are the same.

Writes accept an ``Idempotency-Key`` header: the same key hands back what the first request created (201, then
200); a quick alert's completion sent again under its key answers 200 with the completed declaration. A complement or a situation update is handed back only for the same declaration and the same content; the
key reused for anything else is a 409 (``acss.core.idempotency``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from acss.accounts.selectors import actor_for
from acss.core.api import ErrorSerializer, FormDataParser, JSONObjectParser, form_input, form_request_serializer
from acss.core.audit import AuditOrigin
from acss.core.calendars import zone_of
from acss.core.idempotency import Written, scoped_key
from acss.core.referential import INCIDENT_CATEGORIES
from acss.incidents import access
from acss.incidents.forms.declarations import (
    FUTURE_TOLERANCE,
    PHONE_RE,
    STEPS,
    AddendumForm,
    QuickAlertForm,
    SituationForm,
    validate_declaration,
)
from acss.incidents.models import Declaration, Origin, Scope
from acss.incidents.selectors.cases import keyed_action_exists
from acss.incidents.selectors.declarations import (
    declaration_get_for_action,
    declaration_get_visible,
    declaration_list_visible,
    declaring_on_behalf,
    structures_for_declaring,
)
from acss.incidents.services import declarations as services

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Facultatif, conseillé (un UUID par exemple). Une même clé, pour la même personne et le même type "
    "d'envoi, renvoie la ressource déjà créée au lieu d'en créer une autre (double envoi, nouvel essai après une "
    "coupure) ; le corps de ce nouvel envoi n'est alors pas relu.",
)
IDEMPOTENCY_ON_DECLARATION = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Facultatif, conseillé (un UUID par exemple). Une clé vaut pour une personne et un type d'envoi. "
    "Renvoyée pour la même déclaration avec le même contenu (double envoi, nouvel essai après une coupure), elle "
    "donne ce qui a déjà été ajouté (200, même id) au lieu de l'ajouter une deuxième fois ; pour une autre "
    "déclaration ou un autre contenu, elle est refusée (409) et rien n'est ajouté.",
)

IDEMPOTENCY_ON_COMPLETION = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Facultatif, conseillé (un UUID par exemple). Renvoyée pour la même déclaration par la même "
    "personne (double envoi, nouvel essai après une coupure), elle donne la déclaration déjà complétée (200) au "
    "lieu d'un refus ; le corps de ce nouvel envoi n'est alors pas relu. Pour une autre déclaration, elle est "
    "refusée (409).",
)

# --------------------------------------------------------------------------------------------------
# What the schema says of the rules the forms apply across fields (the forms themselves give the rest)
# --------------------------------------------------------------------------------------------------

NOT_FUTURE = f"Pas dans le futur (tolérance : {int(FUTURE_TOLERANCE.total_seconds() // 60)} minutes)"
STRUCTURE = (
    "FINESS géographique (9 caractères) d'une structure pour laquelle ce compte peut déclarer ; GET /api/v1/moi/ "
    "liste celles dont vous êtes membre. Au dépôt, une autre (ou une qui n'existe pas) est un 404, un FINESS absent "
    "ou mal formé un 400 ; à la complétion, c'est celle de l'alerte"
)
PHONE = "Au moins 6 chiffres, par exemple « 01 23 45 67 89 » ou « +262 262 00 00 00 »"


def _category_note() -> str:
    by_family: dict[str, list[str]] = {}
    for code, _label, family, _rsit in INCIDENT_CATEGORIES:
        by_family.setdefault(family, []).append(code)
    return (
        f"Doit correspondre à origin : avec « {Origin.MALICIOUS} », {', '.join(by_family['malicious'])} ; "
        f"avec « {Origin.NON_MALICIOUS} », {', '.join(by_family['non_malicious'])} ; "
        f"{', '.join(by_family['any'])} avec toute origine ; origin « {Origin.UNDETERMINED} » accepte toutes les "
        "typologies. Un code désactivé par la cellule est refusé"
    )


DECLARATION_NOTES = {
    "structure": STRUCTURE,
    "declarant_phone": PHONE,
    "alt_contact_phone": PHONE,
    "alt_contact_email": "Doit différer de declarant_email",
    "occurred_at": NOT_FUTURE,
    "discovered_at": f"{NOT_FUTURE}, ni avant occurred_at",
    "provider_name": f"Obligatoire si scope vaut « {Scope.SHARED_PROVIDER} »",
    "health_products_details": "Obligatoire si health_products est vrai",
    "category": _category_note(),
}
PHONE_PATTERNS = {name: PHONE_RE.pattern for name in ("declarant_phone", "alt_contact_phone", "callback_phone")}

DeclarationInput = form_request_serializer("DeclarationInput", STEPS, notes=DECLARATION_NOTES, patterns=PHONE_PATTERNS)
QuickAlertInput = form_request_serializer(
    "QuickAlertInput",
    [QuickAlertForm],
    notes={"structure": STRUCTURE, "alert_since": NOT_FUTURE, "callback_phone": PHONE},
    patterns=PHONE_PATTERNS,
)
ADDENDUM_KINDS = AddendumForm.base_fields["kind"].choices  # named AddendumKindEnum in the schema
ADDENDUM_NOTES = {"body": "Obligatoire sauf si des fichiers sont joints (en multipart/form-data seulement)"}
AddendumInput = form_request_serializer("AddendumInput", [AddendumForm], notes=ADDENDUM_NOTES)
AddendumUpload = form_request_serializer("AddendumUpload", [AddendumForm], notes=ADDENDUM_NOTES, files=True)
SituationInput = form_request_serializer("SituationInput", [SituationForm], notes={"effective_at": NOT_FUTURE})


class DeclarationSerializer(serializers.ModelSerializer):
    structure_finess_et = serializers.CharField(source="structure.finess_et", read_only=True)
    structure_name = serializers.CharField(source="structure.name", read_only=True)
    category = serializers.CharField(source="category_id", read_only=True, allow_null=True)
    vector = serializers.CharField(source="vector_id", read_only=True, allow_null=True)
    systems = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    data_categories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Declaration
        exclude = ["id", "idempotency_key", "created_by", "structure", "structure_snapshot"]


def _errors(errors) -> Response:
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _form_errors(form, type_errors: dict) -> dict:
    """The form's French messages, and for a value of the wrong JSON type, what was wrong with it."""
    errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
    errors.update(type_errors)
    return errors


class SubmittedSerializer(serializers.Serializer):
    reference = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    url = serializers.CharField()
    receipt_url = serializers.CharField()


def _submitted(request, written: Written[Declaration]) -> Response:
    """What a write answers: the reference and where to read it (201 when created, 200 for a retry)."""
    declaration = written.row
    body = {
        "reference": declaration.reference,
        "submitted_at": declaration.submitted_at,
        "url": request.build_absolute_uri(reverse("api:declaration_detail", args=[declaration.reference])),
        "receipt_url": request.build_absolute_uri(reverse("incidents:receipt", args=[declaration.reference])),
    }
    code = status.HTTP_201_CREATED if written.created else status.HTTP_200_OK
    return Response(SubmittedSerializer(body).data, status=code)


def _key(request, kind: str) -> str | None:
    """The stored key: the client's, scoped to the person and the kind of write."""
    return scoped_key(kind=kind, user_pk=request.user.pk, key=request.headers.get("Idempotency-Key"))


def _tz(structures, data) -> ZoneInfo:
    """The structure's time zone, to read local dates typed without an offset (found in the list already read)."""
    finess = data.get("structure")
    structure = next((s for s in structures if s.finess_et == finess), None)
    return zone_of(structure)


SUBMITTED = {
    201: OpenApiResponse(SubmittedSerializer, description="Déclaration créée."),
    200: OpenApiResponse(
        SubmittedSerializer, description="Nouvel essai avec une Idempotency-Key déjà reçue : la déclaration déjà créée."
    ),
    400: OpenApiResponse(
        ErrorSerializer,
        description="Corps illisible ou qui n'est pas un objet JSON (« detail »), ou champs refusés (« errors », "
        "les messages du formulaire en ligne, champ par champ).",
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        description="« structure » est un FINESS pour lequel ce compte ne déclare pas (ou qui n'existe pas) : "
        "la même réponse que pour ce qu'il ne peut pas voir.",
    ),
}


@extend_schema_view(
    get=extend_schema(
        summary="Les déclarations visibles",
        description="Les déclarations que ce compte peut voir, les plus récentes d'abord, par pages de 50.",
    )
)
class DeclarationListAPI(generics.ListCreateAPIView):
    """GET: the declarations this person can see, newest first. POST: a whole declaration, validated by the
    five steps of the form (the same rules and messages as the pages)."""

    serializer_class = DeclarationSerializer

    def get_queryset(self):
        return (
            declaration_list_visible(user=self.request.user)
            .prefetch_related("systems", "data_categories")
            .order_by("-submitted_at", "pk")
        )

    @extend_schema(
        parameters=[IDEMPOTENCY],
        request=DeclarationInput,
        responses=SUBMITTED,
        summary="Déposer une déclaration",
        description="Une déclaration entière, validée par les cinq étapes du formulaire en ligne : mêmes règles, mêmes "
        "messages. Les règles entre champs sont dans la description de chaque champ.",
    )
    def post(self, request):
        data, type_errors = form_input(request.data, STEPS)
        structures = structures_for_declaring(user=request.user)
        access.structure_check_for_declaring(structures=structures, finess=data.get("structure"))
        key = _key(request, "api")
        cleaned, errors = validate_declaration(data, structures=structures, tz=_tz(structures, data))
        if errors or type_errors:
            return _errors({**errors, **type_errors})
        written = services.declaration_submit(
            by=request.user,
            structure=cleaned["structure"],
            cleaned=cleaned,
            channel="api",
            on_behalf=declaring_on_behalf(user=request.user, structure=cleaned["structure"]),
            idempotency_key=key,
            origin=AuditOrigin.of(request),
        )
        return _submitted(request, written)


class QuickAlertAPI(APIView):
    """The first alert in six fields: a reference at once, routed like any declaration."""

    @extend_schema(
        parameters=[IDEMPOTENCY],
        request=QuickAlertInput,
        responses=SUBMITTED,
        summary="Donner une première alerte",
        description="La première alerte, en six champs : une référence tout de suite ; la déclaration se complète "
        "ensuite en ligne.",
    )
    def post(self, request):
        data, type_errors = form_input(request.data, [QuickAlertForm])
        key = _key(request, "api-alert")
        structures = structures_for_declaring(user=request.user)
        access.structure_check_for_declaring(structures=structures, finess=data.get("structure"))
        form = QuickAlertForm(data, structures=structures, tz=_tz(structures, data))
        if not form.is_valid() or type_errors:
            return _errors(_form_errors(form, type_errors))
        d = form.cleaned_data
        written = services.quick_alert_submit(
            by=request.user,
            structure=d["structure"],
            summary=d["alert_summary"],
            since=d["alert_since"],
            care_impact=d["alert_care_impact"],
            phone=d["callback_phone"],
            is_major=d["is_major"],
            channel="api",
            on_behalf=declaring_on_behalf(user=request.user, structure=d["structure"]),
            idempotency_key=key,
            origin=AuditOrigin.of(request),
        )
        return _submitted(request, written)


@extend_schema_view(
    get=extend_schema(
        summary="Une déclaration",
        description="Une déclaration que ce compte peut voir ; sinon 404, comme si elle n'existait pas.",
    )
)
class DeclarationDetailAPI(generics.RetrieveAPIView):
    serializer_class = DeclarationSerializer

    def get_object(self):
        declaration = declaration_get_visible(user=self.request.user, reference=self.kwargs["reference"])
        access.record_viewed(self.request, declaration, via="api")
        return declaration


CreatedSerializer = inline_serializer("Created", fields={"id": serializers.IntegerField()})


def _added(written: Written) -> Response:
    """What adding to a declaration answers: the new row's id (201), or the one a retry names (200)."""
    code = status.HTTP_201_CREATED if written.created else status.HTTP_200_OK
    return Response({"id": written.row.pk}, status=code)


NOT_VISIBLE = "Introuvable, ou pas visible de ce compte : la réponse est la même dans les deux cas."
NOT_WRITABLE = (
    "Visible de ce compte mais pas modifiable par lui (« errors » : « Seules la structure et la cellule ACSS "
    "complètent une déclaration. »)."
)


def _added_responses(what: str) -> dict:
    return {
        201: OpenApiResponse(CreatedSerializer, description=f"{what} ajouté."),
        200: OpenApiResponse(
            CreatedSerializer,
            description="Nouvel essai avec une Idempotency-Key déjà reçue, pour la même déclaration et le même "
            f"contenu : le {what.lower()} déjà ajouté (même id), rien n'est ajouté de nouveau.",
        ),
        403: OpenApiResponse(ErrorSerializer, description=NOT_WRITABLE),
        404: OpenApiResponse(ErrorSerializer, description=NOT_VISIBLE),
        409: OpenApiResponse(
            ErrorSerializer,
            description="Cette Idempotency-Key a déjà servi pour une autre requête (une autre déclaration ou un autre "
            "contenu) : rien n'est ajouté (« detail »).",
        ),
    }


class AddendumAPI(APIView):
    """A new fact or a correction, as JSON or as multipart/form-data with files (``files``, repeated)."""

    parser_classes = [JSONObjectParser, FormDataParser, FormParser]

    @extend_schema(
        parameters=[IDEMPOTENCY_ON_DECLARATION],
        request={
            "application/json": AddendumInput,
            "multipart/form-data": AddendumUpload,
            "application/x-www-form-urlencoded": AddendumInput,
        },
        responses=_added_responses("Complément"),
        summary="Ajouter un complément à une déclaration",
        description="Un fait nouveau ou une correction, en JSON, ou en multipart/form-data avec des fichiers (champ "
        "« files », répété). Une déclaration déposée ne change plus : on lui ajoute des compléments.",
    )
    def post(self, request, reference):
        declaration = declaration_get_for_action(user=request.user, reference=reference, action=access.ADDENDUM)
        data, type_errors = form_input(request.data, [AddendumForm])
        form = AddendumForm(data, request.FILES or None)
        if not form.is_valid() or type_errors:
            return _errors(_form_errors(form, type_errors))
        written = services.addendum_add(
            declaration=declaration,
            by=request.user,
            kind=form.cleaned_data["kind"],
            body=form.cleaned_data["body"],
            uploads=request.FILES.getlist("files"),
            idempotency_key=_key(request, "api-add"),
            origin=AuditOrigin.of(request),
        )
        return _added(written)


class SituationAPI(APIView):
    """A point on the structure's situation (normal, degraded, interrupted) since a given time."""

    @extend_schema(
        parameters=[IDEMPOTENCY_ON_DECLARATION],
        request=SituationInput,
        responses=_added_responses("Point de situation"),
        summary="Faire un point de situation",
        description="Le fonctionnement de la structure (normal, dégradé, interrompu) depuis une date.",
    )
    def post(self, request, reference):
        declaration = declaration_get_for_action(user=request.user, reference=reference, action=access.SITUATION)
        data, type_errors = form_input(request.data, [SituationForm])
        form = SituationForm(data, tz=zone_of(declaration.structure))
        if not form.is_valid() or type_errors:
            return _errors(_form_errors(form, type_errors))
        written = services.situation_update_add(
            declaration=declaration,
            by=request.user,
            idempotency_key=_key(request, "api-sit"),
            origin=AuditOrigin.of(request),
            **form.cleaned_data,
        )
        return _added(written)


class CompletionAPI(APIView):
    """A quick alert completed once, with the fields of a whole declaration: the page's five steps, validated
    together, the structure being the alert's. What the alert said stays as it was."""

    @extend_schema(
        parameters=[IDEMPOTENCY_ON_COMPLETION],
        request=DeclarationInput,
        responses={
            201: OpenApiResponse(SubmittedSerializer, description="Première alerte complétée."),
            200: OpenApiResponse(
                SubmittedSerializer,
                description="Nouvel essai avec l'Idempotency-Key de la complétion : la déclaration déjà complétée.",
            ),
            400: SUBMITTED[400],
            403: OpenApiResponse(ErrorSerializer, description=NOT_WRITABLE),
            404: OpenApiResponse(ErrorSerializer, description=NOT_VISIBLE),
            409: OpenApiResponse(
                ErrorSerializer,
                description="La déclaration est déjà complète (« detail » : « Cette déclaration est déjà complète : "
                "ajoutez plutôt un complément. »), ou cette Idempotency-Key a déjà servi pour une autre requête : "
                "rien n'est modifié.",
            ),
        },
        summary="Compléter une première alerte",
        description="Les champs d'une déclaration entière, validés par les cinq étapes du formulaire en ligne : "
        "mêmes règles, mêmes messages. « structure » est celle de l'alerte (une autre est refusée). Les champs de "
        "l'alerte elle-même (« ce qui se passe », « depuis », impact, téléphone de rappel, incident majeur) ne "
        "changent pas. Une seule complétion : la suite s'ajoute en compléments.",
    )
    def post(self, request, reference):
        declaration = declaration_get_for_action(user=request.user, reference=reference, action=access.COMPLETE)
        key = _key(request, "api-completion")
        cleaned: dict = {}
        if not (key and keyed_action_exists(key=key)):  # a retry: not read again
            if not declaration.is_quick_alert_pending:
                return _already_complete()
            data, type_errors = form_input(request.data, STEPS)
            structures = structures_for_declaring(user=request.user).filter(pk=declaration.structure_id)
            tz = zone_of(declaration.structure)
            cleaned, errors = validate_declaration(data, structures=structures, tz=tz)
            if errors or type_errors:
                return _errors({**errors, **type_errors})
        written = services.declaration_complete(
            declaration=declaration,
            by=request.user,
            cleaned=cleaned,
            idempotency_key=key,
            origin=AuditOrigin.of(request),
        )
        return _submitted(request, written)


def _already_complete() -> Response:
    detail = _("Cette déclaration est déjà complète : ajoutez plutôt un complément.")
    return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    structures = serializers.ListField(child=serializers.CharField())
    regions = serializers.ListField(child=serializers.CharField())
    is_acss = serializers.BooleanField()


class MeAPI(APIView):
    serializer_class = MeSerializer

    @extend_schema(
        summary="Ce compte",
        description="L'adresse, les structures (FINESS géographiques) pour lesquelles ce compte déclare, les régions "
        "de son ARS, et s'il appartient à la cellule ACSS.",
    )
    def get(self, request):
        actor = actor_for(request.user)
        finess = sorted(
            structures_for_declaring(user=request.user)
            .filter(pk__in=actor.structure_ids)
            .values_list("finess_et", flat=True)
        )
        return Response(
            MeSerializer(
                {
                    "email": request.user.email,
                    "structures": finess,
                    "regions": sorted(actor.ars_region_codes),
                    "is_acss": actor.is_acss,
                }
            ).data
        )
