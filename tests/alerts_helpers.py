"""Rows the editorial and triage tests need: a matched CVE with its triage row, a second analyst, alerts in each
state (used by test_access_matrix and test_access_writes too)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from acss.accounts.models import OrganisationKind, Role
from acss.alerts.models import Alert, AlertRevision, AlertState
from acss.veille.models import Family, Match, Triage, Vulnerability, WatchedProduct, WatchedVendor

from .conftest import make_user, org

_counter = {"n": 0}


def second_analyst(email: str = "analyste2@acss.test"):
    from acss.accounts.models import User

    found = User.objects.filter(email=email).first()
    return found or make_user(email, (org(kind=OrganisationKind.ACSS), Role.ANALYST), staff=True)


def watched_product(name: str = "FortiOS", vendor: str = "Fortinet", family: str = Family.COMMON_IT) -> WatchedProduct:
    v, _ = WatchedVendor.objects.get_or_create(name=vendor, defaults={"family": family})
    p, _ = WatchedProduct.objects.get_or_create(vendor=v, name=name, defaults={"family": family})
    return p


def matched_cve(
    cve_id: str | None = None,
    *,
    cvss: float | None = 9.8,
    kev: bool = True,
    ransomware: bool = False,
    epss: float | None = 0.9,
    product: WatchedProduct | None = None,
    family: str = Family.COMMON_IT,
    priority: int = 80,
    immediate: bool = True,
    title: str = "Débordement de tampon dans FortiOS SSL-VPN",
) -> Vulnerability:
    """A CVE with one match on a watched product, and its triage row."""
    if cve_id is None:
        _counter["n"] += 1
        cve_id = f"CVE-2026-{9000 + _counter['n']}"
    product = product or watched_product()
    v = Vulnerability.objects.create(
        cve_id=cve_id,
        title=title,
        description="A heap-based buffer overflow in FortiOS SSL-VPN allows remote code execution.",
        cvss_score=cvss,
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" if cvss else "",
        kev=kev,
        kev_ransomware=ransomware,
        epss=epss,
        has_record=True,
        affected=[{"vendor": "Fortinet", "product": "FortiOS", "versions": ["7.4.0", "7.2.5"], "cpes": []}],
        references=["https://www.fortiguard.com/psirt/FG-IR-24-015", "javascript:alert(1)"],
    )
    Match.objects.create(
        vulnerability=v,
        product=product,
        vendor=product.vendor,
        family=family,
        score=90,
        reasons=["Produit FortiOS nommé dans la notice", "Fabricant Fortinet reconnu"],
        priority=priority,
        immediate=immediate,
    )
    Triage.objects.get_or_create(vulnerability=v)
    return v


def triage_of(vulnerability: Vulnerability) -> Triage:
    return Triage.objects.get(vulnerability=vulnerability)


def make_alert(by, *, state: str = AlertState.DRAFT, submitted_by=None, **fields) -> Alert:
    values = {
        "title": "Vulnérabilité exploitée dans FortiOS",
        "severity": "critique",
        "summary": "Une faille permet de prendre le contrôle du pare-feu. Elle est déjà utilisée.",
        "who": "Les établissements qui ont un pare-feu Fortinet.",
        "actions": "Installez la mise à jour. Changez les mots de passe.",
        "cvss_score": Decimal("9.8"),
        **fields,
    }
    if state in (AlertState.PUBLISHED, AlertState.WITHDRAWN):
        _counter["n"] += 1
        values.setdefault("reference", f"ACSS-ALE-2026-{_counter['n']:04d}")
        values.setdefault("published_at", timezone.now())
    if state == AlertState.WITHDRAWN:
        values.setdefault("withdrawn_reason", "Démentie")
        values.setdefault("withdrawn_at", timezone.now())
    if state == AlertState.SUBMITTED:
        values["submitted_by"] = submitted_by or by
        values["submitted_at"] = timezone.now()
    alert = Alert.objects.create(created_by=by, state=state, **values)
    if state in (AlertState.PUBLISHED, AlertState.WITHDRAWN):
        AlertRevision.objects.create(alert=alert, number=1, change_note="Première publication", snapshot={}, by=by)
    return alert
