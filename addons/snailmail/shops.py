"""The print shops of the enabled addons, and the one chosen in Settings."""

from __future__ import annotations

from addons.snailmail import config
from addons.snailmail.hookspecs import SnailmailHooks
from addons.snailmail.providers.base import PrintShop, ShopError
from host import hooks


def available() -> dict[str, PrintShop]:
    return {shop.key: shop for shop in hooks(SnailmailHooks).snailmail_print_shops()}


def get(key: str) -> PrintShop:
    shop = available().get(key)
    if shop is None:
        raise ShopError(f"The print shop {key!r} is not available: choose one in Settings.")
    return shop


def active() -> PrintShop:
    return get(config.get("provider"))
