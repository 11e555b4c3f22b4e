"""The lead_generation addon's settings (``LEAD_GENERATION_*``) and its provider."""

from __future__ import annotations

from flask import current_app

from host import Config, ConfigKey, hooks

CONFIG = Config(
    "LEAD_GENERATION",
    ConfigKey(
        name="LEAD_GENERATION_PROVIDER",
        default="local",
        example="remote",
        announce=True,
        meaning="`local` (the dataset loaded with `iap-host lead-generation load`) or `remote` "
        "(a JSON-RPC lead mining service)",
    ),
    ConfigKey(
        name="LEAD_GENERATION_REMOTE_URL",
        default="https://iap-services.odoo.com",
        example="http://127.0.0.1:9",
        meaning="The remote provider's base URL (`/iap/clearbit/1/lead_mining_request` and "
        "`/iap/clearbit/1/reveal` under it)",
    ),
    ConfigKey(
        name="LEAD_GENERATION_REMOTE_TOKEN",
        default="",
        secret=True,
        meaning="The account token sent to the remote provider",
    ),
    ConfigKey(
        name="LEAD_GENERATION_TIMEOUT",
        default=30.0,
        type=float,
        minimum=0.1,
        meaning="Seconds the remote provider may take to answer",
    ),
    ConfigKey(
        name="LEAD_GENERATION_REVEAL_BATCH",
        default=25,
        type=int,
        minimum=1,
        meaning="Visitor IPs sent to the provider per call",
    ),
    ConfigKey(
        name="LEAD_GENERATION_SUPPRESS_DAYS",
        default=180,
        type=int,
        minimum=1,
        meaning="Days during which an IP that produced a lead is not sent again",
    ),
)


def value(name: str):
    return current_app.config[f"LEAD_GENERATION_{name.upper()}"]


def providers() -> dict:
    from addons.lead_generation.hookspecs import LeadGenerationHooks

    return {p.key: p for p in hooks(LeadGenerationHooks).lead_generation_providers()}


def provider():
    """The provider named by ``LEAD_GENERATION_PROVIDER``."""
    from addons.lead_generation.providers.base import ProviderError

    key = value("provider")
    found = providers().get(key)
    if found is None:
        raise ProviderError("error", f"The lead provider {key!r} is not available.")
    return found
