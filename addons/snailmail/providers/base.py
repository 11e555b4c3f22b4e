"""The print shop interface, and the errors a shop answers with."""

from __future__ import annotations

from typing import NamedTuple

from addons.snailmail.errors import UNKNOWN_ERROR


class ShopError(Exception):
    """The shop did not take the letter; nothing is charged.

    ``code`` is a letter error code (``UNKNOWN_ERROR`` for a timeout or a
    server error, ``FORMAT_ERROR`` for a document it refused). ``maybe_taken``
    is true when the shop may have created the letter despite the error (a
    timeout, a 5xx): a retry then reuses the letter's idempotency key so the
    shop never posts it twice.
    """

    def __init__(self, message: str, *, code: str = UNKNOWN_ERROR, maybe_taken: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.maybe_taken = maybe_taken


class Outgoing(NamedTuple):
    """One letter to hand over: ``uid`` is its idempotency key at the shop."""

    id: int
    uid: str
    pdf: bytes
    filename: str
    window: str  # right or left: where the address is
    color: bool
    duplex: bool
    delivery: str  # standard, priority, registered
    country: str


class Handed(NamedTuple):
    """The shop took the letter: its id there and its state (``accepted``, ``submitted``…)."""

    provider_id: str
    state: str


class PrintShop:
    """Base class of print shops.

    ``submit`` runs outside any database transaction while the letter's
    credits are held: it returns :class:`Handed` when the shop accepted the
    letter (the credits are captured) or raises :class:`ShopError` (they are
    released). It must be idempotent on ``letter.uid``. ``cancel`` raises
    :class:`ShopError` when the shop can no longer stop the letter.
    """

    key = ""
    name = ""
    description = ""
    sequence = 10

    @property
    def id(self) -> str:  # UI objects are sorted and de-duplicated by id
        return self.key

    def submit(self, letter: Outgoing) -> Handed:
        raise NotImplementedError

    def cancel(self, provider_id: str) -> None:
        raise NotImplementedError

    def after_accepted(self, letter_id: int) -> None:
        """Called once the acceptance is recorded (the outbox simulates progress here)."""
