"""Hooks the lead_generation addon publishes for addons that depend on ``lead_generation``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from host import Hooks, hookspec

if TYPE_CHECKING:  # pragma: no cover
    from addons.lead_generation.providers.base import LeadProvider


@hookspec
def lead_generation_providers() -> list[LeadProvider]:
    """Lead providers that find companies and reveal website visitors
    (``local``, ``remote``…).

    Called whenever a mining request runs, the reveal job sends a batch, and
    the mining form asks which countries have state data. The provider whose
    ``key`` is ``LEAD_GENERATION_PROVIDER`` (default ``local``) answers.
    ``search`` and ``reveal`` run outside any database transaction and never
    charge: the addon charges exactly what they return. They raise
    :class:`addons.lead_generation.providers.base.ProviderError` (``code``
    ``no_result``, ``credits``, ``timeout`` or ``error``) when they cannot answer.

    :return: :class:`addons.lead_generation.providers.base.LeadProvider` objects, new ones per call.
    """


class LeadGenerationHooks(Hooks):
    """Typed calls: ``hooks(LeadGenerationHooks).lead_generation_providers()``."""

    def lead_generation_providers(self) -> list[LeadProvider]:
        from addons.lead_generation.providers.base import LeadProvider

        return self._collect(self._hook.lead_generation_providers, LeadProvider)
