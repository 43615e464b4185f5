"""The cell's editorial of alerts: written from watch items, approved by a second analyst, revised, withdrawn.

- **Four eyes.** Nothing reaches readers without the approval of an analyst other than the one who submitted it
  and other than its author (``alert_approve`` refuses with ``code="four_eyes"``; the database constraint
  ``alert_four_eyes`` holds the first half too). There is no other way to ``published``: the drafts' and the
  pending versions' writes never touch what readers see.
- **Lifecycle.** draft → (``alert_submit``) submitted → (``alert_approve``) published, or (``alert_reject``, with a
  comment) back to draft. Published → (``alert_withdraw``, with a reason) withdrawn; never deleted.
- **Updates.** Editing a published alert (``alert_update``) writes the next version in ``Alert.pending`` (with
  the required « ce qui change » note); readers still see the published one. Submitted, then approved by a second
  analyst, it becomes what readers see and a new ``AlertRevision`` (2, 3…) with the note; ``updated_at`` is set.
- **Revisions.** Each publication is an ``AlertRevision``: number 1 « Première publication », then one per
  update, and a last one « Retrait : … » at withdrawal; each holds a snapshot of every field readers see.
- **References** ``ACSS-ALE-YYYY-NNNN`` are given at the first publication from ``AlertReferenceCounter`` (the
  year's row locked with ``select_for_update``), so that a rejected draft uses no number.
- **Side effects.** Each publication (first or update) enqueues, once committed, the task
  ``acss.alerts.tasks.alert_published(alert_id, revision)``; the records the alert was written from are marked
  « alerte publiée » in the triage queue (``acss.veille.triage.triage_mark_alerted``).

**Suggested severity** (``suggest_severity``), which the analyst may change: « critique » when exploited (KEV)
and CVSS ≥ 9; « élevée » when exploited, or CVSS ≥ 7; « moyenne » when CVSS ≥ 4, or when the CVSS is unknown;
« faible » below 4.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.accounts.selectors import actor_for
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal
from acss.core.tasks import enqueue_on_commit
from acss.veille.models import Advisory, Match, Vulnerability
from acss.veille.triage import triage_mark_alerted

from ..models import Alert, AlertReferenceCounter, AlertRevision, AlertState, PendingState, Severity
from ..selectors.cell import EDITABLE_FIELDS, editable_values, reader_values
from ..tasks import alert_published

MAX_PRODUCTS = 40
MAX_REFERENCES = 30
FIRST_PUBLICATION = "Première publication"


def suggest_severity(*, cvss: float | None, exploited: bool) -> str:
    """The severity suggested from the CVSS score and exploitation (the rule is in the module's docstring)."""
    if exploited and cvss is not None and cvss >= 9:
        return Severity.CRITICAL
    if exploited or (cvss is not None and cvss >= 7):
        return Severity.HIGH
    if cvss is None or cvss >= 4:
        return Severity.MEDIUM
    return Severity.LOW


def reference_next(*, year: int) -> str:
    """The next reference of the year, ``ACSS-ALE-YYYY-NNNN`` (the year's counter row locked until commit)."""
    AlertReferenceCounter.objects.bulk_create([AlertReferenceCounter(year=year)], ignore_conflicts=True)
    counter = AlertReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"ACSS-ALE-{year}-{counter.last:04d}"


def snapshot_of(alert: Alert) -> dict:
    """Every field readers see, JSON-ready, with the reference and the dates."""
    data = reader_values(alert)
    data["severity_label"] = str(Severity(alert.severity).label) if alert.severity else ""
    data["reference"] = alert.reference
    data["published_at"] = alert.published_at.isoformat() if alert.published_at else None
    data["updated_at"] = alert.updated_at.isoformat() if alert.updated_at else None
    return data


def _require_cell(by) -> None:
    if not actor_for(by).is_acss:
        raise Refusal(_("Seule la cellule ACSS rédige et publie les alertes."), code="not_cell")


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _url(value: Any) -> str:
    url = value.get("url", "") if isinstance(value, dict) else str(value or "")
    return url.strip() if url.strip().startswith(("https://", "http://")) else ""


def _products_of(records: list) -> list[dict]:
    products: dict[tuple[str, str], dict] = {}
    for record in records:
        for entry in record.affected or []:
            if not isinstance(entry, dict):
                continue
            vendor, product = str(entry.get("vendor") or "").strip(), str(entry.get("product") or "").strip()
            if not product or product.lower() in ("n/a", "unknown"):
                continue
            versions = [str(v) for v in entry.get("versions") or [] if str(v).strip() and str(v) != "0"]
            key = (vendor.lower(), product.lower())
            if key in products:
                seen = products[key]["versions"]
                products[key]["versions"] = ", ".join(dict.fromkeys([*seen.split(", "), *versions])).strip(", ")
            elif len(products) < MAX_PRODUCTS:
                products[key] = {"vendor": vendor, "product": product, "versions": ", ".join(versions)}
    return list(products.values())


def _title_for(*, exploited: bool, labels: list[str], cves: list[str]) -> str:
    what = _("Vulnérabilité exploitée") if exploited else _("Vulnérabilité")
    if len(cves) > 1:
        what = _("Vulnérabilités exploitées") if exploited else _("Vulnérabilités")
    title = f"{what} {_('dans')} {labels[0]}" if labels else str(what)
    if len(labels) > 1:
        title += " " + _("et %(n)s autre(s) produit(s)") % {"n": len(labels) - 1}
    return title[:300]


@transaction.atomic
def alert_create_from_items(
    *,
    by,
    vulnerability_ids: list[int] | tuple[int, ...] = (),
    advisory_ids: list[int] | tuple[int, ...] = (),
    origin: AuditOrigin | None = None,
) -> Alert:
    """A draft prefilled from watch items (CVEs and advisories): CVEs, the highest CVSS and its vector, KEV →
    exploited and ransomware, the highest EPSS, the products and versions the records name, the watched products
    they matched, their references; a title and a severity suggested (``suggest_severity``)."""
    _require_cell(by)
    vulns = list(Vulnerability.objects.filter(pk__in=list(vulnerability_ids)).order_by("cve_id"))
    advisories = list(Advisory.objects.filter(pk__in=list(advisory_ids)).order_by("tracking_id"))
    if not vulns and not advisories:
        raise Refusal(_("Choisissez au moins une vulnérabilité ou un avis."), code="empty")
    cves = list(dict.fromkeys([v.cve_id for v in vulns] + [c for a in advisories for c in a.cves or [] if c]))
    covered = {v.cve_id: v for v in Vulnerability.objects.filter(cve_id__in=cves)}
    for v in vulns:
        covered[v.cve_id] = v
    scored = [(r.cvss_score, r.cvss_vector) for r in [*vulns, *advisories] if r.cvss_score is not None]
    cvss, vector = max(scored, key=lambda s: s[0]) if scored else (None, "")
    exploited = any(v.kev for v in covered.values())
    ransomware = any(v.kev_ransomware for v in covered.values())
    epss_values = [v.epss for v in covered.values() if v.epss is not None]
    watched = list(
        Match.objects.filter(
            Q(vulnerability_id__in=[v.pk for v in vulns]) | Q(advisory_id__in=[a.pk for a in advisories]),
            product__isnull=False,
        )
        .select_related("product__vendor")
        .order_by("-priority", "product_id")
    )
    watched_products = list(dict.fromkeys(m.product for m in watched))
    labels = [str(p) for p in watched_products] or [
        f"{p['vendor']} {p['product']}".strip() for p in _products_of([*vulns, *advisories])
    ]
    references = list(dict.fromkeys(u for r in [*vulns, *advisories] for ref in r.references or [] if (u := _url(ref))))
    technical = "\n\n".join(
        f"### {r.cve_id if isinstance(r, Vulnerability) else r.tracking_id}\n\n{(r.description or r.title).strip()}"
        for r in [*vulns, *advisories]
    )
    alert = Alert.objects.create(
        title=_title_for(exploited=exploited, labels=labels, cves=cves),
        severity=suggest_severity(cvss=cvss, exploited=exploited),
        cvss_score=None if cvss is None else Decimal(str(round(min(max(cvss, 0.0), 10.0), 1))),
        cvss_vector=(vector or "")[:200],
        exploited=exploited,
        ransomware=ransomware,
        epss=max(epss_values) if epss_values else None,
        products=_products_of([*vulns, *advisories]),
        cves=cves,
        technical=technical,
        references=references[:MAX_REFERENCES],
        created_by=by,
    )
    alert.vulnerabilities.set(vulns)
    alert.advisories.set(advisories)
    alert.watched_products.set(watched_products)
    audit_record(
        actor=by,
        action="alert.created",
        obj=alert,
        origin=origin,
        data={"vulnerabilities": [v.cve_id for v in vulns], "advisories": [a.tracking_id for a in advisories]},
    )
    return alert


def _clean_values(values: dict) -> dict:
    """The editable fields given, checked and as stored (unknown keys ignored)."""
    cleaned = {name: values[name] for name in EDITABLE_FIELDS if name in values}
    if "title" in cleaned:
        cleaned["title"] = (cleaned["title"] or "").strip()
        if not cleaned["title"]:
            raise Refusal(_("Donnez un titre à l'alerte."), code="title", field="title")
    if "severity" in cleaned and cleaned["severity"] not in Severity.values:
        raise Refusal(_("Choisissez une gravité."), code="severity", field="severity")
    if cleaned.get("cvss_score") not in (None, ""):
        cleaned["cvss_score"] = str(Decimal(str(cleaned["cvss_score"])).quantize(Decimal("0.1")))
    elif "cvss_score" in cleaned:
        cleaned["cvss_score"] = None
    if "watched_products" in cleaned:
        cleaned["watched_products"] = sorted({int(pk) for pk in cleaned["watched_products"] or []})
    return cleaned


def _apply(alert: Alert, values: dict) -> list[str]:
    """Write ``values`` on the alert (not saved); the watched products are set at once. Returns the fields."""
    changed = []
    for name, value in values.items():
        if name == "watched_products":
            alert.watched_products.set(value)
            continue
        if name == "cvss_score" and value is not None:
            value = Decimal(str(value))
        setattr(alert, name, value)
        changed.append(name)
    return changed


@transaction.atomic
def alert_update(*, by, alert: Alert, values: dict, change_note: str = "", origin: AuditOrigin | None = None) -> Alert:
    """Edit a draft; or, for a published alert, its next version (pending, with « ce qui change »): readers
    keep seeing the published one until a second analyst approves."""
    _require_cell(by)
    alert = _locked(alert)
    cleaned = _clean_values(values)
    if alert.state == AlertState.DRAFT:
        fields = _apply(alert, cleaned)
        alert.save(update_fields=fields or None)
        audit_record(actor=by, action="alert.edited", obj=alert, origin=origin, data={"fields": sorted(cleaned)})
        return alert
    if alert.state == AlertState.PUBLISHED:
        if alert.pending_state == PendingState.SUBMITTED:
            raise Refusal(
                _("La nouvelle version attend son approbation : renvoyez-la en rédaction pour la modifier."),
                code="state",
            )
        pending = dict(alert.pending or {})
        fields = {**editable_values(alert), **cleaned}
        editors = list(dict.fromkeys([*pending.get("editors", []), by.pk]))
        alert.pending = {"fields": fields, "editors": editors}
        alert.pending_state = PendingState.DRAFT
        alert.pending_note = (change_note or "").strip()[:500]
        alert.save(update_fields=["pending", "pending_state", "pending_note"])
        audit_record(
            actor=by,
            action="alert.update_edited",
            obj=alert,
            origin=origin,
            data={"fields": sorted(cleaned), "change_note": alert.pending_note},
        )
        return alert
    raise Refusal(_("Cette alerte ne se modifie plus dans cet état."), code="state")


@transaction.atomic
def alert_submit(*, by, alert: Alert, origin: AuditOrigin | None = None) -> Alert:
    """Ask a second analyst to approve the draft, or the next version of a published alert."""
    _require_cell(by)
    alert = _locked(alert)
    now = timezone.now()
    if alert.state == AlertState.DRAFT:
        if not alert.summary.strip() or not alert.actions.strip():
            raise Refusal(_("Rédigez « En bref » et « Que faire ? » avant de soumettre l'alerte."), code="incomplete")
        alert.state = AlertState.SUBMITTED
        action = "alert.submitted"
    elif alert.state == AlertState.PUBLISHED and alert.pending_state == PendingState.DRAFT:
        if not alert.pending_note.strip():
            raise Refusal(
                _("Dites ce qui change dans cette nouvelle version."), code="change_note", field="change_note"
            )
        alert.pending_state = PendingState.SUBMITTED
        alert.pending["editors"] = list(dict.fromkeys([*alert.pending.get("editors", []), by.pk]))
        action = "alert.update_submitted"
    else:
        raise Refusal(_("Il n'y a rien à soumettre dans cette alerte."), code="state")
    # The previous approval (of an earlier version) no longer applies; the next one must be another person's.
    alert.submitted_by, alert.submitted_at = by, now
    alert.approved_by, alert.approved_at = None, None
    alert.review_comment = ""
    alert.save()
    audit_record(actor=by, action=action, obj=alert, origin=origin)
    return alert


def _check_four_eyes(*, by, alert: Alert, authors: set[int]) -> None:
    if by.pk in authors:
        raise Refusal(
            _(
                "Seul un autre analyste que celui qui a rédigé ou soumis l'alerte peut l'approuver : "
                "demandez à un collègue de la cellule."
            ),
            code="four_eyes",
        )


def _publish_revision(*, alert: Alert, by, number: int, note: str, at) -> AlertRevision:
    return AlertRevision.objects.create(
        alert=alert, number=number, published_at=at, change_note=note[:500], snapshot=snapshot_of(alert), by=by
    )


@transaction.atomic
def alert_approve(*, by, alert: Alert, origin: AuditOrigin | None = None) -> Alert:
    """Publish what was submitted — a draft (reference, revision 1) or the next version of a published alert
    (revision N) — when ``by`` is another analyst than its author and its submitter."""
    _require_cell(by)
    alert = _locked(alert)
    now = timezone.now()
    if alert.state == AlertState.SUBMITTED:
        _check_four_eyes(by=by, alert=alert, authors={alert.created_by_id, alert.submitted_by_id})
        alert.reference = reference_next(year=timezone.localdate(now).year)
        alert.state = AlertState.PUBLISHED
        alert.approved_by, alert.approved_at = by, now
        alert.published_at = now
        alert.save()
        revision = _publish_revision(alert=alert, by=by, number=1, note=FIRST_PUBLICATION, at=now)
        triage_mark_alerted(
            by=by,
            vulnerability_ids=list(alert.vulnerabilities.values_list("pk", flat=True)),
            advisory_ids=list(alert.advisories.values_list("pk", flat=True)),
            alert_reference=alert.reference,
            origin=origin,
        )
        action = "alert.published"
    elif alert.state == AlertState.PUBLISHED and alert.pending_state == PendingState.SUBMITTED:
        editors = {int(pk) for pk in alert.pending.get("editors", [])}
        _check_four_eyes(by=by, alert=alert, authors={alert.submitted_by_id, *editors})
        _apply(alert, _clean_values(alert.pending.get("fields", {})))
        note = alert.pending_note
        alert.pending, alert.pending_state, alert.pending_note = {}, PendingState.NONE, ""
        alert.approved_by, alert.approved_at = by, now
        alert.updated_at = now
        alert.save()
        last = alert.revisions.aggregate(n=Max("number"))["n"] or 0
        revision = _publish_revision(alert=alert, by=by, number=last + 1, note=note, at=now)
        action = "alert.revised"
    else:
        raise Refusal(_("Il n'y a rien à approuver dans cette alerte."), code="state")
    audit_record(
        actor=by,
        action=action,
        obj=alert,
        origin=origin,
        data={"reference": alert.reference, "revision": revision.number, "change_note": revision.change_note},
    )
    enqueue_on_commit(alert_published, alert_id=alert.pk, revision=revision.number)
    return alert


@transaction.atomic
def alert_reject(*, by, alert: Alert, comment: str, origin: AuditOrigin | None = None) -> Alert:
    """Send what was submitted back to its editors, with a comment (required)."""
    _require_cell(by)
    comment = (comment or "").strip()
    if not comment:
        raise Refusal(_("Dites ce qu'il faut reprendre."), code="comment", field="comment")
    alert = _locked(alert)
    if alert.state == AlertState.SUBMITTED:
        alert.state = AlertState.DRAFT
        action = "alert.rejected"
    elif alert.state == AlertState.PUBLISHED and alert.pending_state == PendingState.SUBMITTED:
        alert.pending_state = PendingState.DRAFT
        action = "alert.update_rejected"
    else:
        raise Refusal(_("Il n'y a rien à renvoyer en rédaction dans cette alerte."), code="state")
    alert.review_comment = comment
    alert.submitted_by, alert.submitted_at = None, None
    alert.save()
    audit_record(actor=by, action=action, obj=alert, origin=origin, data={"comment": comment})
    return alert


@transaction.atomic
def alert_withdraw(*, by, alert: Alert, reason: str, origin: AuditOrigin | None = None) -> Alert:
    """Withdraw a published alert (a reason is required): it stays readable as withdrawn, with a last revision
    « Retrait : … »; a version in preparation is dropped."""
    _require_cell(by)
    reason = (reason or "").strip()
    if not reason:
        raise Refusal(_("Indiquez le motif du retrait."), code="reason", field="reason")
    alert = _locked(alert)
    if alert.state != AlertState.PUBLISHED:
        raise Refusal(_("Seule une alerte publiée peut être retirée."), code="state")
    now = timezone.now()
    alert.state = AlertState.WITHDRAWN
    alert.withdrawn_at, alert.withdrawn_by, alert.withdrawn_reason = now, by, reason
    alert.pending, alert.pending_state, alert.pending_note = {}, PendingState.NONE, ""
    alert.save()
    last = alert.revisions.aggregate(n=Max("number"))["n"] or 0
    revision = AlertRevision.objects.create(
        alert=alert,
        number=last + 1,
        published_at=now,
        change_note=(_("Retrait : %(reason)s") % {"reason": reason})[:500],
        snapshot={**snapshot_of(alert), "withdrawn": True, "withdrawn_reason": reason, "withdrawn_at": now.isoformat()},
        by=by,
    )
    audit_record(
        actor=by,
        action="alert.withdrawn",
        obj=alert,
        origin=origin,
        data={"reason": reason, "revision": revision.number},
    )
    enqueue_on_commit(alert_published, alert_id=alert.pk, revision=revision.number)  # the readers are told
    return alert
