"""A structure registers with its FINESS and waits for ACSS; a known FINESS never gives access."""

import pytest
from django.core import mail
from django.urls import reverse

from acss.accounts.demo import with_luhn
from acss.accounts.models import AccessRequest, Membership, Structure, User
from acss.core.models import AuditEvent


def form(**overrides):
    data = {
        "name": "Centre hospitalier de Bastia",
        "finess_ej": "2B0000017",
        "finess_et": "2B0000025",
        "structure_type": "es-public",
        "nis2": "important",
        "size": "large",
        "ght": "",
        "first_name": "Marie",
        "last_name": "Colonna",
        "job_title": "Directrice",
        "phone": "04 95 00 00 00",
        "email": "direction@ch-bastia.test",
        "password1": "Un-mot-de-passe-solide-2026",
        "password2": "Un-mot-de-passe-solide-2026",
    }
    data.update(overrides)
    return data


def test_it_registers_a_new_structure_pending_verification(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:register"), form(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:register_done")
    structure = Structure.objects.get(finess_et="2B0000025")
    assert structure.verification == "pending"
    assert structure.departement_id == "2B"
    assert structure.departement.region.name == "Corse"
    user = User.objects.get(email="direction@ch-bastia.test")
    assert Membership.objects.get(user=user).role == "manager"
    assert AuditEvent.objects.filter(action="structure.registered", object_id=str(structure.pk)).exists()
    # Until ACSS verifies it, the structure is not the person's: its page is a 404.
    client.force_login(user)
    assert client.get(reverse("accounts:structure_detail", args=[structure.pk])).status_code == 404
    assert "direction@ch-bastia.test" in [m.to[0] for m in mail.outbox]


def test_acss_verifies_it_then_access_opens(client, world):
    client.post(reverse("accounts:register"), form())
    structure = Structure.objects.get(finess_et="2B0000025")
    analyst = world.client("analyst")
    assert structure.name.encode() in analyst.get(reverse("accounts:pending_structures")).content
    analyst.post(reverse("accounts:structure_decide", args=[structure.pk]), {"decision": "approve"})
    structure.refresh_from_db()
    assert structure.verification == "verified"
    client.force_login(User.objects.get(email="direction@ch-bastia.test"))
    assert client.get(reverse("accounts:structure_detail", args=[structure.pk])).status_code == 200


def test_registering_and_verifying_record_where_they_came_from(client, world):
    """The page hands the service an ``AuditOrigin``, never the request: the events keep address and user agent."""
    client.post(reverse("accounts:register"), form(), REMOTE_ADDR="198.51.100.9", HTTP_USER_AGENT="Navigateur")
    structure = Structure.objects.get(finess_et="2B0000025")
    world.client("analyst").post(
        reverse("accounts:structure_decide", args=[structure.pk]), {"decision": "approve"}, REMOTE_ADDR="192.0.2.8"
    )
    registered = AuditEvent.objects.get(action="structure.registered")
    verified = AuditEvent.objects.get(action="structure.verified")
    assert (registered.ip_address, registered.user_agent) == ("198.51.100.9", "Navigateur")
    assert verified.ip_address == "192.0.2.8"


def test_only_acss_may_verify(world):
    pending = Structure.objects.create(
        kind="structure",
        name="X",
        finess_ej="2B0000017",
        finess_et="2B0000033",
        structure_type_id="lbm",
        departement_id="2B",
    )
    for persona in ("manager_a", "ars_idf", "fssi"):
        response = world.client(persona).post(
            reverse("accounts:structure_decide", args=[pending.pk]), {"decision": "approve"}
        )
        assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.verification == "pending"


def test_registering_with_a_known_finess_gives_no_access(client, world):
    known = world.structure_a
    response = client.post(
        reverse("accounts:register"), form(finess_et=known.finess_et, email="intrus@evil.test"), follow=True
    )
    # Same answer as a genuine registration: nothing tells that the FINESS is known.
    assert response.redirect_chain[-1][0] == reverse("accounts:register_done")
    intruder = User.objects.get(email="intrus@evil.test")
    assert not Membership.objects.filter(user=intruder).exists()
    assert AccessRequest.objects.filter(user=intruder, structure=known, decided_at__isnull=True).exists()
    client.force_login(intruder)
    assert client.get(reverse("accounts:structure_detail", args=[known.pk])).status_code == 404
    assert client.get(reverse("incidents:detail", args=[world.decl_a.reference])).status_code == 404
    assert client.get(reverse("incidents:list")).context["page"].paginator.count == 0


def test_an_access_request_granted_by_acss_opens_access(client, world):
    client.post(reverse("accounts:register"), form(finess_et=world.structure_a.finess_et, email="new@a.test"))
    request = AccessRequest.objects.get(user__email="new@a.test")
    world.client("analyst").post(reverse("accounts:access_request_decide", args=[request.pk]), {"decision": "approve"})
    client.force_login(User.objects.get(email="new@a.test"))
    assert client.get(reverse("incidents:detail", args=[world.decl_a.reference])).status_code == 200


def test_registering_with_a_known_email_changes_nothing_and_tells_its_owner(
    client, world, django_capture_on_commit_callbacks
):
    before = (User.objects.count(), Structure.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:register"), form(email="declarant@a.test"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:register_done")
    assert (User.objects.count(), Structure.objects.count()) == before
    assert any("déjà un compte" in m.body for m in mail.outbox if m.to == ["declarant@a.test"])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("finess_et", "75071218", "9 caractères"),
        ("finess_et", "2C0000018", "9 caractères"),
        ("finess_et", "960000012", "n&#x27;est pas un département"),
        ("finess_ej", "ABC", "9 caractères"),
        ("password2", "autre-chose-2026", "ne sont pas identiques"),
        ("email", "pas-une-adresse", "adresse e-mail valide"),
    ],
)
def test_bad_input_gets_a_french_message_and_keeps_the_rest(client, db, field, value, message):
    response = client.post(reverse("accounts:register"), form(**{field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Centre hospitalier de Bastia" in html  # the other answers are still there
    assert "Colonna" in html
    assert not Structure.objects.filter(name="Centre hospitalier de Bastia").exists()


def test_a_bad_luhn_key_is_accepted_with_a_warning_for_acss(client, db):
    bad_key = with_luhn("75000099")[:-1] + str((int(with_luhn("75000099")[-1]) + 1) % 10)
    response = client.post(reverse("accounts:register"), form(finess_et=bad_key), follow=True)
    assert "clé de contrôle" in response.content.decode()
    structure = Structure.objects.get(finess_et=bad_key)
    assert "clé de contrôle" in structure.finess_warning
    assert structure.departement_id == "75"
