"""The writes of a provider's incident: open, link and unlink declarations, message every victim, close.

Every service is set-based where it touches the victims: linking, unlinking and the message to all cost a
constant number of queries whatever the number of declarations (one audit event for the batch)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.accounts.models import User
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal
from acss.incidents import access as incident_access
from acss.incidents.models import CaseState, Declaration, Message, MessageKind
from acss.incidents.rules import transition_allowed
from acss.incidents.services.cases import case_close

from . import access
from .models import ProviderIncident, ProviderLink, ProviderState
from .selectors import provider_suggestions

__all__ = [
    "provider_close",
    "provider_incident_open",
    "provider_link",
    "provider_message_all",
    "provider_suggestions",
    "provider_unlink",
    "provider_update",
]


def _require_cell(by: User) -> None:
    if not access.manages_providers(by):
        raise Refusal(_("Seule la cellule ACSS gère les incidents de prestataires."), code="forbidden")


@transaction.atomic
def provider_incident_open(
    *,
    by: User,
    provider_name: str,
    title: str,
    public_summary: str = "",
    share_victim_count: bool = False,
    origin: AuditOrigin | None = None,
) -> ProviderIncident:
    _require_cell(by)
    if not provider_name.strip() or not title.strip():
        raise Refusal(_("Le prestataire et le titre sont obligatoires."), code="required")
    parent = ProviderIncident.objects.create(
        provider_name=provider_name.strip(),
        title=title.strip(),
        public_summary=public_summary.strip(),
        share_victim_count=share_victim_count,
        opened_by=by,
        opened_at=timezone.now(),
    )
    audit_record(actor=by, action="provider.opened", obj=parent, origin=origin)
    return parent


@transaction.atomic
def provider_update(
    *,
    by: User,
    parent: ProviderIncident,
    state: str,
    public_summary: str,
    share_victim_count: bool,
    origin: AuditOrigin | None = None,
) -> ProviderIncident:
    """The state (ouvert, maîtrisé), the public summary and whether structures see how many others are hit."""
    _require_cell(by)
    if state not in (ProviderState.OPEN, ProviderState.CONTAINED):
        raise Refusal(_("La clôture se fait par « Clore l'incident »."), code="state")
    if parent.state == ProviderState.CLOSED:
        raise Refusal(_("Cet incident de prestataire est clos."), code="closed")
    parent.state, parent.public_summary, parent.share_victim_count = state, public_summary.strip(), share_victim_count
    parent.save(update_fields=["state", "public_summary", "share_victim_count"])
    audit_record(actor=by, action="provider.updated", obj=parent, origin=origin, data={"state": state})
    return parent


@transaction.atomic
def provider_link(
    *,
    by: User,
    parent: ProviderIncident,
    declarations: Iterable[Declaration],
    origin: AuditOrigin | None = None,
) -> list[str]:
    """Link declarations (one or many) to the parent; those already linked to another parent are refused (the
    whole batch), those already linked to this one are left as they are. Returns the references newly linked."""
    _require_cell(by)
    if parent.state == ProviderState.CLOSED:
        raise Refusal(_("Cet incident de prestataire est clos."), code="closed")
    ids = {d.pk: d.reference for d in declarations}
    taken = dict(ProviderLink.objects.filter(declaration_id__in=ids).values_list("declaration_id", "parent_id"))
    elsewhere = sorted(ids[pk] for pk, parent_id in taken.items() if parent_id != parent.pk)
    if elsewhere:
        raise Refusal(
            _("Déjà rattachées à un autre incident de prestataire : %(refs)s.") % {"refs": ", ".join(elsewhere)},
            code="linked_elsewhere",
        )
    now = timezone.now()
    new = [pk for pk in ids if pk not in taken]
    ProviderLink.objects.bulk_create(
        [ProviderLink(parent=parent, declaration_id=pk, linked_by=by, linked_at=now) for pk in new]
    )
    references = sorted(ids[pk] for pk in new)
    if references:
        audit_record(actor=by, action="provider.linked", obj=parent, origin=origin, data={"references": references})
    return references


@transaction.atomic
def provider_unlink(
    *,
    by: User,
    parent: ProviderIncident,
    declarations: Iterable[Declaration],
    origin: AuditOrigin | None = None,
) -> list[str]:
    """Unlink declarations from the parent (one or many). Returns the references unlinked."""
    _require_cell(by)
    ids = {d.pk: d.reference for d in declarations}
    links = ProviderLink.objects.filter(parent=parent, declaration_id__in=ids)
    references = sorted(ids[pk] for pk in links.values_list("declaration_id", flat=True))
    links.delete()
    if references:
        audit_record(actor=by, action="provider.unlinked", obj=parent, origin=origin, data={"references": references})
    return references


@transaction.atomic
def provider_message_all(*, by: User, parent: ProviderIncident, body: str, origin: AuditOrigin | None = None) -> int:
    """A message of the cell to every linked structure at once, in each declaration's own thread.

    Each is a message of kind « information » (the cell as author organisation): the structure and the region's
    ARS read it in the thread; it asks nothing, pauses no clock and waits for no answer (``question_ask`` would do
    all three, one declaration at a time). One INSERT for all, one audit event for the batch. Returns the number
    of messages written."""
    _require_cell(by)
    body = body.strip()
    if not body:
        raise Refusal(_("Le message est vide."), code="required", field="body")
    now = timezone.now()
    organisation = incident_access.author_organisation(by)
    # One INSERT … SELECT over the parent's links: one query whatever the number of victims, on SQLite too
    # (a bulk_create is split there by the limit on parameters).
    message, link = Message._meta, ProviderLink._meta
    columns = ", ".join(
        connection.ops.quote_name(message.get_field(f).column)
        for f in ("declaration", "kind", "author", "author_organisation", "body", "created_at")
    )
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(message.db_table)} ({columns}) "  # noqa: S608 - names from the models, values as parameters
        f"SELECT {q(link.get_field('declaration').column)}, %s, %s, %s, %s, %s FROM {q(link.db_table)} "
        f"WHERE {q(link.get_field('parent').column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                MessageKind.INFORMATION.value,
                by.pk,
                organisation.pk if organisation else None,
                body,
                connection.ops.adapt_datetimefield_value(now),
                parent.pk,
            ],
        )
        count = cursor.rowcount
    audit_record(actor=by, action="provider.message_all", obj=parent, origin=origin, data={"count": count})
    return count


@transaction.atomic
def provider_close(
    *,
    by: User,
    parent: ProviderIncident,
    close_children: bool = False,
    children: Iterable[int] | None = None,
    summary: str = "",
    origin: AuditOrigin | None = None,
) -> list[str]:
    """Close the parent; with ``close_children``, also close the open cases of its declarations (``children``:
    the declaration ids ticked, else all of them) through the core's ``case_close``, with ``summary`` (else the
    public summary). A case its lifecycle does not let close yet (not qualified) is left open. Returns the
    references of the cases closed."""
    _require_cell(by)
    if parent.state == ProviderState.CLOSED:
        raise Refusal(_("Cet incident de prestataire est déjà clos."), code="closed")
    closed: list[str] = []
    if close_children:
        links = parent.links.select_related("declaration__case", "declaration__structure")
        if children is not None:
            links = links.filter(declaration_id__in=list(children))
        text = summary.strip() or parent.public_summary or parent.title
        for link in links:
            case = link.declaration.case
            if transition_allowed(case.state, CaseState.CLOSED):
                case_close(case=case, by=by, summary=text, provider=parent.provider_name, origin=origin)
                closed.append(link.declaration.reference)
    parent.state, parent.closed_at = ProviderState.CLOSED, timezone.now()
    parent.save(update_fields=["state", "closed_at"])
    audit_record(actor=by, action="provider.closed", obj=parent, origin=origin, data={"children": closed})
    return closed
