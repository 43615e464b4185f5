"""A STIX 2.1 bundle read by hand (the ``stix2`` package is not installed): what observables it carries.

Read: the ``indicator``s whose ``pattern_type`` is ``stix`` (their comparisons ``object:path = 'value'``, several
joined by ``OR``/``AND``), the observed objects ``ipv4-addr``, ``ipv6-addr``, ``domain-name``, ``url``,
``email-addr`` (``value``) and ``file`` (``hashes``: MD5, SHA-1, SHA-256), and the CVE of a ``vulnerability``
(its name, or its ``external_references`` of source ``cve``). Every other object (identity, malware,
relationship, report…) is allowed and skipped, and so is a comparison on a path not listed. Refused, in French,
naming the object: not JSON, not a bundle, an object without ``type`` or ``id``, a pattern that cannot be read, a
value that is not the kind it claims.
"""

from __future__ import annotations

import json
import re

from . import normalize as n

MAX_BYTES = 5 * 1024 * 1024

SCO_KINDS = {"ipv4-addr": n.IPV4, "ipv6-addr": n.IPV6, "domain-name": n.DOMAIN, "url": n.URL, "email-addr": n.EMAIL}
HASH_KINDS = {"md5": n.MD5, "sha-1": n.SHA1, "sha1": n.SHA1, "sha-256": n.SHA256, "sha256": n.SHA256}

_COMPARISON = re.compile(
    r"(?P<type>[a-z0-9-]+):(?P<path>hashes\.(?:'[^']+'|[\w-]+)|[\w.]+)\s*(?P<op>=|!=|LIKE|MATCHES|IN)\s*"
    r"'(?P<value>(?:[^'\\]|\\.)*)'",
    re.IGNORECASE,
)


class StixError(ValueError):
    """The bundle is refused; the message (French) names the object at fault."""


def _kind_of(obj_type: str, path: str) -> str | None:
    if obj_type in SCO_KINDS and path == "value":
        return SCO_KINDS[obj_type]
    if obj_type == "file" and path.lower().startswith("hashes."):
        return HASH_KINDS.get(path.split(".", 1)[1].strip("'").lower())
    return None


def _normal(kind: str, value: str, ident: str) -> tuple[str, str]:
    try:
        return kind, n.normalize(kind, value)
    except n.InvalidObservable as exc:
        raise StixError(f"L'objet « {ident} » porte une valeur invalide : {exc}") from exc


def pattern_observables(pattern: str, ident: str) -> list[tuple[str, str]]:
    pattern = (pattern or "").strip()
    if not pattern.startswith("[") or pattern.count("[") != pattern.count("]"):
        raise StixError(f"L'indicateur « {ident} » a un motif STIX illisible : {pattern[:200]}")
    comparisons = list(_COMPARISON.finditer(pattern))
    if not comparisons:
        raise StixError(f"L'indicateur « {ident} » a un motif STIX sans comparaison lisible : {pattern[:200]}")
    out = []
    for match in comparisons:
        kind = _kind_of(match["type"].lower(), match["path"])
        if kind and match["op"] == "=":
            value = match["value"].replace("\\'", "'").replace("\\\\", "\\")
            out.append(_normal(kind, value, ident))
    return out


def _object_observables(obj: dict, ident: str) -> list[tuple[str, str]]:
    obj_type = obj["type"]
    if obj_type == "indicator":
        if obj.get("pattern_type", "stix") != "stix":
            return []
        if not isinstance(obj.get("pattern"), str):
            raise StixError(f"L'indicateur « {ident} » n'a pas de motif (« pattern »).")
        return pattern_observables(obj["pattern"], ident)
    if obj_type in SCO_KINDS:
        if not isinstance(obj.get("value"), str):
            raise StixError(f"L'objet « {ident} » n'a pas de valeur (« value »).")
        return [_normal(SCO_KINDS[obj_type], obj["value"], ident)]
    if obj_type == "file":
        hashes = obj.get("hashes") or {}
        if not isinstance(hashes, dict):
            raise StixError(f"L'objet « {ident} » a des empreintes (« hashes ») illisibles.")
        return [
            _normal(HASH_KINDS[name.lower()], value, ident)
            for name, value in hashes.items()
            if name.lower() in HASH_KINDS
        ]
    if obj_type == "vulnerability":
        names = [obj.get("name", "")] + [
            ref.get("external_id", "")
            for ref in obj.get("external_references") or []
            if isinstance(ref, dict) and ref.get("source_name") == "cve"
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
