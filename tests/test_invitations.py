"""A structure's manager invites its declarants; the link is single-use and bound to the address."""

import re

from django.core import mail
from django.urls import reverse

from acss.accounts.models import Membership, User


def invite(world, email="nouveau@a.test", django_capture_on_commit_callbacks=None):
    client = world.client("manager_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invite", args=[world.structure_a.pk]), {"email": email, "role": "declarant"}
        )
    assert response.status_code == 302
    return re.search(r"https?://[^/]+(/compte/invitation/\S+/)", mail.outbox[-1].body).group(1)


def test_a_manager_invites_and_the_invitee_creates_an_account(client, world, django_capture_on_commit_callbacks):
    link = invite(world, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert client.get(link).status_code == 200
    pwd = "Le-mot-de-passe-du-nouveau-2026"
    response = client.post(link, {"first_name": "Léa", "last_name": "Nouvelle", "password1": pwd, "password2": pwd})
    assert response.status_code == 302
    user = User.objects.get(email="nouveau@a.test")
    assert Membership.objects.get(user=user).organisation_id == world.structure_a.pk
    assert client.get(reverse("incidents:detail", args=[world.decl_a.reference])).status_code == 200
    assert client.get(reverse("incidents:detail", args=[world.decl_b.reference])).status_code == 404
    # Single use.
    client.logout()
    assert client.get(link).status_code == 404


def test_an_existing_account_accepts_after_logging_in(client, world, django_capture_on_commit_callbacks):
    link = invite(
        world, email="declarant@b.test", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    assert client.get(link).url.startswith(reverse("accounts:login"))
    other = world.client("declarant_a")
    assert other.get(link).status_code == 403  # logged in as someone else: refused, nothing granted
    owner = world.client("declarant_b")
    owner.post(link)
    assert world.personas["declarant_b"].memberships.filter(organisation=world.structure_a).exists()


def test_only_a_manager_of_the_structure_may_invite(world):
    # Those who open the structure's file are told only its managers invite (403); hospital B's manager, who
    # cannot open it, gets a 404.
    for persona, code in (
        ("declarant_a", 403),
        ("group_officer", 403),
        ("declarant_b", 404),
        ("analyst", 403),
        ("ars_idf", 403),
    ):
        response = world.client(persona).post(
            reverse("accounts:invite", args=[world.structure_a.pk]), {"email": "x@y.test", "role": "manager"}
        )
        assert response.status_code == code, persona
