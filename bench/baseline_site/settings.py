"""Settings of the bench-only baseline site.

Nothing but the database follows ACSS: DATABASE_URL, DB_CONN_MAX_AGE and the SQLite options are read and applied
as config/settings.py does, so the baseline runs on the same engine, set up the same way, as the ACSS benchmarks.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url

from bench.database import SQLITE_OPTIONS

SECRET_KEY = "bench-baseline-site-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = ["bench.baseline_site.app"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.baseline_site.urls"
WSGI_APPLICATION = "bench.baseline_site.wsgi.application"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_DEFAULT_DB = Path(tempfile.gettempdir()) / "acss-bench-baseline.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{_DEFAULT_DB}"),
        conn_max_age=int(os.getenv("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)

# With DEBUG off, Django sends request errors to the (absent) admins only: show them in the gunicorn log instead.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
