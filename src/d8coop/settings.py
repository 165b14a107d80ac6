"""One settings module, driven by environment variables only (see README, "Configuration")."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from d8coop.core.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("D8COOP_DATA_DIR", str(Path.cwd() / "var"))).resolve()

# "production" turns on every HTTPS protection; "development" (the default of `make run`)
# serves plain HTTP on localhost.
ENVIRONMENT = env_str("D8COOP_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ImproperlyConfigured("D8COOP_ENV must be development, production or test.")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    SECRET_KEY = "insecure-development-key-" + "x" * 40
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "d8coop.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "d8coop.core",
    "d8coop.members",
    "d8coop.cooperation",
    "d8coop.portal",
    "d8coop.reference_data",
    "d8coop.notifications",
    "d8coop.consultations",
    "d8coop.workspace",
    "d8coop.statistics",
    "d8coop.opportunities",
    "d8coop.investors",
    "d8coop.directory",
    "d8coop.participation",
    "d8coop.b2b",
    "d8coop.fulltext",
    "d8coop.matchmaking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after the user is known: the second step of signing in, and enrolment for staff.
    "d8coop.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "d8coop.urls"
WSGI_APPLICATION = "d8coop.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "d8coop.portal.context_processors.site",
                "d8coop.notifications.context_processors.unread_notifications",
            ],
        },
    }
]

# Databases: SQLite in WAL mode by default; any DATABASE_URL (PostgreSQL in production and CI).
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    DATABASES["default"].setdefault("TEST", {})
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "d8coop.sqlite3",
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = env_str("REDIS_URL")
if _redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            "KEY_PREFIX": "d8coop",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Public pages for anonymous visitors are cached this long (0 turns the cache off). On by default
# only with Redis: the registry version that invalidates pages must be shared by all processes.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60 if _redis_url else 0)

# The domain part of calendar and feed identifiers: fixed, so they never change with the host.
STABLE_ID_DOMAIN = env_str("D8COOP_STABLE_ID_DOMAIN", "d8coop.local")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Run every minute by `d8coop clock` (started by `d8coop serve`); each takes the current
# instant and must be idempotent: two clocks running at once change nothing twice.
PERIODIC_JOBS: list[str] = [
    "d8coop.consultations.services.consultations_close_due",
    "d8coop.consultations.services.consultations_send_reminders",
    "d8coop.cooperation.services.action_items_notify_due",
    "d8coop.opportunities.services.opportunities_expire",
    "d8coop.opportunities.services.opportunities_remind_expiry",
    "d8coop.notifications.services.notifications_send_digests",
    "d8coop.notifications.services.notifications_retry_unsent",
    "d8coop.participation.services.participation_send_survey_invitations",
    "d8coop.b2b.services.requests_expire",
]

# Accounts: every password sign-in goes through the lock-out (accounts/services.py).
AUTHENTICATION_BACKENDS = ["d8coop.accounts.backends.LockoutModelBackend"]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
SIGN_IN_MAX_FAILURES = env_int("SIGN_IN_MAX_FAILURES", 5)
SIGN_IN_MAX_FAILURES_PER_IP = env_int("SIGN_IN_MAX_FAILURES_PER_IP", 20)
SIGN_IN_LOCK_MINUTES = env_int("SIGN_IN_LOCK_MINUTES", 15)
# How long the link of an invitation works.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)
if INVITATION_VALID_DAYS < 1:
    raise ImproperlyConfigured("INVITATION_VALID_DAYS must be at least 1.")
# How many proxies in front of the site append to X-Forwarded-For (0: trust REMOTE_ADDR only).
TRUSTED_PROXY_COUNT = env_int("D8COOP_TRUSTED_PROXIES", 0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalization: every visible string is translatable; RTL languages use the RTL build.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("tr", "Türkçe"),
    ("id", "Bahasa Indonesia"),
    ("ms", "Bahasa Melayu"),
    ("fa", "فارسی"),
    ("ar", "العربية"),
    ("ur", "اردو"),
    ("bn", "বাংলা"),
    ("az", "Azərbaycanca"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
CONTENT_LANGUAGE = "en"  # the language the registry's records are written in
TIME_ZONE = "Europe/Istanbul"  # the secretariat's zone; instants are stored in UTC
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names need `collectstatic` first: production only, so tests and a fresh
        # checkout work without it.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"  # never served as such: attachments go through views that check access
D8COOP_MAX_ATTACHMENT_BYTES = env_int("D8COOP_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)
ACTION_DUE_SOON_DAYS = env_int("D8COOP_ACTION_DUE_SOON_DAYS", 30)
# The member state whose weekend a consultation deadline may be moved off (rule 8).
SECRETARIAT_COUNTRY = env_str("D8COOP_SECRETARIAT_COUNTRY", "TR").upper()
# A task force or member state with no meeting, report or answer for this long is "stalled".
SCORECARD_STALLED_DAYS = env_int("D8COOP_SCORECARD_STALLED_DAYS", 365)
# National microdata imports: the largest file accepted, the memory DuckDB may use (it spills
# to disk beyond), and the smallest number of enterprises a public table shows in one cell.
MAX_IMPORT_BYTES = env_int("D8COOP_MAX_IMPORT_BYTES", 2 * 1024 * 1024 * 1024)
IMPORT_MEMORY_LIMIT = env_str("D8COOP_IMPORT_MEMORY_LIMIT", "500MB")
STATISTICS_MIN_CELL = env_int("D8COOP_STATISTICS_MIN_CELL", 3)
# Matchmaking's text similarity: auto (the packaged embedding model when installed, else
# lexical), embedding or lexical. See docs/decisions/0019-matchmaking.md.
D8COOP_MATCHING_TEXT = env_str("D8COOP_MATCHING_TEXT", "auto").lower()
if D8COOP_MATCHING_TEXT not in {"auto", "embedding", "lexical"}:
    raise ImproperlyConfigured("D8COOP_MATCHING_TEXT must be auto, embedding or lexical.")

# E-mail: Django's framework; console in development unless EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "D-8 Industrial Cooperation <noreply@localhost>")
# Links in e-mails (notices, one-click unsubscribe) are absolute, built on this address.
D8COOP_BASE_URL = env_str("D8COOP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The daily digest of notifications goes out at or after this hour, in each user's own zone.
NOTIFICATIONS_DIGEST_HOUR = env_int("NOTIFICATIONS_DIGEST_HOUR", 7)
if not 0 <= NOTIFICATIONS_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured("NOTIFICATIONS_DIGEST_HOUR must be an hour from 0 to 23.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "d8coop.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "D-8 Industrial Cooperation Platform API",
    "DESCRIPTION": "The registry of D-8 industrial cooperation: member states, bodies, "
    "meetings, documents, outcomes, action items and contacts.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Notices and preferences share one kind enum; without a name it collides with other kinds.
    "ENUM_NAME_OVERRIDES": {
        "NotificationKindEnum": "d8coop.notifications.models.Kind",
        "ActionItemStatusEnum": "d8coop.cooperation.models.ActionItem.Status",
        "StatisticsDataKindEnum": "d8coop.statistics.models.DataKind",
        "OpportunityInstrumentEnum": "d8coop.opportunities.models.Opportunity.Instrument",
        "OpportunityStageEnum": "d8coop.opportunities.models.Opportunity.Stage",
        "InvestorKindEnum": "d8coop.investors.models.Investor.Kind",
        "InterestStageEnum": "d8coop.investors.models.Interest.Stage",
    },
}

# Security: deny by default; HTTPS everywhere in production (`check --deploy` stays clean).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
