# Sourced by run.sh and test.sh: a virtual environment with the project's requirements, reinstalled
# only when a requirements file changes. Needs Python >= 3.11 as python3 (or PYTHON=...).
set -euo pipefail
PYTHON="${PYTHON:-python3}"
"$PYTHON" - <<'PY' || { echo "ACSS demande Python 3.11 ou plus récent (PYTHON=/chemin/vers/python3.11)." >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
REQ="${1:-requirements.txt}"
STAMP=".venv/.acss-$(basename "$REQ").sha256"
SUM="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
current() { [ -f "$1" ] && [ "$(cat "$1")" = "$SUM" ]; }
# A current development install (requirements-dev.txt includes requirements.txt) serves run.sh as well.
if ! current "$STAMP" && ! current ".venv/.acss-requirements-dev.txt.sha256"; then
  echo "Installation des dépendances ($REQ)…"
  # (the filter drops pip's notes about local package mirrors absent from this machine)
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2> >(grep -v "^WARNING: Location" >&2)
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQ" 2> >(grep -v "^WARNING: Location" >&2)
  echo "$SUM" > "$STAMP"
fi
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p var
