"""REST API v1 for declarations. Reads go through the selectors; writes through the services, validated by
the very forms the pages use (``forms.validate_declaration``), so the messages are the same.

Writes accept an ``Idempotency-Key`` header: the same key returns the same declaration (201 then 200).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from acss.accounts.selectors import actor_for
from acss.core.audit import audit_record

from . import services
from .forms import AddendumForm, QuickAlertForm, SituationForm, validate_declaration
from .models import Declaration
from .selectors import (
    declaration_get_visible,
    declaration_get_writable,
    declaration_list_visible,
    declaring_on_behalf,
    structures_for_declaring,
)

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Une même clé renvoie la même ressource (double envoi, nouvel essai).",
)


class DeclarationSerializer(serializers.ModelSerializer):
    structure_finess_et = serializers.CharField(source="structure.finess_et", read_only=True)
    structure_name = serializers.CharField(source="structure.name", read_only=True)
    category = serializers.CharField(source="category_id", read_only=True)
    vector = serializers.CharField(source="vector_id", read_only=True)
    systems = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    data_categories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Declaration
        exclude = ["id", "idempotency_key", "created_by", "structure", "structure_snapshot"]


def _form_data(payload) -> dict:
    """JSON to form data: booleans as the checkbox would send them, lists kept."""
    data = {}
    for key, value in payload.items():
        if value is True:
            data[key] = "on"
        elif value is False or value is None:
            continue
        elif isinstance(value, list):
            data[key] = [str(v) for v in value]
        else:
            data[key] = str(value)
    return data


class _QueryDictLike(dict):
    def getlist(self, key, default=None):
        value = self.get(key, default if default is not None else [])
        return value if isinstance(value, list) else [value]


def _errors(errors) -> Response:
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


class SubmittedSerializer(serializers.Serializer):
    reference = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    url = serializers.CharField()
    receipt_url = serializers.CharField()


def _submitted(request, declaration: Declaration) -> Response:
    """What a write answers: the reference and where to read it (201 when created, 200 for a retry)."""
    from django.urls import reverse

    body = {
        "reference": declaration.reference,
        "submitted_at": declaration.submitted_at,
        "url": request.build_absolute_uri(reverse("api:declaration_detail", args=[declaration.reference])),
        "receipt_url": request.build_absolute_uri(reverse("declarations:receipt", args=[declaration.reference])),
    }
    created = getattr(declaration, "just_created", False)
    return Response(SubmittedSerializer(body).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _key(request, prefix: str) -> str | None:
    key = request.headers.get("Idempotency-Key")
    return f"{prefix}:{request.user.pk}:{key}"[:64] if key else None


def _tz(structures, data) -> ZoneInfo:
    """The structure's time zone, to read local dates typed without an offset (found in the list already read)."""
    finess = data.get("structure")
    structure = next((s for s in structures if s.finess_et == finess), None)
    return ZoneInfo(structure.departement.timezone) if structure else ZoneInfo("Europe/Paris")


class DeclarationListAPI(generics.ListCreateAPIView):
    serializer_class = DeclarationSerializer
    parser_classes = [JSONParser]

    def get_queryset(self):
        return (
            declaration_list_visible(user=self.request.user)
            .prefetch_related("systems", "data_categories")
            .order_by("-submitted_at", "pk")
        )

    @extend_schema(
        parameters=[IDEMPOTENCY],
        request=inline_serializer(
            "DeclarationInput",
            fields={
                "structure": serializers.CharField(help_text="FINESS ET du site"),
                "title": serializers.CharField(),
                "discovered_at": serializers.DateTimeField(),
                "description": serializers.CharField(),
                "scope": serializers.CharField(),
                "functioning": serializers.CharField(),
                "patient_safety": serializers.CharField(),
                "origin": serializers.CharField(),
                "category": serializers.CharField(),
            },
        ),
        responses={201: SubmittedSerializer, 200: SubmittedSerializer},
    )
    def post(self, request):
        data = _QueryDictLike(_form_data(request.data))
        structures = structures_for_declaring(user=request.user)
        key = _key(request, "api")
        cleaned, errors = validate_declaration(data, structures=structures, tz=_tz(structures, data))
        if errors:
            return _errors(errors)
        declaration = services.declaration_submit(
            user=request.user,
            structure=cleaned["structure"],
            cleaned=cleaned,
            channel="api",
            on_behalf=declaring_on_behalf(user=request.user, structure=cleaned["structure"]),
            idempotency_key=key,
            request=request,
        )
        return _submitted(request, declaration)


class QuickAlertAPI(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        parameters=[IDEMPOTENCY],
        request=inline_serializer(
            "QuickAlertInput",
            fields={
                "structure": serializers.CharField(),
                "alert_summary": serializers.CharField(),
                "alert_since": serializers.DateTimeField(),
                "alert_care_impact": serializers.CharField(),
                "callback_phone": serializers.CharField(),
                "is_major": serializers.BooleanField(),
            },
        ),
        responses={201: SubmittedSerializer, 200: SubmittedSerializer},
    )
    def post(self, request):
        data = _QueryDictLike(_form_data(request.data))
        key = _key(request, "api-alert")
        structures = structures_for_declaring(user=request.user)
        form = QuickAlertForm(data, structures=structures, tz=_tz(structures, data))
        if not form.is_valid():
            return _errors({k: [str(m) for m in v] for k, v in form.errors.items()})
        d = form.cleaned_data
        declaration = services.quick_alert_submit(
            user=request.user,
            structure=d["structure"],
            summary=d["alert_summary"],
            since=d["alert_since"],
            care_impact=d["alert_care_impact"],
            phone=d["callback_phone"],
            is_major=d["is_major"],
            channel="api",
            on_behalf=declaring_on_behalf(user=request.user, structure=d["structure"]),
            idempotency_key=key,
            request=request,
        )
        return _submitted(request, declaration)


class DeclarationDetailAPI(generics.RetrieveAPIView):
    serializer_class = DeclarationSerializer

    def get_object(self):
        declaration = declaration_get_visible(user=self.request.user, reference=self.kwargs["reference"])
        if actor_for(self.request.user).is_staff:
            audit_record(
                actor=self.request.user,
                action="declaration.viewed",
                obj=declaration,
                request=self.request,
                data={"via": "api"},
            )
        return declaration


class AddendumAPI(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        parameters=[IDEMPOTENCY],
        request=inline_serializer(
            "AddendumInput",
            fields={
                "kind": serializers.ChoiceField(choices=["new_fact", "correction"]),
                "body": serializers.CharField(),
            },
        ),
        responses={201: inline_serializer("AddendumOutput", fields={"id": serializers.IntegerField()})},
    )
    def post(self, request, reference):
        declaration = declaration_get_writable(user=request.user, reference=reference)
        form = AddendumForm(_QueryDictLike(_form_data(request.data)), request.FILES or None)
        if not form.is_valid():
            return _errors({k: [str(m) for m in v] for k, v in form.errors.items()})
        try:
            addendum = services.addendum_add(
                declaration=declaration,
                user=request.user,
                kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"],
                uploads=request.FILES.getlist("files"),
                idempotency_key=_key(request, "api-add"),
                request=request,
            )
        except ValidationError as exc:
            return _errors({"files": exc.messages})
        return Response({"id": addendum.pk}, status=status.HTTP_201_CREATED)


class SituationAPI(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        parameters=[IDEMPOTENCY],
        request=inline_serializer(
            "SituationInput",
            fields={
                "situation": serializers.ChoiceField(choices=["normal", "degraded", "interrupted"]),
                "effective_at": serializers.DateTimeField(),
                "note": serializers.CharField(required=False),
            },
        ),
        responses={201: inline_serializer("SituationOutput", fields={"id": serializers.IntegerField()})},
    )
    def post(self, request, reference):
        declaration = declaration_get_writable(user=request.user, reference=reference)
        form = SituationForm(
            _QueryDictLike(_form_data(request.data)), tz=ZoneInfo(declaration.structure.departement.timezone)
        )
        if not form.is_valid():
            return _errors({k: [str(m) for m in v] for k, v in form.errors.items()})
        update = services.situation_update_add(
            declaration=declaration,
            user=request.user,
            idempotency_key=_key(request, "api-sit"),
            request=request,
            **form.cleaned_data,
        )
        return Response({"id": update.pk}, status=status.HTTP_201_CREATED)


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    structures = serializers.ListField(child=serializers.CharField())
    regions = serializers.ListField(child=serializers.CharField())
    is_acss = serializers.BooleanField()


class MeAPI(APIView):
    serializer_class = MeSerializer

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
