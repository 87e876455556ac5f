"""Settings for the connector. Every value comes from the environment (see README's table)."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from connector.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CONNECTOR_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("CONNECTOR_TESTING", False)


def _dev_secret(filename: str, make: object) -> str:
    """A secret kept under var/ for development only; production must set it explicitly."""
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(make())  # type: ignore[operator]
        path.chmod(0o600)
    return path.read_text().strip()


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = _dev_secret("dev-secret-key", lambda: secrets.token_urlsafe(50))

TOKEN_ENCRYPTION_KEYS = env_list("TOKEN_ENCRYPTION_KEYS")
if not TOKEN_ENCRYPTION_KEYS:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS must be set when DEBUG is off")
    TOKEN_ENCRYPTION_KEYS = [_dev_secret("dev-token-key", _fernet_key)]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if (DEBUG or TESTING) else [])
CONNECTOR_PUBLIC_URL = env_url("CONNECTOR_PUBLIC_URL", "http://127.0.0.1:8000")
CONNECTOR_EMULATORS = env_bool("CONNECTOR_EMULATORS", TESTING)  # tests/conftest.py sets it too late
CSRF_TRUSTED_ORIGINS = [CONNECTOR_PUBLIC_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_q",
    "import_export",
    "accounts",
    "connector",
    "syncjobs",
]
if CONNECTOR_EMULATORS:
    INSTALLED_APPS.append("emulators")  # demo and tests: their tables never exist in production

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
ROOT_URLCONF = "connector.urls"
WSGI_APPLICATION = "connector.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'connector.sqlite3'}"), base_dir=BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "connector_cache"}}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"] if TESTING else
    ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)

# django-allauth: login by email; sign-up only through an invitation (accounts.adapter).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapter.InvitationOnlyAdapter"
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "connect:home"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "connector@localhost")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CONNECTOR_PUBLIC_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The job ledger (syncjobs). Attempts include the ones that killed their worker.
# Prefix of rate-limit keys in Redis, for several deployments sharing one Redis server.
RATE_LIMIT_NAMESPACE = env_str("RATE_LIMIT_NAMESPACE")
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 5, minimum=1)
JOB_CLAIM_SECONDS = env_int("JOB_CLAIM_SECONDS", 120, minimum=5)
JOB_DRAIN_SECONDS = env_int("JOB_DRAIN_SECONDS", 25, minimum=1)
# A burst of commits wakes the workers once per interval (plus once after the burst), not per job.
JOB_DOORBELL_INTERVAL_SECONDS = env_float("JOB_DOORBELL_INTERVAL_SECONDS", 0.2, minimum=0.0)
# The job kinds this application runs and their handlers (syncjobs.registry reads it).
JOB_REGISTRY = "connector.jobs"
# Test-only job kinds ("kind=module:function,..."): the reliability suite's poison jobs. Ignored
# outside tests so no deployment can be made to run arbitrary code through the environment.
JOB_EXTRA_HANDLERS: dict[str, str] = (
    dict(item.split("=", 1) for item in env_list("JOB_EXTRA_HANDLERS", []) if "=" in item) if TESTING else {}
)
# How long a process remembers the connection a webhook address names (intake_systems.py).
WEBHOOK_CONNECTION_CACHE_SECONDS = env_float("WEBHOOK_CONNECTION_CACHE_SECONDS", 5.0, minimum=0.0)
# Threads per web process for the site's pages under the ASGI server (connector/asgi.py).
WEB_THREADS = env_int("WEB_THREADS", 16, minimum=1)
HTTP_TIMEOUT_SECONDS = env_int("HTTP_TIMEOUT_SECONDS", 20, minimum=1)

# django-q2 only wakes workers; the job table in syncjobs is the truth. `retry` must exceed
# `timeout`, or the ORM broker re-delivers a task that is still running.
Q_CLUSTER: dict[str, object] = {
    "name": "connector",
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": JOB_DRAIN_SECONDS + JOB_CLAIM_SECONDS,
    "retry": JOB_DRAIN_SECONDS + JOB_CLAIM_SECONDS + 60,
    "max_attempts": 1,
    "ack_failures": True,
    "queue_limit": 4,
    "save_limit": 200,
    "catch_up": False,
    "poll": 0.1,
    "label": "Task queue (superusers only)",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Platforms (each platform's folder documents its own settings). Every API address is overridable
# so the same clients talk to the emulators, a sandbox, or production.
# --- QuickBooks Online
QUICKBOOKS_CLIENT_ID = env_str("QUICKBOOKS_CLIENT_ID")
QUICKBOOKS_CLIENT_SECRET = env_str("QUICKBOOKS_CLIENT_SECRET")
QUICKBOOKS_ENVIRONMENT = env_choice("QUICKBOOKS_ENVIRONMENT", ("sandbox", "production"), "sandbox")
QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = env_str("QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN")
QUICKBOOKS_API_BASE_URL = env_str("QUICKBOOKS_API_BASE_URL")  # empty: by QUICKBOOKS_ENVIRONMENT
QUICKBOOKS_DISCOVERY_URL = env_str("QUICKBOOKS_DISCOVERY_URL")  # empty: by QUICKBOOKS_ENVIRONMENT
# --- Shopify
SHOPIFY_CLIENT_ID = env_str("SHOPIFY_CLIENT_ID")
SHOPIFY_CLIENT_SECRET = env_str("SHOPIFY_CLIENT_SECRET")
SHOPIFY_API_VERSION = env_str("SHOPIFY_API_VERSION", "2025-10")
SHOPIFY_SHOP_URL_TEMPLATE = env_str("SHOPIFY_SHOP_URL_TEMPLATE", "https://{shop}")
# --- WooCommerce (the site URL is given by the user when connecting)
# --- OpenCart (the store's MySQL / MariaDB database; the DSN is given when connecting)
OPENCART_DB_CONNECT_TIMEOUT = env_int("OPENCART_DB_CONNECT_TIMEOUT", 10, minimum=1)
OPENCART_DB_READ_TIMEOUT = env_int("OPENCART_DB_READ_TIMEOUT", 60, minimum=1)
OPENCART_TEST_DATABASE_URL = env_str("OPENCART_TEST_DATABASE_URL")  # the emulator's MariaDB (demo, tests)
# --- eBay
EBAY_CLIENT_ID = env_str("EBAY_CLIENT_ID")
EBAY_CLIENT_SECRET = env_str("EBAY_CLIENT_SECRET")
EBAY_RUNAME = env_str("EBAY_RUNAME")
EBAY_ENVIRONMENT = env_choice("EBAY_ENVIRONMENT", ("sandbox", "production"), "sandbox")
EBAY_VERIFICATION_TOKEN = env_str("EBAY_VERIFICATION_TOKEN")
EBAY_API_BASE_URL = env_str("EBAY_API_BASE_URL")  # empty: by EBAY_ENVIRONMENT
EBAY_AUTH_BASE_URL = env_str("EBAY_AUTH_BASE_URL")  # empty: by EBAY_ENVIRONMENT
# The Marketplace Account Deletion endpoint exactly as registered with eBay (its challenge hash
# covers it); empty: CONNECTOR_PUBLIC_URL + the request's path.
EBAY_NOTIFICATION_ENDPOINT = env_str("EBAY_NOTIFICATION_ENDPOINT")
# --- OpenCart (a database DSN per connection)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "connector.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django_q": {"level": "WARNING"}},
}

# Emulators: how their webhooks reach us ("thread", "sync" or "manual"; see emulators/outbox.py).
EMULATOR_WEBHOOK_DELIVERY = env_choice("EMULATOR_WEBHOOK_DELIVERY", ("thread", "sync", "manual"), "thread")

# With the emulators mounted (demo, tests), platform app credentials default to the values the
# emulators accept, so `make demo` works with no set-up. Real deployments set their own.
if CONNECTOR_EMULATORS:
    QUICKBOOKS_CLIENT_ID = QUICKBOOKS_CLIENT_ID or "emulator-quickbooks-client"
    QUICKBOOKS_CLIENT_SECRET = QUICKBOOKS_CLIENT_SECRET or "emulator-quickbooks-secret"
    QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN or "emulator-verifier-token"
    SHOPIFY_CLIENT_ID = SHOPIFY_CLIENT_ID or "emulator-shopify-client"
    SHOPIFY_CLIENT_SECRET = SHOPIFY_CLIENT_SECRET or "emulator-shopify-secret"
    EBAY_CLIENT_ID = EBAY_CLIENT_ID or "emulator-ebay-client"
    EBAY_CLIENT_SECRET = EBAY_CLIENT_SECRET or "emulator-ebay-secret"
    EBAY_RUNAME = EBAY_RUNAME or "emulator-runame"
    EBAY_VERIFICATION_TOKEN = EBAY_VERIFICATION_TOKEN or "emulator-ebay-verification-token-0123456789"
    # The connect button and the deletion endpoint's public-key lookup go to the emulator too.
    EBAY_API_BASE_URL = EBAY_API_BASE_URL or CONNECTOR_PUBLIC_URL.rstrip("/") + "/_emulators/ebay"
