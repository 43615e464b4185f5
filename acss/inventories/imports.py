"""Reading an inventory file (pure: no database): CSV, a list of CPE, a CycloneDX or SPDX SBOM.

``parse_inventory(content, filename)`` recognises the format from the content and returns a ``Parsed`` (the
format, and one ``Row`` per product); a file that cannot be read is refused, whole, with a French
``Refusal`` naming the line (CSV, CPE list, SPDX tag-value) or the element (CycloneDX component, SPDX package)
at fault. Nothing is written here: the preview shows the rows, the confirmation writes them
(``services.inventory_import``).

- **CSV**: a header line naming the columns (« fournisseur » or « éditeur », « produit », « version »,
  « cpe »; English names too), separated by ``;`` or ``,``, UTF-8 with or without BOM. A line needs a product
  or a CPE (which then gives the vendor, product and version).
- **CPE list**: one CPE 2.3 formatted string a line; blank lines and lines starting with ``#`` are skipped.
- **CycloneDX** JSON or XML (``cyclonedx-python-lib``): each component, nested ones too: the supplier, else
  the publisher, else the group as the vendor; name, version, CPE; a purl gives the vendor when nothing else does.
- **SPDX** JSON or tag-value (``spdx-tools``): each package: supplier, name, ``versionInfo``, the external
  reference of type ``cpe23Type``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import asdict, dataclass
from xml.etree import ElementTree  # noqa: S405 - parsed with defusedxml's rules below

from django.utils.translation import gettext as _

from acss.core.errors import Refusal

from .keys import cpe_label, cpe_parse
from .models import ItemSource

logger = logging.getLogger(__name__)

MAX_ROWS = 20_000
VENDOR_COLUMNS = {"fournisseur", "editeur", "éditeur", "fabricant", "vendor", "supplier", "publisher"}
PRODUCT_COLUMNS = {"produit", "product", "nom", "name", "logiciel"}
VERSION_COLUMNS = {"version"}
CPE_COLUMNS = {"cpe", "cpe23", "cpe 2.3", "cpe2.3"}


@dataclass(frozen=True)
class Row:
    vendor: str
    product: str
    version: str = ""
    cpe: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Parsed:
    source: str
    rows: list[Row]


def _clean(value, length: int) -> str:
    return " ".join(str(value or "").split())[:length]


def _row(vendor, product, version, cpe_value: str, where: str) -> Row:
    """One row, completed from its CPE; refused (naming ``where``) when its CPE is malformed or it has no product."""
    cpe = None
    if cpe_value:
        cpe = cpe_parse(cpe_value)
        if cpe is None:
            raise Refusal(
                _("%(where)s : « %(cpe)s » n'est pas un identifiant CPE 2.3 valide.")
                % {"where": where, "cpe": cpe_value[:120]}
            )
    vendor, product, version = _clean(vendor, 200), _clean(product, 200), _clean(version, 100)
    if cpe is not None:
        vendor = vendor or cpe_label(cpe.vendor)
        product = product or cpe_label(cpe.product)
        version = version or cpe.version[:100]
    if not product:
        raise Refusal(_("%(where)s : le nom du produit manque.") % {"where": where})
    return Row(vendor=vendor, product=product, version=version, cpe=cpe.value if cpe else "")


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise Refusal(
            _("Ligne %(line)d : le fichier n'est pas encodé en UTF-8 (enregistrez-le en UTF-8 et recommencez).")
            % {"line": line}
        )


def _limit(rows: list[Row]) -> list[Row]:
    if len(rows) > MAX_ROWS:
        raise Refusal(_("Le fichier compte plus de %(n)d produits : découpez-le.") % {"n": MAX_ROWS})
    return rows


# --- CSV and CPE lists ----------------------------------------------------------------------------------------


def _column(name: str) -> str:
    return " ".join((name or "").strip().lower().replace("_", " ").split())


def _cell(record: list[str], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    return record[index].strip() if index is not None and index < len(record) else ""


def parse_csv(text: str) -> Parsed:
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), "")
    delimiter = ";" if header.count(";") >= header.count(",") and ";" in header else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    columns: dict[str, int] | None = None
    rows: list[Row] = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if columns is None:
                names = [_column(c) for c in record]
                columns = {}
                for index, name in enumerate(names):
                    for key, accepted in (
                        ("vendor", VENDOR_COLUMNS),
                        ("product", PRODUCT_COLUMNS),
                        ("version", VERSION_COLUMNS),
                        ("cpe", CPE_COLUMNS),
                    ):
                        if name in accepted and key not in columns:
                            columns[key] = index
                if "product" not in columns and "cpe" not in columns:
                    raise Refusal(
                        _(
                            "Ligne %(line)d : l'en-tête doit nommer les colonnes « fournisseur », « produit », "
                            "« version » et « cpe » (au moins « produit » ou « cpe »), séparées par « ; » ou « , »."
                        )
                        % {"line": line}
                    )
                continue
            if len(record) > len(names):
                raise Refusal(
                    _("Ligne %(line)d : %(found)d colonnes au lieu de %(expected)d.")
                    % {"line": line, "found": len(record), "expected": len(names)}
                )
            values = [_cell(record, columns, key) for key in ("vendor", "product", "version", "cpe")]
            rows.append(_row(*values, _("Ligne %(line)d") % {"line": line}))
    except csv.Error as exc:
        raise Refusal(_("Ligne %(line)d : ligne CSV illisible (%(error)s).") % {"line": reader.line_num, "error": exc})
    if columns is None:
        raise Refusal(_("Le fichier est vide."))
    if not rows:
        raise Refusal(_("Le fichier ne contient aucun produit sous sa ligne d'en-tête."))
    return Parsed(ItemSource.CSV, _limit(rows))


def parse_cpe_list(text: str) -> Parsed:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.strip()
        if not value or value.startswith("#"):
            continue
        rows.append(_row("", "", "", value, _("Ligne %(line)d") % {"line": number}))
    if not rows:
        raise Refusal(_("Le fichier ne contient aucun identifiant CPE."))
    return Parsed(ItemSource.CPE, _limit(rows))


# --- CycloneDX ------------------------------------------------------------------------------------------------


def _component_row(component, where: str) -> Row:
    vendor = ""
    if component.supplier is not None and component.supplier.name:
        vendor = component.supplier.name
    vendor = vendor or component.publisher or component.group or ""
    if not vendor and component.purl is not None and component.purl.namespace:
        vendor = component.purl.namespace.rsplit("/", 1)[-1]
    return _row(vendor, component.name, component.version or "", component.cpe or "", where)


def _walk_components(components, prefix: str = "") -> list[Row]:
    rows = []
    for number, component in enumerate(components, start=1):
        label = f"{prefix}{number}"
        where = _("Composant n° %(n)s (« %(name)s »)") % {"n": label, "name": _clean(component.name, 80)}
        rows.append(_component_row(component, where))
        if component.components:
            rows += _walk_components(component.components, f"{label}.")
    return rows


def _cyclonedx_refusal(items: list, parse_one, describe) -> Refusal:
    """The first component the library refuses, named; else the library's own message."""
    for number, item in enumerate(items, start=1):
        try:
            parse_one(item)
        except Exception as exc:  # noqa: BLE001 - the library raises ValueError, TypeError, KeyError…
            return Refusal(
                _("Composant n° %(n)d (« %(name)s ») : élément refusé (%(error)s).")
                % {"n": number, "name": describe(item), "error": str(exc)[:200]}
            )
    return Refusal(_("Le fichier CycloneDX est invalide."))


def parse_cyclonedx_json(data: dict) -> Parsed:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component

    components = data.get("components", [])
    if not isinstance(components, list):
        raise Refusal(_("Fichier CycloneDX : « components » doit être une liste."))
    for number, item in enumerate(components, start=1):
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            raise Refusal(_("Composant n° %(n)d : le nom du composant (« name ») manque.") % {"n": number})
    try:
        bom = Bom.from_json(data)  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001
        logger.info("CycloneDX refusé : %s", exc)
        raise _cyclonedx_refusal(
            components,
            Component.from_json,
            lambda item: _clean(item.get("name"), 80),  # type: ignore[attr-defined]
        )
    return Parsed(ItemSource.CYCLONEDX, _limit(_walk_components(bom.components)))


def parse_cyclonedx_xml(text: str) -> Parsed:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component

    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise Refusal(_("Fichier CycloneDX XML : les déclarations DOCTYPE et ENTITY sont refusées."))
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - no DOCTYPE nor ENTITY (checked above)
    except ElementTree.ParseError as exc:
        raise Refusal(_("Ligne %(line)d : XML illisible.") % {"line": exc.position[0]})
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if not root.tag.endswith("bom") or "cyclonedx" not in namespace:
        raise Refusal(_("Ce fichier XML n'est pas un SBOM CycloneDX."))
    found = root.find(f"{{{namespace}}}components")
    elements = list(found) if found is not None else []
    for number, element in enumerate(elements, start=1):
        name = element.find(f"{{{namespace}}}name")
        if name is None or not (name.text or "").strip():
            raise Refusal(_("Composant n° %(n)d : le nom du composant (« name ») manque.") % {"n": number})
    try:
        bom = Bom.from_xml(root)  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001
        logger.info("CycloneDX XML refusé : %s", exc)

        def describe(element) -> str:
            name = element.find(f"{{{namespace}}}name")
            return _clean(name.text if name is not None else "", 80)

        raise _cyclonedx_refusal(elements, Component.from_xml, describe)  # type: ignore[attr-defined]
    return Parsed(ItemSource.CYCLONEDX, _limit(_walk_components(bom.components)))


# --- SPDX -----------------------------------------------------------------------------------------------------


def _spdx_messages(exc) -> str:
    messages = exc.get_messages() if hasattr(exc, "get_messages") else [str(exc)]
    return " ; ".join(str(m) for m in messages)[:400]


def _package_rows(document) -> list[Row]:
    rows = []
    for number, package in enumerate(document.packages, start=1):
        supplier = getattr(package.supplier, "name", "") or ""
        cpe = next(
            (ref.locator for ref in package.external_references if ref.reference_type in ("cpe23Type", "cpe23")),
            "",
        )
        version = package.version if isinstance(package.version, str) else ""
        where = _("Paquet n° %(n)d (« %(name)s »)") % {"n": number, "name": _clean(package.name, 80)}
        rows.append(_row(supplier, package.name, version, cpe, where))
    return rows


def parse_spdx_json(data: dict) -> Parsed:
    from spdx_tools.spdx.parser.error import SPDXParsingError
    from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
    from spdx_tools.spdx.parser.jsonlikedict.package_parser import PackageParser

    packages = data.get("packages", [])
    if not isinstance(packages, list):
        raise Refusal(_("Fichier SPDX : « packages » doit être une liste."))
    for number, package in enumerate(packages, start=1):
        name = _clean(package.get("name"), 80) if isinstance(package, dict) else ""
        try:
            PackageParser().parse_package(package)
        except Exception as exc:  # noqa: BLE001 - the library raises its own error, AttributeError, TypeError…
            raise Refusal(
                _("Paquet n° %(n)d (« %(name)s ») : élément refusé (%(error)s).")
                % {"n": number, "name": name, "error": _spdx_messages(exc)}
            )
    try:
        document = JsonLikeDictParser().parse(data)
    except SPDXParsingError as exc:
        raise Refusal(_("Fichier SPDX refusé : %(error)s.") % {"error": _spdx_messages(exc)})
    except Exception as exc:  # noqa: BLE001 - a field of the wrong JSON type
        logger.info("SPDX refusé : %r", exc)
        raise Refusal(
            _("Fichier SPDX refusé : un champ n'a pas la forme attendue (%(error)s).") % {"error": str(exc)[:200]}
        )
    return Parsed(ItemSource.SPDX, _limit(_package_rows(document)))


def parse_spdx_tagvalue(text: str) -> Parsed:
    from spdx_tools.spdx.parser.error import SPDXParsingError
    from spdx_tools.spdx.parser.tagvalue.parser import Parser

    try:
        document = Parser().parse(text)
    except SPDXParsingError as exc:
        raise Refusal(_("Fichier SPDX refusé : %(error)s.") % {"error": _spdx_messages(exc).replace("Line:", "ligne")})
    except Exception as exc:  # noqa: BLE001
        logger.info("SPDX tag-value refusé : %r", exc)
        raise Refusal(_("Fichier SPDX refusé : le document est illisible (%(error)s).") % {"error": str(exc)[:200]})
    return Parsed(ItemSource.SPDX, _limit(_package_rows(document)))


# --- recognising the format -----------------------------------------------------------------------------------


def parse_inventory(content: bytes) -> Parsed:
    text = _text(content)
    stripped = text.lstrip()
    if not stripped:
        raise Refusal(_("Le fichier est vide."))
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise Refusal(_("Ligne %(line)d : JSON illisible (%(error)s).") % {"line": exc.lineno, "error": exc.msg})
        if isinstance(data, dict) and data.get("bomFormat") == "CycloneDX":
            return parse_cyclonedx_json(data)
        if isinstance(data, dict) and "spdxVersion" in data:
            return parse_spdx_json(data)
        raise Refusal(
            _("Ce fichier JSON n'est ni un SBOM CycloneDX (« bomFormat ») ni un document SPDX (« spdxVersion »).")
        )
    if stripped.startswith("<"):
        return parse_cyclonedx_xml(stripped)
    if stripped.startswith("SPDXVersion:"):
        return parse_spdx_tagvalue(text)
    first = next((line.strip() for line in stripped.splitlines() if line.strip() and not line.startswith("#")), "")
    if first.lower().startswith("cpe:"):
        return parse_cpe_list(text)
    return parse_csv(text)
