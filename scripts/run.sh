#!/usr/bin/env bash
# Sets everything up and runs the demonstration: SQLite, a task worker, demo data. It runs as production
# does (DEBUG off: French error pages, static files collected and served by WhiteNoise), over plain HTTP
# on this machine, with ACSS_DEMO=1 (demo data and codes allowed, secret key generated in var/, e-mails
# written to var/mail/). DEBUG=1 ./scripts/run.sh brings Django's technical pages back for development.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh requirements.txt
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://$HOST:$PORT}"
export DEBUG="${DEBUG:-0}"
export ACSS_DEMO=1
# The host of the address printed below is always accepted.
SITE_HOST="${SITE_URL#*://}"
SITE_HOST="${SITE_HOST%%/*}"
case "$SITE_HOST" in
  *\]) ;;              # [::1] without a port
  *:*) SITE_HOST="${SITE_HOST%:*}" ;;
esac
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-localhost,127.0.0.1,[::1]},$SITE_HOST"
python manage.py migrate --noinput -v0
python manage.py collectstatic --noinput -v0
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
