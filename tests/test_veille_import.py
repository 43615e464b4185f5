"""The watch's import: CVE JSON 5, CSAF 2.0 (files and ROLIE feeds), KEV, EPSS, RSS/Atom.

Against the real public data (``tests/realdata.py``, skipped when absent): the cve5, csaf and kev folders are imported
once for the module (``full_import``, committed, deleted at the end); each test then runs in its own transaction,
rolled back, on top of that base.
"""

from __future__ import annotations

import copy
import functools
import gzip
import http.server
import json
import shutil
import sys
import threading
import types
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

from acss.veille.models import Advisory, ImportRun, NewsItem, Vulnerability
from acss.veille.services import veille_import
from acss.veille.tasks import veille_import_sources
from tests.realdata import REAL_DATA

DATA = REAL_DATA
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "veille"
SOURCES = ("cve5", "csaf", "kev")
# The 9 CISA medical-device advisories that fail `csaf validate --spec-version v20` (listed in the data folder's README).
NONCONFORMANT_ICSMA = {
    "ICSMA-17-215-01",
    "ICSMA-17-215-02",
    "ICSMA-19-241-01",
    "ICSMA-19-274-01",
    "ICSMA-19-353-01",
    "ICSMA-20-023-01",
    "ICSMA-20-170-04",
    "ICSMA-21-313-01",
    "ICSMA-22-251-01",
}
KEV_AND_CVE5 = "CVE-2024-42009"  # one of the 25 CVEs both in kev/ and in cve5/


def _need_data() -> None:
    if not DATA.is_dir():
        pytest.skip(f"{DATA} absent")


def _clear() -> None:
    for model in (Vulnerability, Advisory, NewsItem, ImportRun):  # matches go with their records
        model.objects.all().delete()


@pytest.fixture(scope="module")
def full_import(django_db_setup, django_db_blocker):
    """cve5 + csaf + kev imported once for the module, without the matcher; deleted afterwards."""
    _need_data()
    with django_db_blocker.unblock():
        _clear()
        report = veille_import(paths=[str(DATA / name) for name in SOURCES], match=False)
        try:
            yield report
        finally:
            _clear()


@pytest.fixture
def matcher(monkeypatch):
    """A stand-in for ``acss.veille.matching.match_records`` that records its calls."""
    calls: list[tuple[list[int], list[int]]] = []
    module = types.ModuleType("acss.veille.matching")

    def match_records(*, vulnerability_ids=(), advisory_ids=()):
        calls.append((list(vulnerability_ids), list(advisory_ids)))

    module.match_records = match_records
    monkeypatch.setitem(sys.modules, "acss.veille.matching", module)
    return calls


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _counts(report, kind: str) -> dict[str, int]:
    return {k: v for k, v in report.counts[kind].items() if v}


# --- The real data, whole ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_full_import_counts(full_import):
    cve_files = len(list((DATA / "cve5").glob("*.json")))
    csaf_files = len(list((DATA / "csaf").rglob("*.json")))
    kev = _load(DATA / "kev" / "known_exploited_vulnerabilities.json")["vulnerabilities"]
    assert (cve_files, csaf_files, len(kev)) == (5034, 124 + 200 + 19, 1404)

    report = full_import
    assert _counts(report, "cve") == {"imported": 5034}
    assert _counts(report, "csaf") == {"imported": 343}
    # 25 KEV entries are CVEs of cve5/ (flagged: updated); the 1,379 others become record-less rows.
    assert _counts(report, "kev") == {"imported": 1379, "updated": 25}
    assert (report.invalid, report.errors) == (0, [])

    assert Vulnerability.objects.count() == 5034 + 1379
    assert Vulnerability.objects.filter(has_record=True).count() == 5034
    assert Vulnerability.objects.filter(kev=True).count() == 1404
    assert Vulnerability.objects.filter(kev=True, has_record=True).count() == 25
    assert Advisory.objects.filter(series="ICSMA").count() == 124
    assert Advisory.objects.filter(series="ICSA").count() == 200
    assert Advisory.objects.count() == 343

    run = report.run
    run.refresh_from_db()
    assert (run.imported, run.updated, run.unchanged, run.invalid) == (5034 + 343 + 1379, 25, 0, 0)
    assert run.finished_at is not None and run.sources == [str(DATA / name) for name in SOURCES]

    vuln = Vulnerability.objects.get(cve_id="CVE-2018-8863")  # a Philips record of the health examples
    assert vuln.has_record and vuln.raw["cveMetadata"]["cveId"] == "CVE-2018-8863"
    assert vuln.published is not None and vuln.published.utcoffset() is not None
    assert any(a["vendor"] == "Philips" for a in vuln.affected)
    assert vuln.content_hash and len(vuln.content_hash) == 64


@pytest.mark.django_db
def test_a_second_run_changes_nothing(full_import):
    before = dict(Vulnerability.objects.values_list("cve_id", "changed_at"))
    report = veille_import(paths=[str(DATA / name) for name in SOURCES], match=False)
    assert (report.imported, report.updated, report.invalid) == (0, 0, 0)
    assert report.unchanged == 5034 + 343 + 1404
    assert _counts(report, "csaf") == {"unchanged": 343}
    assert dict(Vulnerability.objects.values_list("cve_id", "changed_at")) == before
    assert report.vulnerability_ids == [] and report.advisory_ids == []


@pytest.mark.django_db
def test_non_conformant_csaf_documents_are_kept_with_their_warnings(full_import):
    icsma = {a.tracking_id: a.conformance_warnings for a in Advisory.objects.filter(series="ICSMA")}
    assert len(icsma) == 124
    warned = {tracking_id for tracking_id, warnings in icsma.items() if warnings}
    assert warned == NONCONFORMANT_ICSMA
    for tracking_id in warned:
        rules = {w["rule"] for w in icsma[tracking_id]}
        assert rules <= {"6.1.31", "6.1.27"} and rules, tracking_id
        assert all(w["messages"] and w["title"] for w in icsma[tracking_id])
    version_range = icsma["ICSMA-19-241-01"][0]
    assert version_range["rule"] == "6.1.31" and "appears to be a version range" in version_range["messages"][0]
    # 16 in all: the 9 ICSMA, 6 ICSA (6.1.27, 6.1.31, 6.1.11) and one OASIS VEX example (6.1.27).
    assert full_import.nonconformant == 16


# --- Changes, malformed inputs ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_modified_record_is_updated_and_only_it_and_rematched(full_import, tmp_path, matcher):
    names = ["CVE-2018-8863.json", "CVE-2023-30561.json", "CVE-2023-30562.json"]
    for name in names:
        shutil.copy(DATA / "cve5" / name, tmp_path / name)
    changed = _load(tmp_path / names[0])
    changed["containers"]["cna"]["descriptions"][0]["value"] = "Description revue par le CNA."
    _write(tmp_path / names[0], changed)

    report = veille_import(paths=[str(tmp_path)])
    assert _counts(report, "cve") == {"updated": 1, "unchanged": 2}
    vuln = Vulnerability.objects.get(cve_id="CVE-2018-8863")
    assert vuln.description == "Description revue par le CNA."
    assert matcher == [([vuln.pk], [])]  # the changed record is (re)matched, the unchanged ones are not

    matcher.clear()
    report = veille_import(paths=[str(tmp_path)])
    assert _counts(report, "cve") == {"unchanged": 3}
    assert matcher == []


@pytest.mark.django_db
def test_malformed_inputs_are_counted_invalid_and_the_rest_imports(full_import, tmp_path):
    record = _load(DATA / "cve5" / "CVE-2018-8863.json")
    advisory = _load(DATA / "csaf" / "cisa-icsma" / "icsma-19-241-01.json")
    (tmp_path / "a-bad.json").write_text('{"dataType": "CVE_RECORD", "cveMetadata": ', encoding="utf-8")
    no_id = copy.deepcopy(record)
    del no_id["cveMetadata"]["cveId"]
    _write(tmp_path / "b-no-id.json", no_id)
    no_tracking = copy.deepcopy(advisory)
    del no_tracking["document"]["tracking"]["id"]
    _write(tmp_path / "c-no-tracking.json", no_tracking)
    _write(tmp_path / "d-unknown.json", {"hello": "world"})
    wrong_types = copy.deepcopy(record)
    wrong_types["cveMetadata"]["cveId"] = "CVE-2099-0002"
    wrong_types["containers"]["cna"]["affected"] = "Philips"
    _write(tmp_path / "e-wrong-types.json", wrong_types)
    good = copy.deepcopy(record)
    good["cveMetadata"]["cveId"] = "CVE-2099-0001"
    _write(tmp_path / "f-good.json", good)
    cves = tmp_path / "cves"
    cves.mkdir()
    _write(cves / "deltaLog.json", [{"fetchTime": "2024-10-24T00:00:00Z", "numberOfChanges": 1, "new": []}])
    _write(cves / "delta.json", {"fetchTime": "2024-10-24T00:00:00Z", "numberOfChanges": 0, "new": [], "updated": []})
    (tmp_path / "README.md").write_text("not data", encoding="utf-8")

    report = veille_import(paths=[str(tmp_path)], match=False)

    reasons = {Path(e["source"]).name: e["reason"] for e in report.errors}
    assert set(reasons) == {"a-bad.json", "b-no-id.json", "c-no-tracking.json", "d-unknown.json", "e-wrong-types.json"}
    assert reasons["a-bad.json"].startswith("JSON invalide")
    assert "cveMetadata.cveId" in reasons["b-no-id.json"]
    assert "document.tracking.id" in reasons["c-no-tracking.json"]
    assert reasons["d-unknown.json"].startswith("format non reconnu")
    assert "structure inattendue" in reasons["e-wrong-types.json"]
    assert report.invalid == 5
    assert _counts(report, "cve") == {"imported": 1, "invalid": 2}
    assert report.counts[""]["ignored"] == 2  # the cvelistV5 change logs: neither records nor invalid
    assert report.files_ignored == 1  # README.md
    assert Vulnerability.objects.get(cve_id="CVE-2099-0001").has_record
    assert not Vulnerability.objects.filter(cve_id="CVE-2099-0002").exists()
    run = ImportRun.objects.get(pk=report.run.pk)
    assert run.invalid == 5 and {Path(e["source"]).name for e in run.errors} == set(reasons)


@pytest.mark.django_db
def test_a_batch_the_database_refuses_is_written_row_by_row(full_import, tmp_path, monkeypatch):
    """PostgreSQL refuses a NUL character in text and JSON: only that record is invalid, the batch goes in."""
    record = _load(DATA / "cve5" / "CVE-2018-8863.json")
    for number in (1, 2, 3):
        doc = copy.deepcopy(record)
        doc["cveMetadata"]["cveId"] = f"CVE-2099-000{number}"
        _write(tmp_path / f"CVE-2099-000{number}.json", doc)
    doc["containers"]["cna"]["descriptions"][0]["value"] = "NUL \u0000 here"
    _write(tmp_path / "CVE-2099-0003.json", doc)
    veille_import(paths=[str(tmp_path / "CVE-2099-0001.json")], match=False)  # stored, then changed: an update
    doc1 = _load(tmp_path / "CVE-2099-0001.json")
    doc1["containers"]["cna"]["title"] = "Titre revu"
    _write(tmp_path / "CVE-2099-0001.json", doc1)

    report = veille_import(paths=[str(tmp_path)], match=False)
    if connection.vendor == "postgresql":
        assert _counts(report, "cve") == {"updated": 1, "imported": 1, "invalid": 1}
        assert report.errors[0]["source"].endswith("CVE-2099-0003.json")
        assert report.errors[0]["reason"].startswith("refusé par la base de données")
    else:
        assert _counts(report, "cve") == {"updated": 1, "imported": 2}
    assert Vulnerability.objects.get(cve_id="CVE-2099-0001").title == "Titre revu"

    def refuse(*args, **kwargs):
        raise DatabaseError("refused")

    Vulnerability.objects.filter(cve_id__startswith="CVE-2099-").delete()
    monkeypatch.setattr("acss.veille.services._insert", refuse)  # any engine: the row-by-row path
    report = veille_import(
        paths=[str(tmp_path / "CVE-2099-0001.json"), str(tmp_path / "CVE-2099-0002.json")], match=False
    )
    assert _counts(report, "cve") == {"imported": 2}
    assert set(Vulnerability.objects.filter(cve_id__startswith="CVE-2099-").values_list("has_record", flat=True)) == {
        True
    }


@pytest.mark.django_db
def test_a_missing_path_and_a_forced_wrong_format_are_invalid(full_import, tmp_path):
    report = veille_import(
        paths=[str(tmp_path / "nowhere"), str(DATA / "csaf" / "cisa-icsma" / "icsma-19-241-01.json")],
        fmt="cve5",
        match=False,
    )
    assert report.invalid == 2
    assert [e["reason"].split(" (")[0] for e in report.errors] == [
        "fichier ou dossier introuvable",
        "notice CVE sans identifiant valide",
    ]


# --- KEV, EPSS ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_kev_before_cve_creates_a_record_less_row_that_the_record_fills(full_import, tmp_path):
    catalogue = _load(DATA / "kev" / "known_exploited_vulnerabilities.json")
    entry = next(v for v in catalogue["vulnerabilities"] if v["cveID"] == KEV_AND_CVE5)
    kev_file = _write(tmp_path / "kev.json", {**catalogue, "count": 1, "vulnerabilities": [entry]})
    Vulnerability.objects.filter(cve_id=KEV_AND_CVE5).delete()

    report = veille_import(paths=[str(kev_file)], match=False)
    assert _counts(report, "kev") == {"imported": 1}
    vuln = Vulnerability.objects.get(cve_id=KEV_AND_CVE5)
    assert (vuln.has_record, vuln.kev, vuln.content_hash) == (False, True, "")
    assert str(vuln.kev_date_added) == entry["dateAdded"]
    assert (vuln.kev_vendor, vuln.kev_product) == (entry["vendorProject"], entry["product"])
    assert vuln.title == entry["vulnerabilityName"]

    report = veille_import(paths=[str(DATA / "cve5" / f"{KEV_AND_CVE5}.json")], match=False)
    assert _counts(report, "cve") == {"imported": 1}
    vuln.refresh_from_db()
    assert vuln.has_record and vuln.kev and str(vuln.kev_date_added) == entry["dateAdded"]
    assert vuln.title != entry["vulnerabilityName"] and vuln.raw["cveMetadata"]["cveId"] == KEV_AND_CVE5

    assert _counts(veille_import(paths=[str(kev_file)], match=False), "kev") == {"unchanged": 1}


@pytest.mark.django_db
def test_kev_ransomware_flag(full_import):
    catalogue = _load(DATA / "kev" / "known_exploited_vulnerabilities.json")["vulnerabilities"]
    known = {v["cveID"] for v in catalogue if v["knownRansomwareCampaignUse"] == "Known"}
    assert known and set(Vulnerability.objects.filter(kev_ransomware=True).values_list("cve_id", flat=True)) == known


@pytest.mark.django_db
def test_epss_updates_existing_rows_only(full_import, tmp_path, matcher):
    lines = [
        "#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z",
        "cve,epss,percentile",
        "CVE-2018-8863,0.01234,0.77001",
        f"{KEV_AND_CVE5},0.94,0.999",
        "CVE-2099-9999,0.5,0.5",  # not in the base: ignored, no row created
        "CVE-2018-8863-bis,zero,1",  # malformed
    ]
    epss = tmp_path / "epss_scores.csv"
    epss.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = Vulnerability.objects.count()

    report = veille_import(paths=[str(epss)])
    assert _counts(report, "epss") == {"updated": 2, "ignored": 1, "invalid": 1}
    assert report.errors[0]["source"].endswith("epss_scores.csv:6")
    assert Vulnerability.objects.count() == rows
    vuln = Vulnerability.objects.get(cve_id="CVE-2018-8863")
    assert (vuln.epss, vuln.epss_percentile, str(vuln.epss_date)) == (0.01234, 0.77001, "2025-08-25")
    assert matcher == []  # a score changes a priority only: unmatched rows are not re-matched

    gz = tmp_path / "epss_scores-current.csv.gz"
    gz.write_bytes(gzip.compress(epss.read_bytes()))
    assert _counts(veille_import(paths=[str(gz)], match=False), "epss") == {
        "unchanged": 2,
        "ignored": 1,
        "invalid": 1,
    }


# --- RSS / Atom ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rss_and_atom_feeds_import_news():
    report = veille_import(paths=[str(FIXTURES)], match=False)
    assert _counts(report, "news") == {"imported": 4, "invalid": 1}
    assert report.errors[0]["source"].endswith("cert-fr-avis.rss#2")
    rss = NewsItem.objects.get(guid="https://www.cert.ssi.gouv.fr/avis/CERTFR-2099-AVI-0001/")
    assert rss.feed == "CERT-FR - Avis (exemple)" and rss.link == rss.guid
    assert rss.summary == "De multiples vulnérabilités ont été découvertes dans FortiOS."  # HTML removed
    assert rss.published.isoformat() == "2024-11-12T14:30:00+00:00"
    atom = NewsItem.objects.get(guid="urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a")
    assert atom.feed == "PSIRT d'un éditeur (exemple)" and atom.link.endswith("EX-2024-001")
    assert NewsItem.objects.get(link__endswith="EX-2024-002").summary == "A path traversal exposes files."

    report = veille_import(paths=[str(FIXTURES / "cert-fr-avis.rss"), str(FIXTURES / "vendor-psirt.atom")])
    assert _counts(report, "news") == {"unchanged": 4, "invalid": 1}


# --- ROLIE feeds --------------------------------------------------------------------------------------------------

ROLIE_DOCS = ("icsma-20-023-01.json", "icsma-22-251-01.json")


def _rolie(entries: list[dict]) -> dict:
    return {"feed": {"id": "acss-test", "title": "CSAF test feed", "updated": "2024-10-24T00:00:00Z", "entry": entries}}


def _entry(doc: dict, href: str) -> dict:
    tracking = doc["document"]["tracking"]
    return {
        "id": tracking["id"],
        "title": doc["document"]["title"],
        "updated": tracking["current_release_date"],
        "link": [{"rel": "self", "href": href}],
        "content": {"type": "application/json", "src": href},
        "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0"},
    }


@pytest.mark.django_db
def test_a_local_rolie_feed_is_followed_and_known_entries_are_not_read_again(full_import, tmp_path):
    docs = []
    for name in ROLIE_DOCS:
        shutil.copy(DATA / "csaf" / "cisa-icsma" / name, tmp_path / name)
        docs.append(_load(tmp_path / name))
    feed = _write(
        tmp_path / "feed.json", _rolie([_entry(docs[0], ROLIE_DOCS[0]), _entry(docs[1], f"./{ROLIE_DOCS[1]}")])
    )
    ids = [d["document"]["tracking"]["id"] for d in docs]
    Advisory.objects.filter(tracking_id__in=ids).delete()

    report = veille_import(paths=[str(feed)], match=False)
    assert _counts(report, "csaf") == {"imported": 2}
    assert Advisory.objects.get(tracking_id=ids[0]).conformance_warnings[0]["rule"] == "6.1.31"

    for name in ROLIE_DOCS:  # entries whose advisory is stored at the same date are not fetched again
        (tmp_path / name).unlink()
    report = veille_import(paths=[str(feed)], match=False)
    assert _counts(report, "csaf") == {"unchanged": 2}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        _QuietHandler.requests.append(self.path)


@pytest.fixture
def http_dir(tmp_path):
    """A folder served over HTTP on 127.0.0.1 (a free port) for the test's duration."""
    _QuietHandler.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=tmp_path))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db
def test_a_rolie_feed_over_http(full_import, http_dir):
    folder, base = http_dir
    (folder / "2022").mkdir()
    docs = []
    for name in ROLIE_DOCS:
        shutil.copy(DATA / "csaf" / "cisa-icsma" / name, folder / "2022" / name)
        docs.append(_load(folder / "2022" / name))
    missing = {**_entry(docs[0], "2022/icsma-00-000-00.json"), "id": "ICSMA-00-000-00"}
    entries = [_entry(docs[0], f"{base}/2022/{ROLIE_DOCS[0]}"), _entry(docs[1], f"2022/{ROLIE_DOCS[1]}"), missing]
    _write(folder / "feed.json", _rolie(entries))
    Advisory.objects.filter(tracking_id__in=[d["document"]["tracking"]["id"] for d in docs]).delete()

    report = veille_import(paths=[f"{base}/feed.json"], match=False)
    assert _counts(report, "csaf") == {"imported": 2, "invalid": 1}
    assert report.errors == [
        {"source": f"{base}/2022/icsma-00-000-00.json", "reason": report.errors[0]["reason"]},
    ]
    assert report.errors[0]["reason"].startswith("téléchargement impossible (HTTPError)")
    advisory = Advisory.objects.get(tracking_id=docs[1]["document"]["tracking"]["id"])
    assert advisory.source == f"{base}/2022/{ROLIE_DOCS[1]}"

    _QuietHandler.requests = []
    report = veille_import(paths=[f"{base}/feed.json"], match=False)
    assert _counts(report, "csaf") == {"unchanged": 2, "invalid": 1}
    assert set(_QuietHandler.requests) == {"/2022/icsma-00-000-00.json", "/feed.json"}  # known entries: not fetched


# --- The command and the scheduled task ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_ends_with_its_summary(full_import, tmp_path):
    shutil.copy(DATA / "cve5" / "CVE-2018-8863.json", tmp_path / "CVE-2018-8863.json")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    out = StringIO()
    call_command(
        "veille_import", str(tmp_path), str(FIXTURES / "vendor-psirt.atom"), "--no-progress", "--no-match", stdout=out
    )
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == "Total : 2 importé(s), 0 mis à jour, 1 inchangé(s), 1 invalide(s)."
    assert any("broken.json : JSON invalide" in line for line in lines)
    assert any(line.strip().startswith("CVE JSON 5") and "1 inchangé(s)" in line for line in lines)
    assert lines[0].startswith("Import terminé en") and ImportRun.objects.filter(invalid=1).exists()


@pytest.mark.django_db
def test_the_scheduled_task_imports_the_configured_sources_once_a_day(settings):
    settings.ACSS_VEILLE_SOURCES = [str(FIXTURES)]
    first = veille_import_sources.enqueue().return_value
    assert (first["imported"], first["invalid"]) == (4, 1)
    assert veille_import_sources.enqueue().return_value == {"skipped": "déjà importé récemment"}
    forced = veille_import_sources.enqueue(force=True).return_value
    assert (forced["imported"], forced["unchanged"]) == (0, 4)
    assert [sources for sources in ImportRun.objects.values_list("sources", flat=True)].count([str(FIXTURES)]) == 2

    settings.ACSS_VEILLE_SOURCES = []
    assert veille_import_sources.enqueue().return_value == {"skipped": "ACSS_VEILLE_SOURCES est vide"}
