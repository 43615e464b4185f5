"""The cell's message to every structure hit by one provider: 500 victims next to 50.

A timed benchmark (no HTTP): one Django process on a freshly migrated database creates 500 structures, each with
a declaration and its case, and two provider's incidents, one with 50 of them linked and one with all 500. Three
rounds of `acss.providers.services.provider_message_all` to each (interleaved), each counted in queries; each
figure is the best of its runs. The message to 50 is the reference. Targets: the same number of queries for 500
as for 50 (set-based: one INSERT, one audit event), and a cost per victim no higher at 500 than at 50.
"""

from __future__ import annotations

import json

from bench.benchmarks.own_database import OwnDatabase
from bench.benchmarks.submission import SETTINGS
from bench.registry import BenchContext, Benchmark, Measure, TimedResult, register

ROUNDS = 3

SCRIPT = """
import json, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from acss.accounts.models import Membership, Organisation, OrganisationKind, Role, Structure, User
from acss.core.models import Departement, StructureType
from acss.incidents.models import Declaration
from acss.incidents.services.cases import case_open
from acss.providers.services import provider_incident_open, provider_link, provider_message_all

acss = Organisation.objects.get(kind=OrganisationKind.ACSS)
analyst = User.objects.create_user(email="analyste@bench.test", password="x")
Membership.objects.create(user=analyst, organisation=acss, role=Role.ANALYST)
author = User.objects.create_user(email="declarant@bench.test", password="x")
stype = StructureType.objects.get(code="es-public")
deps = list(Departement.objects.order_by("code")[:90])
declarations = []
now = timezone.now()
for i in range(500):
    structure = Structure.objects.create(
        kind=OrganisationKind.STRUCTURE, name=f"Clinique {{i}}", finess_ej=f"B{{i:07d}}1", finess_et=f"B{{i:07d}}2",
        structure_type=stype, departement=deps[i % len(deps)], verification="verified",
    )
    d = Declaration.objects.create(
        reference=f"ACSS-2026-{{i + 1:06d}}", structure=structure, title="Incident", created_by=author,
        submitted_at=now, provider_name="Medisoft", scope="shared_provider",
    )
    case_open(declaration=d)
    declarations.append(d)
small = provider_incident_open(by=analyst, provider_name="Medisoft", title="50")
large = provider_incident_open(by=analyst, provider_name="Medisoft", title="500")
provider_link(by=analyst, parent=small, declarations=declarations[:50])
# a declaration belongs to one parent: the large one takes the 450 others and 50 more of its own below
provider_link(by=analyst, parent=large, declarations=declarations[50:])
extra = []
for i in range(500, 550):
    structure = Structure.objects.create(
        kind=OrganisationKind.STRUCTURE, name=f"Clinique {{i}}", finess_ej=f"B{{i:07d}}1", finess_et=f"B{{i:07d}}2",
        structure_type=stype, departement=deps[i % len(deps)], verification="verified",
    )
    d = Declaration.objects.create(
        reference=f"ACSS-2026-{{i + 1:06d}}", structure=structure, title="Incident", created_by=author,
        submitted_at=now, provider_name="Medisoft",
    )
    case_open(declaration=d)
    extra.append(d)
provider_link(by=analyst, parent=large, declarations=extra)
assert large.links.count() == 500 and small.links.count() == 50


def run(parent):
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        n = provider_message_all(by=analyst, parent=parent, body="Point de situation du prestataire.")
        elapsed = time.perf_counter() - started
    return n, elapsed, len(ctx.captured_queries)


figures = {{"small": [], "large": [], "q_small": 0, "q_large": 0}}
for _ in range({rounds}):
    n, t, q = run(small)
    figures["small"].append(t); figures["q_small"] = q; figures["n_small"] = n
    n, t, q = run(large)
    figures["large"].append(t); figures["q_large"] = q; figures["n_large"] = n
print("BENCH-RESULT " + json.dumps(figures))
"""


DATABASE = OwnDatabase("acss_bench_provider")


def timed(ctx: BenchContext) -> TimedResult:
    out = ctx.django(SETTINGS, "shell", "-c", SCRIPT.format(rounds=ROUNDS), env=DATABASE.env(ctx))
    line = next(line for line in out.splitlines() if line.startswith("BENCH-RESULT "))
    figures = json.loads(line.removeprefix("BENCH-RESULT "))
    small = Measure("message to all, 50 victims", figures["n_small"], min(figures["small"]), "messages", reference=True)
    large = Measure("message to all, 500 victims", figures["n_large"], min(figures["large"]), "messages")
    result = TimedResult([small, large])
    same = figures["q_small"] == figures["q_large"]
    result.notes.append(
        f"queries: {figures['q_small']} for 50 victims, {figures['q_large']} for 500 "
        f"({'constant' if same else 'NOT constant'})"
    )
    result.notes.append(f"cost per victim at 500: {result.ratio(large):.2f}× the cost at 50")
    runs = ", ".join(f"{k} {', '.join(f'{v * 1000:.1f}' for v in figures[k])} ms" for k in ("small", "large"))
    result.notes.append(f"every run: {runs}")
    return result


register(
    Benchmark(
        name="provider-message",
        title="The cell's message to every victim of a provider: 500 victims vs 50",
        description=__doc__.split("\n\n", 1)[1].strip().replace("\n", " "),
        timed=timed,
        prepare=DATABASE.prepare,
        cleanup=DATABASE.cleanup,
    )
)
