"""
Settings for the Cancer Immunotherapy Program site.

Every value comes from the environment, with a safe default. The README lists
each variable. Code reads ``django.conf.settings``, never ``os.environ``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-only-used-when-DEBUG-is-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address of the site, used for links in emails (never PHI, only
# reference numbers and admin URLs).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Before the admin: per-language content fields (title_en, title_es) and their admin widgets.
    "modeltranslation",
    "referrals.apps.CipAdminConfig",  # django.contrib.admin with the two-factor admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "phonenumber_field",
    "core",
    "programs",
    "referrals",
]

MIDDLEWARE = [
    # First: /healthz answers before sessions, the database or the HTTPS redirect.
    "core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A stored content page is answered here, with the headers the middleware below gave it (core.page_cache).
    "core.page_cache.PageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A NUL byte in a URL, query, cookie or form body gets a 400 before any view or query sees it.
    "core.middleware.RejectNulBytesMiddleware",
    "core.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Must stay last: django-axes inspects the response of failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.phones",
                "core.context_processors.language_offer",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database: SQLite file in the project folder unless DATABASE_URL says otherwise.
DATABASE_URL_EFFECTIVE = env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL_EFFECTIVE,
        conn_max_age=env_int("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A persistent connection per thread is fine for SQLite, and a busy timeout
    # lets concurrent writers wait instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared across worker processes. Redis when CACHE_URL is a redis://
# URL; the embedded default is the database cache (`createcachetable`).
CACHE_URL = env("CACHE_URL", "")
# A Redis that stops answering costs a request at most this many seconds per call (core/redis_cache.py); the
# page cache and the rate limit then carry on without it.
CACHE_SOCKET_TIMEOUT = float(env("CACHE_SOCKET_TIMEOUT", "0.5"))
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            # Django's Redis cache, with one client per connection pool rather than one per operation.
            "BACKEND": "core.redis_cache.ReusedClientRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "cip"),
        }
    }
elif CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

# Public content pages: anonymous readers get a copy from the cache (core.page_cache) for at most this many
# seconds; staff saving content refreshes every copy at once. 0 turns the page cache off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 3600)
# The coordinators' queue counts rows exactly up to this many; past it, on PostgreSQL, it shows the planner's
# estimate ("about 1,000,000"), since an exact count of a million rows takes longer than the page itself.
QUEUE_EXACT_COUNT_LIMIT = env_int("QUEUE_EXACT_COUNT_LIMIT", 10000)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Internationalisation: English and Spanish, compiled catalogues in locale/.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# Static files: Bootstrap and our own CSS/JS live in static/, served by whitenoise.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents: STORAGES["private"], which no URL serves. Only the
# permission-checked download view reads them, and streams them itself: the code
# opens, sizes and deletes files, and never asks the storage for a URL or a path.
# By default a local folder (LOCAL_PRIVATE_STORAGE, which the tests use whatever
# the environment says); with S3_BUCKET set, an S3-compatible bucket.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")))
LOCAL_PRIVATE_STORAGE = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": PRIVATE_MEDIA_ROOT,
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}
PRIVATE_STORAGE = LOCAL_PRIVATE_STORAGE
# Object storage (django-storages' S3Storage; AWS, SeaweedFS, MinIO, ...) when S3_BUCKET is set:
#   S3_BUCKET             the bucket; create it beforehand, private (no public policy, no public ACL)
#   S3_ENDPOINT_URL       the server for anything but AWS, e.g. http://127.0.0.1:8333 (SeaweedFS)
#   S3_ACCESS_KEY_ID      the site's own key, allowed to read, write, list and delete in that bucket
#   S3_SECRET_ACCESS_KEY  its secret (both empty: boto3's usual chain, e.g. an instance role)
#   S3_REGION             us-east-1 unless set
#   S3_PREFIX             a folder inside the bucket for the documents, e.g. "cip" (empty: the top)
#   S3_ADDRESSING_STYLE   "path" (bucket in the URL's path, as SeaweedFS and MinIO want) unless set
#                         to "virtual" (bucket in the host name, which some providers require)
# No ACL is sent, so objects keep the bucket's private default (AWS refuses any ACL but the owner's
# when ACLs are disabled). url() would only ever give a link signed for 60 s, and nothing calls it.
S3_BUCKET = env("S3_BUCKET", "")
if S3_BUCKET:
    from botocore.config import Config as BotoConfig

    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "access_key": env("S3_ACCESS_KEY_ID") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
            "region_name": env("S3_REGION") or "us-east-1",
            "location": env("S3_PREFIX", "").strip("/"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,
            "custom_domain": None,
            "file_overwrite": False,  # a name already taken gets a suffix, never replaces a document
            # Replaces the storage's addressing_style/signature_version options: both are set here.
            "client_config": BotoConfig(
                s3={"addressing_style": env("S3_ADDRESSING_STYLE") or "path"},
                signature_version="s3v4",
                connect_timeout=5,
                read_timeout=30,
                retries={"mode": "standard", "max_attempts": 3},
            ),
        },
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
UPLOAD_MAX_FILES = env_int("UPLOAD_MAX_FILES", 10)
# Structure checks (referrals/file_structure.py): the most pixels a picture may have (checked from its header
# before any decoding) and the most pages a PDF may have.
UPLOAD_MAX_IMAGE_PIXELS = env_int("UPLOAD_MAX_IMAGE_PIXELS", 40_000_000)
UPLOAD_MAX_PDF_PAGES = env_int("UPLOAD_MAX_PDF_PAGES", 500)
# Request limits: non-file form data, and field count. Bigger bodies get a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400
DATA_UPLOAD_MAX_NUMBER_FILES = UPLOAD_MAX_FILES + 5
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Public form abuse controls: POSTs per client per window.
RATELIMIT_POSTS = env_int("RATELIMIT_POSTS", 20)
RATELIMIT_WINDOW_SECONDS = env_int("RATELIMIT_WINDOW_SECONDS", 3600)
# The status page: lookups per client, and per reference number from all clients together (so a reference
# cannot be tried against many dates of birth from many addresses), per STATUS_LOOKUP_WINDOW_SECONDS.
STATUS_LOOKUPS_PER_CLIENT = env_int("STATUS_LOOKUPS_PER_CLIENT", 10)
STATUS_LOOKUPS_PER_REFERENCE = env_int("STATUS_LOOKUPS_PER_REFERENCE", 5)
STATUS_LOOKUP_WINDOW_SECONDS = env_int("STATUS_LOOKUP_WINDOW_SECONDS", 3600)
# The program's phone lines (core.phones). The defaults are placeholders from the 555-0100..0199 range,
# which is reserved for fiction: every page that shows one says it is not in service. Set the real numbers.
PHONE_MAIN = env("PHONE_MAIN", "") or env("PROGRAM_PHONE", "") or "215-555-0100"
PHONE_PHYSICIAN = env("PHONE_PHYSICIAN", "") or "215-555-0101"
PHONE_AFTER_HOURS = env("PHONE_AFTER_HOURS", "") or "215-555-0102"
# Backups (manage.py backup, restore_backup, restore_drill; core/backup.py): where `make backup` writes, and
# the tables whose rows name a private file and its SHA-256, checked file by file after a restore.
BACKUP_DIR = Path(env("BACKUP_DIR", str(BASE_DIR / "backups")))
BACKUP_FILE_COLUMNS = [("referrals_attachment", "file", "sha256")]
# While the database cannot be reached, pages answer 503 with this Retry-After (seconds).
OUTAGE_RETRY_AFTER_SECONDS = env_int("OUTAGE_RETRY_AFTER_SECONDS", 60)
# A failed CSRF check (usually a form left open too long) gets our own 403 page.
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# The program's promises, in business days (weekends and HOLIDAYS excluded).
FIRST_CONTACT_BUSINESS_DAYS = env_int("FIRST_CONTACT_BUSINESS_DAYS", 1)
# An urgent referral's first contact: 0 means the same business day (the next one when received on a day off).
URGENT_FIRST_CONTACT_BUSINESS_DAYS = env_int("URGENT_FIRST_CONTACT_BUSINESS_DAYS", 0)
REVIEW_BUSINESS_DAYS = env_int("REVIEW_BUSINESS_DAYS", 2)
# A records request: its upload link works this many days; the coordinator follows up after this many business days.
RECORDS_LINK_DAYS = env_int("RECORDS_LINK_DAYS", 14)
RECORDS_FOLLOW_UP_BUSINESS_DAYS = env_int("RECORDS_FOLLOW_UP_BUSINESS_DAYS", 3)
HOLIDAYS = env_list("HOLIDAYS")  # ISO dates, e.g. "2026-12-25,2027-01-01"

# Email. Console backend unless configured; nothing containing PHI is ever sent.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# The outbox worker (send_pending_notifications --loop): a pass every OUTBOX_INTERVAL_SECONDS; a row whose send
# failed waits OUTBOX_RETRY_BASE_SECONDS, doubling with each failure up to OUTBOX_RETRY_MAX_SECONDS.
OUTBOX_INTERVAL_SECONDS = env_int("OUTBOX_INTERVAL_SECONDS", 2)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 30)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 900)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Cancer Immunotherapy Program <no-reply@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
INTAKE_EMAIL = env("INTAKE_EMAIL", "immunotherapy-intake@example.org")
# Django's error emails carry POST data and local variables: with PHI around
# they stay off. Errors go to the log without request bodies.
ADMINS = []
MANAGERS = []

# Staff sign-in: two factors when DEBUG is off, lockout after failed logins,
# idle timeout that ends the session on the server.
OTP_REQUIRED = env_bool("OTP_REQUIRED", not DEBUG)
if not DEBUG and not OTP_REQUIRED:
    # The admin holds PHI: outside local development, a password alone never opens it.
    raise ImproperlyConfigured("OTP_REQUIRED cannot be turned off when DEBUG is off.")
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Cancer Immunotherapy Program")
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# A failed sign-in's form is kept by axes for the access attempts page: never the code typed (a backup code
# typed with a wrong password still works), masked like the username.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
# django-otp's own admin pages (superusers only) show devices without their secrets or backup codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Lockouts count the same client address as the rate limit and the access log (X-Forwarded-For behind
# TRUSTED_PROXY_COUNT proxies), not the proxy's own address: else anyone could lock a coordinator out.
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_ip"
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 15 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_SECONDS
SESSION_SAVE_EVERY_REQUEST = True  # sliding expiry: the timeout counts idle time
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "admin:login"
# After signing in with no page to return to: the coordinators' queue (Django's default is /accounts/profile/).
LOGIN_REDIRECT_URL = "admin:referrals_submission_changelist"

# HTTPS and cookies. Secure unless DEBUG; SECURE_SSL_REDIRECT can be turned off
# when a proxy already redirects.
SECURE = not DEBUG
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client address used by the rate limit and the access log. Behind a
# trusted proxy set TRUSTED_PROXY_COUNT so X-Forwarded-For is read.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Content-Security-Policy: nothing inline, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

PHONENUMBER_DEFAULT_REGION = "US"
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

# Logging: to the console, one line per event. Request bodies are never logged;
# paths carry reference numbers only.
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Secret links in paths (records uploads, confirmations) are masked before anything is written.
    "filters": {"redact_secret_paths": {"()": "core.log_filters.RedactSecretPaths"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secret_paths"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.security.DisallowedHost": {"level": "ERROR"},
    },
}

# Content per language (django-modeltranslation): English is the original and the fallback.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "es")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)


def _localized_verbose_name(verbose_name, language):
    # The admin labels each language's column by the language's name: "title (Spanish)".
    return format_lazy("{} ({})", verbose_name, dict(LANGUAGES)[language])


MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = _localized_verbose_name
