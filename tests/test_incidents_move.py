"""The move of the declarations and cases applications into ``incidents`` (and the reflex sheets into ``reflexes``)
keeps every row of a database created before it.

The database is built from scratch up to the last migrations of the former applications, filled there with one row
of every model (through the models as they were then), then migrated on: every row is found again, field for field,
through the models as they are now; so are the many-to-many links, the content types (and the permissions that hang
on them), and the tasks already queued under the former modules.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

BEFORE = [("declarations", "0004_completion_notification"), ("cases", "0009_keyed_action")]
AFTER = [("declarations", "0005_moved_to_incidents"), ("cases", "0010_moved_to_incidents")]

# model name → where it was, where it is
MOVED = {
    "Declaration": ("declarations", "incidents"),
    "ReferenceCounter": ("declarations", "incidents"),
    "DeclarationDraft": ("declarations", "incidents"),
    "Addendum": ("declarations", "incidents"),
    "SituationUpdate": ("declarations", "incidents"),
    "Attachment": ("declarations", "incidents"),
    "Notification": ("declarations", "incidents"),
    "EscalationSuggestion": ("declarations", "incidents"),
    "Escalation": ("declarations", "incidents"),
    "Case": ("cases", "incidents"),
    "Message": ("cases", "incidents"),
    "KeyedAction": ("cases", "incidents"),
    "ReflexSheet": ("cases", "reflexes"),
    "ReflexSheetVersion": ("cases", "reflexes"),
}
M2M = [("Declaration", "systems"), ("Declaration", "data_categories"), ("ReflexSheet", "categories")]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _fill(apps) -> dict[str, int]:
    """One row of every moved model (several for some), written through the models of the former applications."""
    now = timezone.now()
    User = apps.get_model("accounts", "User")
    Organisation = apps.get_model("accounts", "Organisation")
    Structure = apps.get_model("accounts", "Structure")
    Departement = apps.get_model("core", "Departement")
    StructureType = apps.get_model("core", "StructureType")
    IncidentCategory = apps.get_model("core", "IncidentCategory")
    AffectedSystem = apps.get_model("core", "AffectedSystem")
    DataCategory = apps.get_model("core", "DataCategory")
    get = lambda name: apps.get_model(*MOVED_FROM[name])  # noqa: E731

    declarant = User.objects.create(username="d@chu.example", email="d@chu.example", password="!")
    analyst = User.objects.create(username="a@acss.example", email="a@acss.example", password="!")
    structure = Structure.objects.create(
        kind="structure",
        name="CHU d'exemple",
        finess_ej="750000001",
        finess_et="750000019",
        structure_type=StructureType.objects.order_by("pk").first(),
        departement=Departement.objects.get(code="75"),
    )
    authority = Organisation.objects.filter(kind="authority").order_by("pk").first()
    declaration = get("Declaration").objects.create(
        reference="ACSS-2026-000001",
        structure=structure,
        created_by=declarant,
        submitted_at=now - timedelta(hours=3),
        title="Rançongiciel sur le serveur de fichiers",
        category=IncidentCategory.objects.order_by("pk").first(),
    )
    declaration.systems.set(AffectedSystem.objects.order_by("pk")[:2])
    declaration.data_categories.set(DataCategory.objects.order_by("pk")[:1])
    get("ReferenceCounter").objects.create(year=2026, last=1)
    draft = get("DeclarationDraft").objects.create(owner=declarant, structure=structure, data={"title": "brouillon"})
    addendum = get("Addendum").objects.create(
        declaration=declaration,
        kind="correction",
        body="Le serveur touché est le NAS.",
        author=declarant,
        created_at=now,
    )
    get("SituationUpdate").objects.create(
        declaration=declaration, situation="degraded", effective_at=now, author=declarant, created_at=now
    )
    get("Attachment").objects.create(
        declaration=declaration,
        addendum=addendum,
        file="attachments/2026/rapport.pdf",
        original_name="rapport.pdf",
        content_type="application/pdf",
        size=1234,
        sha256="0" * 64,
        uploaded_by=declarant,
        uploaded_at=now,
    )
    get("Attachment").objects.create(
        draft=draft,
        file="attachments/2026/capture.png",
        original_name="capture.png",
        content_type="image/png",
        size=99,
        sha256="1" * 64,
        uploaded_by=declarant,
        uploaded_at=now,
    )
    get("Notification").objects.create(
        declaration=declaration, kind="acknowledgement", recipient="d@chu.example", reason="accusé", created_at=now
    )
    get("EscalationSuggestion").objects.create(declaration=declaration, authority=authority, created_at=now)
    get("Escalation").objects.create(
        declaration=declaration, authority=authority, reason="Impact sanitaire", decided_by=analyst, decided_at=now
    )
    get("Case").objects.create(declaration=declaration, opened_at=now, provisional_criticity=4, assigned_to=analyst)
    question = get("Message").objects.create(
        declaration=declaration, kind="question", author=analyst, body="Avez-vous des sauvegardes ?", created_at=now
    )
    get("Message").objects.create(
        declaration=declaration, kind="answer", author=declarant, body="Oui.", question=question, created_at=now
    )
    get("KeyedAction").objects.create(
        idempotency_key="k1", declaration=declaration, action="take", fingerprint="f", author=analyst, created_at=now
    )
    sheet = get("ReflexSheet").objects.order_by("pk").first()
    get("ReflexSheetVersion").objects.create(
        sheet=sheet, number=sheet.versions.count() + 1, body="## Nouvelle version", change_note="Révision"
    )

    # What Django and the task queue knew of the former applications.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for name, (old, _new) in MOVED.items():
        content_type, _created = ContentType.objects.get_or_create(app_label=old, model=name.lower())
        Permission.objects.get_or_create(
            content_type=content_type, codename=f"view_{name.lower()}", defaults={"name": f"Can view {name}"}
        )
    # The task queue is not part of the move: its table is brought to its current schema and written as it is.
    call_command("migrate", "django_tasks_database", verbosity=0)
    queued = DBTaskResult.objects.create(
        status="READY",
        task_path="acss.declarations.tasks.deliver_notification",
        args_kwargs={"args": [1], "kwargs": {}},
        priority=0,
        queue_name="default",
        backend_name="default",
    )
    reminder = DBTaskResult.objects.create(
        status="READY",
        task_path="acss.cases.tasks.remind_overdue_qualifications",
        args_kwargs={"args": [], "kwargs": {}},
        priority=0,
        queue_name="default",
        backend_name="default",
    )
    return {"declaration": declaration.pk, "task": queued.pk, "reminder": reminder.pk}


MOVED_FROM = {name: (old, name) for name, (old, _new) in MOVED.items()}


def _rows(apps, where: int) -> dict[str, list[dict]]:
    """Every row of every moved model and many-to-many table, as plain values; ``where`` 0: before, 1: after."""
    rows = {}
    for name, labels in MOVED.items():
        model = apps.get_model(labels[where], name)
        rows[name] = list(model.objects.order_by("pk").values())
    for name, field in M2M:
        through = apps.get_model(MOVED[name][where], name)._meta.get_field(field).remote_field.through
        rows[f"{name}.{field}"] = sorted(tuple(sorted(r.items())) for r in through.objects.values())
    return rows


def test_the_move_keeps_every_row(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    ids = _fill(old.apps)
    before = _rows(old.apps, 0)
    ContentType = old.apps.get_model("contenttypes", "ContentType")
    type_ids = {
        name: ContentType.objects.get(app_label=old_label, model=name.lower()).pk
        for name, (old_label, _) in MOVED.items()
    }

    new = migrator.apply_tested_migration(AFTER)

    after = _rows(new.apps, 1)
    assert {name: len(values) for name, values in after.items()} == {
        name: len(values) for name, values in before.items()
    }
    assert all(before[name] for name in MOVED), "every model had rows before the move"
    assert after == before
    # Content types follow their models (same rows, so permissions and the admin's history follow too).
    ContentType = new.apps.get_model("contenttypes", "ContentType")
    Permission = new.apps.get_model("auth", "Permission")
    for name, (old_label, new_label) in MOVED.items():
        moved = ContentType.objects.get(app_label=new_label, model=name.lower())
        assert moved.pk == type_ids[name]
        assert not ContentType.objects.filter(app_label=old_label, model=name.lower()).exists()
        assert Permission.objects.filter(content_type=moved, codename=f"view_{name.lower()}").exists()
    # Tasks queued before the move run under their new module.
    assert (
        DBTaskResult.objects.get(pk=ids["task"]).task_path == "acss.incidents.tasks.notifications.deliver_notification"
    )
    assert (
        DBTaskResult.objects.get(pk=ids["reminder"]).task_path
        == "acss.incidents.tasks.reminders.remind_overdue_qualifications"
    )
    # The code of today reads them (once the application's migrations that came after the move have run too): the
    # declaration with its case, its thread and its additions.
    call_command("migrate", "incidents", verbosity=0)
    from django.utils.module_loading import import_string

    from acss.core.audit import object_type_of
    from acss.incidents.models import Declaration

    declaration = Declaration.objects.get(pk=ids["declaration"])
    assert declaration.case.provisional_criticity == 4
    assert [m.kind for m in declaration.messages.order_by("pk")] == ["question", "answer"]
    assert declaration.addenda.get().attachments.get().original_name == "rapport.pdf"
    assert declaration.escalations.count() == 1 and declaration.systems.count() == 2
    import_string(DBTaskResult.objects.get(pk=ids["task"]).task_path)  # the path names a task that exists
    # The audit trail keeps naming the rows as it did, so that past events stay attached to them.
    assert object_type_of(declaration) == "declarations.declaration"
    assert object_type_of(declaration.case) == "cases.case"

    # And back (a deployment rolled back): the same rows under the former applications, content types and queue too.
    back = migrator.apply_tested_migration([("incidents", None), ("reflexes", None)])
    assert _rows(back.apps, 0) == before
    ContentType = back.apps.get_model("contenttypes", "ContentType")
    for name, (old_label, _new_label) in MOVED.items():
        assert ContentType.objects.get(app_label=old_label, model=name.lower()).pk == type_ids[name]
    assert DBTaskResult.objects.get(pk=ids["task"]).task_path == "acss.declarations.tasks.deliver_notification"
