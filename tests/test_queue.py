"""The analyst queue (/acss/dossiers/) and the ARS board (/ars/tableau/).

The two tests named ``test_queue_10000_…`` build 10,000 declarations with their cases (bulk_create) and check
that the page's query count does not grow with them, and that the due-date order and the overdue filter agree
with a brute-force computation over every row.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acss.accounts.models import OrganisationKind, Role
from acss.core.models import AuditEvent, IncidentCategory
from acss.incidents.models import OPEN_STATES, Case, CaseState, Declaration, Message, MessageKind, SituationUpdate
from acss.incidents.queue import QUEUE_PAGE_SIZE, case_queue, case_queue_counters, queue_page
from acss.incidents.services.cases import question_ask

from .conftest import PARIS, declaration_of_same_structure, login, make_structure, make_user, org

ALL_PERSONAS = [
    "anonymous",
    "declarant_a",
    "manager_a",
    "declarant_b",
    "group_officer",
    "ars_idf",
    "ars_other",
    "analyst",
    "fssi",
    "dgs",
    "ansm",
    "admin",
]


def queue_url(query: str = "") -> str:
    return reverse("incidents:queue") + (f"?{query}" if query else "")


def board_url(query: str = "") -> str:
    return reverse("incidents:ars_board") + (f"?{query}" if query else "")


def shown(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return [row.declaration.reference for row in response.context["rows"]]


def board_shown(response) -> set[str]:
    assert response.status_code == 200, response.status_code
    return {d.reference for d in response.context["page"].object_list}


def set_case(declaration: Declaration, **fields) -> None:
    Case.objects.filter(declaration=declaration).update(**fields)


# --------------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------------


def test_the_queue_is_for_acss_only(world):
    answers = {p: world.client(p).get(queue_url()).status_code for p in ALL_PERSONAS}
    assert answers == {**dict.fromkeys(ALL_PERSONAS, 404), "anonymous": 302, "analyst": 200}
    post = world.client("ars_idf").post(queue_url(), {"action": "assign", "cases": [world.decl_a.case.pk]})
    assert post.status_code == 404


def test_the_board_is_for_ars_agents_and_acss(world):
    answers = {p: world.client(p).get(board_url()).status_code for p in ALL_PERSONAS}
    expected = {**dict.fromkeys(ALL_PERSONAS, 404), "anonymous": 302, "analyst": 200, "ars_idf": 200}
    assert answers == {**expected, "ars_other": 200}


# --------------------------------------------------------------------------------------------------
# Rows, filters, sorts, counters
# --------------------------------------------------------------------------------------------------


def test_a_row_shows_what_the_analyst_needs(world):
    now = timezone.now()
    analyst = world.personas["analyst"]
    world.decl_b.category = IncidentCategory.objects.get(code="rancongiciel")
    world.decl_b.save(update_fields=["category"])
    set_case(world.decl_a, opened_at=now - timedelta(hours=3, minutes=5), assigned_to=analyst)
    set_case(world.decl_b, opened_at=now - timedelta(days=2, hours=1), qualification_due_at=now - timedelta(hours=1))
    set_case(
        world.decl_c,
        state=CaseState.QUALIFIED,
        criticity=3,
        qualified_at=now,
        qualification_due_at=now - timedelta(days=1),
        opened_at=now - timedelta(minutes=12),
    )
    question_ask(declaration=world.decl_a, by=analyst, body="Quel est le périmètre ?")

    response = world.client("analyst").get(queue_url())
    rows = {row.declaration.reference: row for row in response.context["rows"]}
    a, b, c = rows[world.decl_a.reference], rows[world.decl_b.reference], rows[world.decl_c.reference]
    assert (a.age, b.age, c.age) == ("3 h", "2 j", "12 min")
    assert a.paused and a.due_at is None and not a.overdue
    assert b.overdue and b.typology.code == "rancongiciel" and b.provisional
    assert c.criticity == 3 and not c.provisional and not c.overdue and c.due_at is None  # qualified: nothing due
    html = response.content.decode()
    assert reverse("incidents:detail", args=[world.decl_a.reference]) in html
    for text in ("En attente de la structure", "en pause", "En retard", "provisoire", "Île-de-France", "Grand Est"):
        assert text in html, text
    assert "Rançongiciel" in html
    assert analyst.display_name in html
    # Qualified typology wins over the declared one.
    set_case(world.decl_b, category=IncidentCategory.objects.get(code="hameconnage"))
    row = next(r for r in world.client("analyst").get(queue_url()).context["rows"] if r.declaration == world.decl_b)
    assert row.typology.code == "hameconnage"


def test_filters(world):
    now = timezone.now()
    analyst, other = world.personas["analyst"], make_user("second@acss.test", (org(kind="acss"), Role.ANALYST))
    a, b, c = world.decl_a, world.decl_b, world.decl_c
    Declaration.objects.filter(pk=a.pk).update(
        category_id="rancongiciel", alert_summary="Écrans chiffrés au bloc", description="Rançon demandée"
    )
    Declaration.objects.filter(pk=c.pk).update(title="Fuite de données patients")
    set_case(a, assigned_to=analyst, opened_at=datetime(2026, 11, 10, 12, tzinfo=PARIS), criticity=4)
    set_case(b, assigned_to=other, opened_at=datetime(2026, 11, 15, 12, tzinfo=PARIS), provisional_criticity=3)
    set_case(c, state=CaseState.CLOSED, opened_at=datetime(2026, 11, 20, 12, tzinfo=PARIS))
    set_case(b, qualification_due_at=now - timedelta(minutes=1))
    set_case(a, qualification_due_at=now + timedelta(hours=1))
    client = world.client("analyst")

    def refs(query: str) -> set[str]:
        return set(shown(client.get(queue_url(query))))

    ref_a, ref_b, ref_c = a.reference, b.reference, c.reference
    assert refs("") == {ref_a, ref_b}  # open states by default
    assert refs("state=all") == {ref_a, ref_b, ref_c}
    assert refs("state=closed") == {ref_c}
    assert refs("state=all&region=11") == {ref_a, ref_c}
    assert refs("state=all&region=44") == {ref_b}
    assert refs("state=all&structure_type=es-public") == {ref_a, ref_b, ref_c}
    assert refs("state=all&structure_type=lbm") == set()
    assert refs("typology=rancongiciel") == {ref_a}
    assert refs("criticity=4") == {ref_a}
    assert refs("criticity=3") == {ref_b}
    assert refs("state=all&opened_from=2026-11-15") == {ref_b, ref_c}
    assert refs("state=all&opened_to=2026-11-15") == {ref_a, ref_b}
    assert refs("state=all&opened_from=2026-11-11&opened_to=2026-11-19") == {ref_b}
    assert refs("analyst=me") == {ref_a}
    assert refs(f"analyst={other.pk}") == {ref_b}
    assert refs("analyst=none&state=all") == {ref_c}
    assert refs("overdue=on") == {ref_b}
    assert refs("q=ransomware") == set()
    assert refs(f"q={ref_a.lower()}") == {ref_a}
    assert refs("q=hôpital b") == {ref_b}
    assert refs(f"q={world.structure_b.finess_et}") == {ref_b}
    assert refs("q=chiffrés") == {ref_a}
    assert refs("q=rançon") == {ref_a}
    assert refs("state=all&q=fuite") == {ref_c}
    # An invalid filter is reported and ignored; the others still apply.
    response = client.get(queue_url("opened_from=pas-une-date&region=44"))
    assert set(shown(response)) == {ref_b}
    assert "Saisissez une date valide." in response.content.decode()


def test_sorts_and_counters(world):
    now = timezone.now()
    a, b, c = world.decl_a, world.decl_b, world.decl_c
    set_case(a, qualification_due_at=now + timedelta(hours=5), opened_at=now - timedelta(days=3), criticity=2)
    set_case(b, qualification_due_at=None, waiting_since=now, opened_at=now - timedelta(days=1))
    set_case(c, qualification_due_at=now - timedelta(hours=1), opened_at=now - timedelta(days=2), criticity=4)
    client = world.client("analyst")
    ref_a, ref_b, ref_c = a.reference, b.reference, c.reference
    assert shown(client.get(queue_url())) == [ref_c, ref_a, ref_b]  # due date, nothing due last
    assert shown(client.get(queue_url("sort=opened"))) == [ref_a, ref_c, ref_b]
    assert shown(client.get(queue_url("sort=recent"))) == [ref_b, ref_c, ref_a]
    assert shown(client.get(queue_url("sort=criticity"))) == [ref_c, ref_a, ref_b]
    response = client.get(queue_url())
    assert response.context["counters"] == {"open": 3, "new": 3, "overdue": 1, "waiting": 1, "unassigned": 3}
    set_case(c, state=CaseState.CLOSED)
    assert case_queue_counters(user=world.personas["analyst"])["overdue"] == 0


def test_pagination_keeps_the_filters(world):
    structure = world.structure_a
    author = world.personas["declarant_a"]
    now = timezone.now()
    declarations = Declaration.objects.bulk_create(
        [
            Declaration(reference=f"ACSS-2025-{i:06d}", structure=structure, created_by=author, submitted_at=now)
            for i in range(QUEUE_PAGE_SIZE + 5)
        ]
    )
    Case.objects.bulk_create([Case(declaration=d, opened_at=now) for d in declarations])
    response = world.client("analyst").get(queue_url("region=11&sort=opened"))
    assert len(response.context["rows"]) == QUEUE_PAGE_SIZE
    assert "?region=11&amp;sort=opened&amp;page=2" in response.content.decode()
    second = world.client("analyst").get(queue_url("region=11&sort=opened&page=2"))
    assert len(second.context["rows"]) == 7  # 55 + A and C (Île-de-France too), 50 a page


# --------------------------------------------------------------------------------------------------
# Bulk actions
# --------------------------------------------------------------------------------------------------


def test_bulk_assign_goes_through_the_service_and_keeps_the_filters(world):
    second = make_user("second@acss.test", (org(kind=OrganisationKind.ACSS), Role.ANALYST))
    client = world.client("analyst")
    ids = [world.decl_a.case.pk, world.decl_c.case.pk]
    before = AuditEvent.objects.filter(action="case.assigned").count()
    response = client.post(queue_url("region=11&sort=opened"), {"action": "assign", "analyst": second.pk, "cases": ids})
    assert response.status_code == 302
    assert response.url == queue_url("region=11&sort=opened")
    assert set(Case.objects.filter(assigned_to=second).values_list("pk", flat=True)) == set(ids)
    assert AuditEvent.objects.filter(action="case.assigned").count() == before + 2
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 dossiers assignés."]
    # Unassign.
    client.post(queue_url(), {"action": "assign", "analyst": "none", "cases": ids[:1]})
    assert Case.objects.get(pk=ids[0]).assigned_to is None


def test_bulk_question_pauses_each_clock(world):
    client = world.client("analyst")
    ids = [world.decl_a.case.pk, world.decl_b.case.pk]
    response = client.post(queue_url(), {"action": "question", "body": "Avez-vous porté plainte ?", "cases": ids})
    assert response.status_code == 302
    questions = Message.objects.filter(kind=MessageKind.QUESTION, body="Avez-vous porté plainte ?")
    assert {q.declaration_id for q in questions} == {world.decl_a.pk, world.decl_b.pk}
    assert Case.objects.filter(pk__in=ids, waiting_since__isnull=False).count() == 2
    assert Case.objects.get(pk=world.decl_c.case.pk).waiting_since is None
    assert AuditEvent.objects.filter(action="case.question").count() == 2
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Question envoyée à 2 structures."]


def test_bulk_merge_reports_refusals_per_row(world):
    duplicate = declaration_of_same_structure(world.decl_a, number=1)
    closed = declaration_of_same_structure(world.decl_a, number=2)
    set_case(closed, state=CaseState.CLOSED)
    client = world.client("analyst")
    ids = [world.decl_a.case.pk, duplicate.case.pk, closed.case.pk, world.decl_b.case.pk]
    response = client.post(
        queue_url("state=all"), {"action": "merge", "into": world.decl_a.reference.lower(), "cases": ids}
    )
    assert response.status_code == 302 and response.url == queue_url("state=all")
    merged = Case.objects.get(pk=duplicate.case.pk)
    assert merged.state == CaseState.DUPLICATE and merged.merged_into_id == world.decl_a.pk
    assert Case.objects.get(pk=world.decl_a.case.pk).state == CaseState.NEW
    assert Case.objects.get(pk=closed.case.pk).state == CaseState.CLOSED
    assert Case.objects.get(pk=world.decl_b.case.pk).state == CaseState.NEW  # another structure: never merged
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts[0] == "1 dossier clos comme doublon."
    assert f"{world.decl_a.reference} : Une déclaration ne peut pas être le doublon d'elle-même." in texts
    assert any(t.startswith(f"{closed.reference} : Passage impossible de ") for t in texts)
    assert any(t.startswith(f"{world.decl_b.reference} : ") and "autre structure" in t for t in texts)
    assert AuditEvent.objects.filter(action="case.transition", data__to="duplicate").count() == 1


def test_bulk_form_errors_are_shown_in_french_and_nothing_is_done(world):
    client = world.client("analyst")
    response = client.post(queue_url(), {"action": "assign", "analyst": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cochez au moins un dossier." in html
    assert "Choisissez l&#x27;analyste à qui assigner les dossiers." in html
    response = client.post(
        queue_url(), {"action": "merge", "into": "ACSS-2099-999999", "cases": [world.decl_b.case.pk]}
    )
    assert "Aucune déclaration ne porte la référence « ACSS-2099-999999 »." in response.content.decode()
    assert response.context["selected"] == {world.decl_b.case.pk}  # the ticked boxes stay ticked
    response = client.post(queue_url(), {"action": "question", "body": "  ", "cases": [world.decl_b.case.pk]})
    assert "Écrivez la question à envoyer aux structures." in response.content.decode()
    assert not Message.objects.exists()
    assert not Case.objects.exclude(state=CaseState.NEW).exists()


def test_bulk_actions_need_the_csrf_token(world):
    client = login(Client(enforce_csrf_checks=True), world.personas["analyst"])
    response = client.post(queue_url(), {"action": "assign", "analyst": "none", "cases": [world.decl_a.case.pk]})
    assert response.status_code == 403


def test_unknown_case_ids_are_reported(world):
    response = world.client("analyst").post(
        queue_url(), {"action": "assign", "analyst": "none", "cases": [world.decl_a.case.pk, 987654]}
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts == ["1 dossier assigné.", "1 dossier(s) introuvable(s) : ils ont été ignorés."]


# --------------------------------------------------------------------------------------------------
# ARS board
# --------------------------------------------------------------------------------------------------


def update(declaration, situation: str, at: datetime) -> SituationUpdate:
    return SituationUpdate.objects.create(
        declaration=declaration, situation=situation, effective_at=at, author=declaration.created_by, created_at=at
    )


def test_the_board_shows_the_region_and_its_counters(world):
    ref_a, ref_b, ref_c = world.decl_a.reference, world.decl_b.reference, world.decl_c.reference
    assert board_shown(world.client("ars_idf").get(board_url())) == {ref_a, ref_c}
    assert board_shown(world.client("ars_idf").get(board_url("region=44"))) == {ref_a, ref_c}  # not its region: ignored
    assert board_shown(world.client("ars_other").get(board_url())) == set()
    assert board_shown(world.client("analyst").get(board_url())) == {ref_a, ref_b, ref_c}
    assert board_shown(world.client("analyst").get(board_url("region=44"))) == {ref_b}
    set_case(world.decl_c, state=CaseState.CLOSED)
    response = world.client("ars_idf").get(board_url())
    assert board_shown(response) == {ref_a}
    assert board_shown(world.client("ars_idf").get(board_url("state=all"))) == {ref_a, ref_c}
    counters = response.context["counters"]
    assert (counters["open"], counters["state_new"], counters["state_closed"], counters["waiting"]) == (1, 1, 1, 0)
    html = response.content.decode()
    assert "Structures en mode dégradé ou soins interrompus en ce moment" in html
    assert html.index("Structures en mode dégradé") < html.index("Déclarations par état")


def test_the_board_lists_structures_degraded_or_interrupted_now(world):
    t0 = datetime(2026, 11, 20, 4, 0, tzinfo=PARIS)
    a, c = world.decl_a, world.decl_c
    update(a, "degraded", t0)
    update(a, "degraded", t0 + timedelta(hours=2))  # still degraded: since the first one
    Declaration.objects.filter(pk=c.pk).update(functioning="interrupted", occurred_at=t0 - timedelta(hours=1))
    client = world.client("ars_idf")
    degraded = client.get(board_url()).context["degraded"]
    assert [(e.structure.pk, e.situation, e.since) for e in degraded] == [
        (world.structure_c.pk, "interrupted", t0 - timedelta(hours=1)),  # interrupted first
        (world.structure_a.pk, "degraded", t0),
    ]
    html = client.get(board_url()).content.decode()
    assert "Soins interrompus" in html and "Mode dégradé" in html
    # A worse update: interrupted since then.
    update(a, "interrupted", t0 + timedelta(hours=5))
    entry = next(e for e in client.get(board_url()).context["degraded"] if e.structure.pk == world.structure_a.pk)
    assert (entry.situation, entry.since) == ("interrupted", t0 + timedelta(hours=5))
    # Back to normal, and a closed case, leave the list.
    update(a, "normal", t0 + timedelta(hours=8))
    set_case(c, state=CaseState.CLOSED)
    assert client.get(board_url()).context["degraded"] == []
    # Another region's structure is never shown to this ARS.
    update(world.decl_b, "interrupted", t0)
    assert client.get(board_url()).context["degraded"] == []
    assert [e.structure.pk for e in world.client("analyst").get(board_url()).context["degraded"]] == [
        world.structure_b.pk
    ]


# --------------------------------------------------------------------------------------------------
# 10,000 declarations
# --------------------------------------------------------------------------------------------------

DEPARTEMENTS = ["75", "92", "77", "67", "57", "13", "69", "31", "33", "59", "35", "974", "971", "2A"]
TYPES = ["es-public", "es-prive", "medico-social", "lbm", "clcc"]
STATES = list(CaseState)


def spread_structures(count: int = 14) -> list:
    return [
        make_structure(
            f"Structure {i}", DEPARTEMENTS[i % len(DEPARTEMENTS)], f"{9_100_000 + i:07d}", TYPES[i % len(TYPES)]
        )
        for i in range(count)
    ]


def populate(
    count: int, *, start: int, structures: list, author, analysts: list, target: Declaration, now, seed: int
) -> None:
    """``count`` declarations with their cases, random but seeded: states, criticities, due dates, waiting."""
    rng = random.Random(seed)
    categories = [*IncidentCategory.objects.values_list("code", flat=True), None]
    declarations = Declaration.objects.bulk_create(
        [
            Declaration(
                reference=f"ACSS-2025-{start + i:06d}",
                structure=rng.choice(structures),
                created_by=author,
                submitted_at=now - timedelta(minutes=rng.randint(0, 90 * 24 * 60)),
                title=rng.choice(["Rançongiciel", "Messagerie compromise", "Panne du DPI", ""]) + f" n° {start + i}",
                alert_summary=rng.choice(["", "Écrans bloqués", "Courriels suspects"]),
                category_id=rng.choice(categories),
            )
            for i in range(count)
        ],
        batch_size=1000,
    )
    cases = []
    for d in declarations:
        state = rng.choice(STATES)
        qualified = state in (CaseState.QUALIFIED, CaseState.ACCOMPANIMENT, CaseState.CLOSED) or rng.random() < 0.05
        waiting = state in OPEN_STATES and rng.random() < 0.15
        due = None
        if not waiting and rng.random() < 0.9:
            # Whole hours only, so that many cases share a deadline and the tie-break matters.
            due = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=rng.randint(-72, 72))
        cases.append(
            Case(
                declaration=d,
                state=state,
                opened_at=d.submitted_at,
                provisional_criticity=rng.randint(1, 4),
                criticity=rng.randint(1, 4) if qualified else None,
                qualified_at=d.submitted_at + timedelta(hours=1) if qualified else None,
                qualification_due_at=due,
                waiting_since=now - timedelta(hours=rng.randint(1, 48)) if waiting else None,
                paused_remaining=timedelta(hours=2) if waiting else None,
                assigned_to=rng.choice(analysts),
                merged_into=target if state == CaseState.DUPLICATE else None,
            )
        )
    Case.objects.bulk_create(cases, batch_size=1000)


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["rows"], url  # with no row at all, the page would skip the rows' query
    return len(captured.captured_queries)


QUERY_URLS = [
    "",
    "state=all&sort=criticity&page=2",
    "state=all&sort=opened&page=999",
    "q=structure&overdue=on&analyst=me&state=all",
    "region=11&structure_type=es-public&criticity=1&opened_from=2026-01-01&waiting=",
]


def test_queue_10000_declarations_constant_number_of_queries(world, django_assert_max_num_queries):
    now = timezone.now()
    structures = spread_structures()
    analysts = [world.personas["analyst"], None]
    args = {"structures": structures, "author": world.personas["declarant_a"], "analysts": analysts, "now": now}
    populate(97, start=0, target=world.decl_a, seed=1, **args)
    assert Case.objects.count() == 100
    client = world.client("analyst")
    client.get(queue_url())  # warm-up: the session, the content types
    with_100 = {url: count_queries(client, queue_url(url)) for url in QUERY_URLS}

    populate(9_900, start=100, target=world.decl_a, seed=2, **args)
    assert Case.objects.count() == 10_000
    most = max(with_100.values())
    for url in QUERY_URLS:
        with django_assert_max_num_queries(most):
            with_10000 = count_queries(client, queue_url(url))
        assert with_10000 == with_100[url], url
    response = client.get(queue_url("state=all"))
    assert response.context["page"].paginator.count == 10_000
    assert len(response.context["rows"]) == QUEUE_PAGE_SIZE


def _due(state, qualified_at, qualification_due_at):
    return qualification_due_at if state in OPEN_STATES and qualified_at is None else None


def _through_every_page(qs) -> list[int]:
    first = queue_page(qs, 1)
    pks = [d.pk for d in first.object_list]
    for number in range(2, first.paginator.num_pages + 1):
        pks.extend(d.pk for d in queue_page(qs, number).object_list)
    return pks


def test_queue_10000_declarations_due_order_and_overdue_filter_match_brute_force(world):
    now = timezone.now()
    populate(
        9_997,
        start=0,
        structures=spread_structures(),
        author=world.personas["declarant_a"],
        analysts=[world.personas["analyst"], None],
        target=world.decl_a,
        now=now,
        seed=4,
    )
    analyst = world.personas["analyst"]
    everything = list(
        Case.objects.values_list("declaration_id", "state", "qualified_at", "qualification_due_at", "waiting_since")
    )
    assert len(everything) == 10_000
    open_rows = [(pk, _due(state, q, due)) for pk, state, q, due, _ in everything if state in OPEN_STATES]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)

    def by_due(rows):
        return [pk for pk, due in sorted(rows, key=lambda r: (r[1] is None, r[1] or epoch, r[0]))]

    # Sort by due date (the default), open states (the default), every page.
    expected = by_due(open_rows)
    got = _through_every_page(case_queue(user=analyst, filters={}, now=now))
    assert len(got) == len(expected) > 4_000
    assert got == expected

    # Overdue only: open, not qualified, deadline passed.
    overdue = [(pk, due) for pk, due in open_rows if due is not None and due < now]
    got = _through_every_page(case_queue(user=analyst, filters={"overdue": True}, now=now))
    assert got == by_due(overdue)
    assert len(got) > 1_000
    assert case_queue_counters(user=analyst, now=now)["overdue"] == len(overdue)
    # Every state and overdue: the same set (a closed case is never overdue).
    assert set(_through_every_page(case_queue(user=analyst, filters={"overdue": True, "state": "all"}, now=now))) == {
        pk for pk, _ in overdue
    }
    waiting = sum(1 for _, state, _, _, w in everything if state in OPEN_STATES and w is not None)
    assert case_queue_counters(user=analyst, now=now)["waiting"] == waiting


def test_the_board_runs_a_constant_number_of_queries(world, django_assert_max_num_queries):
    now = timezone.now()
    structures = [world.structure_a, world.structure_c]
    client = world.client("ars_idf")
    client.get(board_url())  # warm-up

    def grow(count: int, start: int, ceiling: int = 50) -> int:
        populate(
            count,
            start=start,
            structures=structures,
            author=world.personas["declarant_a"],
            analysts=[None],
            target=world.decl_a,
            now=now,
            seed=start,
        )
        for i, declaration in enumerate(Declaration.objects.filter(structure__in=structures, situation_updates=None)):
            update(declaration, ["degraded", "interrupted", "normal"][i % 3], now - timedelta(hours=i % 7 + 1))
            update(declaration, ["degraded", "interrupted"][i % 2], now - timedelta(hours=i % 5, minutes=1))
        with django_assert_max_num_queries(ceiling) as captured:
            response = client.get(board_url())
        assert len(response.context["degraded"]) == 2
        assert response.context["page"].object_list
        return len(captured.captured_queries)

    few = grow(5, 0)
    assert grow(150, 100, ceiling=few) == few
