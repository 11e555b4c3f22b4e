"""Hooks the snailmail addon publishes for addons that depend on ``snailmail``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from host import Hooks, hookspec

if TYPE_CHECKING:  # pragma: no cover
    from addons.snailmail.providers.base import PrintShop


@hookspec
def snailmail_print_shops() -> list[PrintShop]:
    """Print shops that post letters (``outbox``, ``pingen``…).

    Called whenever a letter is handed over or canceled, and when the
    Settings page lists the shops to choose from; the one whose ``key`` the
    admin chose (default ``SNAILMAIL_PROVIDER``, ``outbox``) posts every
    letter. Keys are unique across addons. A shop's ``submit(letter)`` runs
    outside any database transaction while the letter's credits are held:
    returning :class:`addons.snailmail.providers.base.Handed` captures them,
    raising :class:`addons.snailmail.providers.base.ShopError` releases them.
    ``submit`` must be idempotent on ``letter.uid`` (a retry after a crash
    hands the same letter over again).

    :return: :class:`addons.snailmail.providers.base.PrintShop` objects, new ones per call.
    """


class SnailmailHooks(Hooks):
    """Typed calls of the hooks above: ``hooks(SnailmailHooks).snailmail_print_shops()``."""

    def snailmail_print_shops(self) -> list[PrintShop]:
        from addons.snailmail.providers.base import PrintShop

        return self._collect(self._hook.snailmail_print_shops, PrintShop)
