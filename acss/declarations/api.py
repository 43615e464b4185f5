"""REST API v1 for declarations; reads go through the same selectors as the pages."""

from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from acss.accounts.selectors import actor_for
from acss.core.audit import audit_record

from .models import Declaration
from .selectors import declaration_get_visible, declaration_list_visible


class DeclarationSerializer(serializers.ModelSerializer):
    structure_finess_et = serializers.CharField(source="structure.finess_et", read_only=True)
    structure_name = serializers.CharField(source="structure.name", read_only=True)

    class Meta:
        model = Declaration
        fields = [
            "reference",
            "title",
            "description",
            "structure_finess_et",
            "structure_name",
            "on_behalf",
            "submitted_at",
        ]


class DeclarationListAPI(generics.ListAPIView):
    serializer_class = DeclarationSerializer

    def get_queryset(self):
        return declaration_list_visible(user=self.request.user).order_by("-submitted_at", "pk")


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


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    structures = serializers.ListField(child=serializers.IntegerField())
    regions = serializers.ListField(child=serializers.CharField())
    is_acss = serializers.BooleanField()


class MeAPI(APIView):
    serializer_class = MeSerializer

    def get(self, request):
        actor = actor_for(request.user)
        return Response(
            MeSerializer(
                {
                    "email": request.user.email,
                    "structures": sorted(actor.structure_ids),
                    "regions": sorted(actor.ars_region_codes),
                    "is_acss": actor.is_acss,
                }
            ).data
        )
