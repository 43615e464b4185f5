"""The software version written into each published year: ``ACSS_VERSION`` from the environment when the
deployment sets it (for instance the tag it was built from), else the project's version in pyproject.toml
followed by the commit when the checkout is a git repository (``git describe --always --dirty``)."""

from __future__ import annotations

import functools
import subprocess
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


@functools.cache
def software_version() -> str:
    configured = getattr(settings, "ACSS_VERSION", "")
    if configured:
        return configured
    try:
        version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        version = "inconnue"
    try:
        described = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "describe", "--always", "--dirty"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = ""
    return f"{version}+{described}" if described else version
