"""Settings read from the environment. The embedded default is SQLite in WAL mode under ./var."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

PACKAGE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("GONGZHI_VAR_DIR", Path.cwd() / "var"))

DEBUG = os.environ.get("GONGZHI_DEBUG", "0") == "1"
# The development key is published with the source: `gongzhi serve` refuses to serve with it on any
# address or host name other than this machine's (core/management/commands/serve.py).
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
SECRET_KEY = os.environ.get("GONGZHI_SECRET_KEY") or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = os.environ.get("GONGZHI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("GONGZHI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "ninja",
    "huey.contrib.djhuey",
    "gongzhi.core",
    "gongzhi.places",
    "gongzhi.people",
    "gongzhi.testing",
    "gongzhi.volunteers",
    "gongzhi.supplies",
    "gongzhi.appeals",
    "gongzhi.notices",
    "gongzhi.zones",
    "gongzhi.command",
    "gongzhi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "gongzhi.core.overload.LoadSheddingMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gongzhi.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "gongzhi.core.middleware.RejectNulCharactersMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "gongzhi.config.urls"
WSGI_APPLICATION = "gongzhi.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongzhi.core.navigation.shell",
            ],
        },
    },
]


def _database_from_env(url: str | None = None) -> Any:
    """The database at `url` (DATABASE_URL by default; GONGZHI_REPLICA_URL for the replica)."""
    url = url or os.environ.get("DATABASE_URL")
    if url:
        db = dj_database_url.parse(url, conn_max_age=60)
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "gongzhi.sqlite3")}
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # Kept between requests as on PostgreSQL: opening one and running the PRAGMAs below was a
        # tenth of a household's request (measured by bench/bench_appeals.py --parts http).
        db.setdefault("CONN_MAX_AGE", 60)
        db.setdefault("OPTIONS", {}).update(
            {
                # WAL lets readers run beside the one writer; IMMEDIATE avoids
                # "database is locked" upgrades in the middle of a write transaction.
                # case_sensitive_like lets `code LIKE '510104%'` (every area scope) use the index:
                # SQLite ignores it for LIKE on a BINARY column otherwise and scans the table
                # (measured: a district report scanned a million rows). Codes are digits; the cost is
                # that `contains` searches match ASCII letters case-sensitively on SQLite.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=5000; PRAGMA cache_size=-65536; PRAGMA case_sensitive_like=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
            }
        )
    elif "postgresql" in db["ENGINE"]:
        # No JIT: it compiled a 410-resident lookup for 170 ms to run it for 1 ms (profiled at 21 M
        # residents); these are short OLTP statements.
        db.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    return db


DATABASES = {"default": _database_from_env()}
# A streaming replica of the primary (docs/deploy.md): dashboards, reports and exports read from it
# (inside core.replica.reading_from_replica()); every other read and every write goes to the primary.
REPLICA_URL = os.environ.get("GONGZHI_REPLICA_URL")
if REPLICA_URL:
    DATABASES["replica"] = _database_from_env(REPLICA_URL)
    DATABASE_ROUTERS = ["gongzhi.config.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Cookies and transport. TLS is on when the operator says so (GONGZHI_TLS=1; GONGZHI_SECURE_COOKIES=1,
# the earlier name, too) or names an https origin in GONGZHI_CSRF_TRUSTED_ORIGINS; GONGZHI_TLS=0 turns
# it off. With TLS, TLS ends at a proxy in front of gunicorn (nginx) which sets X-Forwarded-Proto and
# overwrites any the client sent (docs/deploy.md): cookies are sent over https only, HSTS for a
# year (subdomains and preload unless GONGZHI_HSTS_SUBDOMAINS=0 / GONGZHI_HSTS_PRELOAD=0), and plain
# http is redirected.


def _switch(name: str) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


_tls_said = _switch("GONGZHI_TLS")
if _tls_said is None:
    _tls_said = _switch("GONGZHI_SECURE_COOKIES")
TLS = _tls_said if _tls_said is not None else any(o.startswith("https://") for o in CSRF_TRUSTED_ORIGINS)
SESSION_COOKIE_SECURE = TLS
CSRF_COOKIE_SECURE = TLS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = TLS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TLS else None
SECURE_HSTS_SECONDS = 31536000 if TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = TLS and _switch("GONGZHI_HSTS_SUBDOMAINS") is not False
SECURE_HSTS_PRELOAD = TLS and _switch("GONGZHI_HSTS_PRELOAD") is not False

# Content-Security-Policy on every response (django-csp): scripts, styles and everything else from this
# site only, and no inline script: an injected <script> or onclick= cannot run. Templates carry no inline
# script or <style> (tests/core/test_csp.py); htmx is told not to inject its indicator <style> and not to
# evaluate (base.html's htmx-config; its indicator CSS is in app.css). Style attributes stay allowed
# (style-src-attr): ECharts writes its tooltips' markers with them, and a style attribute runs no code.
# The collector's service worker is a script of this site (worker-src); ECharts needs no eval.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF, "blob:"],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login throttling (django-axes): 5 failures per username and IP lock out for 30 minutes.
# Behind a reverse proxy (docs/deploy.md) every request comes from the proxy's address: name it
# (GONGZHI_TRUSTED_PROXIES=127.0.0.1) and the client's address is taken from the X-Forwarded-For it
# writes, for the login lockout and the sign-up limits alike; otherwise they would count everyone
# as one client.
TRUSTED_PROXIES = [a.strip() for a in os.environ.get("GONGZHI_TRUSTED_PROXIES", "").split(",") if a.strip()]
if TRUSTED_PROXIES:
    AXES_CLIENT_IP_CALLABLE = "gongzhi.core.throttle.proxied_client_address"
AXES_FAILURE_LIMIT = int(os.environ.get("GONGZHI_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"

# Cache: local memory embedded, Redis at scale (GONGZHI_REDIS_URL).
REDIS_URL = os.environ.get("GONGZHI_REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work (core.events delivers the outbox; later apps' periodic jobs): SqliteHuey beside the
# database on one machine, RedisHuey shared by every consumer at city scale. `gongzhi serve` starts a
# consumer (`gongzhi run_huey`) beside the web server.
_HUEY_CONSUMER = {"workers": 2, "worker_type": "thread", "initial_delay": 0.05, "max_delay": 1.0, "periodic": True}
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "gongzhi",
        "immediate": False,
        "connection": {"url": REDIS_URL},
        "consumer": _HUEY_CONSUMER,
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "gongzhi",
        "immediate": False,
        "connection": {"filename": str(VAR_DIR / "huey.sqlite3")},
        "consumer": _HUEY_CONSUMER,
    }

DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# The largest roster a worker may upload in one file.
REGISTER_MAX_BYTES = 20 * 1024 * 1024
REGISTER_MAX_ROWS = 50_000

# Query strings in log lines keep only their non-personal parameters (config/access_log.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_queries": {"()": "gongzhi.config.access_log.RedactQueriesFilter"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_queries"]},
        # runserver's request lines go to a logger of their own that does not pass them on: the
        # same handler as Django's, with the filter.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_queries"],
        },
    },
    "loggers": {"django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": os.environ.get("GONGZHI_LOG_LEVEL", "WARNING")},
}

# Residents' requests: the minutes a request may wait at one level (grid, community, street,
# district) before the sweep moves it up, per urgency. GONGZHI_APPEAL_SLA="critical=30,urgent=120,normal=1440";
# `gongzhi check` refuses a wrong one (appeals.sla.check_sla).
APPEAL_SLA_MINUTES = {
    name.strip(): int(minutes) if minutes.strip().isdecimal() else minutes.strip()
    for name, _sep, minutes in (
        part.partition("=")
        for part in os.environ.get("GONGZHI_APPEAL_SLA", "critical=30,urgent=120,normal=1440").split(",")
        if part.strip()
    )
}

# The sender of every notice's CAP 1.2 alert (notices): fixed, so a correction's <references> names the
# original alert the same way whatever host name a relay used. Default: gongzhi@<the request's host>.
GONGZHI_CAP_SENDER = os.environ.get("GONGZHI_CAP_SENDER", "")
