"""The host's configuration: its declared keys, the internal defaults, the secret key."""

from __future__ import annotations

import secrets
from pathlib import Path

from host.configuration import Config, ConfigKey

# The addons shipped with the host, loaded in this order of listing (the load
# order itself follows their ``depends``).
BUILTIN_ADDONS = (
    "addons.iap.plugin",
    "addons.sms.plugin",
    "addons.digitization.plugin",
    "addons.snailmail.plugin",
    "addons.partner_autocomplete.plugin",
    "addons.itsme_sign.plugin",
    "addons.lead_generation.plugin",
)


def contract(instance_path: str) -> Config:
    """The host's own keys, read like every addon's (see :mod:`host.configuration`)."""
    return Config(
        "HOST",
        ConfigKey(
            name="DATABASE_URL",
            default=f"sqlite:///{Path(instance_path) / 'iap.db'}",
            meaning="`sqlite:///path.db` or `postgresql://user:pass@host:5432/name`",
            example="sqlite:///elsewhere.db",
            secret=False,
        ),
        ConfigKey(
            name="REDIS_URL",
            default=None,
            meaning="Job queue and public endpoints' rate-limit counts on Redis; unset: "
            "queue on SQLite (`instance/jobs.db`), counts in the database",
            example="redis://127.0.0.1:6379/9",
        ),
        ConfigKey(
            name="SECRET_KEY",
            default=None,
            meaning="Signs sessions; unset: generated into `instance/secret_key`",
            secret=True,
        ),
        ConfigKey(
            name="MAIL_SERVER",
            default=None,
            meaning="SMTP server; unset: mails are kept on the admin **Outbox** page",
            example="smtp.example.com",
        ),
        ConfigKey(name="MAIL_PORT", default=25, type=int, minimum=1, meaning="SMTP port"),
        ConfigKey(name="MAIL_USERNAME", default=None, meaning="SMTP user"),
        ConfigKey(name="MAIL_PASSWORD", default=None, meaning="SMTP password", secret=True),
        ConfigKey(name="MAIL_USE_TLS", default=False, type=bool, meaning="STARTTLS"),
        ConfigKey(name="MAIL_USE_SSL", default=False, type=bool, meaning="SMTP over TLS"),
        ConfigKey(
            name="MAIL_DEFAULT_SENDER",
            default="IAP Host <noreply@localhost>",
            meaning="The From of the mails the app sends",
        ),
        ConfigKey(
            name="SESSION_COOKIE_SECURE",
            default=None,
            type=bool,
            meaning="Session cookies only over HTTPS; unset: `true` when `HOST_BASE_URL` "
            "is `https://…`",
        ),
        ConfigKey(
            name="HOST_BASE_URL",
            default="http://127.0.0.1:5000",
            meaning="Public URL, used in mails and provider callbacks",
            example="https://iap.example.com",
        ),
        ConfigKey(
            name="HOST_PROXIES",
            default=0,
            type=int,
            minimum=0,
            meaning="Number of reverse proxies in front of the app whose `X-Forwarded-*` "
            "headers are trusted",
        ),
        # A session ends after this long without a request, and after its
        # absolute lifetime whatever happens (the cookie expires with it).
        ConfigKey(
            name="HOST_SESSION_IDLE_TIMEOUT",
            default=2 * 60 * 60,
            type=int,
            minimum=60,
            meaning="Seconds without a request after which a session ends",
        ),
        ConfigKey(
            name="HOST_SESSION_LIFETIME",
            default=12 * 60 * 60,
            type=int,
            minimum=60,
            meaning="Seconds after login after which a session ends whatever happens",
        ),
        ConfigKey(
            name="HOST_SECRETS_KEY",
            default=None,
            meaning="Encrypts the provider secrets saved on the Settings page (Twilio "
            "token…), kept out of the database; unset: derived from `SECRET_KEY`",
            secret=True,
        ),
        ConfigKey(
            name="HOST_LOAD_ENTRY_POINTS",
            default=True,
            type=bool,
            meaning="Load third-party addons from the `iap_host.addons` entry points",
        ),
        ConfigKey(
            name="HOST_JOBS_IMMEDIATE",
            default=False,
            type=bool,
            meaning="Run jobs in the web process as they are queued (tests, debugging)",
        ),
        ConfigKey(
            name="IAP_HOST_TRACE_HOOKS",
            default=False,
            type=bool,
            meaning="Log every hook call and the addons that answered it",
        ),
        also=("DATABASE", "REDIS", "SECRET", "MAIL", "SESSION", "IAP_HOST"),
    )


def defaults(instance_path: str) -> dict:
    return {
        "HOST_JOBS_PATH": str(Path(instance_path) / "jobs.db"),
        "HOST_BUILTIN_ADDONS": BUILTIN_ADDONS,
        "HOST_EXTRA_ADDONS": (),
        "HOST_PAGE_SIZE": 50,
        # Names the public endpoints' rate-limit counts in Redis (with REDIS_URL).
        "HOST_RATE_PREFIX": "iap_host.rate:",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        # Bodies sent to public endpoints (webhooks): refused above this size.
        "HOST_PUBLIC_MAX_BODY": 1024 * 1024,
    }


def persistent_secret_key(instance_path: str) -> str:
    """A secret key kept in the instance folder, so sessions survive restarts.
    Created 0600 from the start: never readable by another local user."""
    from host.private_files import read_key

    return read_key(Path(instance_path) / "secret_key", lambda: secrets.token_urlsafe(48))
