"""The demonstration runs with DEBUG off (ACSS_DEMO=1): demo commands allowed, HTTP settings, its own key."""

import json
import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from acss.accounts.models import User

ROOT = Path(__file__).resolve().parent.parent
ANALYST = "analyste@acss.demo.example.fr"


def test_demo_commands_run_with_debug_off_in_demo_mode(db, settings):
    from acss.accounts.demo import demo_totp_code

    settings.DEBUG, settings.ACSS_DEMO = False, True
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Données de démonstration chargées" in out.getvalue()
    assert User.objects.filter(email=ANALYST).exists()
    code = StringIO()
    call_command("demo_totp", ANALYST, stdout=code)
    assert code.getvalue().strip() == demo_totp_code(ANALYST)


def test_demo_commands_refuse_with_neither_debug_nor_demo(db, settings):
    settings.DEBUG, settings.ACSS_DEMO = False, False
    with pytest.raises(CommandError, match="Refus"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.filter(email=ANALYST).exists()
    with pytest.raises(CommandError, match="Refus"):
        call_command("demo_totp", ANALYST, stdout=StringIO())


SHOW_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "key": settings.SECRET_KEY,
    "debug": settings.DEBUG,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "hsts": settings.SECURE_HSTS_SECONDS,
    "email": settings.EMAIL_BACKEND,
}))
"""


def demo_settings(var_dir: Path) -> dict:
    env = {**os.environ, "DEBUG": "0", "ACSS_DEMO": "1", "ACSS_VAR_DIR": str(var_dir)}
    for name in ("SECRET_KEY", "SECRET_KEY_FILE", "EMAIL_BACKEND", "SECURE_SSL_REDIRECT"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_demo_has_its_own_secret_key_and_runs_over_http(tmp_path):
    first = demo_settings(tmp_path)
    assert first["debug"] is False
    assert len(first["key"]) >= 50 and "insecure" not in first["key"]
    key_file = tmp_path / "demo-secret-key"
    assert key_file.read_text().strip() == first["key"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert demo_settings(tmp_path)["key"] == first["key"], "the same key from one start to the next"
    # Plain HTTP on one machine: no redirect to HTTPS, no Secure-only cookies, no HSTS; e-mails to files.
    assert first["ssl_redirect"] is False
    assert first["cookies_secure"] == [False, False]
    assert first["hsts"] == 0
    assert first["email"] == "django.core.mail.backends.filebased.EmailBackend"
