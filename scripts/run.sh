#!/usr/bin/env bash
# Sets everything up and runs the platform on its embedded defaults: SQLite, a task worker, demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh requirements.txt
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://$HOST:$PORT}"
python manage.py migrate --noinput -v0
python manage.py load_demo
python manage.py db_worker --queue-name '*' >var/worker.log 2>&1 &
WORKER=$!
python manage.py acss_scheduler >var/scheduler.log 2>&1 &
SCHEDULER=$!
trap 'kill $WORKER $SCHEDULER 2>/dev/null || true' EXIT INT TERM
echo
echo "ACSS est lancée : $SITE_URL/"
echo "Tâches de fond : journaux dans var/worker.log et var/scheduler.log (rappels, relances) ; courriels de développement : un fichier par message dans var/mail/"
echo "Arrêt : Ctrl+C"
python manage.py runserver "$HOST:$PORT" --noreload
