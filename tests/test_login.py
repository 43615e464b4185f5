"""Login: local accounts, lock-out, password reset, a mandatory second factor for staff, demo logins."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from acss.core.models import AuditEvent

from .conftest import PASSWORD


def post_login(client, email, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, **extra)


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def test_a_declarant_logs_in_with_a_password(client, world):
    response = post_login(client, "declarant@a.test")
    assert response.status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", actor=world.personas["declarant_a"]).exists()


def test_a_wrong_password_gets_a_french_message(client, world):
    response = post_login(client, "declarant@a.test", "mauvais")
    assert response.status_code == 200
    assert "mot de passe incorrect" in response.content.decode()


def test_lock_out_after_repeated_failures_even_with_the_right_password(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "declarant@a.test", "mauvais")
    response = post_login(client, "declarant@a.test")
    assert response.status_code == 429
    assert "temporairement bloqué" in response.content.decode()
    assert client.get(reverse("core:dashboard")).status_code == 302  # not logged in


def test_the_lock_out_is_per_account(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "declarant@a.test", "mauvais")
    assert post_login(client, "manager@a.test").status_code == 302


def test_staff_must_pass_the_second_factor(client, world):
    analyst = world.personas["analyst"]
    assert post_login(client, analyst.email).status_code == 302
    response = client.get(reverse("declarations:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_verify"))
    bad = client.post(response.url, {"token": "000000" if current_code(analyst) != "000000" else "111111"})
    assert "Code incorrect" in bad.content.decode()
    assert client.get(reverse("declarations:list")).status_code == 302
    # Right after a wrong code the device is throttled: even the right code waits (brute-force guard).
    throttled = client.post(reverse("accounts:otp_verify"), {"token": current_code(analyst)})
    assert throttled.status_code == 200
    TOTPDevice.objects.get(user=analyst).throttle_reset()  # as if the back-off delay had passed
    good = client.post(
        f"{reverse('accounts:otp_verify')}?next=/declarations/",
        {"token": current_code(analyst), "next": "/declarations/"},
    )
    assert good.status_code == 302 and good.url == "/declarations/"
    assert client.get(reverse("declarations:list")).status_code == 200


def test_staff_without_a_device_must_enrol_before_anything(client, world):
    ars = world.personas["ars_idf"]
    TOTPDevice.objects.filter(user=ars).delete()
    post_login(client, ars.email)
    response = client.get(reverse("core:dashboard"))
    assert response.url.startswith(reverse("accounts:otp_setup"))
    page = client.get(response.url)
    assert b"<svg" in page.content  # the QR code, inline SVG (no script, no style attribute)
    device = TOTPDevice.objects.get(user=ars, confirmed=False)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    client.post(reverse("accounts:otp_setup"), {"token": code})
    assert TOTPDevice.objects.get(user=ars).confirmed
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_the_second_factor_does_not_redirect_off_site(client, world):
    analyst = world.personas["analyst"]
    post_login(client, analyst.email)
    response = client.post(
        reverse("accounts:otp_verify"), {"token": current_code(analyst), "next": "https://evil.example/"}
    )
    assert response.url == reverse("core:dashboard")


def test_password_reset_by_email(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "declarant@a.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/compte/mot-de-passe/nouveau/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session marker
    new = "Encore-un-autre-mot-de-passe-2026"
    client.post(form_url, {"new_password1": new, "new_password2": new})
    assert post_login(client, "declarant@a.test", new).status_code == 302


def test_password_reset_does_not_reveal_unknown_addresses(client, world):
    known = client.post(reverse("accounts:password_reset"), {"email": "declarant@a.test"})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "personne@nulle-part.test"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url


@pytest.fixture
def demo(db):
    from acss.accounts.demo import load_demo

    return load_demo()


def test_every_demo_login_works_staff_with_their_second_factor(client, demo):
    from acss.accounts.demo import DEMO_PASSWORD, demo_totp_code

    assert len(demo) >= 12
    for login in demo:
        client.logout()
        assert post_login(client, login.email, DEMO_PASSWORD).status_code == 302, login.email
        if login.totp_secret:
            client.post(reverse("accounts:otp_verify"), {"token": demo_totp_code(login.email)})
        response = client.get(reverse("core:dashboard"))
        assert response.status_code == 200, login.email


def test_load_demo_is_idempotent_and_covers_the_territory(demo):
    from acss.accounts.demo import load_demo
    from acss.accounts.models import Structure, User

    counts = (User.objects.count(), Structure.objects.count())
    load_demo()
    assert (User.objects.count(), Structure.objects.count()) == counts
    departements = set(Structure.objects.values_list("departement_id", flat=True))
    assert departements & {"57", "67", "68"}, "one structure in Moselle or Alsace"
    assert departements & {"971", "972", "973", "974", "976"}, "one structure overseas"
    assert len(set(Structure.objects.values_list("departement__region", flat=True))) >= 4
    assert User.objects.get(email="rssi@ght-demo.example.fr").memberships.count() == 2
