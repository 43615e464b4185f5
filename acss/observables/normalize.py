"""Recognising and normalising observables (indicators of compromise): pure functions, no database.

Kinds: IPv4 and IPv6 addresses (``ipaddress``: the compressed form), domains (lower case, no final dot, IDNA for
non-ASCII names), URLs (scheme and host in lower case, the host normalised as a domain or an address, the rest
kept), e-mail addresses (lower case), hashes (MD5, SHA-1, SHA-256 told apart by their length, lower-case hex) and
CVE identifiers (upper case).

**Defanged forms.** ``refang`` undoes what analysts write to make an indicator unclickable: ``hxxp://`` and
``hxxps://``, ``[.]``, ``(.)``, ``{.}``, ``[dot]``, ``(dot)``, ``[:]``, ``[at]``, ``(at)``, ``[@]``; spaces
around a bracketed marker are dropped (``evil [.] com``). Spaces around a bare dot are not: « fin . Début » is
prose.

**Domains without false positives.** In free French text, a domain is accepted only if its last label is a known
top-level domain: the common generic ones of ``GENERIC_TLDS`` (``.zip`` and ``.mov``, real but mostly file names,
are left out) and every two-letter country code of ``COUNTRY_TLDS``. So « M. Dupont », « 3.5 % », « 7.2.5 » and
« rapport.pdf » are not domains. A country code that is also a common file extension (``.py``, ``.sh``, ``.md``…,
``FILE_LIKE_TLDS``) makes a domain in free text only when the name has three labels or more, or when it was
written defanged (``evil[.]sh``). Typed in a field (``normalize``), any known TLD is accepted.

``extract(text)`` returns the candidates found, each with its span in the text as written (defanged or not),
without repeating a value; a domain inside a URL or an e-mail address is not given again on its own.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

IPV4, IPV6, DOMAIN, URL, EMAIL = "ipv4", "ipv6", "domain", "url", "email"
MD5, SHA1, SHA256, CVE = "md5", "sha1", "sha256", "cve"
KINDS = (IPV4, IPV6, DOMAIN, URL, EMAIL, MD5, SHA1, SHA256, CVE)
HASH_LENGTHS = {32: MD5, 40: SHA1, 64: SHA256}

GENERIC_TLDS = frozenset(
    "com net org info biz edu gov mil int arpa name pro mobi asia tel travel aero coop museum jobs cat post "
    "xyz top online site club shop store app dev cloud tech live link click email space website host "
    "icu buzz life world today news blog page art fun vip win bid loan work men date review stream "
    "download racing party science trade cricket accountant faith webcam network support services "
    "digital solutions company agency center global group media systems tools zone onion".split()
)
COUNTRY_TLDS = frozenset(
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo bq br bs bt bw by bz "
    "ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm "
    "fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it "
    "je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn "
    "mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps "
    "pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj "
    "tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw".split()
)
TLDS = GENERIC_TLDS | COUNTRY_TLDS
FILE_LIKE_TLDS = frozenset("py sh md pl rs so cc in ps ml am mk sc".split())

URL_SCHEMES = ("http", "https", "ftp")


class InvalidObservable(ValueError):  # noqa: N818 - a value that is not the kind it claims
    """The value is not an observable of that kind (the message is French)."""


@dataclass(frozen=True)
class Candidate:
    kind: str
    value: str
    span: tuple[int, int] = (0, 0)

    @property
    def key(self) -> str:
        """``kind|value``: what a confirmation form posts back."""
        return f"{self.kind}|{self.value}"


# --- refanging -------------------------------------------------------------------------------------------------

_DEFANG = re.compile(
    r"\bhxxp(s?)(?=\[:\]|:)"
    r"|\s*(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\))\s*"
    r"|\[:\]"
    r"|\s*(?:\[at\]|\(at\)|\[@\])\s*",
    re.IGNORECASE,
)


def _replacement(match: re.Match) -> str:
    token = match.group(0).strip().lower()
    if token.startswith("hxxp"):
        return "http" + (match.group(1) or "").lower()
    if token == "[:]":
        return ":"
    if token in ("[at]", "(at)", "[@]"):
        return "@"
    return "."


def refang_with_map(text: str) -> tuple[str, list[int], list[bool]]:
    """The text refanged, the index in ``text`` of each character of the result (plus one past the end), and
    for each character of the result whether it comes from a defanged marker."""
    out: list[str] = []
    where: list[int] = []
    marked: list[bool] = []
    last = 0
    for match in _DEFANG.finditer(text):
        for i in range(last, match.start()):
            out.append(text[i])
            where.append(i)
            marked.append(False)
        replacement = _replacement(match)
        for ch in replacement:
            out.append(ch)
            where.append(match.start())
            marked.append(True)
        last = match.end()
    for i in range(last, len(text)):
        out.append(text[i])
        where.append(i)
        marked.append(False)
    where.append(len(text))
    return "".join(out), where, marked


def refang(text: str) -> str:
    return refang_with_map(text)[0]


# --- normalising one value ---------------------------------------------------------------------------------------


def _domain(value: str, *, strict_tld: bool = True) -> str:
    value = value.strip().rstrip(".").lower()
    if not value.isascii():
        try:
            value = value.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidObservable(f"« {value} » n'est pas un nom de domaine valide.") from exc
    labels = value.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels) or len(value) > 253:
        raise InvalidObservable(f"« {value} » n'est pas un nom de domaine valide.")
    if strict_tld and labels[-1] not in TLDS and not labels[-1].startswith("xn--"):
        raise InvalidObservable(f"« {value} » n'a pas d'extension de domaine connue.")
    return value


_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _ip(value: str, kind: str) -> str:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError as exc:
        raise InvalidObservable(f"« {value} » n'est pas une adresse IP valide.") from exc
    if (address.version == 4) != (kind == IPV4):
        name = "IPv4" if kind == IPV4 else "IPv6"
        raise InvalidObservable(f"« {value} » n'est pas une adresse {name}.")
    return address.compressed


def _host(host: str) -> str:
    if host.startswith("[") and host.endswith("]"):
        return "[" + _ip(host[1:-1], IPV6) + "]"
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        return _domain(host, strict_tld=False)


def _url(value: str) -> str:
    value = value.strip()
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise InvalidObservable(f"« {value} » n'est pas une URL valide.") from exc
    scheme = parts.scheme.lower()
    if scheme not in URL_SCHEMES or not parts.hostname:
        raise InvalidObservable(f"« {value} » n'est pas une URL valide (http, https ou ftp).")
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0] + "@" if len(netloc) == 2 else ""
    hostport = netloc[-1]
    host = hostport[: hostport.rindex("]") + 1] if hostport.startswith("[") else hostport.split(":")[0]
    host = _host(host)
    netloc = userinfo + host + (f":{port}" if port is not None else "")
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def _email(value: str) -> str:
    value = value.strip().lower()
    local, at, domain = value.rpartition("@")
    if not at or not local or not _LOCAL.fullmatch(local):
        raise InvalidObservable(f"« {value} » n'est pas une adresse électronique valide.")
    return f"{local}@{_domain(domain)}"


_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")


def _hash(value: str, kind: str) -> str:
    value = value.strip().lower()
    if not re.fullmatch(r"[0-9a-f]+", value) or HASH_LENGTHS.get(len(value)) != kind:
        raise InvalidObservable(f"« {value} » n'est pas une empreinte {HASH_NAMES[kind]} valide.")
    return value


HASH_NAMES = {MD5: "MD5", SHA1: "SHA-1", SHA256: "SHA-256"}


def _cve(value: str) -> str:
    value = value.strip().upper()
    if not re.fullmatch(r"CVE-\d{4}-\d{4,}", value):
        raise InvalidObservable(f"« {value} » n'est pas un identifiant CVE valide.")
    return value


def normalize(kind: str, value: str) -> str:
    """The one form of ``value`` as an observable of ``kind`` (defanged forms understood); raises
    ``InvalidObservable`` with a French message when it is not one."""
    value = refang(str(value)).strip()
    if not value:
        raise InvalidObservable("La valeur est vide.")
    if kind in (IPV4, IPV6):
        return _ip(value, kind)
    if kind == DOMAIN:
        return _domain(value)
    if kind == URL:
        return _url(value)
    if kind == EMAIL:
        return _email(value)
    if kind in HASH_NAMES:
        return _hash(value, kind)
    if kind == CVE:
        return _cve(value)
    raise InvalidObservable(f"Type d'observable inconnu : « {kind} ».")


def guess_kind(value: str) -> str | None:
    """The kind a typed value is, or None."""
    value = refang(str(value)).strip()
    if re.fullmatch(r"(?i)cve-\d{4}-\d{4,}", value):
        return CVE
    if re.fullmatch(r"[0-9a-fA-F]+", value) and len(value) in HASH_LENGTHS:
        return HASH_LENGTHS[len(value)]
    try:
        return IPV4 if ipaddress.ip_address(value).version == 4 else IPV6
    except ValueError:
        pass
    if "://" in value:
        return URL
    if "@" in value:
        return EMAIL
    if "." in value:
        return DOMAIN
    return None


# --- extracting from free text ---------------------------------------------------------------------------------

_DOMAIN_BODY = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]"
_PATTERNS: list[tuple[str, re.Pattern]] = [
    (URL, re.compile(r"\b(?:https?|ftp)://[^\s<>\"'«»]+", re.IGNORECASE)),
    (EMAIL, re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@" + _DOMAIN_BODY + r"(?![\w-])", re.IGNORECASE)),
    (CVE, re.compile(r"\bCVE-\d{4}-\d{4,}\b", re.IGNORECASE)),
    ("hash", re.compile(r"(?<![\w])(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![\w])", re.IGNORECASE)),
    (IPV4, re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")),
    (IPV6, re.compile(r"(?<![\w:])(?=[0-9a-f:]*[0-9a-f])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])", re.IGNORECASE)),
    (DOMAIN, re.compile(r"(?<![\w.@/-])" + _DOMAIN_BODY + r"(?![\w-]|\.[a-z0-9])", re.IGNORECASE)),
]
_TRAILING = ".,;:!?)]}»'\""


def _accept_domain(value: str, defanged: bool) -> str | None:
    try:
        domain = _domain(value)
    except InvalidObservable:
        return None
    labels = domain.split(".")
    if labels[-1] in FILE_LIKE_TLDS and len(labels) == 2 and not defanged:
        return None
    return domain


def extract(text: str) -> list[Candidate]:
    """The observables written in ``text``, in order of appearance, each value once."""
    plain, where, marked = refang_with_map(text or "")
    taken: list[tuple[int, int]] = []
    found: list[Candidate] = []
    seen: set[tuple[str, str]] = set()

    def overlaps(start: int, end: int) -> bool:
        return any(start < e and s < end for s, e in taken)

    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(plain):
            start, end = match.span()
            raw = match.group(0)
            if kind == URL:
                stripped = raw.rstrip(_TRAILING)
                if raw.endswith(")") and "(" in stripped:
                    stripped = raw.rstrip(_TRAILING.replace(")", ""))
                end -= len(raw) - len(stripped)
                raw = stripped
            if overlaps(start, end):
                continue
            defanged = any(marked[start:end])
            try:
                if kind == "hash":
                    kind_of = HASH_LENGTHS[len(raw)]
                    value = _hash(raw, kind_of)
                elif kind == DOMAIN:
                    kind_of, value = DOMAIN, _accept_domain(raw, defanged)
                    if value is None:
                        continue
                else:
                    kind_of, value = kind, normalize(kind, raw)
            except InvalidObservable:
                continue
            taken.append((start, end))
            if (kind_of, value) in seen:
                continue
            seen.add((kind_of, value))
            found.append(Candidate(kind_of, value, (where[start], where[end])))
    found.sort(key=lambda c: c.span)
    return found
