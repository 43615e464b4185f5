"""What every endpoint of the REST API shares: reading a JSON body, turning it into form data, the error answers
and how the OpenAPI schema describes them.

- ``JSONObjectParser`` (the default parser): a body is a JSON object or a 400 with a French ``detail`` — never a
  500, whatever arrives (a list, ``null``, broken syntax, NaN, a lone surrogate, deep nesting);
  ``FormDataParser``: the same for multipart bodies.
- ``form_input``: a JSON object into the data a Django form reads, checking each value's type against the
  form's field (a list where one value is expected, an object where text is expected… are field errors), so the
  API can run the very forms the pages use.
- ``exception_handler``: a 404 says the same thing whatever the reason (missing, not visible, not writable); too
  large a body is a French 413; an idempotency key reused for another write a French 409.
- ``ErrorSerializer``: the shape of every refusal, for the schema (``acss.core.openapi`` adds it to each
  operation).
- ``form_request_serializer``: the request schema of a form, generated from its fields, so the schema shows the
  rules the form applies (required, lengths, bounds, choices, formats).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from . import referential
from .errors import Conflict, Refusal
from .forbidden import Forbidden
from .models import AffectedSystem, DataCategory, IncidentCategory, Vector

# --------------------------------------------------------------------------------------------------
# Reading the body
# --------------------------------------------------------------------------------------------------

NOT_AN_OBJECT = gettext_lazy("Le corps de la requête doit être un objet JSON.")
_SURROGATE = re.compile("[\ud800-\udfff]")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("Le corps de la requête est trop volumineux.")
    default_code = "request_too_large"


def _refuse_constant(name: str):
    raise ValueError(name)


def _check_values(data) -> None:
    """Refuse what JSON may carry but nothing downstream can store or send back: lone surrogates, ±inf."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    raise exceptions.ParseError(_("Le corps de la requête contient un caractère Unicode invalide."))
                stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            if _SURROGATE.search(value):
                raise exceptions.ParseError(_("Le corps de la requête contient un caractère Unicode invalide."))
        elif isinstance(value, float) and not math.isfinite(value):
            raise exceptions.ParseError(_("Le corps de la requête contient un nombre hors des limites."))


class JSONObjectParser(JSONParser):
    """``application/json`` whose top level is an object; anything else is a 400 with a French message."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding") or settings.DEFAULT_CHARSET
        raw = stream.read()  # within DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses more (see exception_handler)
        try:
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            raise exceptions.ParseError(
                _("Le corps de la requête n'est pas du texte valide dans l'encodage %(encoding)s.")
                % {"encoding": encoding}
            )
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except json.JSONDecodeError as exc:
            raise exceptions.ParseError(
                _("Le corps de la requête n'est pas du JSON valide (ligne %(line)s, colonne %(column)s).")
                % {"line": exc.lineno, "column": exc.colno}
            )
        except ValueError:  # NaN, Infinity, an integer of thousands of digits
            raise exceptions.ParseError(_("Le corps de la requête n'est pas du JSON valide."))
        except RecursionError:
            raise exceptions.ParseError(_("Le corps de la requête est trop imbriqué."))
        if not isinstance(data, dict):
            raise exceptions.ParseError(NOT_AN_OBJECT)
        _check_values(data)
        return data


class FormDataParser(MultiPartParser):
    """``multipart/form-data`` (files), refused in French when unreadable."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except exceptions.ParseError:
            raise exceptions.ParseError(_("Le corps multipart/form-data de la requête est illisible."))


# --------------------------------------------------------------------------------------------------
# JSON into form data
# --------------------------------------------------------------------------------------------------


class FormInput(dict):
    """A dict a Django form can read as it reads ``request.POST`` (``getlist`` for multiple choices)."""

    def getlist(self, key, default=None):
        value = self.get(key, default if default is not None else [])
        return value if isinstance(value, list) else [value]


def _is_scalar(value) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def form_input(payload, form_classes: Iterable[type[forms.BaseForm]]) -> tuple[Mapping, dict[str, list[str]]]:
    """The form data of a request body, and the French errors of the values of the wrong JSON type.

    Booleans are sent as the checkbox would be (to a field marked ``json_boolean``, a required yes-or-no, as
    « true » / « false »); ``null`` is an absent value; keys no form knows are ignored. A
    value of the wrong type is left out (the form then sees it absent) and reported under its field's name. A
    multipart or urlencoded body (a ``QueryDict``) is already form data."""
    if isinstance(payload, QueryDict):
        return payload, {}
    fields: dict[str, forms.Field] = {}
    for form_class in form_classes:
        fields.update(form_class.base_fields)
    data, errors = FormInput(), {}
    for name, value in payload.items():
        field = fields.get(name)
        if field is None or value is None:
            continue
        if isinstance(field, forms.FileField):
            errors[name] = [_("Les fichiers s'envoient en multipart/form-data, pas en JSON.")]
        elif getattr(field, "json_boolean", False):  # a required yes-or-no: true or false, given as the page's
            if isinstance(value, bool):
                data[name] = "true" if value else "false"
            else:
                errors[name] = [_("La valeur doit être true ou false.")]
        elif isinstance(field, forms.BooleanField):
            if isinstance(value, bool):
                if value:
                    data[name] = "on"
            else:
                errors[name] = [_("La valeur doit être true ou false.")]
        elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            if not isinstance(value, list):
                errors[name] = [_('Une liste est attendue, par exemple ["code1", "code2"].')]
            elif not all(_is_scalar(item) for item in value):
                errors[name] = [_("Chaque élément de la liste doit être un texte.")]
            else:
                data[name] = [str(item) for item in value]
        elif isinstance(field, forms.DateTimeField) and not isinstance(value, str):
            errors[name] = [str(field.error_messages["invalid"])]
        elif not _is_scalar(value):
            if isinstance(field, forms.IntegerField):
                errors[name] = [_("Un nombre entier est attendu.")]
            else:
                errors[name] = [_("Une seule valeur (un texte) est attendue.")]
        else:
            data[name] = str(value)
    return data, errors


# --------------------------------------------------------------------------------------------------
# Serializer fields
# --------------------------------------------------------------------------------------------------


class NonBlankText(serializers.CharField):
    """A text the service requires not blank: the schema says ``minLength: 1``, but a blank one passes here so
    that the service's own French message answers it, as on the pages."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("min_length", 1)
        kwargs.setdefault("help_text", "Non vide (pas que des espaces).")
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        if data == "":
            return ""
        return super().run_validation(data)


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


def refusal_response(refusal: Refusal) -> Response:
    """A service's refusal as the API answers it: 409 with ``detail`` for a conflict with what is recorded (an
    idempotency key already used for another write: nothing of that write is named), else 400 with ``errors``."""
    from rest_framework.views import set_rollback  # it imports this module's parser

    set_rollback()
    if isinstance(refusal, Conflict):
        return Response({"detail": refusal.message}, status=status.HTTP_409_CONFLICT)
    return Response({"errors": {refusal.field or "__all__": [refusal.message]}}, status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    """DRF's, except that a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a French 413 (Django would answer an
    HTML 400), that a 404 or a refusal raised by Django carries no internal reason (in English, and which
    would tell a declaration that exists from one that does not), and that a service's refusal is answered by
    ``refusal_response``. A ``Forbidden`` refusal (the person reads the object but may not do this)
    is a 403 with its French message, in the shape of the other refusals."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = RequestTooLarge(
            _("Le corps de la requête dépasse la taille autorisée (%(limit)s octets).") % {"limit": limit}
        )
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(_("La requête contient trop de champs ou de fichiers."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Introuvable : cette ressource n'existe pas ou ne vous est pas accessible."))
    elif isinstance(exc, Forbidden):
        return Response({"errors": {"__all__": [exc.message]}}, status=status.HTTP_403_FORBIDDEN)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Refusal):
        return refusal_response(exc)
    from rest_framework.views import exception_handler as drf_exception_handler  # it imports this module's parser

    return drf_exception_handler(exc, context)


# Every refusal of the API: ``detail`` when the request as a whole is refused, ``errors`` field by field. The
# docstring is the schema's description of the component.
class ErrorSerializer(serializers.Serializer):
    """Un refus : « detail » quand la requête entière est refusée, « errors » champ par champ."""

    detail = serializers.CharField(
        required=False,
        help_text="Message en français quand la requête entière est refusée : corps illisible ou qui n'est pas un "
        "objet JSON, authentification absente ou invalide, ressource introuvable, type de contenu non accepté, "
        "Idempotency-Key déjà servie pour une autre requête.",
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages en français par champ ; « __all__ » pour ce qui concerne la requête entière.",
    )

    class Meta:
        ref_name = "Erreur"


# --------------------------------------------------------------------------------------------------
# The request schema of a form
# --------------------------------------------------------------------------------------------------

REFERENCE_CHOICES = {  # (code, label) of the reference data shipped with the code, as the migrations load it
    IncidentCategory: [row[:2] for row in referential.INCIDENT_CATEGORIES],
    Vector: referential.VECTORS,
    AffectedSystem: referential.AFFECTED_SYSTEMS,
    DataCategory: referential.DATA_CATEGORIES,
}

DATETIME_NOTE = (
    "Date et heure ISO 8601 ; sans décalage (« 2026-11-20T03:15 »), c'est l'heure locale de la structure, "
    "avec un décalage (« 2026-11-20T03:15:00+01:00 », « …Z ») il est respecté."
)


def _help(field: forms.Field, *notes: str) -> str:
    parts = [str(field.label or "").rstrip(".")] + [str(field.help_text or "")] + list(notes)
    return ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip()) + "."


def _schema_field(field: forms.Field, note: str, pattern: str | None) -> serializers.Field:
    optional = {} if field.required else {"required": False, "allow_null": True}
    text = {"min_length": 1} if field.required else {"allow_blank": True}  # a required text is refused blank
    if getattr(field, "json_boolean", False):  # a yes-or-no the form reads from a JSON boolean
        return serializers.BooleanField(help_text=_help(field, note), **optional)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(
            required=False, allow_null=True, help_text=_help(field, "Faux si absent ou null", note)
        )
    if isinstance(field, forms.ModelMultipleChoiceField):
        child = serializers.ChoiceField(choices=REFERENCE_CHOICES[field.queryset.model])
        return serializers.ListField(
            child=child, required=False, allow_null=True, help_text=_help(field, "Codes du référentiel", note)
        )
    if isinstance(field, forms.ModelChoiceField):
        if field.queryset is None:  # chosen among the person's own (structures): no fixed list
            return serializers.CharField(help_text=_help(field, note), **optional, **text)
        codes = REFERENCE_CHOICES[field.queryset.model]
        return serializers.ChoiceField(choices=codes, help_text=_help(field, "Code du référentiel", note), **optional)
    if isinstance(field, forms.ChoiceField):
        choices = [(value, label) for value, label in field.choices if value != ""]
        return serializers.ChoiceField(choices=choices, help_text=_help(field, note), **optional)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(help_text=_help(field, DATETIME_NOTE, note), **optional)
    if isinstance(field, forms.DateField):
        return serializers.DateField(help_text=_help(field, "Date ISO 8601 (« 2026-11-20 »)", note), **optional)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(
            min_value=field.min_value, max_value=field.max_value, help_text=_help(field, note), **optional
        )
    if isinstance(field, forms.EmailField):
        return serializers.EmailField(max_length=field.max_length, help_text=_help(field, note), **optional, **text)
    if isinstance(field, forms.CharField):
        if pattern:
            return serializers.RegexField(
                pattern, max_length=field.max_length, help_text=_help(field, note), **optional, **text
            )
        return serializers.CharField(max_length=field.max_length, help_text=_help(field, note), **optional, **text)
    raise TypeError(f"No schema for the form field {type(field).__name__}")


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """A file sent in a multipart/form-data body."""


def form_request_serializer(
    name: str,
    form_classes: Iterable[type[forms.BaseForm]],
    *,
    notes: Mapping[str, str] | None = None,
    patterns: Mapping[str, str] | None = None,
    files: bool = False,
) -> type[serializers.Serializer]:
    """A serializer for the schema only (the forms validate): one property per form field, with the form's
    rules (required, max length, bounds, choices, date-time), ``notes``: the rules across fields, in French, and
    ``patterns``: the regular expressions a field's ``clean`` applies. File fields are kept only when ``files``
    (the multipart variant)."""
    notes, patterns = notes or {}, patterns or {}
    attrs = {}
    for form_class in form_classes:
        for field_name, field in form_class.base_fields.items():
            if isinstance(field, forms.FileField):
                if files:
                    attrs[field_name] = serializers.ListField(
                        child=UploadField(), required=False, help_text=_help(field, notes.get(field_name, ""))
                    )
                continue
            attrs[field_name] = _schema_field(field, notes.get(field_name, ""), patterns.get(field_name))
    attrs["Meta"] = type("Meta", (), {"ref_name": name})
    return type(name, (serializers.Serializer,), attrs)
