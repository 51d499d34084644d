"""Settings for the tracker: one module, every value read from the environment."""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# "development" runs on embedded defaults; "production" requires real secrets and HTTPS.
APP_ENV = env_str("APP_ENV", "development")
if APP_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"APP_ENV must be development or production, not {APP_ENV!r}")
PRODUCTION = APP_ENV == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when APP_ENV=production")
    # Development keeps a generated key in a local file so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "audit",
    "accounts",
    "inspections",
    "findings",
    "rectification",
    "supervision",
    "reminders",
    "documents",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.NoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.JSONBodyMiddleware",  # a JSON body nothing could keep: 400
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.context.AuditContextMiddleware",
    # The security log: every 403, every download, every clue or petition page (audit app).
    "audit.middleware.SecurityLogMiddleware",
    # The three separated administrators (三员分立) are refused every business page and API.
    "accounts.middleware.SeparatedAdministratorsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the login into its answer.
    "axes.middleware.AxesMiddleware",
]

# Lists and search count their rows up to this many and say "10,000+" past it (API:
# `count_is_exact`), so that a common word over a million measures does not cost a full count.
LIST_COUNT_CAP = env_int("LIST_COUNT_CAP", 10000)

# The security log (安全日志): kept SECURITY_LOG_RETENTION_DAYS (180 at least, which the
# database's trigger holds too), then exported to VAR_DIR/security-log/ and pruned daily.
SECURITY_LOG_RETENTION_DAYS = env_int("SECURITY_LOG_RETENTION_DAYS", 180)
# The routes whose answers show clue or petition content: each opening is logged.
SECURITY_LOG_SENSITIVE_ROUTES = [
    "clue-list",
    "clue-edit",
    "petition-list",
    "petition-edit",
    "api:clue-list",
    "api:clue-detail",
    "api:petition-list",
    "api:petition-detail",
]

# The audit trail (audit app): every create, change and delete of these models, from the API,
# the pages or the admin, with actor and old and new values, hash-chained.
# `secret` values are recorded as changed but never shown; `exclude` are not recorded.
AUDIT_MODELS: dict[str, dict[str, list[str]]] = {
    "accounts.Unit": {"secret": ["webhook_url"]},
    "accounts.User": {"exclude": ["last_login", "password_changed_at"], "secret": ["password"]},
    "inspections.InspectionRound": {},
    "findings.Aspect": {},
    "findings.Problem": {},
    "findings.ProblemClue": {},
    "findings.Petition": {},
    "rectification.Measure": {},
    "rectification.Extension": {},
    "rectification.Evidence": {},
    # Comments are never deleted; an edit keeps the earlier text in an edit row.
    "rectification.MeasureComment": {},
    "rectification.MeasureCommentEdit": {},
    "supervision.UrgeComment": {},
    "supervision.UrgeCommentEdit": {},
    "supervision.SupervisionGroup": {},
    "supervision.SupervisionVisit": {},
    # Who wrote an evaluation (its authors) and who published it: the two-person rule's record.
    "supervision.Evaluation": {"exclude": ["items"]},
    "supervision.RedBlackList": {"exclude": ["red", "black"]},
    # A publication's approval names its authors (accounts.duties): the chain keeps both.
    "documents.Publication": {},
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "reminders.context_processors.frame",
                "accounts.context_processors.session",
            ],
            # {% url %} from each view's address pattern: a page of many rows reverses
            # hundreds of addresses (config/template_urls.py).
            "builtins": ["config.template_urls"],
            # Django's i18n library with each constant {% translate %} answered once per
            # language, which the templates load as {% load tracker_i18n %}
            # (config/template_i18n.py).
            "libraries": {"tracker_i18n": "config.template_i18n"},
        },
    },
]

# PostgreSQL in production and CI; a SQLite file when DATABASE_URL is unset.
# An empty DATABASE_URL counts as unset.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# AUTH_PASSWORD_VALIDATORS: in the block "Second factor, passwords and sessions" below.
# django-axes counts failed logins per account and per address on every login path (the
# sign-in page, the admin's and the token endpoint) and locks them out for a while.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
# How many proxies append to X-Forwarded-For in front of the site (1 with docker-compose's).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# API tokens expire this long after they are issued; signing out revokes them.
TOKEN_TTL_HOURS = env_int("TOKEN_TTL_HOURS", 12)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request without it
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never routed: evidence is sent only through a view that checks access
STORAGES = {
    "default": {"BACKEND": env_str("FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Redis when REDIS_URL is given; otherwise everything runs in-process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_THROTTLE_RATES": {"feedback_parse": env_str("FEEDBACK_PARSE_RATE", "30/min")},
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "config.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DATE_INPUT_FORMATS": ["iso-8601"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Request bodies: config.parsers.JSONParser refuses a JSON body nested too deep or holding a
# lone surrogate with a 400, for every endpoint; form and multipart bodies as DRF parses them.
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "config.parsers.JSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
SPECTACULAR_SETTINGS = {
    "TITLE": "巡视巡察整改跟踪系统 API",
    "DESCRIPTION": "Inspection rounds, findings, rectification measures and their numbers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and Swagger UI are for signed-in users; offices often run on closed
    # networks, so the UI files come from drf-spectacular-sidecar.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_errors",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MeasureStatusEnum": "rectification.models.Measure.Status",
        "ProblemStatusEnum": "findings.models.Problem.Status",
        "ClueStatusEnum": "findings.models.ProblemClue.Status",
        "PetitionStatusEnum": "findings.models.Petition.Status",
        "ExtensionStatusEnum": "rectification.models.Extension.Status",
        "JurisdictionLevelEnum": "accounts.models.Jurisdiction.Level",
        "UrgeLevelEnum": "supervision.models.UrgeNotice.Level",
        # The same two states for an evaluation of units and one of jurisdictions.
        "EvaluationStatusEnum": "supervision.models.Evaluation.Status",
    },
}

# Celery: Redis as broker when REDIS_URL (or CELERY_BROKER_URL) is set, else a filesystem
# transport that needs no server, so reminders still go out on a single machine.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "filesystem://"
    _queue_dir = VAR_DIR / "celery" / "queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # kombu's default is a "control" folder in the working directory, the checkout.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # The reminder sweep (DESIGN.md section 8); it is idempotent, so an overlap is harmless.
    "reminder-sweep": {
        "task": "reminders.tasks.send_reminders",
        "schedule": crontab(minute=env_int("REMINDER_SWEEP_MINUTE", 5)),
    },
    # The security log's rows past their retention: exported to a file, then pruned.
    "security-log-prune": {
        "task": "reminders.tasks.prune_security_log",
        "schedule": crontab(hour=3, minute=env_int("SECURITY_LOG_PRUNE_MINUTE", 17)),
    },
}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
# The file back-end's folder (EMAIL_BACKEND=…filebased.EmailBackend), used by the fault tests.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "整改跟踪系统 <noreply@localhost>")

# Evidence files (佐证材料).
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
# A request whose Content-Length passes this is answered 413 before its body is read
# (config.middleware.RequestSizeLimitMiddleware); the production proxy caps it as well.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", EVIDENCE_MAX_BYTES + 1024 * 1024)

# Uploaded workbooks are hostile until read (documents.xlsx_safety): the zip directory is
# checked before openpyxl inflates anything, then the declared size, then every row.
XLSX_MAX_UNPACKED_BYTES = env_int("XLSX_MAX_UNPACKED_BYTES", 64 * 1024 * 1024)
XLSX_MAX_ENTRIES = env_int("XLSX_MAX_ENTRIES", 500)
XLSX_MAX_ROW_NUMBER = env_int("XLSX_MAX_ROW_NUMBER", 10_000)
XLSX_MAX_COLUMNS = env_int("XLSX_MAX_COLUMNS", 64)
XLSX_READ_SECONDS = env_int("XLSX_READ_SECONDS", 20)

# Content-Security-Policy (django-csp): scripts and styles from this site only, no inline
# script or style, nothing framed. Pages pass data to scripts through json_script.
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "object-src": ["'none'"],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": ["'none'"],
    }
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Reminder ladder (三色预警), in days relative to the deadline in force.
REMINDER_GREEN_DAYS = env_int("REMINDER_GREEN_DAYS", 20)
REMINDER_YELLOW_DAYS = env_int("REMINDER_YELLOW_DAYS", 10)
REMINDER_LAST_DAYS = env_int("REMINDER_LAST_DAYS", 1)
REMINDER_RED_REPEAT_DAYS = env_int("REMINDER_RED_REPEAT_DAYS", 7)
REMINDER_REVIEW_WORKING_DAYS = env_int("REMINDER_REVIEW_WORKING_DAYS", 3)
# A step of the endorsement chain (the head's, the superior's) waiting this long is reminded.
REMINDER_CHAIN_WORKING_DAYS = env_int("REMINDER_CHAIN_WORKING_DAYS", 3)
# How long the author of a comment may still edit it.
COMMENT_EDIT_MINUTES = env_int("COMMENT_EDIT_MINUTES", 10)
# The most measures one bulk action (rectification.bulk) changes: a large round's worth, and
# a bound on how long one transaction holds its row locks.
BULK_MAX_MEASURES = env_int("BULK_MAX_MEASURES", 2000)
# The most events of each kind in one user's calendar feed (reminders.calendar).
CALENDAR_FEED_MAX_EVENTS = env_int("CALENDAR_FEED_MAX_EVENTS", 1000)
# The progress-report reminder goes out on the 1st and 16th, or this many days later at most
# if no sweep ran on the day itself.
REMINDER_PROGRESS_GRACE_DAYS = env_int("REMINDER_PROGRESS_GRACE_DAYS", 2)
REMINDER_SWEEP_CHUNK = env_int("REMINDER_SWEEP_CHUNK", 500)
REMINDER_EMAIL_MAX_ITEMS = env_int("REMINDER_EMAIL_MAX_ITEMS", 50)
REMINDER_EMAIL_TIMEOUT = env_int("REMINDER_EMAIL_TIMEOUT", 30)
REMINDER_SITE_URL = env_str("REMINDER_SITE_URL")
# Problem clues and petitions handed over owe a feedback (反馈) this many months after their
# transfer or receipt; the office is reminded green and yellow this many days before the due
# date, and red the day after it, then every REMINDER_RED_REPEAT_DAYS.
CLUE_FEEDBACK_MONTHS = env_int("CLUE_FEEDBACK_MONTHS", 3)
CLUE_GREEN_DAYS = env_int("CLUE_GREEN_DAYS", 20)
CLUE_YELLOW_DAYS = env_int("CLUE_YELLOW_DAYS", 7)
if CLUE_FEEDBACK_MONTHS < 1:
    raise ImproperlyConfigured("CLUE_FEEDBACK_MONTHS must be at least 1")
if not 0 <= CLUE_YELLOW_DAYS < CLUE_GREEN_DAYS:
    raise ImproperlyConfigured("CLUE_YELLOW_DAYS must be at least 0 and below CLUE_GREEN_DAYS")
# Delivery: Celery retries a failed message with back-off; a later sweep queues again what
# is still unsent after REMINDER_REQUEUE_MINUTES, up to REMINDER_DELIVERY_MAX_ATTEMPTS.
REMINDER_DELIVERY_RETRIES = env_int("REMINDER_DELIVERY_RETRIES", 5)
REMINDER_DELIVERY_MAX_ATTEMPTS = env_int("REMINDER_DELIVERY_MAX_ATTEMPTS", 10)
REMINDER_REQUEUE_MINUTES = env_int("REMINDER_REQUEUE_MINUTES", 60)
# Enterprise chat robots (WeCom / DingTalk): WeCom refuses texts over 2048 bytes.
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
WEBHOOK_MAX_ITEMS = env_int("WEBHOOK_MAX_ITEMS", 5)
WEBHOOK_MAX_BYTES = env_int("WEBHOOK_MAX_BYTES", 2000)

# Unified sign-on (统一身份认证): LDAP and OpenID Connect beside the local accounts, each off
# unless its variables are set (config/sso.py reads them; the README says which). The local
# backends stay first, so the local admin signs in without asking a directory that is down.
from config.sso import (  # noqa: E402
    LDAP_BACKEND,
    OIDC_BACKEND,
    ldap_settings,
    oidc_settings,
    provider_origins,
)

_LDAP = ldap_settings(os.environ)
_OIDC = oidc_settings(os.environ)
globals().update(_LDAP)
globals().update(_OIDC)
LDAP_ENABLED: bool = _LDAP["LDAP_ENABLED"]
OIDC_ENABLED: bool = _OIDC["OIDC_ENABLED"]
AUTHENTICATION_BACKENDS += [LDAP_BACKEND] if LDAP_ENABLED else []
AUTHENTICATION_BACKENDS += [OIDC_BACKEND] if OIDC_ENABLED else []
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += provider_origins(_OIDC)
# Second factor, passwords and sessions (DESIGN.md section 11, 等保 2.0 level 3).
# TOTP with recovery codes (django-otp), required for the roles in OTP_REQUIRED_ROLES on pages
# and at the token endpoint alike; optional for the others. A wrong code counts towards the
# same lockout as a wrong password (django-axes above).
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
# Idle and absolute session limits, the second-factor step and forced password changes.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "accounts.gate.SignOnGateMiddleware",
)
# The three administrators and office staff by default (等保: administrators always).
OTP_REQUIRED_ROLES = env_list(
    "OTP_REQUIRED_ROLES", ["system_admin", "security_admin", "audit_admin", "office"]
)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "整改跟踪系统")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # no TOTP secret or recovery code on an admin page
OTP_RECOVERY_CODES = env_int("OTP_RECOVERY_CODES", 10)
# How long the step between the password and the code may take.
OTP_PENDING_SECONDS = env_int("OTP_PENDING_SECONDS", 300)
# Passwords: 8+ characters of three of the four classes, not the user name, none of the last
# five, expiring after PASSWORD_MAX_AGE_DAYS (0: never).
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 8)
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "accounts.passwords.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "accounts.passwords.PasswordHistoryValidator",
        "OPTIONS": {"count": PASSWORD_HISTORY_COUNT},
    },
]
# Sessions end after SESSION_IDLE_TIMEOUT_MINUTES without a request (API tokens too) and
# SESSION_MAX_AGE_HOURS after sign-in whatever happens; tokens also at TOKEN_TTL_HOURS.
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_MAX_AGE_HOURS = env_int("SESSION_MAX_AGE_HOURS", 8)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_HOURS * 3600
for _name, _value in [
    ("SESSION_IDLE_TIMEOUT_MINUTES", SESSION_IDLE_TIMEOUT_MINUTES),
    ("SESSION_MAX_AGE_HOURS", SESSION_MAX_AGE_HOURS),
    ("OTP_RECOVERY_CODES", OTP_RECOVERY_CODES),
    ("PASSWORD_MIN_LENGTH", PASSWORD_MIN_LENGTH),
]:
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1, not {_value}")
# The accounts load_demo makes keep the password demo12345 and need no second factor while
# this is on; `manage.py check --deploy` refuses it with APP_ENV=production.
DEMO_ACCOUNTS = env_bool("DEMO_ACCOUNTS", not PRODUCTION)
