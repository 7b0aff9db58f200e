"""Settings for kam, read from environment variables (see the README for the list)."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url

from kam.settings.env import env_bool, env_int, env_list, env_str, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("KAM_DATA_DIR", str(Path.cwd() / "var"))).resolve()

SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("KAM_DEBUG", False)
ALLOWED_HOSTS = env_list("KAM_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("KAM_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "kam.core",
    "kam.users",
    "kam.accounts",
    "kam.cockpit",
    "kam.complaints",
    "kam.activities",
    "kam.sales",
    "kam.analysis",
    "kam.demo",
    "kam.notifications",
    "kam.campaigns",
    "kam.conditions",
    "kam.referrals",
    "kam.search",
    "kam.lists",
    "kam.profitability",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "axes",
]

MIDDLEWARE = [
    "kam.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kam.core.middleware.SessionLimitsMiddleware",
    "kam.core.middleware.UserLanguageMiddleware",
    "kam.core.middleware.AuditSourceMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kam.urls"
WSGI_APPLICATION = "kam.wsgi.application"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kam.core.context_processors.navigation",
                "kam.core.context_processors.permissions",
            ],
        },
    },
]


def _postgres_options(config: dict[str, Any]) -> dict[str, Any]:
    """No JIT compilation unless KAM_DB_JIT=on: kam's statements are short, and a visibility
    scope's recursive query is estimated so large that PostgreSQL compiles it on every page,
    which costs seconds (the global search took 2.9 s instead of 0.1)."""
    if "postgres" in config.get("ENGINE", "") and not env_bool("KAM_DB_JIT", False):
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


def database_settings() -> dict[str, Any]:
    url = env_str("DATABASE_URL")
    if url:
        if env_bool("KAM_DB_POOL", False):
            # Django's psycopg connection pool (needs psycopg-pool); it replaces persistent
            # connections, which must then be off.
            config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
            config["OPTIONS"] = {**config.get("OPTIONS", {}), "pool": True}
            return _postgres_options(config)
        max_age = env_int("KAM_DB_CONN_MAX_AGE", 60)
        return _postgres_options(dict(dj_database_url.parse(url, conn_max_age=max_age)))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "kam.sqlite3",
        # WAL lets the web server read while the worker writes; IMMEDIATE transactions take
        # the write lock up front so two writers queue instead of failing with "locked".
        "OPTIONS": {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
    }


DATABASES = {"default": database_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 hashes new passwords; a PBKDF2 hash of an existing user is rehashed at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Login throttling (django-axes): KAM_LOGIN_FAILURE_LIMIT wrong passwords for one username, or
# from one client address, lock logins for that username or address for KAM_LOGIN_COOLOFF_MINUTES
# (a cool-off, never a permanent lock: nobody can lock a colleague out for longer than that).
# Every failed attempt is logged (AccessFailureLog, in the admin). Failures during the lockout do
# not extend it. Behind a reverse proxy, KAM_CLIENT_IP_HEADER names the header with the address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("KAM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("KAM_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "kam.core.login.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "kam.core.http.client_address"
AXES_VERBOSE = False
KAM_CLIENT_IP_HEADER = env_str("KAM_CLIENT_IP_HEADER", "")

# Sessions end after KAM_SESSION_IDLE_MINUTES without a request and at the latest
# KAM_SESSION_MAX_HOURS after the login (kam.core.middleware.SessionLimitsMiddleware).
KAM_SESSION_IDLE_MINUTES = env_int("KAM_SESSION_IDLE_MINUTES", 30)
KAM_SESSION_MAX_HOURS = env_int("KAM_SESSION_MAX_HOURS", 10)
SESSION_COOKIE_AGE = KAM_SESSION_MAX_HOURS * 3600

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS: list[Path] = []  # each app keeps its catalogue in kam/<app>/locale
TIME_ZONE = env_str("KAM_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True
# Off: ids in URLs and data attributes must never read "1.447"; money and other figures
# are grouped explicitly by the kam template filters (force_grouping).
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

TASKS = {
    "default": {
        "BACKEND": env_str("KAM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Without a mail server configured, mails are written as files into the data directory
# (KAM_DATA_DIR/mail), where they can be read, instead of flooding the terminal.
EMAIL_BACKEND = env_str("KAM_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = env_str("KAM_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KAM_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("KAM_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("KAM_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("KAM_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("KAM_EMAIL_FROM", "kam@localhost")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

KAM_COMPANY_CURRENCY = env_str("KAM_CURRENCY", "EUR")
KAM_PAGE_SIZE = env_int("KAM_PAGE_SIZE", 50)
#: Open referrals whose status has not moved for longer than this wait for follow-up.
KAM_REFERRAL_FOLLOW_UP_DAYS = env_int("KAM_REFERRAL_FOLLOW_UP_DAYS", 14)
#: Invoiced unit prices this many percent off the agreed price count as deviations.
KAM_PRICE_TOLERANCE_PERCENT = env_str("KAM_PRICE_TOLERANCE_PERCENT", "1")
KAM_MAX_UPLOAD_MB = env_int("KAM_MAX_UPLOAD_MB", 200)
#: PostgreSQL: the full recomputation of the statements runs in this many parts at once (one
#: range of accounts each, on its own connection); 1: one transaction.
KAM_PROFITABILITY_PARTS = env_int("KAM_PROFITABILITY_PARTS", 2)
#: Largest request body anywhere else (forms, attachments); refused by Content-Length (413).
KAM_MAX_REQUEST_MB = env_int("KAM_MAX_REQUEST_MB", 20)
# Form fields without files (a file goes to a temporary file, not into memory).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The API's limit parameter (above: 422).
NINJA_PAGINATION_MAX_LIMIT = 1000
#: Analysis runs kept besides the last one of every month (see kam.analysis.services.runs_prune).
KAM_ANALYSIS_KEEP_RUNS = env_int("KAM_ANALYSIS_KEEP_RUNS", 30)
#: How long the cockpit keeps its rendered figures of one analysis run (seconds).
KAM_COCKPIT_CACHE_SECONDS = env_int("KAM_COCKPIT_CACHE_SECONDS", 600)
#: Requests a minute that one personal access token may make on the JSON API (429 above).
KAM_API_TOKEN_RATE_PER_MINUTE = env_int("KAM_API_TOKEN_RATE_PER_MINUTE", 600)
#: Invoice dates more than this many days after the import day are refused as implausible.
KAM_IMPORT_MAX_FUTURE_DAYS = env_int("KAM_IMPORT_MAX_FUTURE_DAYS", 31)
CACHES = {
    "default": {
        # Files in the data directory: shared by every web process on the machine, no server.
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}
#: The address users reach kam at, for links in mails (e.g. https://kam.example.com).
KAM_BASE_URL = env_str("KAM_BASE_URL", "")
#: Campaign mails per second and worker (0: as fast as the mail server takes them).
KAM_MAIL_RATE_PER_SECOND = env_int("KAM_MAIL_RATE_PER_SECOND", 50)
#: Mailings to more recipients than this need the approval of sales leadership.
KAM_MAILING_APPROVAL_ABOVE = env_int("KAM_MAILING_APPROVAL_ABOVE", 200)
#: Contact persons of accounts without any contact for this many months are proposed for erasure.
KAM_RETENTION_MONTHS = env_int("KAM_RETENTION_MONTHS", 36)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KAM_LOG_LEVEL", "INFO")},
}


# Content-Security-Policy (django-csp): scripts and styles only from kam's own static files, no
# inline script, no eval (htmx runs with allowEval off and without hx-on attributes, see base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # ECharts writes its tooltip as HTML whose colour markers and layout are style attributes;
        # style attributes (not <style> elements, not scripts) are the only inline content allowed.
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
