"""Login: local accounts, lock-out, password reset, a mandatory second factor for staff, demo logins."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from acss.core.models import AuditEvent

from .conftest import PASSWORD


def post_login(client, email, password=PASSWORD, next=None, **extra):
    """The login form, as a browser posts it (with the ``next`` it carries when a page asked for it)."""
    url = reverse("accounts:login")
    data = {"username": email, "password": password}
    if next is not None:
        url = f"{url}?{urlencode({'next': next})}"
        data["next"] = next
    return client.post(url, data, **extra)


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def test_a_declarant_logs_in_with_a_password(client, world):
    response = post_login(client, "declarant@a.test")
    assert response.status_code == 302
    assert client.get(reverse("portal:dashboard")).status_code == 200
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
    assert client.get(reverse("portal:dashboard")).status_code == 302  # not logged in


def test_the_lock_out_is_per_account(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "declarant@a.test", "mauvais")
    assert post_login(client, "manager@a.test").status_code == 302


def wrong_code(user) -> str:
    return "000000" if current_code(user) != "000000" else "111111"


def test_staff_are_asked_for_the_second_factor_right_after_the_password(client, world):
    analyst = world.personas["analyst"]
    response = post_login(client, analyst.email, next="/declarations/")
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:otp_verify')}?next=%2Fdeclarations%2F"
    page = client.get(response.url)
    assert page.status_code == 200
    assert 'name="next" value="/declarations/"' in page.content.decode()
    good = client.post(response.url, {"token": current_code(analyst), "next": "/declarations/"})
    assert good.status_code == 302 and good.url == "/declarations/"
    assert client.get(reverse("incidents:list")).status_code == 200
    actions = list(AuditEvent.objects.filter(actor=analyst).order_by("pk").values_list("action", flat=True))
    assert actions[:2] == ["auth.login", "auth.second_factor"]


def test_next_keeps_its_query_string_through_the_second_factor(client, world):
    analyst = world.personas["analyst"]
    target = f"{reverse('incidents:queue')}?statut=nouveau&tri=echeance"
    to_code = post_login(client, analyst.email, next=target).url
    client.get(to_code)
    landed = client.post(to_code, {"token": current_code(analyst), "next": target})
    assert landed.url == target


def test_an_off_site_next_is_dropped_at_the_password_and_at_the_code(client, world):
    analyst = world.personas["analyst"]
    to_code = post_login(client, analyst.email, next="https://evil.example/").url
    assert "evil" not in to_code
    landed = client.post(
        reverse("accounts:otp_verify"), {"token": current_code(analyst), "next": "https://evil.example/"}
    )
    assert landed.url == reverse("portal:dashboard")


def test_a_declarant_goes_straight_to_next(client, world):
    response = post_login(client, "declarant@a.test", next="/declarations/")
    assert response.url == "/declarations/"


def test_a_password_alone_opens_no_protected_page_to_staff(client, world):
    analyst = world.personas["analyst"]
    post_login(client, analyst.email)
    for url in (
        reverse("portal:dashboard"),
        reverse("incidents:list"),
        reverse("incidents:detail", args=[world.decl_a.reference]),
        reverse("incidents:queue"),
        reverse("veille:list"),
        reverse("admin:index"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:otp_verify")), url
    # Coming back to the login page leads to the code too, not around it.
    assert client.get(reverse("accounts:login")).url.startswith(reverse("accounts:otp_verify"))


def test_wrong_codes_are_refused_then_throttled(client, world):
    analyst = world.personas["analyst"]
    to_code = post_login(client, analyst.email, next="/declarations/").url
    bad = client.post(to_code, {"token": wrong_code(analyst), "next": "/declarations/"})
    assert "Code incorrect" in bad.content.decode()
    assert AuditEvent.objects.filter(actor=analyst, action="auth.second_factor_failed").exists()
    assert client.get(reverse("incidents:list")).status_code == 302
    # Right after a wrong code the device is throttled: even the right code waits (brute-force guard).
    throttled = client.post(to_code, {"token": current_code(analyst), "next": "/declarations/"})
    assert throttled.status_code == 200
    TOTPDevice.objects.get(user=analyst).throttle_reset()  # as if the back-off delay had passed
    good = client.post(to_code, {"token": current_code(analyst), "next": "/declarations/"})
    assert good.status_code == 302 and good.url == "/declarations/"


def test_staff_are_locked_out_by_password_failures_too(client, world, settings):
    analyst = world.personas["analyst"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, analyst.email, "mauvais")
    assert post_login(client, analyst.email).status_code == 429


def test_the_safety_net_still_catches_a_session_without_its_code(world):
    """A session with a password but no code (whatever way it came) is sent to the code, with its page."""
    client = world.client("analyst", second_factor=False)
    path = reverse("incidents:detail", args=[world.decl_a.reference])
    response = client.get(path)
    assert response.url == f"{reverse('accounts:otp_verify')}?next={path.replace('/', '%2F')}"


def test_staff_without_a_device_enrol_at_login(client, world):
    ars = world.personas["ars_idf"]
    TOTPDevice.objects.filter(user=ars).delete()
    response = post_login(client, ars.email, next="/declarations/")
    assert response.url == f"{reverse('accounts:otp_setup')}?next=%2Fdeclarations%2F"
    page = client.get(response.url)
    assert b"<svg" in page.content  # the QR code, inline SVG (no script, no style attribute)
    assert client.get(reverse("portal:dashboard")).url.startswith(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=ars, confirmed=False)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    enrolled = client.post(response.url, {"token": code, "next": "/declarations/"})
    assert enrolled.url == "/declarations/"
    assert TOTPDevice.objects.get(user=ars).confirmed
    assert client.get(reverse("portal:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(actor=ars, action="auth.second_factor_enrolled").exists()


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
    from acss.portal.demo import load_demo

    return load_demo()


def test_every_demo_login_works_staff_with_their_second_factor(client, demo):
    from acss.accounts.demo import DEMO_PASSWORD, demo_totp_code

    assert len(demo) >= 12
    for login in demo:
        client.logout()
        response = post_login(client, login.email, DEMO_PASSWORD)
        assert response.status_code == 302, login.email
        if login.totp_secret:
            assert response.url.startswith(reverse("accounts:otp_verify")), login.email
            client.post(response.url, {"token": demo_totp_code(login.email)})
        response = client.get(reverse("portal:dashboard"))
        assert response.status_code == 200, login.email


def test_load_demo_is_idempotent_and_covers_the_territory(demo):
    from acss.accounts.models import Structure, User
    from acss.portal.demo import load_demo

    counts = (User.objects.count(), Structure.objects.count())
    load_demo()
    assert (User.objects.count(), Structure.objects.count()) == counts
    departements = set(Structure.objects.values_list("departement_id", flat=True))
    assert departements & {"57", "67", "68"}, "one structure in Moselle or Alsace"
    assert departements & {"971", "972", "973", "974", "976"}, "one structure overseas"
    assert len(set(Structure.objects.values_list("departement__region", flat=True))) >= 4
    assert User.objects.get(email="rssi@ght-demo.example.fr").memberships.count() == 2
