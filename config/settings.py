"""ACSS settings, read from the environment (see docs/architecture.md).

Every value has an embedded default that runs the platform on one machine with SQLite;
production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and the e-mail variables.
The demonstration (scripts/run.sh) runs with DEBUG=0 and ACSS_DEMO=1: production pages and static
files, over plain HTTP on one machine, with a generated secret key and e-mails written to files.
"""

import os
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("ACSS_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envsecret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/systemd credentials)."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.getenv(name, default)


def demo_secret_key() -> str:
    """The demonstration's own secret key: generated once per checkout, kept in var/ (never committed)."""
    import secrets

    path = VAR_DIR / "demo-secret-key"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = envbool("DEBUG", "1")
# The demonstration: demo data and demo codes allowed with DEBUG off, plain HTTP, e-mails to files.
ACSS_DEMO = envbool("ACSS_DEMO", "0")
SECRET_KEY = envsecret("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY and ACSS_DEMO:
    SECRET_KEY = demo_secret_key()
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
# Production serves HTTPS only; development and the demonstration run on plain HTTP on one machine.
HTTPS_ONLY = not (DEBUG or ACSS_DEMO)
ALLOWED_HOSTS = os.getenv("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [o for o in os.getenv("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "dsfr",
    "widget_tweaks",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "acss.core",
    "acss.accounts",
    "acss.reflexes",
    "acss.subscriptions",
    "acss.incidents",
    # the migration history of the applications the incident was split into (acss/incidents/former)
    "acss.incidents.former.declarations",
    "acss.incidents.former.cases",
    "acss.veille",
    "acss.accompaniment",
    "acss.observables",
    "acss.providers",
    "acss.observatory",
    "acss.inventories",
    "acss.alerts",
    "acss.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "acss.core.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "acss.accounts.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "acss.core.context_processors.platform",
                "acss.portal.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{VAR_DIR / 'acss.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", "0"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the task worker write side by side.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
PASSWORD_RESET_TIMEOUT = 3600

# Lock-out after repeated failures (django-axes): per account and address.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", "15") / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

OTP_TOTP_ISSUER = "ACSS"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploads live outside the web root and are only ever served by a view, as attachments.
MEDIA_ROOT = Path(os.getenv("ACSS_UPLOAD_DIR", VAR_DIR / "uploads"))
MEDIA_URL = ""  # no public URL: uploads are served only by a view, as attachments

# Background tasks (django-tasks, database backend; see docs/architecture.md).
TASKS = {
    "default": {
        "BACKEND": os.getenv("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "mail"],
    }
}

# E-mail: in development, every message is a file under var/mail/ (see README).
EMAIL_BACKEND = os.getenv(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG or ACSS_DEMO
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = Path(os.getenv("EMAIL_FILE_PATH", VAR_DIR / "mail"))
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "0")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "ACSS <ne-pas-repondre@acss.example.fr>")
ACSS_CONTACT_EMAIL = os.getenv("ACSS_CONTACT_EMAIL", "cert@acss.example.fr")
ACSS_HOTLINE = os.getenv("ACSS_HOTLINE", "+33 1 00 00 00 00")
# Every notification carries a fixed Message-ID under this domain (the sender's by default), so that a second
# sending after a crash is recognisable as the same message.
ACSS_MESSAGE_ID_DOMAIN = os.getenv("ACSS_MESSAGE_ID_DOMAIN", "") or (
    parseaddr(DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "acss.example.fr"
)
# A blocked SMTP connection must not outlive a notification's lease (seconds).
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "60")

# Leases (docs/decisions.md, 2026-11-30): work left in flight by a worker that died is taken up again by the
# scheduler once its lease has expired. A notification "sending" for longer than its lease is sent again (same
# Message-ID); a task RUNNING for longer than its lease is put back in the queue, at most ACSS_TASK_MAX_CLAIMS times.
ACSS_NOTIFICATION_LEASE_SECONDS = envint("ACSS_NOTIFICATION_LEASE_SECONDS", str(5 * 60))
ACSS_TASK_LEASE_SECONDS = envint("ACSS_TASK_LEASE_SECONDS", str(30 * 60))
ACSS_TASK_LEASES = {
    # Longer than the import's own stale-run limit (acss.veille.tasks.STALE_AFTER, 6 hours).
    "acss.veille.tasks.veille_import_sources": envint("ACSS_VEILLE_TASK_LEASE_SECONDS", str(7 * 3600)),
}
ACSS_TASK_MAX_CLAIMS = envint("ACSS_TASK_MAX_CLAIMS", "5")

# On-call alerts: re-sent when not acknowledged within ACSS_ONCALL_ACK_MINUTES, then sent to the on-call point's
# deputy address ACSS_ONCALL_DEPUTY_MINUTES after the reminder.
ACSS_ONCALL_ACK_MINUTES = envint("ACSS_ONCALL_ACK_MINUTES", "15")
ACSS_ONCALL_DEPUTY_MINUTES = envint("ACSS_ONCALL_DEPUTY_MINUTES", "15")

# The data protection officer of the controller (personal data page).
ACSS_DPO_EMAIL = os.getenv("ACSS_DPO_EMAIL", "dpo@esante.gouv.fr")

# Security headers. HTTPS settings follow HTTPS_ONLY so that `check --deploy` is clean in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(8 * 3600))
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "1" if HTTPS_ONLY else "0")
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)) if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
if os.getenv("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"], "https")
CSRF_FAILURE_VIEW = "acss.core.views.csrf_failure"

# Strict Content-Security-Policy: scripts only from us with a per-response nonce, no inline
# handler, no inline style attribute; django-dsfr templates that carry either are overridden.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # A JSON body is an object or a French 400 (acss/core/api.py); errors not tied to a field go under "__all__",
    # as in the forms; a 404 never tells why.
    "DEFAULT_PARSER_CLASSES": ["acss.core.api.JSONObjectParser"],
    "NON_FIELD_ERRORS_KEY": "__all__",
    "EXCEPTION_HANDLER": "acss.core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "acss.core.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ACSS API",
    "DESCRIPTION": "API de déclaration et de suivi des incidents de sécurité des structures de santé.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

ADMIN_URL = os.getenv("ADMIN_URL", "admin/")
DSFR_MARK_OPTIONAL_FIELDS = False  # required fields get the DSFR "*"; optional labels say "(facultatif)" themselves
STATICFILES_DIRS = [BASE_DIR / "static"]
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = ["rest_framework.permissions.AllowAny"]
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# The ACSS cell's opening hours, Europe/Paris, business days (acss/core/calendars.py).
ACSS_CELL_OPENING = os.getenv("ACSS_CELL_OPENING", "09:00")
ACSS_CELL_CLOSING = os.getenv("ACSS_CELL_CLOSING", "18:00")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "SituationEnum": "acss.incidents.models.Situation",
    "ScopeEnum": "acss.incidents.models.Scope",
    "HandlingStateEnum": "acss.incidents.models.HandlingState",
    "PatientSafetyEnum": "acss.incidents.models.PatientSafety",
    "OriginEnum": "acss.incidents.models.Origin",
    "AddendumKindEnum": "acss.incidents.api.declarations.ADDENDUM_KINDS",
    "MessageKindEnum": "acss.incidents.models.MessageKind",
    "YesNoUnknownEnum": "acss.incidents.forms.filings.YES_NO_UNKNOWN",
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "EntryKindEnum": "acss.accompaniment.models.EntryKind",
        "MissionKindEnum": "acss.accompaniment.models.MissionKind",
    }
)
# The watch's sources, imported daily by acss.veille.tasks.veille_import_sources: paths or http(s) URLs, comma-separated.
ACSS_VEILLE_SOURCES = [s.strip() for s in os.getenv("ACSS_VEILLE_SOURCES", "").split(",") if s.strip()]
DSFR_USE_INTEGRITY_CHECKSUMS = (
    False  # collectstatic (manifest storage) rewrites the CSS: the packaged hashes no longer match
)
