"""Error pages: the DSFR "page d'erreur" in French for 400, 403, 404 and 500, never Django's technical pages."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from acss.accounts.models import User

from .conftest import login


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.DEBUG = False


def assert_dsfr_error_page(response, status: int, title: str) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="fr"' in html
    assert f"<h1>{title}</h1>" in html
    assert f'<p class="fr-text--sm fr-mb-3w">Erreur {status}</p>' in html
    assert '<p class="fr-text--lead fr-mb-3w">' in html
    for layout in ("fr-container", "fr-my-7w", "fr-grid-row--center", "fr-header", "fr-footer"):
        assert layout in html, layout
    assert f'class="fr-btn" href="{reverse("portal:home")}"' in html
    assert f'href="{reverse("core:contact")}"' in html
    # Nothing of Django's technical pages: no route list, no traceback, no settings.
    for technical in ("URLconf", "Traceback", "urlpatterns", "DEBUG = True", "Request Method"):
        assert technical not in html, technical
    return html


def test_a_missing_page_is_the_dsfr_404(client, db):
    html = assert_dsfr_error_page(client.get("/cette-page-n-existe-pas/"), 404, "Page non trouvée")
    assert "La page que vous cherchez est introuvable" in html
    assert "mentions-legales" in html  # the full page: header, navigation and footer


def test_a_declaration_someone_may_not_see_gets_the_same_404(world):
    """Refusals are 404s, identical to a missing object."""
    client = world.client("declarant_a")
    refused = client.get(reverse("incidents:detail", args=[world.decl_b.reference]))
    missing = client.get(reverse("incidents:detail", args=["ACSS-2026-999999"]))
    assert_dsfr_error_page(refused, 404, "Page non trouvée")
    strip = re.compile(r'nonce="[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')
    assert strip.sub("", refused.content.decode()) == strip.sub("", missing.content.decode())


def test_a_forbidden_page_is_the_dsfr_403(db):
    """The admin refuses a technical account without the permission (PermissionDenied)."""
    technician = User.objects.create_user(email="technicien@acss.test", password="x", is_staff=True)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=technician, name="test", confirmed=True)
    client = login(Client(), technician)
    html = assert_dsfr_error_page(client.get(reverse("admin:accounts_user_changelist")), 403, "Accès refusé")
    assert "Vous n’avez pas le droit" in html


def test_a_bad_request_is_the_dsfr_400(client, db):
    """A request for a host the platform does not serve (DisallowedHost) is refused with a 400."""
    html = assert_dsfr_error_page(client.get("/", HTTP_HOST="intrus.example"), 400, "Requête incorrecte")
    assert "Le service n’a pas pu traiter la demande" in html


def test_a_crash_is_the_dsfr_500_without_touching_the_database(db, settings, django_assert_num_queries):
    settings.ROOT_URLCONF = "tests.urls_errors"
    settings.ACSS_HOTLINE = "+33 9 99 99 99 99"
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = client.get("/essai/panne/")
    html = assert_dsfr_error_page(response, 500, "Erreur inattendue")
    assert "le service rencontre un problème" in html
    assert '<a href="tel:+33999999999">+33 9 99 99 99 99</a>' in html
    assert "<script" not in html  # no nonce without the request: no script that the CSP would block
    assert "a bug in a view" not in html


def test_an_expired_form_is_a_dsfr_error_page_too(db):
    client = Client(enforce_csrf_checks=True)
    html = assert_dsfr_error_page(client.post(reverse("accounts:login"), {}), 403, "Formulaire expiré")
    assert "ce formulaire n'était plus valable" in html
