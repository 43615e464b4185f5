"""Which structures a published alert concerns (``alerts.concerns``), their answer from « Mon espace », and the
counts the cell and the ARS read."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from acss.accounts.models import Role
from acss.alerts.concerns import concern_counts, concerns_refresh, concerns_refresh_published
from acss.alerts.models import Alert, AlertConcern, AlertState, ConcernStatus
from acss.core.models import AuditEvent
from acss.inventories.keys import cpe_key, name_key
from acss.inventories.models import InventoryItem, ItemSource
from acss.veille.models import WatchedProduct

from .conftest import make_structure, make_user


def published_alert(by, *, number: int = 1, watched=(), products=None, state=AlertState.PUBLISHED) -> Alert:
    alert = Alert.objects.create(
        reference=f"ACSS-ALE-2026-{number:04d}",
        state=state,
        title="Vulnérabilité critique de FortiOS exploitée",
        severity="critique",
        products=products or [],
        created_by=by,
        published_at=timezone.now(),
    )
    alert.watched_products.set(watched)
    return alert


def item(structure, vendor: str, product: str, version: str = "", cpe: str = "", **extra) -> InventoryItem:
    return InventoryItem.objects.create(
        structure=structure,
        vendor=vendor,
        product=product,
        version=version,
        cpe=cpe,
        name_key=name_key(vendor, product),
        cpe_key=cpe_key(cpe),
        source=extra.pop("source", ItemSource.TYPED),
        **extra,
    )


@pytest.fixture
def fortios(db) -> WatchedProduct:
    return WatchedProduct.objects.get(vendor__name="Fortinet", name="FortiOS")


def test_refresh_finds_structures_by_watched_product_cpe_and_names(world, fortios):
    a, b, c = world.structure_a, world.structure_b, world.structure_c
    item(a, "Fortinet", "FortiOS", "7.2.4", watched_product=fortios, match_confirmed=True)
    item(b, "", "fortios", cpe="cpe:2.3:o:fortinet:fortios:7.0.1:*:*:*:*:*:*:*")
    item(c, "Orthanc", "Orthanc Server")
    # A suggestion nobody confirmed does not concern the structure on its own.
    d = make_structure("Clinique D", "75", "7500009")
    item(d, "Fortinet SA", "Pare-feu", watched_product=fortios, match_confirmed=False)
    e = make_structure("Clinique E", "13", "1300009")
    item(e, "Fortinet, Inc.", "FortiOS", "6.4")  # names only, normalised
    alert = published_alert(
        world.personas["analyst"],
        watched=[fortios],
        products=[{"vendor": "Fortinet", "product": "FortiOS", "versions": "< 7.2.5"}],
    )
    new = concerns_refresh(alert=alert)
    assert sorted(new) == sorted([a.pk, b.pk, e.pk])
    concerns = {c.structure_id: c for c in AlertConcern.objects.filter(alert=alert)}
    assert set(concerns) == {a.pk, b.pk, e.pk}
    assert {r["why"] for r in concerns[a.pk].reasons} == {"watched"}
    assert [r["why"] for r in concerns[b.pk].reasons] == ["cpe"]
    assert concerns[e.pk].reasons[0]["product"] == "FortiOS"
    assert all(c.status == ConcernStatus.TO_HANDLE for c in concerns.values())
    assert AuditEvent.objects.filter(action="alert.concerns_refreshed").count() == 1


def test_refresh_is_idempotent_and_keeps_statuses(world, fortios):
    a, c = world.structure_a, world.structure_c
    item(a, "Fortinet", "FortiOS", watched_product=fortios, match_confirmed=True)
    alert = published_alert(world.personas["analyst"], watched=[fortios])
    assert concerns_refresh(alert=alert) == [a.pk]
    AlertConcern.objects.filter(alert=alert, structure=a).update(status=ConcernStatus.HANDLED)
    assert concerns_refresh(alert=alert) == []
    item(a, "Fortinet", "FortiGate", cpe="cpe:2.3:o:fortinet:fortios:7.4.0")
    item(c, "Fortinet", "FortiOS", watched_product=fortios, match_confirmed=True)
    assert concerns_refresh(alert=alert) == [c.pk]
    concern_a = AlertConcern.objects.get(alert=alert, structure=a)
    assert concern_a.status == ConcernStatus.HANDLED
    # Its reasons are refreshed: FortiGate's CPE is FortiOS's (the watched product's CPE prefix).
    assert sorted(r["product"] for r in concern_a.reasons) == ["FortiGate", "FortiOS"]
    assert AlertConcern.objects.filter(alert=alert).count() == 2


def test_refreshing_every_published_alert_after_an_inventory_changed(world, fortios):
    alert = published_alert(world.personas["analyst"], watched=[fortios])
    assert concerns_refresh(alert=alert) == []
    item(world.structure_c, "Fortinet", "FortiOS", watched_product=fortios, match_confirmed=True)
    assert concerns_refresh_published() == {alert.pk: [world.structure_c.pk]}
    assert concerns_refresh_published() == {}


def test_a_draft_or_an_alert_naming_nothing_concerns_nobody(world, fortios):
    item(world.structure_a, "Fortinet", "FortiOS", watched_product=fortios, match_confirmed=True)
    draft = Alert.objects.create(title="Brouillon", severity="elevee", created_by=world.personas["analyst"])
    draft.watched_products.set([fortios])
    assert concerns_refresh(alert=draft) == []
    empty = published_alert(world.personas["analyst"], number=2)
    assert concerns_refresh(alert=empty) == []
    assert not AlertConcern.objects.exists()


def _fleet(size: int, fortios: WatchedProduct, start: int) -> None:
    """``size`` structures, each with three items of which one is FortiOS (by CPE, names or watched product)."""
    for n in range(size):
        s = make_structure(f"Clinique {start + n}", "75", f"75{start + n:05d}")
        kind = n % 3
        item(s, "Microsoft", "Exchange Server", "2019")
        item(s, "Orthanc", "Orthanc", "1.12")
        if kind == 0:
            item(s, "Fortinet", "FortiOS", watched_product=fortios, match_confirmed=True)
        elif kind == 1:
            item(s, "", "fortios", cpe="cpe:2.3:o:fortinet:fortios:7.0.1")
        else:
            item(s, "Fortinet Inc.", "FortiOS", "7.2")


def test_refresh_costs_a_constant_number_of_queries(world, fortios, django_assert_max_num_queries):
    alert = published_alert(
        world.personas["analyst"],
        watched=[fortios],
        products=[{"vendor": "Fortinet", "product": "FortiOS", "cpe": "cpe:2.3:o:fortinet:fortios:*"}],
    )
    _fleet(5, fortios, 1000)
    with django_assert_max_num_queries(20) as small:
        assert len(concerns_refresh(alert=alert)) == 5
    second = published_alert(
        world.personas["analyst"],
        number=2,
        watched=[fortios],
        products=[{"vendor": "Fortinet", "product": "FortiOS", "cpe": "cpe:2.3:o:fortinet:fortios:*"}],
    )
    _fleet(60, fortios, 2000)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(concerns_refresh(alert=second)) == 65
    # And once more on the first alert: the 60 new ones are added, the 5 others refreshed, still as many queries.
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(concerns_refresh(alert=alert)) == 60
    assert AlertConcern.objects.filter(alert=alert).count() == 65


# --- through HTTP -----------------------------------------------------------------------------------------------


@pytest.fixture
def concerned(world, fortios) -> Alert:
    """Hospitals A (Île-de-France) and B (Grand Est) run FortiOS; an alert on it is published."""
    item(world.structure_a, "Fortinet", "FortiOS", watched_product=fortios, match_confirmed=True)
    item(world.structure_b, "Fortinet", "FortiOS", watched_product=fortios, match_confirmed=True)
    alert = published_alert(world.personas["analyst"], watched=[fortios])
    concerns_refresh(alert=alert)
    return alert


def test_the_structure_sees_the_alert_in_its_space_and_sets_handled(world, concerned):
    client = world.client("declarant_a")
    space = client.get(reverse("portal:dashboard")).content.decode()
    assert "Alertes qui concernent vos structures" in space
    assert concerned.reference in space
    counts_url = reverse("alerts:concern_counts", args=[concerned.pk])
    before = world.client("analyst").get(counts_url)
    assert before.context["counts"].concerned == 2
    assert before.context["counts"].acted == 0

    url = reverse("alerts:concern_status", args=[world.structure_a.pk, concerned.pk])
    response = client.post(url, {"status": "traite", "next": reverse("portal:dashboard")})
    assert response.status_code == 302
    concern = AlertConcern.objects.get(alert=concerned, structure=world.structure_a)
    assert concern.status == ConcernStatus.HANDLED
    assert concern.status_changed_by == world.personas["declarant_a"]
    assert AuditEvent.objects.filter(action="alert.concern_status", object_id=str(concern.pk)).exists()

    after = world.client("analyst").get(counts_url)
    assert after.context["counts"].acted == 1
    assert after.context["counts"].handled == 1
    assert "Île-de-France" in after.content.decode()


def test_the_region_s_ars_counts_its_region_only(world, concerned):
    url = reverse("alerts:concern_counts_region", args=[concerned.pk])
    counts = world.client("ars_idf").get(url).context["counts"]
    assert counts.concerned == 1
    assert [c.structure_id for c in counts.structures] == [world.structure_a.pk]
    assert world.client("ars_idf").get(reverse("alerts:concern_counts", args=[concerned.pk])).status_code == 404
    other = world.client("ars_other").get(url).context["counts"]
    assert other.concerned == 0


def test_others_may_not_set_the_status(world, concerned):
    url = reverse("alerts:concern_status", args=[world.structure_a.pk, concerned.pk])
    assert world.client("declarant_b").post(url, {"status": "traite"}).status_code == 404
    assert world.client("ars_other").post(url, {"status": "traite"}).status_code == 404
    refused = world.client("ars_idf").post(url, {"status": "traite"})
    assert refused.status_code == 403
    assert "Seules les personnes de la structure" in refused.content.decode()
    assert world.client("declarant_b").get(reverse("alerts:concern_counts", args=[concerned.pk])).status_code == 404
    assert AlertConcern.objects.get(alert=concerned, structure=world.structure_a).status == ConcernStatus.TO_HANDLE


def test_a_wrong_status_is_refused_in_french(world, concerned):
    url = reverse("alerts:concern_status", args=[world.structure_a.pk, concerned.pk])
    response = world.client("manager_a").post(url, {"status": "fini"}, follow=True)
    assert "Choisissez un statut de la liste." in response.content.decode()
    assert AlertConcern.objects.get(alert=concerned, structure=world.structure_a).status == ConcernStatus.TO_HANDLE


def test_the_concern_counts_selector_scopes_by_person(world, concerned):
    assert concern_counts(alert=concerned, user=world.personas["analyst"]).concerned == 2
    assert concern_counts(alert=concerned, user=world.personas["ars_idf"]).concerned == 1
    manager = make_user("second@b.test", (world.structure_b, Role.MANAGER))
    assert concern_counts(alert=concerned, user=manager).concerned == 0
