"""A structure's inventory: adding from the watch-list or typed (with a suggested match to confirm), removing,
and importing CSV, CPE lists, CycloneDX and SPDX files (preview, then confirmation), good and bad; who may."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from acss.core.errors import Refusal
from acss.core.models import AuditEvent
from acss.inventories.imports import parse_inventory
from acss.inventories.keys import cpe_parse
from acss.inventories.models import InventoryItem, ItemSource
from acss.veille.models import WatchedProduct

CSV_SEMICOLON = "\ufefffournisseur;produit;version;cpe\nFortinet;FortiOS;7.2.4;\nPhilips;Vue PACS;12.2;\n;;;cpe:2.3:a:orthanc-server:orthanc:1.12.1\n"
CSV_COMMA = "Éditeur,Produit,Version\nMicrosoft,Exchange Server,2019\n"
CPE_LIST = "# nos équipements\ncpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*\n\ncpe:2.3:a:citrix:netscaler_adc:13.1\n"
CYCLONEDX = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "version": 1,
    "components": [
        {
            "type": "application",
            "supplier": {"name": "Fortinet"},
            "name": "FortiOS",
            "version": "7.2.4",
            "cpe": "cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*",
        },
        {"type": "library", "group": "org.apache.logging.log4j", "name": "log4j-core", "version": "2.14.1"},
        {"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"},
    ],
}
CYCLONEDX_XML = """<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"><components>
<component type="application"><publisher>Philips</publisher><name>Vue PACS</name><version>12.2</version></component>
</components></bom>"""
SPDX = {
    "spdxVersion": "SPDX-2.3",
    "dataLicense": "CC0-1.0",
    "SPDXID": "SPDXRef-DOCUMENT",
    "name": "inventaire",
    "documentNamespace": "https://example.org/inventaire",
    "creationInfo": {"created": "2026-11-30T10:00:00Z", "creators": ["Tool: test"]},
    "packages": [
        {
            "SPDXID": "SPDXRef-p1",
            "name": "Orthanc",
            "versionInfo": "1.12.1",
            "supplier": "Organization: Orthanc",
            "downloadLocation": "NOASSERTION",
            "externalRefs": [
                {
                    "referenceCategory": "SECURITY",
                    "referenceType": "cpe23Type",
                    "referenceLocator": "cpe:2.3:a:orthanc-server:orthanc:1.12.1:*:*:*:*:*:*:*",
                }
            ],
        },
        {"SPDXID": "SPDXRef-p2", "name": "OpenSSL", "versionInfo": "3.0.7", "downloadLocation": "NOASSERTION"},
    ],
}
SPDX_TAGVALUE = """SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: inventaire
DocumentNamespace: https://example.org/tv
Creator: Tool: test
Created: 2026-11-30T10:00:00Z

PackageName: Vue PACS
SPDXID: SPDXRef-p1
PackageVersion: 12.2
PackageSupplier: Organization: Philips
PackageDownloadLocation: NOASSERTION
ExternalRef: SECURITY cpe23Type cpe:2.3:a:philips:vue_pacs:12.2:*:*:*:*:*:*:*
"""


def upload(client, structure, content: str | bytes, name: str = "inventaire.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(reverse("inventories:import", args=[structure.pk]), {"file": SimpleUploadedFile(name, data)})


def import_file(client, structure, content, name="inventaire.csv"):
    preview = upload(client, structure, content, name)
    assert preview.status_code == 200, preview.content.decode()[:500]
    assert "preview" in preview.context, preview.context["form"].errors
    confirmed = client.post(reverse("inventories:import_confirm", args=[structure.pk]))
    assert confirmed.status_code == 302
    return preview


def items_of(structure) -> list[tuple[str, str, str]]:
    return sorted(InventoryItem.objects.filter(structure=structure).values_list("vendor", "product", "version"))


# --- parsing, pure ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "source", "products"),
    [
        (CSV_SEMICOLON, ItemSource.CSV, ["FortiOS", "Vue PACS", "orthanc"]),
        (CSV_COMMA, ItemSource.CSV, ["Exchange Server"]),
        (CPE_LIST, ItemSource.CPE, ["fortios", "netscaler adc"]),
        (json.dumps(CYCLONEDX), ItemSource.CYCLONEDX, ["FortiOS", "log4j-core", "lodash"]),
        (CYCLONEDX_XML, ItemSource.CYCLONEDX, ["Vue PACS"]),
        (json.dumps(SPDX), ItemSource.SPDX, ["Orthanc", "OpenSSL"]),
        (SPDX_TAGVALUE, ItemSource.SPDX, ["Vue PACS"]),
    ],
)
def test_each_format_is_recognised_and_read(content, source, products):
    parsed = parse_inventory(content.encode())
    assert parsed.source == source
    assert [r.product for r in parsed.rows] == products


def test_sbom_fields_become_vendor_version_and_cpe():
    rows = parse_inventory(json.dumps(CYCLONEDX).encode()).rows
    assert (rows[0].vendor, rows[0].version, rows[0].cpe) == (
        "Fortinet",
        "7.2.4",
        "cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*",
    )
    assert rows[1].vendor == "org.apache.logging.log4j"  # the group when there is no supplier
    spdx = parse_inventory(json.dumps(SPDX).encode()).rows
    assert (spdx[0].vendor, spdx[0].version) == ("Orthanc", "1.12.1")
    assert spdx[0].cpe.startswith("cpe:2.3:a:orthanc-server:orthanc:1.12.1")
    # A CPE alone gives the vendor, product and version.
    cpe_only = parse_inventory(CSV_SEMICOLON.encode()).rows[2]
    assert (cpe_only.vendor, cpe_only.product, cpe_only.version) == ("orthanc-server", "orthanc", "1.12.1")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("fournisseur;produit\nFortinet;FortiOS\nPhilips;\n", "Ligne 3 : le nom du produit manque."),
        (
            "fournisseur;produit;cpe\nFortinet;FortiOS;cpe:2.3:x\n",
            "Ligne 2 : « cpe:2.3:x » n'est pas un identifiant CPE 2.3 valide.",
        ),
        ("nom du fichier;taille\n", "Ligne 1 : l'en-tête doit nommer les colonnes"),
        ("fournisseur;produit\n\n", "aucun produit sous sa ligne d'en-tête"),
        ("produit;version\nA;1\nB;2;3\n", "Ligne 3 : 3 colonnes au lieu de 2."),
        (b"produit\nIntelliSpace\nR\xe9seau\n", "Ligne 3 : le fichier n'est pas encodé en UTF-8"),
        (
            "cpe:2.3:a:citrix:netscaler:13\ncpe:2.3:a:citrix\n",
            "Ligne 2 : « cpe:2.3:a:citrix » n'est pas un identifiant CPE 2.3 valide.",
        ),
        ("cpe:2.3:a:citrix:netscaler:13\n\ncpe:/a:citrix:adc\n", "Ligne 3 : « cpe:/a:citrix:adc »"),
        (
            json.dumps({**CYCLONEDX, "components": [*CYCLONEDX["components"], {"type": "robot", "name": "R2"}]}),
            "Composant n° 4 (« R2 ») : élément refusé",
        ),
        (
            json.dumps({**CYCLONEDX, "components": [{"type": "library", "version": "1"}]}),
            "Composant n° 1 : le nom du composant (« name ») manque.",
        ),
        (
            json.dumps({**CYCLONEDX, "components": [{"type": "library", "name": "x", "cpe": "pas un cpe"}]}),
            "Composant n° 1 (« x ») : « pas un cpe » n'est pas un identifiant CPE 2.3 valide.",
        ),
        (
            json.dumps({**SPDX, "packages": [SPDX["packages"][0], {**SPDX["packages"][1], "supplier": "Bogus"}]}),
            "Paquet n° 2 (« OpenSSL ») : élément refusé",
        ),
        (SPDX_TAGVALUE.replace("PackageSupplier: Organization: Philips", "PackageSupplier: rien"), "ligne 12"),
        (
            CYCLONEDX_XML.replace("</component>", '</component><component type="robot"><name>R2</name></component>'),
            "Composant n° 2 (« R2 ») : élément refusé",
        ),
        (CYCLONEDX_XML.replace("</component>", ""), "XML illisible"),
        ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><bom/>', "DOCTYPE et ENTITY sont refusées"),
        ('{"bomFormat": "CycloneDX", ', "Ligne 1 : JSON illisible"),
        ('{"hello": 1}', "ni un SBOM CycloneDX"),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_or_element(content, message):
    with pytest.raises(Refusal) as refused:
        parse_inventory(content if isinstance(content, bytes) else content.encode())
    assert message in refused.value.message


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.lists(st.text(alphabet='cpe:2.3aoh*-_\\;,\n"fournisseurproduitversion', max_size=40), max_size=8).map(
            lambda parts: "\n".join(parts).encode()
        ),
    )
)
def test_any_file_is_read_or_refused_in_french_never_an_error(content):
    try:
        parsed = parse_inventory(content)
    except Refusal as refused:
        assert refused.message
    else:
        assert all(r.product for r in parsed.rows)
        assert all(cpe_parse(r.cpe) is not None for r in parsed.rows if r.cpe)


_JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10))
_JSON_KEYS = st.sampled_from(
    [
        "name",
        "version",
        "type",
        "supplier",
        "cpe",
        "purl",
        "group",
        "components",
        "SPDXID",
        "versionInfo",
        "externalRefs",
    ]
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_JSON_KEYS, inner, max_size=5)),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([{"bomFormat": "CycloneDX", "specVersion": "1.5"}, {"spdxVersion": "SPDX-2.3"}]),
    st.dictionaries(st.sampled_from(["components", "packages", "creationInfo", "name", "SPDXID"]), _JSON, max_size=4),
)
def test_any_sbom_is_read_or_refused_in_french_never_an_error(head, body):
    try:
        parse_inventory(json.dumps({**head, **body}).encode())
    except Refusal as refused:
        assert refused.message


def test_cpe_strings():
    assert cpe_parse("cpe:2.3:a:philips:vue_pacs").value == "cpe:2.3:a:philips:vue_pacs:*:*:*:*:*:*:*:*"
    assert cpe_parse("cpe:2.3:a:*:vue_pacs") is None
    assert cpe_parse("cpe:2.3:a:philips:vue pacs") is None
    assert cpe_parse("cpe:2.3:q:philips:vue_pacs") is None


# --- through HTTP ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "source", "count"),
    [
        (CSV_SEMICOLON, "inventaire.csv", ItemSource.CSV, 3),
        (CPE_LIST, "cpe.txt", ItemSource.CPE, 2),
        (json.dumps(CYCLONEDX), "bom.json", ItemSource.CYCLONEDX, 3),
        (CYCLONEDX_XML, "bom.xml", ItemSource.CYCLONEDX, 1),
        (json.dumps(SPDX), "sbom.spdx.json", ItemSource.SPDX, 2),
        (SPDX_TAGVALUE, "sbom.spdx", ItemSource.SPDX, 1),
    ],
)
def test_import_previews_then_adds_once(world, content, name, source, count):
    client = world.client("declarant_a")
    preview = upload(client, world.structure_a, content, name)
    assert preview.status_code == 200
    assert preview.context["new_count"] == count
    assert not InventoryItem.objects.exists()  # the preview writes nothing
    client.post(reverse("inventories:import_confirm", args=[world.structure_a.pk]))
    assert InventoryItem.objects.filter(structure=world.structure_a, source=source).count() == count
    assert AuditEvent.objects.filter(action="inventory.imported").count() == 1
    # The same file again: the preview says nothing is new, the confirmation adds nothing.
    again = import_file(client, world.structure_a, content, name)
    assert again.context["new_count"] == 0
    assert InventoryItem.objects.filter(structure=world.structure_a).count() == count


def test_imported_lines_get_a_suggested_match(world):
    client = world.client("manager_a")
    preview = import_file(client, world.structure_a, CSV_SEMICOLON)
    assert [p.suggestion for p in preview.context["preview"]] == ["Fortinet FortiOS", "Philips Vue PACS", "Orthanc"]
    fortios = InventoryItem.objects.get(structure=world.structure_a, product="FortiOS")
    assert fortios.watched_product == WatchedProduct.objects.get(vendor__name="Fortinet", name="FortiOS")
    assert not fortios.match_confirmed
    assert fortios.cpe_key == "" and fortios.name_key == "fortinet|fortios"


def test_a_bad_file_is_shown_again_with_the_french_message(world):
    response = upload(world.client("declarant_a"), world.structure_a, "fournisseur;produit\nFortinet;\n")
    assert response.status_code == 200
    assert "Ligne 2 : le nom du produit manque." in response.content.decode()
    assert not InventoryItem.objects.exists()


def test_confirming_without_a_preview_adds_nothing(world):
    response = world.client("declarant_a").post(
        reverse("inventories:import_confirm", args=[world.structure_a.pk]), follow=True
    )
    assert "attend de confirmation : choisissez à nouveau le fichier." in response.content.decode()
    assert not InventoryItem.objects.exists()


def test_typed_product_gets_a_suggestion_the_person_confirms(world):
    client = world.client("declarant_a")
    url = reverse("inventories:add_typed", args=[world.structure_a.pk])
    response = client.post(url, {"vendor": "Fortinet, Inc.", "product": "FortiOS 7", "version": "7.2.4", "cpe": ""})
    assert response.status_code == 302
    item = InventoryItem.objects.get(structure=world.structure_a)
    fortios = WatchedProduct.objects.get(vendor__name="Fortinet", name="FortiOS")
    assert (item.watched_product, item.match_confirmed, item.source) == (fortios, False, ItemSource.TYPED)
    page = client.get(reverse("inventories:inventory", args=[world.structure_a.pk])).content.decode()
    assert "suggérée" in page
    client.post(reverse("inventories:match", args=[world.structure_a.pk, item.pk]), {"decision": "confirm"})
    item.refresh_from_db()
    assert (item.watched_product, item.match_confirmed) == (fortios, True)
    assert AuditEvent.objects.filter(action="inventory.match_confirmed", object_id=str(item.pk)).exists()


def test_every_suggestion_is_confirmed_at_once_after_an_import(world):
    client = world.client("declarant_a")
    import_file(client, world.structure_a, CSV_SEMICOLON)
    assert InventoryItem.objects.filter(watched_product__isnull=False, match_confirmed=False).count() == 3
    page = client.get(reverse("inventories:inventory", args=[world.structure_a.pk])).content.decode()
    assert "Confirmer toutes les correspondances suggérées" in page
    client.post(reverse("inventories:match_all", args=[world.structure_a.pk]))
    assert not InventoryItem.objects.filter(watched_product__isnull=False, match_confirmed=False).exists()
    assert InventoryItem.objects.filter(match_confirmed=True).count() == 3
    assert AuditEvent.objects.filter(action="inventory.matches_confirmed").count() == 1


def test_a_rejected_suggestion_leaves_no_watched_product(world):
    client = world.client("declarant_a")
    client.post(
        reverse("inventories:add_typed", args=[world.structure_a.pk]),
        {"vendor": "", "product": "Vue PACS", "version": "", "cpe": ""},
    )
    item = InventoryItem.objects.get(structure=world.structure_a)
    assert item.watched_product is not None
    client.post(reverse("inventories:match", args=[world.structure_a.pk, item.pk]), {"decision": "reject"})
    item.refresh_from_db()
    assert (item.watched_product, item.match_confirmed) == (None, True)


def test_a_typed_product_contradicted_by_its_vendor_gets_no_suggestion(world):
    world.client("declarant_a").post(
        reverse("inventories:add_typed", args=[world.structure_a.pk]),
        {"vendor": "Agfa", "product": "Vue PACS", "version": "", "cpe": ""},
    )
    assert InventoryItem.objects.get(structure=world.structure_a).watched_product is None


def test_a_bad_typed_product_keeps_what_was_typed(world):
    response = world.client("declarant_a").post(
        reverse("inventories:add_typed", args=[world.structure_a.pk]),
        {"vendor": "Fortinet", "product": "", "version": "7.2", "cpe": "pas-un-cpe"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce n&#x27;est pas un identifiant CPE 2.3 valide" in html or "Ce n'est pas un identifiant CPE 2.3" in html
    assert 'value="Fortinet"' in html and 'value="pas-un-cpe"' in html
    assert not InventoryItem.objects.exists()


def test_add_from_the_watch_list_then_remove(world):
    client = world.client("manager_a")
    fortios = WatchedProduct.objects.get(vendor__name="Fortinet", name="FortiOS")
    url = reverse("inventories:add_watched", args=[world.structure_a.pk])
    assert client.post(url, {"watched_product": fortios.pk, "version": "7.2"}).status_code == 302
    assert client.post(url, {"watched_product": fortios.pk, "version": "7.2"}).status_code == 302  # idempotent
    item = InventoryItem.objects.get(structure=world.structure_a)
    assert (item.vendor, item.product, item.match_confirmed, item.source) == ("Fortinet", "FortiOS", True, "watchlist")
    assert client.post(reverse("inventories:remove", args=[world.structure_a.pk, item.pk])).status_code == 302
    assert not InventoryItem.objects.exists()
    assert AuditEvent.objects.filter(action="inventory.item_removed").count() == 1


def test_who_reads_and_who_changes_the_inventory(world):
    url = reverse("inventories:inventory", args=[world.structure_a.pk])
    assert world.client("declarant_b").get(url).status_code == 404
    assert world.client("ars_other").get(url).status_code == 404
    ars = world.client("ars_idf").get(url)
    assert ars.status_code == 200 and ars.context["may_write"] is False
    refused = world.client("ars_idf").post(
        reverse("inventories:add_typed", args=[world.structure_a.pk]), {"product": "FortiOS"}
    )
    assert refused.status_code == 403
    assert "Seules les personnes de la structure et la cellule ACSS" in refused.content.decode()
    assert (
        world.client("declarant_b")
        .post(reverse("inventories:add_typed", args=[world.structure_a.pk]), {"product": "FortiOS"})
        .status_code
        == 404
    )
    assert world.client("analyst").get(url).context["may_write"] is True
    assert not InventoryItem.objects.exists()
