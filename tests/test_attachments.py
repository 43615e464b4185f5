"""Attachments: checked on their content, stored outside the web root, hashed, always downloaded."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from acss.core.models import AuditEvent
from acss.incidents.models import Attachment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cf"
    "c0f01f0005000201a5d4a1f00000000049454e44ae426082"
)


def post_addendum(client, world, *files):
    return client.post(
        reverse("incidents:addendum", args=[world.decl_a.reference]),
        {"kind": "new_fact", "body": "Pièces", "files": list(files)},
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("rapport.pdf", b"MZ\x90\x00" + b"\x00" * 200, "programme exécutable"),  # an executable renamed .pdf
        ("page.html", b"<!DOCTYPE html><html><body>hello</body></html>", "HTML ou du SVG actif"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG actif"),
        ("notes.txt", b"voir <script>alert(1)</script>", "HTML ou du SVG actif"),
        ("faux.pdf", b"ceci n'est pas un PDF", "ne correspond pas à son extension"),
        ("image.jpg", PNG, "ne correspond pas à son extension"),
        ("script.sh", b"#!/bin/sh\nrm -rf /\n", "programme exécutable"),
        ("vide.txt", b"", "est vide"),
    ],
)
def test_rejected_attachments_leave_nothing_behind(world, name, content, message):
    response = post_addendum(world.client("declarant_a"), world, SimpleUploadedFile(name, content))
    html = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    assert message in html
    assert name in html or not content  # Django's own "empty file" message does not name it
    assert not world.decl_a.addenda.exists()
    assert Attachment.objects.filter(declaration=world.decl_a).count() == 1  # only the world's own


def test_an_oversized_file_is_refused(world, settings):
    settings.ACSS_MAX_UPLOAD_BYTES = 1024
    response = post_addendum(world.client("declarant_a"), world, SimpleUploadedFile("gros.pdf", PDF.ljust(2560, b"0")))
    html = response.content.decode()
    assert "pèse 2,5\u00a0Ko : la limite est de 1\u00a0Ko par fichier" in html
    assert "1\u00a0Ko au plus par fichier" in html  # the field's help: the same unit


def test_accepted_files_are_hashed_stored_under_a_random_name_and_downloaded(world, settings):
    client = world.client("declarant_a")
    response = post_addendum(
        client,
        world,
        SimpleUploadedFile("rapport.pdf", PDF),
        SimpleUploadedFile("capture.png", PNG),
        SimpleUploadedFile("journal.log", b"ok\n"),
    )
    assert response.status_code == 302
    stored = Attachment.objects.filter(addendum__declaration=world.decl_a).order_by("id")
    assert [a.content_type for a in stored] == ["application/pdf", "image/png", "text/plain"]
    pdf = stored[0]
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert "rapport" not in pdf.file.name and pdf.file.path.startswith(str(settings.MEDIA_ROOT))
    download = world.client("ars_idf").get(reverse("incidents:attachment", args=[world.decl_a.reference, pdf.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "application/octet-stream"
    assert "sandbox" in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="attachment.downloaded", actor=world.personas["ars_idf"]).exists()


def test_files_of_another_structure_are_not_found(world):
    url = reverse("incidents:attachment", args=[world.decl_a.reference, world.attachment_a.pk])
    assert world.client("declarant_b").get(url).status_code == 404
    other = reverse("incidents:attachment", args=[world.decl_b.reference, world.attachment_a.pk])
    assert world.client("analyst").get(other).status_code == 404  # the file is not decl_b's


def test_files_attached_to_a_draft_follow_the_declaration(world):
    from acss.incidents.models import DeclarationDraft

    from .intake_helpers import STEP_DATA, fill_draft

    client = world.client("declarant_a")
    client.post(reverse("incidents:draft_new"))
    draft = DeclarationDraft.objects.latest("created_at")
    fill_draft(client, draft.key, world.structure_a, steps={1, 2, 3, 4})
    client.post(
        reverse("incidents:draft_step", args=[draft.key, 5]),
        dict(STEP_DATA[4], nav="next", files=[SimpleUploadedFile("rapport.pdf", PDF)]),
    )
    client.post(reverse("incidents:draft_submit", args=[draft.key]))
    draft.refresh_from_db()
    assert draft.submitted.attachments.get().original_name == "rapport.pdf"


def _stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_failure_after_the_file_is_written_leaves_neither_file_nor_row(world, settings, monkeypatch):
    """The addendum's transaction fails after its second file is stored: no addendum, no row, no file."""
    from acss.incidents.services import declarations as services

    before_files, before_rows = _stored_files(settings), Attachment.objects.count()
    real = services.audit_record

    def fail_on_the_second_file(**kwargs):
        if kwargs["action"] == "attachment.stored" and Attachment.objects.count() == before_rows + 2:
            raise RuntimeError("panne après l'écriture du fichier")
        return real(**kwargs)

    monkeypatch.setattr(services, "audit_record", fail_on_the_second_file)
    client = world.client("declarant_a")
    client.raise_request_exception = False
    response = post_addendum(client, world, SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.png", PNG))
    assert response.status_code == 500
    assert not world.decl_a.addenda.exists()
    assert Attachment.objects.count() == before_rows
    assert _stored_files(settings) == before_files


def test_a_failure_writing_the_file_leaves_no_row(world, settings, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    before_files, before_rows = _stored_files(settings), Attachment.objects.count()

    def full_disk(self, name, content, max_length=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "save", full_disk)
    client = world.client("declarant_a")
    client.raise_request_exception = False
    response = post_addendum(client, world, SimpleUploadedFile("a.pdf", PDF))
    assert response.status_code == 500
    assert not world.decl_a.addenda.exists()
    assert Attachment.objects.count() == before_rows
    assert _stored_files(settings) == before_files


def test_a_stored_file_stays_with_its_row(world, settings):
    before = len(_stored_files(settings))
    response = post_addendum(world.client("declarant_a"), world, SimpleUploadedFile("a.pdf", PDF))
    assert response.status_code == 302
    stored = Attachment.objects.get(addendum__declaration=world.decl_a)
    assert len(_stored_files(settings)) == before + 1
    assert stored.file.read() == PDF


def test_a_draft_is_written_by_its_services_and_deleted_with_its_files(
    world, settings, django_capture_on_commit_callbacks
):
    """Created, saved at each step and deleted through the pages: one audit event each (never what was typed);
    its files go with it once the deletion commits."""
    from acss.incidents.models import DeclarationDraft

    from .intake_helpers import STEP_DATA, fill_draft

    client = world.client("declarant_a")
    before = len(_stored_files(settings))
    client.post(reverse("incidents:draft_new"))
    draft = DeclarationDraft.objects.latest("created_at")
    fill_draft(client, draft.key, world.structure_a, steps={1})
    client.post(
        reverse("incidents:draft_step", args=[draft.key, 5]),
        dict(STEP_DATA[4], nav="save", files=[SimpleUploadedFile("rapport.pdf", PDF)]),
    )
    assert len(_stored_files(settings)) == before + 1
    events = AuditEvent.objects.filter(object_type="declarations.declarationdraft", object_id=str(draft.pk))
    assert [(e.action, e.data.get("step")) for e in events.order_by("id")] == [
        ("draft.created", None),
        ("draft.saved", 1),
        ("draft.saved", 5),
    ]
    assert all(set(e.data) <= {"step", "completes"} for e in events)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:draft_delete", args=[draft.key]))
    assert response.status_code == 302
    assert not DeclarationDraft.objects.filter(pk=draft.pk).exists()
    assert not Attachment.objects.filter(original_name="rapport.pdf").exists()
    assert len(_stored_files(settings)) == before
    deleted = events.get(action="draft.deleted")
    assert deleted.actor == world.personas["declarant_a"] and deleted.data["files"] == 1


def test_another_person_cannot_delete_a_draft(world):
    from acss.incidents.models import DeclarationDraft

    world.client("declarant_a").post(reverse("incidents:draft_new"))
    draft = DeclarationDraft.objects.latest("created_at")
    response = world.client("declarant_b").post(reverse("incidents:draft_delete", args=[draft.key]))
    assert response.status_code == 404
    assert DeclarationDraft.objects.filter(pk=draft.pk).exists()
    assert not AuditEvent.objects.filter(action="draft.deleted").exists()


def test_the_draft_services_treat_another_persons_draft_as_missing(world):
    """A draft is read by its author only: the services answer another person with a 404, not a 403."""
    from django.http import Http404

    from acss.incidents.services import declarations as services

    draft = services.draft_create(by=world.personas["declarant_a"], data={"title": "Panne"})
    other = world.personas["declarant_b"]
    with pytest.raises(Http404):
        services.draft_step_save(draft=draft, by=other, step=1, raw={"title": "Autre"})
    with pytest.raises(Http404):
        services.draft_delete(draft=draft, by=other)
    with pytest.raises(Http404):
        services.attachment_store(upload=SimpleUploadedFile("note.txt", b"texte"), by=other, draft=draft)
    draft.refresh_from_db()
    assert draft.data == {"title": "Panne"}
    assert not draft.attachments.exists()
    assert not AuditEvent.objects.filter(action__in=["draft.saved", "draft.deleted", "attachment.stored"]).exists()


@pytest.mark.parametrize("transport", ["page", "api"])
def test_a_refused_file_is_answered_on_the_files_field_by_either(world, settings, transport):
    """The service's refusal names the file on the « files » field: the page's form, the API's 400."""
    before = _stored_files(settings)
    exe = SimpleUploadedFile("rapport.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    if transport == "page":
        response = post_addendum(world.client("declarant_a"), world, exe)
        errors = {k: list(v) for k, v in response.context["form"].errors.items()}
    else:
        url = reverse("api:addendum", args=[world.decl_a.reference])
        response = world.api("declarant_a").post(url, {"kind": "new_fact", "body": "Pièces", "files": [exe]})
        assert response.status_code == 400
        errors = response.json()["errors"]
    assert errors == {"files": ["« rapport.pdf » est un programme exécutable : ce type de fichier est refusé."]}
    assert not world.decl_a.addenda.exists()
    assert _stored_files(settings) == before
