"""Configuration: defaults, then a config file, then the environment, then the caller's."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# The addons shipped with the host, loaded in this order of listing (the load
# order itself follows their ``depends``). Partner Autocomplete, Snailmail,
# Lead Generation and itsme join this list when they are written.
BUILTIN_ADDONS = (
    "addons.iap.plugin",
    "addons.sms.plugin",
    "addons.digitization.plugin",
    "addons.snailmail.plugin",
    "addons.partner_autocomplete.plugin",
)

# Read from the environment when set; everything else comes from a config file.
ENVIRONMENT_KEYS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_DEFAULT_SENDER",
    "SESSION_COOKIE_SECURE",
    "HOST_BASE_URL",
    "HOST_PROXIES",
    "HOST_SESSION_IDLE_TIMEOUT",
    "HOST_SESSION_LIFETIME",
    "HOST_LOAD_ENTRY_POINTS",
    "HOST_JOBS_IMMEDIATE",
    "IAP_EDITION",
    "IAP_SUBSCRIPTION_EXPIRES",
    "STRIPE_API_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
)

SECRET_KEYS = ("SECRET_KEY", "MAIL_PASSWORD", "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET")


def defaults(instance_path: str) -> dict:
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'iap.db'}",
        "REDIS_URL": None,
        "HOST_JOBS_PATH": str(Path(instance_path) / "jobs.db"),
        "HOST_JOBS_IMMEDIATE": False,
        "HOST_BUILTIN_ADDONS": BUILTIN_ADDONS,
        "HOST_EXTRA_ADDONS": (),
        "HOST_LOAD_ENTRY_POINTS": True,
        "HOST_BASE_URL": "http://127.0.0.1:5000",
        "HOST_PAGE_SIZE": 50,
        "MAIL_SERVER": None,
        "MAIL_DEFAULT_SENDER": "IAP Host <noreply@localhost>",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # None: secure cookies when HOST_BASE_URL is https (see ``create_app``).
        "SESSION_COOKIE_SECURE": None,
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        # Seconds: a session ends after this long without a request, and after
        # its absolute lifetime whatever happens (the cookie expires with it).
        "HOST_SESSION_IDLE_TIMEOUT": 2 * 60 * 60,
        "HOST_SESSION_LIFETIME": 12 * 60 * 60,
    }


def from_environment(environ=os.environ) -> dict:
    found = {}
    for key in ENVIRONMENT_KEYS:
        if key in environ:
            found[key] = _coerce(environ[key])
    return found


def _coerce(value: str):
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "1", "on"):
        return True
    if lowered in ("false", "no", "0", "off"):
        return False
    if lowered.isdigit():
        return int(lowered)
    return value


def persistent_secret_key(instance_path: str) -> str:
    """A secret key kept in the instance folder, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
