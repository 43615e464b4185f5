"""Security baseline: strict CSP with nonces, headers, deploy settings."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "portal:home",
    "core:legal_notice",
    "core:personal_data",
    "core:accessibility",
    "core:contact",
    "accounts:login",
    "accounts:register",
    "accounts:password_reset",
]


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("route", PAGES)
def test_pages_carry_a_strict_csp_without_unsafe_inline(client, db, route):
    response = client.get(reverse(route))
    assert response.status_code == 200
    csp = csp_directives(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["style-src"] == ["'self'"]
    nonces = [s for s in csp["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the DSFR scripts are on every page"
    assert all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
    assert not re.search(r"\son[a-z]+\s*=", html), "no inline event handler"
    assert not re.search(r"\sstyle\s*=", html), "no inline style attribute"


def test_the_nonce_changes_on_every_response(client, db):
    first = client.get("/")["Content-Security-Policy"]
    second = client.get("/")["Content-Security-Policy"]
    assert first != second


def test_usual_security_headers(client, db):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_behind_login_are_never_cached(world):
    response = world.client("declarant_a").get(reverse("incidents:list"))
    assert "no-store" in response["Cache-Control"]


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-" + "y" * 20,
        "ALLOWED_HOSTS": "acss.example.fr",
        "SITE_URL": "https://acss.example.fr",
        "ACSS_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    env.pop("ACSS_DEMO", None)  # production: not the demonstration
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    """Only the demonstration (ACSS_DEMO=1) generates a key of its own."""
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "ACSS_VAR_DIR": str(tmp_path)}
    env.pop("ACSS_DEMO", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert not (tmp_path / "demo-secret-key").exists()
