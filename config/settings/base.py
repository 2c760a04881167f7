"""Settings for every environment, driven by environment variables (see README.md).

Unset variables give the embedded development defaults: SQLite under ``var/``, Celery tasks run
eagerly, the cache in local memory and e-mail written to ``var/mail/``. ``DJANGO_ENV=production``
turns on the deployment hardening and makes the secrets mandatory.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_raw,
    env_str,
)
from config.residency import residency_violations

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DJANGO_ENV = env_choice("DJANGO_ENV", "development", {"development", "production"})
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must not be true when DJANGO_ENV=production.")


def _secret(name: str, file_name: str) -> str:
    """A key from the environment (NAME or NAME_FILE); mandatory in production. In development
    it is generated once into var/ and kept, so sessions and encrypted rows survive a restart."""
    value = env_raw(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} (or {name}_FILE) must be set when DJANGO_ENV=production."
        )
    key_file = VAR_DIR / file_name
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


def _secret_key() -> str:
    return _secret("SECRET_KEY", "secret_key")


SECRET_KEY = _secret_key()
# Keys of their own, so that rotating SECRET_KEY neither breaks printed certificates nor makes the
# authenticator secrets unreadable. Each has fallbacks (comma-separated, newest first) that are
# still accepted while the new key takes over — as SECRET_KEY_FALLBACKS does for Django.
# DATA_ENCRYPTION_KEY encrypts data at rest (audit/crypto.py): TOTP secrets and recovery-code seeds,
# anonymous survey answers waiting for their batch.
DATA_ENCRYPTION_KEY = _secret("DATA_ENCRYPTION_KEY", "data_encryption_key")
DATA_ENCRYPTION_KEY_FALLBACKS = env_list("DATA_ENCRYPTION_KEY_FALLBACKS")
# CERTIFICATE_KEY signs the verification codes printed on certificates (reports/certificates.py).
# Codes printed before this key existed were signed with SECRET_KEY: list the SECRET_KEY of that
# time in CERTIFICATE_KEY_FALLBACKS to keep them valid.
CERTIFICATE_KEY = _secret("CERTIFICATE_KEY", "certificate_key")
CERTIFICATE_KEY_FALLBACKS = env_list("CERTIFICATE_KEY_FALLBACKS")
# AUDIT_HEAD_KEY signs the audit chains' heads kept outside the portal (audit/chain.py): a key of
# its own, so rotating SECRET_KEY orphans no kept head.
AUDIT_HEAD_KEY = _secret("AUDIT_HEAD_KEY", "audit_head_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public URL of the portal, used in e-mails sent outside a request (Celery tasks). Required in
# production; in development it follows the port the server runs on (`make run PORT=…`).
PORTAL_BASE_URL = env_str(
    "PORTAL_BASE_URL",
    None if PRODUCTION else f"http://127.0.0.1:{env_int('PORT', 8000, minimum=1)}",
).rstrip("/")
# Printed on certificates of completion until HR names the issuer (研修 > 修了証の発行者).
# Attendance may be recorded for a day at most this many days ahead (a day not yet started is
# warned about on the page; later days are refused: a mark completes the trainee).
ATTENDANCE_MAX_DAYS_AHEAD = env_int("ATTENDANCE_MAX_DAYS_AHEAD", 0, minimum=0)
CERTIFICATE_ISSUER = env_str("CERTIFICATE_ISSUER", "人材育成センター所長")

# The project's apps in their layers, bottom first: an app imports only apps before it in this
# list (ARCHITECTURE.md; tests/test_architecture.py reads the layers from here — the one list).
PROJECT_APPS = [
    "audit",
    "jobs",
    "trainees",
    "notices",
    "courses",
    "learning",
    "enrollments",
    "assessments",
    "progress",
    "reports",
    "lifecycle",
    "portal",
]
INSTALLED_APPS = [
    "django.forms",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "import_export",
    "csp",
    *PROJECT_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outermost of the application middleware, so that it sees the final status code of every
    # request (including those answered by the middleware below it) and times all of it.
    "audit.middleware.AccessLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "trainees.sessions.IdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Before anything reads request.POST (the CSRF check, the views).
    "config.limits.RequestBodyLimitMiddleware",
    "config.limits.NulCharacterMiddleware",
    "config.limits.CacheUnavailableMiddleware",
    "trainees.middleware.AccountPolicyMiddleware",
    "trainees.middleware.NetworkAllowListMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Flash messages live in the session, not in a cookie (they can name people).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Form widgets render through the project's templates (templates/django/forms/: no maxlength that
# silently cuts pasted text).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
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
                "portal.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# What a read from an index costs the planner against a sequential read (PostgreSQL's default,
# 4, is a spinning disk's). The portal's working set — a city's 100,000 staff and a million
# places — sits in memory or on SSD; at 4 the planner hashed all 100,000 staff to find the
# organisations of a course's 4,000 places (HR's list of a course's reports 81 → 60 ms at 1.1)
# and the coordinator's and HR's homes read the staff the same way (−12 and −16 ms). Set for
# the portal's connections rather than the server's, so a shared server keeps its own; through
# PgBouncer, list "options" in its ignore_startup_parameters or set it on the server instead.
DATABASE_RANDOM_PAGE_COST = env_float("DATABASE_RANDOM_PAGE_COST", 1.1, minimum=0.1)
# Workers one query may add (PostgreSQL's max_parallel_workers_per_gather, 2 by default). The
# portal's requests run side by side; a query that starts workers takes the cores the others
# were using and pays for starting them. Under load at 25 users on two cores, without them
# the pages' median times were 13 % lower (the hours dashboard 265 → 205 ms, nominations
# 215 → 160, the session page 115 → 88), and no page measurably slower alone.
DATABASE_PARALLEL_WORKERS = env_int("DATABASE_PARALLEL_WORKERS", 0, minimum=0)
PG_SESSION_OPTIONS = (
    f"-c jit=off -c random_page_cost={DATABASE_RANDOM_PAGE_COST}"
    f" -c max_parallel_workers_per_gather={DATABASE_PARALLEL_WORKERS}"
)
DATABASE_URL = env_raw("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {
            "default": dj_database_url.parse(
                DATABASE_URL,
                conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
                conn_health_checks=True,
            )
        }
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL ({exc}).") from exc
    if DATABASES["default"]["ENGINE"] not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or sqlite:// URL.")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost: for the
        # dashboards' anti-joins over a city's target lists that took 270 ms of a 420 ms query
        # (the chase list), for plans that run in a tenth of that. The portal's queries are
        # short; none gains from JIT.
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "options": PG_SESSION_OPTIONS,
        }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "AUDIT_ASYNC_COMMIT", default=True
    ):
        # The access log is written on every request. On its own connection with asynchronous
        # commit, the insert does not wait for the WAL flush (about half its cost on a typical
        # disk). A PostgreSQL server crash can then lose the last fraction of a second of
        # access-log rows (never corrupt them); business data and audit events stay on the
        # default, synchronous connection. AUDIT_ASYNC_COMMIT=false makes every row durable.
        DATABASES["audit"] = {
            **DATABASES["default"],
            "OPTIONS": {
                **DATABASES["default"].get("OPTIONS", {}),
                "options": f"{PG_SESSION_OPTIONS} -c synchronous_commit=off",
            },
            "TEST": {"MIRROR": "default"},
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            "OPTIONS": {
                # Writers take the lock at BEGIN and queue behind each other (busy timeout)
                # instead of failing with "database is locked" half-way through a transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are PostgreSQL's, where the portal runs at scale; on SQLite, the
# embedded default, Django makes them plain indexes on their key columns, which is what SQLite
# needs, and would say so on every migrate.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# A streaming replica of the primary, read by the heavy read-only pages (dashboards, histories,
# results, exports) while it keeps up (lib/replica.py). Without it everything reads the primary.
DATABASE_REPLICA_URL = env_raw("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL.")
    replica = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
    DATABASES["replica"] = {
        **replica,
        "OPTIONS": {
            **replica.get("OPTIONS", {}),
            "connect_timeout": 2,
            "options": PG_SESSION_OPTIONS,
        },
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["lib.replica.ReplicaRouter"]
# Farther behind than this (and not caught up), the replica is not read; how often each
# process looks.
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5, minimum=0)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 5, minimum=1)

# --- Redis: cache and Celery broker ---------------------------------------------------------
REDIS_URL = env_raw("REDIS_URL") or None
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://.")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "kenshu"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Tokyo"
# Unacknowledged tasks of a worker that died are handed out again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
    # A running worker looks for such tasks every interval × throttle seconds (kombu: 10 × 10).
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10, minimum=1),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10, minimum=1),
}
# A delivery claimed by a worker that died is taken over after this many seconds.
DELIVERY_LEASE_SECONDS = env_int("DELIVERY_LEASE_SECONDS", 60, minimum=1)
# A background job running this long is presumed to have lost its worker and is run again
# (jobs.services.jobs_sweep); longer than the longest job.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 1800, minimum=60)
# A delivery still queued after this is handed to the broker again (its task was lost, e.g.
# Redis restarted without its data). Longer than the longest retry back-off (600 s).
DELIVERY_SWEEP_AFTER_SECONDS = env_int("DELIVERY_SWEEP_AFTER_SECONDS", 900, minimum=1)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {"task": "trainees.tasks.clear_expired_sessions", "schedule": 3600.0},
    # The dashboards' change notes (reports.freshness) summed to one row per table.
    "compact-data-changes": {"task": "reports.tasks.compact_data_changes", "schedule": 3600.0},
    # The current year's whole-ward dashboard figures counted again after a change (nothing
    # is counted while nothing changes).
    "warm-dashboard-figures": {"task": "reports.tasks.warm_dashboard_figures", "schedule": 60.0},
    "relay-outbox": {"task": "notices.tasks.relay_outbox", "schedule": 5.0},
    "sweep-jobs": {"task": "jobs.tasks.sweep_jobs", "schedule": 60.0},
    "sweep-deliveries": {"task": "notices.tasks.sweep_deliveries", "schedule": 60.0},
    # 08:00 Asia/Tokyo: people read reminders at the start of the working day.
    "send-reminders": {
        "task": "enrollments.tasks.send_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # Transfers planned ahead (職員情報登録): made early on their day, before anyone's pages.
    "apply-planned-transfers": {
        "task": "trainees.tasks.apply_planned_transfers",
        "schedule": crontab(hour=0, minute=10),
    },
    # 所属長承認: a reminder the day before the deadline; past it, the course's no-answer rule.
    "approvals-due": {"task": "enrollments.tasks.approvals_due", "schedule": 900.0},
    "refresh-completion": {
        "task": "progress.tasks.refresh_completion",
        "schedule": crontab(hour=1, minute=30),
    },
    # The audit tables' hash chains: sealed off the request path, verified every night.
    "seal-audit-chains": {
        "task": "audit.tasks.seal_audit_chains",
        "schedule": 30.0,
    },
    "verify-audit-chains": {
        "task": "audit.tasks.verify_audit_chains",
        "schedule": crontab(hour=2, minute=30),
    },
    # 定期的な分析: yesterday's log analysed after the verification (its result is a finding too),
    # one digest to the auditors; on the 1st, last month's report.
    "analyse-audit-log": {
        "task": "audit.tasks.analyse_audit_log",
        "schedule": crontab(hour=3, minute=0),
    },
    "daily-backup": {
        "task": "lifecycle.tasks.daily_backup",
        "schedule": crontab(hour=1, minute=0),
    },
    # 消去: what is past retention, erased on the 2nd of each month (a deletion report each run).
    "purge-expired": {
        "task": "lifecycle.tasks.purge_expired",
        "schedule": crontab(day_of_month=2, hour=3, minute=30),
    },
    "monthly-audit-report": {
        "task": "audit.tasks.make_monthly_audit_report",
        "schedule": crontab(day_of_month=1, hour=4, minute=0),
    },
    # Time-limited test attempts left open: submitted (with what was saved) within a minute.
    "close-expired-attempts": {
        "task": "assessments.tasks.close_expired_attempts",
        "schedule": 60.0,
    },
    # Anonymous survey answers become responses in batches (a batch that will not fill: after
    # SURVEY_RELEASE_AFTER_DAYS).
    "release-survey-responses": {
        "task": "assessments.tasks.release_survey_responses",
        "schedule": 3600.0,
    },
}
# Anonymous survey answers are written as responses in shuffled batches of at least this many
# (assessments/services/surveys.py), or after this many days when a batch will not fill.
SURVEY_RELEASE_BATCH = env_int("SURVEY_RELEASE_BATCH", 5, minimum=2)
SURVEY_RELEASE_AFTER_DAYS = env_int("SURVEY_RELEASE_AFTER_DAYS", 7, minimum=1)

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_HOST = env_raw("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("Set only one of EMAIL_USE_TLS and EMAIL_USE_SSL.")
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
else:
    # A newcomer can open each message as a file.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "研修管理システム <noreply@example.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts and authentication ------------------------------------------------------------
AUTH_USER_MODEL = "trainees.User"
# One backend: the same password work whether or not the login names an account.
AUTHENTICATION_BACKENDS = ["trainees.backends.LoginBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# Password-reset and invitation links (allauth's token generator, Django's): single use — the
# token is bound to the password and the last login, so it dies with the first new password or
# login — and valid for three days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
# Argon2id with OWASP's parameters (trainees/hashers.py); older hashes are upgraded at login.
# Django's own Argon2 hasher is not listed: one class per algorithm name, or its defaults would
# re-hash every login (the subclass reads any Argon2 hash: the parameters are in the hash).
PASSWORD_HASHERS = [
    "trainees.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

ACCOUNT_ADAPTER = "trainees.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "trainees.forms.LoginForm",
    # Addresses are the roster's (trainees/forms.py says why); reset mail to verified ones only.
    "add_email": "trainees.forms.RosterOwnedAddEmailForm",
    "reset_password": "trainees.forms.VerifiedResetPasswordForm",
}
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*"]  # sign-up itself is closed
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[研修管理システム] "
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = True  # admin roles are switched to browser-close sessions by middleware
ACCOUNT_USER_DISPLAY = "trainees.models.user_display"
# Login limits for a ward office behind one proxy address: thousands of staff share a client
# address, so nothing is counted per address alone except high ceilings (README, "Login rate
# limits"). Failed password logins: per account (whatever identifier is typed) and per account
# and address, in trainees/adapters.py; per address a ceiling, higher for TRUSTED_OFFICE_NETWORKS.
# Failed MFA codes: per account only (allauth's "login_failed" keyed by the user).
ACCOUNT_RATE_LIMITS = {
    # Per account (password: "account:<id>"; MFA: "mfa-auth-user-<id>"), never per address.
    "login_failed": env_str("RATE_LIMIT_LOGIN_FAILED", "30/15m/key"),
    # Every login POST from one address: a ceiling against floods, far above a 9:00 rush.
    "login": env_str("RATE_LIMIT_LOGIN", "1200/m/ip"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
# An account's failed logins from one address: what stops a guesser at their own machine without
# locking the owner, elsewhere, out.
RATE_LIMIT_LOGIN_FAILED_PAIR = env_str("RATE_LIMIT_LOGIN_FAILED_PAIR", "5/5m/key")
# Failed logins from one address, any account (password spraying): a ceiling for the internet,
# and a far higher one for the ward's own networks, where one address is a whole office.
RATE_LIMIT_LOGIN_FAILED_ADDRESS = env_str("RATE_LIMIT_LOGIN_FAILED_ADDRESS", "60/5m/key")
RATE_LIMIT_LOGIN_FAILED_OFFICE = env_str("RATE_LIMIT_LOGIN_FAILED_OFFICE", "1000/5m/key")


# The ward's office networks (its proxies' addresses), CIDR, comma-separated.
def _networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [ipaddress.ip_network(value, strict=False) for value in env_list(name)]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None


TRUSTED_OFFICE_NETWORKS = _networks("TRUSTED_OFFICE_NETWORKS")
# 特定相手以外との通信不可 (trainees.middleware.NetworkAllowListMiddleware): when set, the staff
# pages answer only to these client networks (the ward's intranet), and external organisations'
# trainees reach their e-learning only from EXTERNAL_LEARNING_NETWORKS (the ward's facilities).
STAFF_ALLOWED_NETWORKS = _networks("STAFF_ALLOWED_NETWORKS")
STAFF_NETWORK_PATHS = env_list("STAFF_NETWORK_PATHS", ["/hr/", "/audit/", "/admin/"])
EXTERNAL_LEARNING_NETWORKS = _networks("EXTERNAL_LEARNING_NETWORKS")
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_raw("TRUSTED_CLIENT_IP_HEADER") or None

MFA_ADAPTER = "trainees.adapters.MFAAdapter"
# An authenticator app is a second factor on top of the password: it does not need a verified
# e-mail address (without this, an account with an unverified one looped between the TOTP
# set-up, which allauth refused, and the forced set-up).
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_FORMS = {"activate_totp": "trainees.forms.SameSecretActivateTOTPForm"}
MFA_TOTP_ISSUER = "研修管理システム"

SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Activity pushes the expiry forward, so the age above is an idle timeout: at most once per
# SESSION_REFRESH_SECONDS (trainees/sessions.py), not with a session write on every request.
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60, minimum=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "kenshu_session"
CSRF_COOKIE_NAME = "kenshu_csrftoken"
# A failed CSRF check is an audit event (a forged request) before the usual 403 page.
CSRF_FAILURE_VIEW = "audit.views.csrf_failure"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
LANGUAGE_COOKIE_NAME = "kenshu_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(
    parents=True, exist_ok=True
)  # WhiteNoise warns about a missing root before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (/favicon.ico), served by WhiteNoise like static
# files: no access-log row, no 404 at every page.
WHITENOISE_ROOT = BASE_DIR / "deploy" / "root"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Course materials (教材) -------------------------------------------------------------------
# Private: never under a public URL. Every request goes through the portal's access check, which
# then streams the bytes itself (development), hands the file to nginx with X-Accel-Redirect
# (MATERIALS_SERVE=nginx, production), or redirects to a short-lived signed URL (S3).
MATERIALS_STORAGE = env_choice("MATERIALS_STORAGE", "filesystem", {"filesystem", "s3"})
MATERIALS_ROOT = Path(env_str("MATERIALS_ROOT", str(VAR_DIR / "materials")))
if MATERIALS_STORAGE == "s3":
    STORAGES["materials"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("MATERIALS_S3_BUCKET"),
            "endpoint_url": env_raw("MATERIALS_S3_ENDPOINT_URL"),
            "region_name": env_raw("MATERIALS_S3_REGION"),
            # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, read by boto3 itself.
            "default_acl": "private",
            "querystring_auth": True,
            "signature_version": "s3v4",
            "querystring_expire": env_int("MATERIALS_S3_URL_SECONDS", 300, minimum=30),
            "file_overwrite": False,
        },
    }
else:
    STORAGES["materials"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MATERIALS_ROOT, "base_url": "/_materials/"},
    }
MATERIALS_SERVE = env_choice("MATERIALS_SERVE", "django", {"django", "nginx"})

# 国内法が適用されるサーバ環境 (config/residency.py): DATA_RESIDENCY=JP refuses to start with an
# SMTP server or object storage outside RESIDENCY_ALLOWED_HOSTS (or, for AWS S3, outside Japan).
DATA_RESIDENCY = env_choice("DATA_RESIDENCY", "", {"", "JP"})
RESIDENCY_ALLOWED_HOSTS = env_list("RESIDENCY_ALLOWED_HOSTS", [])
if DATA_RESIDENCY == "JP":
    _outside = residency_violations(
        email_host=EMAIL_HOST,
        s3=STORAGES["materials"]["OPTIONS"] if MATERIALS_STORAGE == "s3" else None,
        allowed=RESIDENCY_ALLOWED_HOSTS,
    )
    if _outside:
        raise ImproperlyConfigured("DATA_RESIDENCY=JP: " + "; ".join(_outside))
# nginx's `internal` location that maps onto MATERIALS_ROOT (deploy/nginx.conf).
MATERIALS_ACCEL_PREFIX = env_str("MATERIALS_ACCEL_PREFIX", "/_materials/")
MATERIALS_MAX_UPLOAD_BYTES = env_int("MATERIALS_MAX_UPLOAD_MB", 1024, minimum=1) * 1024 * 1024
# Viewing progress: how much faster than real time the played ranges may grow between two
# reports (1.0 = normal speed; the player offers no faster speed than this), plus a few
# seconds' slack for network delay.
MATERIALS_MAX_PLAYBACK_RATE = env_float("MATERIALS_MAX_PLAYBACK_RATE", 1.0, minimum=0.5)
MATERIALS_PROGRESS_SLACK_SECONDS = env_int("MATERIALS_PROGRESS_SLACK_SECONDS", 5, minimum=0)

# --- Security headers -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # allauth draws the TOTP QR code as a data: URI.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if PRODUCTION:
    # TLS terminates at the reverse proxy (nginx), which sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# --- Roster import ----------------------------------------------------------------------------
ROSTER_MAX_UPLOAD_BYTES = env_int("ROSTER_MAX_UPLOAD_MB", 20, minimum=1) * 1024 * 1024
# Django's own cap on a request body must let the upload through to our clearer message.
DATA_UPLOAD_MAX_MEMORY_SIZE = ROSTER_MAX_UPLOAD_BYTES + 1024 * 1024
# A roster or history file larger than this is checked by a background job with its own page
# rather than in the upload's request: a 4,000-row roster (0.5 MB) is checked in 0.3 s, 20,000
# rows (2.7 MB) in 1.1 s, 100,000 (14 MB) in 5.7 s on this machine.
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_KB", 2048, minimum=0) * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# ウイルス対策 (lib/scanning.py, config/uploads.py): every upload scanned by clamd as it arrives.
# CLAMD_SOCKET (a Unix socket path) or CLAMD_HOST/CLAMD_PORT; unset, nothing is scanned and the
# auditor's checklist says so. A scanner that does not answer refuses uploads unless
# CLAMD_FAIL_OPEN (development only). Large materials need clamd's StreamMaxLength raised.
FILE_UPLOAD_HANDLERS = [
    "config.uploads.ScanningMemoryFileUploadHandler",
    "config.uploads.ScanningTemporaryFileUploadHandler",
]
CLAMD_SOCKET = env_raw("CLAMD_SOCKET")
CLAMD_HOST = env_raw("CLAMD_HOST")
CLAMD_PORT = env_int("CLAMD_PORT", 3310, minimum=1)
CLAMD_TIMEOUT = env_int("CLAMD_TIMEOUT", 120, minimum=1)
CLAMD_FAIL_OPEN = env_bool("CLAMD_FAIL_OPEN", default=False)
if PRODUCTION and CLAMD_FAIL_OPEN:
    raise ImproperlyConfigured("CLAMD_FAIL_OPEN must not be true when DJANGO_ENV=production.")

# Excel files people upload (lib/xlsx.py): refused before parsing beyond these.
XLSX_MAX_UNPACKED_MB = env_int("XLSX_MAX_UNPACKED_MB", 100, minimum=1)
XLSX_MAX_SHARED_STRINGS_MB = env_int("XLSX_MAX_SHARED_STRINGS_MB", 50, minimum=1)
XLSX_MAX_COLUMNS = 200
XLSX_MAX_ROWS = 200_002  # the roster's 200,000 rows, a header and a spare

# --- Request bodies (config/limits.py; nginx's client_max_body_size says the same) -----------
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_KB", 2048, minimum=64) * 1024
_MULTIPART_SLACK = 1024 * 1024  # the form's other fields and the multipart framing
REQUEST_BODY_LIMITS = {
    "material_create": MATERIALS_MAX_UPLOAD_BYTES + _MULTIPART_SLACK,
    "roster_imports": ROSTER_MAX_UPLOAD_BYTES + _MULTIPART_SLACK,
    "history_imports": ROSTER_MAX_UPLOAD_BYTES + _MULTIPART_SLACK,
    "admin:trainees_organisation_import": ROSTER_MAX_UPLOAD_BYTES + _MULTIPART_SLACK,
    "admin:trainees_organisation_process_import": ROSTER_MAX_UPLOAD_BYTES + _MULTIPART_SLACK,
}

# --- Audit ----------------------------------------------------------------------------------
AUDIT_DB_ALIAS = "audit" if "audit" in DATABASES else "default"
# Paths answered without an access-log row: the container health probe (every few seconds,
# carries no personal data). Static files are served by WhiteNoise before the audit middleware.
AUDIT_EXEMPT_PATHS = {"/healthz"}
# Hash chains over the audit tables (audit/chain.py): rows are sealed once older than this (a
# transaction still open may hold a lower id), in runs of at most AUDIT_SEAL_BATCH rows. Heads
# kept outside the portal are signed with AUDIT_HEAD_KEY (with the keys above).
AUDIT_SEAL_LAG_SECONDS = env_int("AUDIT_SEAL_LAG_SECONDS", 120, minimum=0)
AUDIT_SEAL_BATCH = env_int("AUDIT_SEAL_BATCH", 20_000, minimum=1)
# An export records one 閲覧記録 per person in it up to this many people; a larger one keeps only
# the count and the keyed hash of the id list in its audit event (audit/services.py).
AUDIT_EXPORT_VIEW_LIMIT = env_int("AUDIT_EXPORT_VIEW_LIMIT", 5_000, minimum=0)
# ファイルにパスワード (audit/exports.py): exports of personal data ask for the password again first
# (within ACCOUNT_REAUTHENTICATION_TIMEOUT of the last time it was entered), and with
# EXPORT_PROTECTION_REQUIRED leave only as password-protected Excel files.
# 消去 (lifecycle/services.py): how long each kind of personal data is kept; past it, the monthly
# purge erases or anonymises it and files a deletion report. README "Retention and erasure".
RETENTION = {
    "leaver_years": env_int("RETENTION_LEAVER_YEARS", 5, minimum=1),
    "log_years": env_int("RETENTION_LOG_YEARS", 5, minimum=1),
    "free_text_years": env_int("RETENTION_FREE_TEXT_YEARS", 5, minimum=1),
    "import_file_days": env_int("RETENTION_IMPORT_FILE_DAYS", 30, minimum=1),
    "export_file_days": env_int("RETENTION_EXPORT_FILE_DAYS", 7, minimum=1),
}
# バックアップ (lifecycle/backup.py): the nightly encrypted archive. BACKUP_KEY is a Fernet key (32
# random bytes, URL-safe base64) kept apart from the copies; without it nothing is backed up.
BACKUP_KEY = env_raw("BACKUP_KEY") or ""
BACKUP_DIR = env_str("BACKUP_DIR", str(VAR_DIR / "backups"))
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7, minimum=1)
BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 12, minimum=0)
# One line per person erased, outside the database and its backups: a restore re-applies them.
ERASURE_JOURNAL = env_str("ERASURE_JOURNAL", str(VAR_DIR / "erasure-journal.jsonl"))
EXPORT_REAUTHENTICATION = env_bool("EXPORT_REAUTHENTICATION", default=True)
# The password again before the admin saves an account (roles, e-mail, active, password) or
# removes an authenticator (trainees/admin.py).
ADMIN_REAUTHENTICATION = env_bool("ADMIN_REAUTHENTICATION", default=True)
EXPORT_PROTECTION_REQUIRED = env_bool("EXPORT_PROTECTION_REQUIRED", default=False)
# A lottery among more places than this is drawn by a background job (each place decided,
# recorded and told: about 3 ms a place at 100,000 staff, so 300 take about a second).
LOTTERY_BACKGROUND_ENTRANTS = env_int("LOTTERY_BACKGROUND_ENTRANTS", 300, minimum=0)
# An export of more rows than this (the registry, a chase list, the audit log) is made by a
# background job with a progress bar instead of in the request (jobs/background.py). At 5,000
# rows a CSV takes about 0.3 s and an XLSX about 1.5 s; 100,000 staff as XLSX take 31 s.
EXPORT_BACKGROUND_ROWS = env_int("EXPORT_BACKGROUND_ROWS", 5_000, minimum=0)

# 定期的な分析 (audit/analysis.py): the daily log analysis's thresholds, per person or address
# and day unless said otherwise. README "Log analysis" explains each.
AUDIT_ANALYSIS = {
    # failed logins for one login ID / from one address in a day
    "failed_logins_per_account": env_int("AUDIT_FAILED_LOGINS_PER_ACCOUNT", 5, minimum=1),
    "failed_logins_per_address": env_int("AUDIT_FAILED_LOGINS_PER_ADDRESS", 20, minimum=1),
    # ... from an address in TRUSTED_OFFICE_NETWORKS (one proxy address is a whole office)
    "failed_logins_per_office_address": env_int(
        "AUDIT_FAILED_LOGINS_PER_OFFICE_ADDRESS", 300, minimum=1
    ),
    # office hours (local time, [start, end)); weekends, national holidays (jpholiday) and the
    # year-end closure (12/29–1/3) are outside them all day
    "office_hours_start": env_int("AUDIT_OFFICE_HOURS_START", 7, minimum=0),
    "office_hours_end": env_int("AUDIT_OFFICE_HOURS_END", 22, minimum=1),
    # different people whose data one person saw on pages in a day
    "mass_view_subjects": env_int("AUDIT_MASS_VIEW_SUBJECTS", 100, minimum=1),
    # exports by one person in a day, or people in them altogether
    "exports_per_day": env_int("AUDIT_EXPORTS_PER_DAY", 20, minimum=1),
    "export_subjects_per_day": env_int("AUDIT_EXPORT_SUBJECTS_PER_DAY", 20_000, minimum=1),
    # refused requests (403/404) by one person or address within one hour
    "refused_per_hour": env_int("AUDIT_REFUSED_PER_HOUR", 30, minimum=1),
    # forged or refused requests for someone else's data by one person in a day
    "forged_per_day": env_int("AUDIT_FORGED_PER_DAY", 3, minimum=1),
    # a privileged account's login from a network (/24, IPv6 /48) not seen in this many days
    "network_lookback_days": env_int("AUDIT_NETWORK_LOOKBACK_DAYS", 90, minimum=1),
}

# --- Logging: no personal data, one line per event, tagged with the request id --------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "audit.logging.RequestIdFilter"},
        # runserver's request lines carry the query string, which can hold a searched name.
        "strip_query": {"()": "audit.logging.StripQueryStringFilter"},
        # Secret paths (reset links, verification codes) as the access log stores them.
        "redact_paths": {"()": "audit.logging.RedactPathsFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "redact_paths"],
        },
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "strip_query", "redact_paths"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's request logger prints the path only; never the body or query values.
        "django.request": {"level": "WARNING"},
        "django.security": {"level": "WARNING"},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
    },
}

ADMINS: list[tuple[str, str]] = []
