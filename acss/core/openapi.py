"""The OpenAPI schema's view of every operation: drf-spectacular's, plus the errors each one can answer.

Apart from ``acss.core.api`` because drf-spectacular imports DRF's views, which import our default parser."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse

from .api import ErrorSerializer

ERROR_RESPONSES = {
    "400": "Requête refusée : corps qui n'est pas du JSON valide ou pas un objet (« detail »), ou champs invalides "
    "(« errors », messages par champ).",
    "401": "Jeton absent ou invalide (« Authorization: Token … »).",
    "404": "Introuvable, ou pas accessible avec ce compte (la réponse est la même dans les deux cas).",
    "413": "Corps de la requête trop volumineux.",
    "415": "Type de contenu non accepté (voir les types du corps de la requête).",
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, plus the error answers every operation can give, unless the view documents its own."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = []
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["400", "413", "415"]
        auth = self.get_auth()
        if auth and {} not in auth:
            codes.append("401")
        descriptions = dict(ERROR_RESPONSES)
        if "{" in self.path:
            codes.append("404")
        elif self.method == "GET" and self._is_list_view() and self._get_paginator():
            codes.append("404")
            descriptions["404"] = "Page inexistante (paramètre « page » au-delà de la dernière page)."
        for code in sorted(codes):
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=descriptions[code]), code, direction=direction
                )
        return dict(sorted(responses.items()))
