"""Browser smoke test: real pages in Debian's Chromium, under the real Content-Security-Policy.

One test per persona (anonymous; declarant logged in through the form; ACSS analyst through the
form and the TOTP second factor), one subtest per page, so that a failure names its page. On each
page: a strict CSP header, no CSP violation (console and ``securitypolicyviolation`` events), every
script nonced or from us, no inline handler, no ``style`` attribute or element served, the DSFR
JavaScript running (it marks ``<html>``), and no serious or critical axe-core violation.

Run alone: ``python -m pytest -m browser``. Needs the Debian package ``chromium``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps

if TYPE_CHECKING:
    from playwright.sync_api import Page

# The live server implies a transactional database, flushed after each test. Naming every app as
# available makes Django flush without re-running post_migrate: the database is left empty, as a
# later serialized_rollback test (test_tasks) expects; otherwise the content types that post_migrate
# recreates clash with the ones it restores.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, available_apps=[app.name for app in django_apps.get_app_configs()]),
]

sync_api = pytest.importorskip("playwright.sync_api")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000
BLOCKING_IMPACTS = ("serious", "critical")
# Chromium's wording: "Refused to load…" (older) and "… violates the following Content Security
# Policy directive …" (recent, for inline scripts, handlers and styles).
CSP_CONSOLE_MARKERS = ("Content Security Policy", "Refused to")

# The demo publishes last year's observatory (``acss/observatory/demo.py``).
DEMO_YEAR = datetime.now(ZoneInfo("Europe/Paris")).year - 1
DECLARANT = "directeur@chu-paris.demo.example.fr"
ANALYST = "analyste@acss.demo.example.fr"

ANONYMOUS_PAGES = [
    "/",
    "/mentions-legales/",
    "/donnees-personnelles/",
    "/accessibilite/",
    "/contact/",
    "/compte/connexion/",
    "/compte/inscription/",
    "/compte/mot-de-passe/oublie/",
    "/observatoire/",
]
DECLARANT_PAGES = [
    "/espace/",
    "/declarations/",
    "/declarations/ACSS-2026-000001/",
    "/declarer/",
    "/declarer/alerte/",
    "/declarations/ACSS-2026-000003/",
    "/declarations/ACSS-2026-000003/accuse-de-reception/",
    "/declarations/ACSS-2026-000003/situation/",
    "/declarations/ACSS-2026-000003/complements/",
    "/fiches-reflexes/rancongiciel/",
    "/declarations/ACSS-2026-000003/declarations-reglementaires/",
    "/declarations/ACSS-2026-000003/missions/",
    "/observatoire/",  # with the demo's published year: the trend and the en bref
    f"/observatoire/{DEMO_YEAR}/",
    f"/observatoire/{DEMO_YEAR}/rapport/",
]
ANALYST_PAGES = [
    "/espace/",
    "/declarations/",
    "/acss/inscriptions/",
    "/declarations/ACSS-2026-000003/",
    "/acss/dossiers/",
    "/acss/observatoire/",
    "/acss/veille/cert-fr/",
    "/acss/prestataires/",
    "/declarations/ACSS-2026-000003/accompagnement/",
    "/declarations/ACSS-2026-000003/observables/",
]

# Runs in every document before the page's own scripts (Playwright's init scripts are not
# subject to the page's CSP), so that no violation is missed, even one during parsing.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} blocked=${e.blockedURI || "inline"} at ${e.sourceFile || "?"}:${e.lineNumber}`
    + (e.sample ? ` sample=${JSON.stringify(e.sample)}` : "")
  );
}, true);
"""

# Scripts and inline handlers in the live DOM; inline handlers and style attributes in the markup
# as served (the DSFR sets CSS custom properties through the CSSOM, which the CSP allows, so the
# live DOM has style attributes that no response carried; a blocked setAttribute("style") would
# be a reported violation).
DOM_AUDIT = """
({nonce, html}) => {
  const snippet = (el) => el.outerHTML.slice(0, 160);
  const handlersIn = (root) => {
    const found = [];
    for (const el of root.querySelectorAll("*")) {
      for (const attr of el.attributes) {
        if (/^on/i.test(attr.name)) found.push(`${attr.name} on ${snippet(el)}`);
      }
    }
    return found;
  };
  const scripts = [];
  for (const s of document.querySelectorAll("script")) {
    const sameOrigin = s.hasAttribute("src") && new URL(s.src, location.href).origin === location.origin;
    const nonced = nonce !== null && s.nonce === nonce;
    if (!sameOrigin && !nonced) scripts.push(snippet(s));
  }
  const served = new DOMParser().parseFromString(html, "text/html");
  return {
    scripts,
    handlers: [...new Set([...handlersIn(document), ...handlersIn(served)])],
    styled: [...served.querySelectorAll("[style]")].map(snippet),
    styleElements: [...served.querySelectorAll("style")].map(snippet),
  };
}
"""

DSFR_RUNNING = "document.documentElement.getAttribute('data-fr-js') === 'true'"


@pytest.fixture(scope="module")
def _async_unsafe_allowed():
    """Playwright's sync API runs an event loop in this thread; let the ORM run beside it."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(_async_unsafe_allowed):
    if not CHROMIUM.exists():
        pytest.skip("Debian package chromium not installed: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def axe():
    return axe_sync.Axe()


@pytest.fixture
def site(browser, live_server) -> str:
    """The live server's URL, with the reference data of the data migrations, which a flush of the
    live server's transactional database may have removed (idempotent)."""
    from django.db import transaction

    from acss.accounts.referential import load_organisations
    from acss.core.referential import load_referential
    from acss.reflexes.content import load_reflex_sheets

    with transaction.atomic():  # one commit, not one per row (PostgreSQL syncs each)
        load_referential(django_apps)
        load_organisations(django_apps)
        load_reflex_sheets(django_apps)
    return live_server.url


@pytest.fixture
def demo(site) -> None:
    """The demo structures, people (staff enrolled in TOTP) and declarations."""
    from acss.portal.demo import load_demo

    load_demo()


@dataclass
class Tab:
    page: Page
    site: str
    csp_console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@pytest.fixture
def tab(browser, site):
    context = browser.new_context(base_url=site, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    tab = Tab(page, site)

    def on_console(message):
        if any(marker in message.text for marker in CSP_CONSOLE_MARKERS):
            tab.csp_console.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: tab.page_errors.append(f"{page.url}: {error}"))
    yield tab
    context.close()


def submit_password(tab: Tab, email: str, path: str) -> None:
    """Ask for ``path`` anonymously, get the login form, and submit it."""
    from acss.accounts.demo import DEMO_PASSWORD

    page = tab.page
    page.goto(path)
    assert re.search(r"/compte/connexion/\?next=", page.url), f"{path} did not ask for a login: {page.url}"
    page.locator("main input[name=username]").fill(email)
    page.locator("main input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="Se connecter").click()


def wait_for_second_factor(tab: Tab, path: str) -> None:
    """Staff: the password leads to the code at once, carrying the page asked for."""
    tab.page.wait_for_url(re.compile(r"/compte/second-facteur/\?" + re.escape(urlencode({"next": path})) + "$"))


def submit_second_factor(tab: Tab, email: str) -> None:
    from acss.accounts.demo import demo_totp_code

    page = tab.page
    page.locator("main input[name=token]").fill(demo_totp_code(email))
    page.locator("main").get_by_role("button", name="Vérifier").click()


def landed_on(tab: Tab, path: str) -> None:
    tab.page.wait_for_url(re.compile(re.escape(path) + "$"))
    assert not tab.csp_console, "CSP violations while logging in:\n" + "\n".join(tab.csp_console)


def check_page(tab: Tab, axe, path: str) -> None:
    page = tab.page
    tab.csp_console.clear()  # each page answers for its own messages
    tab.page_errors.clear()
    response = page.goto(path)
    assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    assert page.url.endswith(path), f"{path}: redirected to {page.url}"

    csp = response.headers.get("content-security-policy", "")
    assert csp, f"{path}: no Content-Security-Policy header"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, f"{path}: weak CSP: {csp}"
    nonce_match = re.search(r"'nonce-([^']+)'", csp)
    nonce = nonce_match.group(1) if nonce_match else None

    # The DSFR marks <html data-fr-js="true"> once its module, allowed by the nonce, has run.
    page.wait_for_function(DSFR_RUNNING, timeout=5_000)

    violations = page.evaluate("window.__cspViolations")
    assert not violations, f"{path}: CSP violations (securitypolicyviolation):\n" + "\n".join(violations)
    assert not tab.csp_console, f"{path}: CSP violations (console):\n" + "\n".join(tab.csp_console)
    assert not tab.page_errors, f"{path}: JavaScript errors:\n" + "\n".join(tab.page_errors)

    dom = page.evaluate(DOM_AUDIT, {"nonce": nonce, "html": response.text()})
    assert not dom["scripts"], f"{path}: scripts neither nonced nor from 'self':\n" + "\n".join(dom["scripts"])
    assert not dom["handlers"], f"{path}: inline event handlers:\n" + "\n".join(dom["handlers"])
    assert not dom["styled"], f"{path}: style attributes served:\n" + "\n".join(dom["styled"])
    assert not dom["styleElements"], f"{path}: inline <style> served:\n" + "\n".join(dom["styleElements"])

    # AxeResults.response is axe.run()'s raw result: violations[] with id, impact, help, nodes[].target.
    results = axe.run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, f"{page.url}: axe-core found {len(blocking)} serious/critical violation(s):\n" + "\n".join(
        _describe(v) for v in blocking
    )


def _describe(violation: dict) -> str:
    nodes = violation["nodes"]
    targets = ", ".join(" ".join(map(str, node["target"])) for node in nodes[:3])
    more = f" (+{len(nodes) - 3} more)" if len(nodes) > 3 else ""
    return f"- {violation['id']} [{violation['impact']}] {violation['help']}: {targets}{more}"


def test_anonymous_pages(tab, axe, subtests):
    for path in ANONYMOUS_PAGES:
        with subtests.test(path):
            check_page(tab, axe, path)


def test_declarant_pages(demo, tab, axe, subtests):
    submit_password(tab, DECLARANT, DECLARANT_PAGES[0])
    landed_on(tab, DECLARANT_PAGES[0])
    for path in DECLARANT_PAGES:
        with subtests.test(path):
            check_page(tab, axe, path)


def test_analyst_pages(demo, tab, axe, subtests):
    """The analyst's password leads straight to the second-factor form (checked like any page), then
    the code to the page asked for."""
    submit_password(tab, ANALYST, ANALYST_PAGES[0])
    wait_for_second_factor(tab, ANALYST_PAGES[0])
    second_factor = tab.page.url.removeprefix(tab.site)
    with subtests.test(second_factor):
        check_page(tab, axe, second_factor)
    submit_second_factor(tab, ANALYST)
    landed_on(tab, ANALYST_PAGES[0])
    for path in ANALYST_PAGES:
        with subtests.test(path):
            check_page(tab, axe, path)


def _logged_in(browser, site, email: str, path: str, *, second_factor: bool, viewport: dict | None = None) -> Tab:
    context = browser.new_context(base_url=site, locale="fr-FR", **({"viewport": viewport} if viewport else {}))
    context.set_default_timeout(TIMEOUT_MS)
    tab = Tab(context.new_page(), site)
    submit_password(tab, email, path)
    if second_factor:
        wait_for_second_factor(tab, path)
        submit_second_factor(tab, email)
    landed_on(tab, path)
    return tab


def test_the_analyst_takes_the_ransomware_declaration_from_new_to_closed(demo, browser, site):
    """The handling walk-through, in Chromium: qualify, escalate to the DGS, ask, the declarant answers, close;
    the DGS sees the case only once it is escalated."""
    from acss.incidents.models import Case

    ref = "ACSS-2026-000003"
    path = f"/declarations/{ref}/"
    dgs = _logged_in(browser, site, "dgs@autorites.demo.example.fr", "/espace/", second_factor=True)
    dgs.page.wait_for_url(re.compile("/espace/$"))
    assert dgs.page.goto(path).status == 404

    analyst = _logged_in(browser, site, ANALYST, path, second_factor=True)
    page = analyst.page
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    page.get_by_role("button", name="Prendre en charge (qualification)").click()
    page.get_by_role("button", name="Qualifier", exact=True).click()
    form = page.locator("#acc-qualify")
    # DSFR radios: the label draws the button and takes the click, as for a person.
    form.get_by_text("3 – Grave", exact=True).click()
    form.get_by_text("Grave", exact=True).click()
    form.get_by_text("Oui", exact=True).click()
    form.get_by_label("Justification").fill("Urgences en mode dégradé, rançongiciel confirmé.")
    form.get_by_role("button", name="Enregistrer la qualification").click()
    page.get_by_role("button", name="Transmettre à une autorité").click()
    escalate = page.locator("#acc-escalate")
    escalate.get_by_label("Autorité").select_option("dgs")
    escalate.get_by_label("Motif").fill("Impact sanitaire : urgences en mode dégradé.")
    escalate.get_by_role("button", name="Transmettre").click()
    page.get_by_label("Poser une question à la structure").fill("Vos sauvegardes hors ligne sont-elles intactes ?")
    page.get_by_role("button", name="Envoyer la question").click()
    page.get_by_text("En attente de la structure").wait_for()

    assert dgs.page.goto(path).status == 200  # escalated: the DGS now sees it

    declarant = _logged_in(browser, site, DECLARANT, path, second_factor=False)
    declarant.page.wait_for_url(re.compile(re.escape(path) + "$"))
    declarant.page.get_by_text("La cellule attend votre réponse").wait_for()
    declarant.page.get_by_label("Votre réponse").fill("Oui, la sauvegarde du 19 novembre est intacte.")
    declarant.page.get_by_role("button", name="Répondre").click()
    declarant.page.get_by_text("répondue").wait_for()

    page.goto(path)
    page.get_by_role("button", name="Clore", exact=True).click()
    close = page.locator("#acc-close")
    close.get_by_label("Synthèse").fill("Restauration depuis les sauvegardes ; remédiation terminée.")
    close.get_by_label("Cause racine").fill("Hameçonnage d'un compte administrateur.")
    close.get_by_role("button", name="Clore le dossier").click()
    page.get_by_text("Dossier clos.").wait_for()
    case = Case.objects.get(declaration__reference=ref)
    assert (case.state, case.criticity, case.legal_level, case.sanitary_impact_confirmed) == (
        "closed",
        3,
        "serious",
        True,
    )
    assert case.declaration.escalations.get().authority.authority_code == "dgs"
    for tab in (dgs, analyst, declarant):
        tab.page.context.close()


# The main navigation's geometry: its items on one row, each label on one line, nothing overflowing.
NAV_GEOMETRY = """
() => {
  const list = document.querySelector("#fr-navigation .fr-nav__list");
  const items = [...list.children];
  const entries = items.map((item) => item.querySelector(":scope > .fr-nav__link, :scope > .fr-nav__btn"));
  const lines = (element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  };
  return {
    rows: new Set(items.map((item) => Math.round(item.getBoundingClientRect().top))).size,
    wrapped: entries.filter((entry) => lines(entry) > 1).map((entry) => entry.textContent.trim()),
    listOverflow: list.scrollWidth - list.clientWidth,
    pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    current: [...list.querySelectorAll("[aria-current]")].map((e) => `${e.getAttribute("aria-current")}:${e.textContent.trim()}`),
  };
}
"""


def test_the_staff_navigation_fits_at_1366_px(demo, browser, site):
    """The analyst's navigation (the widest) holds on one row at 1366 px, each label on one line, with one current
    item; its "Cellule ACSS" menu opens with the DSFR's script under our CSP."""
    analyst = _logged_in(
        browser, site, ANALYST, "/acss/dossiers/", second_factor=True, viewport={"width": 1366, "height": 900}
    )
    page = analyst.page
    page.wait_for_url(re.compile("/acss/dossiers/$"))
    page.wait_for_function(DSFR_RUNNING, timeout=5_000)
    geometry = page.evaluate(NAV_GEOMETRY)
    assert geometry["rows"] == 1, geometry
    assert geometry["wrapped"] == [], geometry
    assert geometry["listOverflow"] <= 0 and geometry["pageOverflow"] <= 0, geometry
    assert geometry["current"] == ["true:Cellule ACSS", "page:File des dossiers"], geometry

    button = page.locator("#fr-navigation").get_by_role("button", name="Cellule ACSS")
    menu = page.locator("#menu-cellule")
    assert not menu.is_visible()
    button.click()
    menu.get_by_role("link", name="Veille").wait_for(state="visible")
    assert button.get_attribute("aria-expanded") == "true"
    menu.get_by_role("link", name="Veille").click()
    page.wait_for_url(re.compile("/acss/veille/$"))
    assert page.evaluate(NAV_GEOMETRY)["current"] == ["true:Cellule ACSS", "page:Veille"]
    page.context.close()


def test_the_declarant_reviews_a_draft_and_finds_the_first_alert_under_declarer(demo, tab, axe):
    """The review step (answers in words, DSFR tables) passes the page checks; « Envoyer une première alerte » is
    in the « Déclarer » menu."""
    from acss.accounts.models import Structure, User
    from acss.accounts.selectors import actor_for
    from acss.incidents.models import DeclarationDraft

    from .intake_helpers import full_data

    user = User.objects.get(email=DECLARANT)
    structure = Structure.objects.get(pk=min(actor_for(user).structure_ids))
    data = {k: (True if v == "on" else v) for k, v in full_data(structure).items()}
    draft = DeclarationDraft.objects.create(owner=user, structure=structure, data=data, step=5)
    review = f"/declarer/brouillons/{draft.key}/etape/6/"

    tab.page.set_viewport_size({"width": 1366, "height": 900})
    submit_password(tab, DECLARANT, review)
    landed_on(tab, review)
    check_page(tab, axe, review)
    page = tab.page
    assert page.get_by_role("row", name="Fonctionnement de la structure Fonctionnement en mode dégradé").is_visible()
    assert page.evaluate(NAV_GEOMETRY)["current"] == ["true:Déclarer", "page:Déclarer un incident"]
    page.locator("#fr-navigation").get_by_role("button", name="Déclarer").click()
    page.locator("#menu-declarer").get_by_role("link", name="Envoyer une première alerte").click()
    page.wait_for_url(re.compile("/declarer/alerte/$"))


def test_what_the_browser_keeps_is_what_the_personal_data_page_lists(demo, tab):
    """Cookies and local storage after an analyst's visit, against the page's table, in a real browser."""
    submit_password(tab, ANALYST, ANALYST_PAGES[0])
    wait_for_second_factor(tab, ANALYST_PAGES[0])
    submit_second_factor(tab, ANALYST)
    landed_on(tab, ANALYST_PAGES[0])
    for path in (*ANALYST_PAGES, "/fiches-reflexes/", "/donnees-personnelles/"):
        tab.page.goto(path)
        tab.page.wait_for_function(DSFR_RUNNING, timeout=5_000)
    listed = tab.page.evaluate(
        """[...document.querySelectorAll("#traceurs tbody tr")].map(
             (tr) => [tr.dataset.storage, tr.querySelector("code").textContent.trim()])"""
    )
    cookies = {cookie["name"] for cookie in tab.page.context.cookies()}
    local = set(tab.page.evaluate("Object.keys(window.localStorage)"))
    assert {name for storage, name in listed if storage == "cookie"} == cookies
    assert {name for storage, name in listed if storage == "local"} == local
