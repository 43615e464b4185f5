"""The information pages tell the truth: what they link to exists, what they name exists, the addresses
and numbers they give are the configured ones, and the cookies they list are the cookies the site sets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import PASSWORD

PAGES = ["core:legal_notice", "core:contact", "core:personal_data", "core:accessibility"]

# Features a page may name, each with the route that provides it. ``None``: the platform does not have
# it (yet): no page may promise it. When one is built, put its route here, then describe it.
FEATURES: dict[str, str | None] = {
    "fiche réflexe": "reflexes:sheet_list",
    "fiches réflexes": "reflexes:sheet_list",
    "première alerte": "incidents:quick_alert",
    "complément": "incidents:addendum",
    "évolution de la situation": "incidents:situation",
    "répondez aux questions": "incidents:message",
    "inscrivez-la": "accounts:register",
    "inscription d'une structure": "accounts:register",
    "second facteur": "accounts:otp_verify",
    "interface d'administration": "admin:index",
    "observatoire": "observatory:public",
    "statistiques": None,
    "données ouvertes": "observatory:open_data",
    "actualité": "alerts:news_list",
    "actualités": "alerts:news_list",
    "alerte de sécurité": "alerts:alert_list",
    "alertes de sécurité": "alerts:alert_list",
    "bulletin": "alerts:bulletin_today",
    "abonnement": "subscriptions:subscribe",
    "retour d'expérience": None,
    "retours d'expérience": None,
    "espace sécurisé": None,
    "communauté": None,
    "forum": None,
    "lettre d'information": None,
    "newsletter": None,
    "tlp": None,
    "traffic light protocol": None,
    "messagerie instantanée": None,
    "application mobile": None,
    "api publique": None,
    "formulaire de contact de la cellule": None,
}

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\+33|\b0)\s?[1-9](?:[\s.]?\d{2}){4}\b")


@dataclass
class Page:
    hrefs: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    text: str = ""
    stored: set[tuple[str, str]] = field(default_factory=set)  # (storage, name) rows of the table "traceurs"


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.page = Page()
        self._chunks: list[str] = []
        self._skip = 0
        self._row_storage: str | None = None
        self._in_code = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if "id" in attrs:
            self.page.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.page.hrefs.append(attrs["href"])
        if tag == "tr":
            self._row_storage = attrs.get("data-storage")
        if tag == "code" and self._row_storage:
            self._in_code = True

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "code":
            self._in_code = False
        if tag == "tr":
            self._row_storage = None

    def handle_data(self, data):
        if self._in_code:
            self.page.stored.add((self._row_storage, data.strip()))
        if not self._skip:
            self._chunks.append(data)

    def close(self):
        super().close()
        self.page.text = re.sub(r"\s+", " ", " ".join(self._chunks)).replace("’", "'").lower()


def read(client, route: str) -> Page:
    response = client.get(reverse(route))
    assert response.status_code == 200
    parser = _Parser()
    parser.feed(response.content.decode())
    parser.close()
    return parser.page


def route_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= route_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


@pytest.fixture
def configured(settings):
    """Values no template could carry by chance: what the pages show must come from the settings."""
    settings.ACSS_CONTACT_EMAIL = "cellule@essai.test"
    settings.ACSS_DPO_EMAIL = "dpo@essai.test"
    settings.ACSS_HOTLINE = "+33 9 87 65 43 21"
    return settings


@pytest.mark.parametrize("route", PAGES)
def test_every_link_inside_the_site_leads_somewhere(client, db, route):
    page = read(client, route)
    internal = [href for href in page.hrefs if href.startswith(("/", "#"))]
    assert internal
    for href in internal:
        if href.startswith("#"):
            assert href[1:] in page.ids, f"{route}: anchor {href} has no target"
        else:
            resolve(urlsplit(href).path)  # Resolver404 names the dead link
            assert client.get(href).status_code in (200, 302), href


@pytest.mark.parametrize("route", PAGES)
def test_every_address_and_number_shown_is_a_configured_one(client, db, configured, route):
    page = read(client, route)
    emails = set(EMAIL.findall(page.text)) | {h.removeprefix("mailto:") for h in page.hrefs if h.startswith("mailto:")}
    assert emails <= {"cellule@essai.test", "dpo@essai.test"}, f"{route}: {emails}"
    phones = set(PHONE.findall(page.text))
    assert phones <= {"+33 9 87 65 43 21"}, f"{route}: {phones}"
    tels = {h for h in page.hrefs if h.startswith("tel:")}
    assert tels <= {"tel:+33987654321"}, f"{route}: {tels}"


def test_the_contact_page_gives_the_configured_channels_and_hours(client, db, configured):
    configured.ACSS_CELL_OPENING, configured.ACSS_CELL_CLOSING = "08:30", "17:00"
    page = read(client, "core:contact")
    assert "cellule@essai.test" in page.text
    assert "+33 9 87 65 43 21" in page.text
    assert "de 8 h 30 à 17 h (heure de paris)" in page.text
    assert "<form" not in client.get(reverse("core:contact")).content.decode()  # no contact form: an address


def test_the_personal_data_page_gives_the_configured_officer_and_durations(client, db, configured):
    configured.SESSION_COOKIE_AGE = 2 * 3600
    configured.CSRF_COOKIE_AGE = 30 * 24 * 3600
    page = read(client, "core:personal_data")
    assert "dpo@essai.test" in page.text
    assert "2 heures au plus" in page.text
    assert "au plus 2 heures" in page.text  # the retention table says the same
    assert "30 jours au plus" in page.text


@pytest.mark.parametrize("route", PAGES)
def test_no_page_names_a_feature_the_platform_does_not_have(client, db, route):
    text = read(client, route).text
    routes = route_names()
    for phrase, provider in FEATURES.items():
        if not re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text):
            continue
        assert provider is not None, f"{route} names « {phrase} », which the platform does not have"
        assert provider in routes, f"{route} names « {phrase} », but its route {provider} is gone"


def test_the_cookies_listed_are_the_cookies_the_site_sets(client, world):
    """Every cookie set during the visits of an anonymous person, a declarant and an analyst, and nothing else."""
    seen: set[str] = set()

    def visit(method: str, url: str, data: dict | None = None):
        response = getattr(client, method)(url, data or {})
        seen.update(response.cookies.keys())
        return response

    for route in ("portal:home", "accounts:login", "accounts:register", "reflexes:sheet_list", *PAGES):
        visit("get", reverse(route))
    visit("post", reverse("accounts:login"), {"username": "declarant@a.test", "password": "mauvais"})
    visit("post", reverse("accounts:login"), {"username": "declarant@a.test", "password": PASSWORD})
    visit("get", reverse("portal:dashboard"))
    visit("get", reverse("incidents:detail", args=[world.decl_a.reference]))
    visit("post", reverse("accounts:logout"))
    analyst = world.personas["analyst"]
    to_code = visit(
        "post", f"{reverse('accounts:login')}?next=/espace/", {"username": analyst.email, "password": PASSWORD}
    )
    device = TOTPDevice.objects.get(user=analyst)
    visit("get", to_code.url)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    visit("post", to_code.url, {"token": code, "next": "/espace/"})
    for route in ("portal:dashboard", "incidents:queue", "veille:list"):
        visit("get", reverse(route))
    visit("post", reverse("accounts:logout"))

    listed = read(client, "core:personal_data").stored
    assert {name for storage, name in listed if storage == "cookie"} == seen
