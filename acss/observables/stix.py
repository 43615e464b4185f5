"""A STIX 2.1 bundle, parsed and validated with the ``stix2`` package: what observables it carries.

Each object of the bundle is parsed by ``stix2.parse`` (version 2.1, custom objects and properties allowed): an
object that is not valid STIX 2.1 (an identifier that is not ``type--UUID``, a required property missing, a
timestamp or a pattern that cannot be read) refuses the whole bundle. An indicator's pattern is validated by
``stix2`` and read with the pattern tools of ``stix2-patterns`` (``Pattern.inspect``: every comparison, whatever
the ``OR``/``AND`` and observation operators around it).

Read: the ``indicator``s whose ``pattern_type`` is ``stix`` (their equality comparisons ``object:path = 'value'``),
the observed objects ``ipv4-addr``, ``ipv6-addr``, ``domain-name``, ``url``, ``email-addr`` (``value``) and
``file`` (``hashes``: MD5, SHA-1, SHA-256), and the CVE of a ``vulnerability`` (its name, or its
``external_references`` of source ``cve``). Every other object (identity, malware, relationship, report, custom
objects…) is validated and skipped, and so is a comparison on a path not listed. Refused, in French, naming the
object: not JSON, not a bundle, an object without ``type`` or ``id``, an object that is not valid STIX 2.1, a
pattern that cannot be read, a value that is not the kind it claims.
"""

from __future__ import annotations

import json
import re

import stix2
from stix2.exceptions import InvalidValueError, MissingPropertiesError
from stix2patterns.v21.pattern import Pattern

from . import normalize as n

MAX_BYTES = 5 * 1024 * 1024

SCO_KINDS = {"ipv4-addr": n.IPV4, "ipv6-addr": n.IPV6, "domain-name": n.DOMAIN, "url": n.URL, "email-addr": n.EMAIL}
HASH_KINDS = {"md5": n.MD5, "sha-1": n.SHA1, "sha1": n.SHA1, "sha-256": n.SHA256, "sha256": n.SHA256}


class StixError(ValueError):
    """The bundle is refused; the message (French) names the object at fault."""


def _kind_of(obj_type: str, path: list) -> str | None:
    if obj_type in SCO_KINDS and path == ["value"]:
        return SCO_KINDS[obj_type]
    if obj_type == "file" and len(path) == 2 and str(path[0]).lower() == "hashes":
        return HASH_KINDS.get(str(path[1]).strip("'").lower())
    return None


def _normal(kind: str, value: str, ident: str) -> tuple[str, str]:
    try:
        return kind, n.normalize(kind, value)
    except n.InvalidObservable as exc:
        raise StixError(f"L'objet « {ident} » porte une valeur invalide : {exc}") from exc


def _unquoted(literal: str) -> str | None:
    """The text of a pattern's string literal (``'…'``, with ``\\'`` and ``\\\\``); None for anything else."""
    if len(literal) < 2 or not (literal.startswith("'") and literal.endswith("'")):
        return None
    return re.sub(r"\\(['\\])", r"\1", literal[1:-1])


def pattern_observables(pattern: str, ident: str) -> list[tuple[str, str]]:
    """The observables of the equality comparisons of a STIX 2.1 pattern, read by ``stix2-patterns``."""
    try:
        comparisons = Pattern((pattern or "").strip()).inspect().comparisons
    except Exception as exc:  # noqa: BLE001 - the pattern parser raises several kinds of errors
        raise StixError(f"L'indicateur « {ident} » a un motif STIX illisible : {(pattern or '')[:200]}") from exc
    out = []
    for obj_type, found in comparisons.items():
        for path, operator, literal in found:
            kind = _kind_of(obj_type.lower(), list(path))
            value = _unquoted(literal) if operator == "=" else None
            if kind and value is not None:
                out.append(_normal(kind, value, ident))
    return out


def _parsed(obj: dict, ident: str):
    """The object parsed by ``stix2`` (a dict for a custom type), or a French refusal naming it."""
    try:
        return stix2.parse(obj, allow_custom=True, version="2.1")
    except InvalidValueError as exc:
        if exc.prop_name == "pattern":
            # Our own reading says why in French: a pattern that cannot be read, or a value not of its kind.
            pattern = str(obj.get("pattern", ""))
            pattern_observables(pattern, ident)
            raise StixError(f"L'indicateur « {ident} » a un motif STIX invalide : {pattern[:200]}") from exc
        if exc.prop_name == "id":
            raise StixError(
                f"L'objet « {ident} » a un identifiant invalide : il doit s'écrire « type--UUID »."
            ) from exc
        raise StixError(f"L'objet « {ident} » a une propriété « {exc.prop_name} » invalide.") from exc
    except MissingPropertiesError as exc:
        missing = ", ".join(f"« {p} »" for p in sorted(exc.properties))
        raise StixError(f"L'objet « {ident} » n'a pas ses propriétés obligatoires : {missing}.") from exc
    except Exception as exc:  # noqa: BLE001 - stix2 and its pattern parser raise more than STIXError
        raise StixError(f"L'objet « {ident} » n'est pas un objet STIX 2.1 valide.") from exc


def _object_observables(obj: dict, ident: str) -> list[tuple[str, str]]:
    if obj["type"] == "indicator" and not (isinstance(obj.get("pattern"), str) and obj["pattern"].strip()):
        raise StixError(f"L'indicateur « {ident} » n'a pas de motif (« pattern »).")
    if obj["type"] in SCO_KINDS and not isinstance(obj.get("value"), str):
        raise StixError(f"L'objet « {ident} » n'a pas de valeur (« value »).")
    parsed = _parsed(obj, ident)
    obj_type = obj["type"]
    if obj_type == "indicator":
        if parsed.get("pattern_type", "stix") != "stix":
            return []
        return pattern_observables(parsed["pattern"], ident)
    if obj_type in SCO_KINDS:
        return [_normal(SCO_KINDS[obj_type], parsed["value"], ident)]
    if obj_type == "file":
        hashes = parsed.get("hashes") or {}
        return [
            _normal(HASH_KINDS[name.lower()], value, ident)
            for name, value in hashes.items()
            if name.lower() in HASH_KINDS
        ]
    if obj_type == "vulnerability":
        names = [parsed.get("name", "")] + [
            ref.get("external_id", "")
            for ref in parsed.get("external_references") or []
            if ref.get("source_name") == "cve"
        ]
        return [_normal(n.CVE, name, ident) for name in dict.fromkeys(names) if re.match(r"(?i)cve-", name or "")]
    return []


def bundle_observables(raw: bytes | str) -> list[tuple[str, str]]:
    """The ``(kind, normalised value)`` pairs of a STIX 2.1 bundle, each once, in the bundle's order."""
    if len(raw) > MAX_BYTES:
        raise StixError("Le fichier STIX dépasse 5 Mo.")
    try:
        bundle = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise StixError(f"Le fichier n'est pas un JSON valide : {exc}") from exc
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise StixError("Le fichier n'est pas un lot STIX 2.1 (« type » doit valoir « bundle »).")
    objects = bundle.get("objects", [])
    if not isinstance(objects, list):
        raise StixError("Le lot STIX n'a pas de liste d'objets (« objects »).")
    out: list[tuple[str, str]] = []
    for position, obj in enumerate(objects, start=1):
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str) or not isinstance(obj.get("id"), str):
            raise StixError(f"L'objet n° {position} du lot n'a pas de « type » ou d'« id ».")
        out += _object_observables(obj, obj["id"])
    return list(dict.fromkeys(out))
