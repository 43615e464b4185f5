#!/usr/bin/env bash
# Sets everything up and runs the whole suite (lint, then tests). Uses DATABASE_URL when set
# (PostgreSQL), SQLite otherwise. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh requirements-dev.txt
ruff check .
ruff format --check .
lint-imports --no-cache  # the layers of pyproject.toml: no application imports from a layer above it
python manage.py makemigrations --check --dry-run -v0 || { echo "Migrations manquantes : lancez makemigrations." >&2; exit 1; }
python -m pytest "$@"
