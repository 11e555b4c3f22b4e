"""The API service addons use: ``charge()``, ``balance()``, ``grant()``.

``charge`` follows Odoo's ``iap_charge``: authorize before the work, let the
body lower what is taken, capture on success, release and re-raise on error.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from decimal import Decimal

from flask import current_app

from addons.iap import alerts, clock, ledger
from addons.iap.amounts import to_credit
from addons.iap.editions import trial_eligible
from addons.iap.services import buy_url, get_service, kept_service, recheck_service
from host import db, write_transaction

ZERO = Decimal(0)


class InsufficientCreditError(Exception):
    """Not enough credits: the work was not done and nothing was spent.

    Carries what a page needs to show the same prompt everywhere.
    """

    def __init__(
        self,
        service: str,
        required: Decimal,
        available: Decimal,
        trial: bool,
        buy_url: str,
        *,
        trial_only: bool = False,
    ):
        self.service = service
        self.required = required
        self.available = available
        self.trial = trial
        self.buy_url = buy_url
        # The account's credits came from its free trial only: it never bought any.
        self.trial_only = trial_only
        super().__init__(f"Not enough {service} credits: {required} needed, {available} available.")

    def as_dict(self) -> dict:
        return {
            "error": str(self),
            "service": self.service,
            "required": str(self.required),
            "available": str(self.available),
            "trial": self.trial,
            "trial_only": self.trial_only,
            "buy_url": self.buy_url,
        }


class Transaction:
    """What the body of ``charge()`` sees. Lower ``credit`` to capture less.

    ``replayed`` is True when the idempotency key's charge was captured
    before: the work was done and paid for, ``credit`` is what it captured,
    and nothing is spent again. A free use (``charge(service, 0)``) has no
    hold: ``hold_id`` is None.
    """

    def __init__(self, service: str, hold: ledger.Held | None = None):
        self.service = service
        self._hold = hold
        self.hold_id = hold.id if hold is not None else None
        self.held = hold.amount if hold is not None else ZERO
        self.replayed = hold is not None and hold.replayed
        self._credit = hold.captured if self.replayed else self.held
        self._on_capture: list = []

    def on_capture(self, callback) -> None:
        """Run ``callback()`` inside the capture's database transaction.

        Bookkeeping that must agree with the ledger (a message marked sent
        and charged) commits together with the capture, or not at all: if
        the callback raises, nothing is captured, the credits are given back
        and the exception reaches the caller of ``charge()``.
        """
        self._on_capture.append(callback)

    @property
    def credit(self) -> Decimal:
        return self._credit

    @credit.setter
    def credit(self, value) -> None:
        amount = to_credit(value, allow_zero=True)
        if amount > self.held:
            raise ValueError(f"cannot capture {amount}: only {self.held} was held")
        self._credit = amount


def _trial_granter(service_key: str, service=None, config=None):
    service = service or get_service(service_key)
    if not service.trial_credits:
        return None
    if not trial_eligible(current_app.config if config is None else config):
        return None

    def grant_trial(account):
        from addons.iap.models import Account

        ledger.grant(
            service_key,
            service.trial_credits,
            kind="trial",
            free=True,
            reason=f"Free trial credits for {service.name}",
            expires_at=clock.now() + dt.timedelta(days=service.trial_days),
            account=account,
        )
        Account.update(trial_granted=True).where(Account.id == account.id).execute()
        account.trial_granted = True

    return grant_trial


def charge(
    service: str,
    credit,
    *,
    description: str = "",
    reference: str | None = None,
    idempotency_key: str | None = None,
    wait: float = 10.0,
) -> _Charge:
    """Hold ``credit`` while the body runs; capture ``tx.credit`` if it succeeds.

    Raises :class:`InsufficientCreditError` before the body when the account
    cannot cover it. ``charge(service, 0)`` is a free use: no hold, nothing
    journaled, the ``on_capture`` callbacks still run when the body succeeds.

    An ``idempotency_key`` names one unit of work. Its charge captured: the
    body sees ``tx.replayed`` (skip the work, nothing is spent). Its charge in
    progress elsewhere: this call waits up to ``wait`` seconds for the
    outcome, then raises :class:`ChargeInProgressError`. Its charge released
    or expired: the key is free, the body runs afresh.
    """
    return _Charge(service, credit, description, reference, idempotency_key, wait)


class _Charge:
    """``charge()``'s context manager: a class, not a generator, which costs
    a round trip a microsecond less."""

    __slots__ = ("args", "tx")

    def __init__(self, *args):
        self.args = args
        self.tx: Transaction | None = None

    def __enter__(self) -> Transaction:
        service, credit, description, reference, idempotency_key, wait = self.args
        if db.obj.in_transaction():  # past the proxy: a call less
            raise RuntimeError(
                "charge() must not run inside a database transaction: the work would keep "
                "the database locked and a rollback would lose the journal"
            )
        # Read once: each read through the proxy costs a microsecond.
        app = current_app._get_current_object()
        # The enabled addons as the process kept them: the hold checks they
        # still are (in a statement it sends anyway), else looks again.
        state, spec = kept_service(service, app)
        amount = to_credit(credit, allow_zero=True)
        if not amount:
            # No hold to check them: read them (once per request or job).
            get_service(service)
            self.tx = Transaction(service)  # a free use
            return self.tx
        held = _hold(
            service,
            amount,
            wait,
            {
                "description": description,
                "reference": reference,
                "idempotency_key": idempotency_key,
                "ttl": _hold_ttl(app.config.get("IAP_HOLD_TTL", 900)),
                "on_first_use": _trial_granter(service, spec, app.config),
                "state": state,
                "recheck": lambda: recheck_service(service, state),
            },
        )
        self.tx = Transaction(service, held)
        return self.tx

    def __exit__(self, exc_type, exc, traceback) -> bool:
        tx = self.tx
        if tx.hold_id is None:  # a free use: the callbacks, if the body succeeded
            if exc_type is None and tx._on_capture:
                with write_transaction():
                    for callback in tx._on_capture:
                        callback()
            return False
        if tx.replayed:
            return False
        if exc_type is not None:
            ledger.release(tx.hold_id)
            return False
        # The amount held unless the body lowered it (the setter checked it).
        credit = None if tx._credit is tx.held else tx._credit
        try:
            captured = ledger.capture(tx.hold_id, credit, then=tx._on_capture, held=tx._hold)
        except Exception:
            # Nothing was captured (a callback failed, or the hold expired):
            # give the credits back now rather than when the hold expires.
            ledger.release(tx.hold_id)
            raise
        if captured.follow_up:
            # Alerts and top-ups need the whole account: rare, so read only then.
            from addons.iap.models import Account

            _after_capture(Account.get_by_id(captured.account_id))
        return False


def _hold(service: str, amount: Decimal, wait: float, kwargs: dict) -> ledger.Held:
    """A hold, a replay, or the outcome of the same key's charge in progress.
    ``kwargs`` go to ``ledger.hold_credit`` (a dict: one packing per charge)."""
    deadline = None
    while True:
        result = ledger.hold_credit(service, amount, **kwargs)
        if isinstance(result, ledger.Held):
            return result
        if isinstance(result, ledger.Shortfall):
            raise InsufficientCreditError(
                service,
                result.required,
                result.available,
                result.trial_available,
                buy_url(service),
                trial_only=trial_only(service),
            )
        if deadline is None:
            deadline = time.monotonic() + wait
        if not ledger.wait_for(result.id, deadline):
            raise ledger.ChargeInProgressError(result.key, result.id, result.expires_at)


@functools.lru_cache(maxsize=8)
def _hold_ttl(seconds) -> dt.timedelta:
    """``IAP_HOLD_TTL`` as a timedelta, made once per value rather than per charge."""
    return dt.timedelta(seconds=seconds)


def _after_capture(account) -> None:
    alerts.after_spend(account)
    if (
        account.topup_enabled
        and account.topup_below is not None
        and (account.available < account.topup_below)
    ):
        from addons.iap.jobs import auto_topup

        auto_topup.delay(account.id)


def balance(service: str) -> Decimal:
    """Credits available now: the balance minus live holds.

    Looking at the balance counts as using the account: trial credits the
    database is eligible for are granted first, so a page never tells a user
    they have nothing when a trial is waiting.
    """
    granter = _trial_granter(service)
    if granter is not None:
        ledger.account_for(service, on_first_use=granter)
    return ledger.available(service)


def trial_only(service: str) -> bool:
    """True while the service's account has had its free trial credits and
    never bought any: a shortfall then means the trial is used up (Snailmail's
    ``TRIAL_ERROR``), not only "not enough credits"."""
    return ledger.trial_only(service)


def grant(service: str, credit, *, reason: str, idempotency_key: str | None = None):
    """Add promotional credits (admin adjustments, gifts) to an enabled
    service's account; ``UnknownServiceError`` for any other name (a typo
    would otherwise open an account no page shows)."""
    get_service(service)
    lot = ledger.grant(
        service, credit, kind="promotion", free=True, reason=reason, idempotency_key=idempotency_key
    )
    alerts.after_credit(lot.account_id)
    return lot


def refund(
    service: str, hold_id: int, credit=None, *, reason: str, idempotency_key: str | None = None
):
    """Give back (part of) a captured charge, to the lots it was taken from:
    work paid for and then undone (a letter canceled before it was printed).
    ``hold_id`` is the charge's ``tx.hold_id``; the whole capture by default.
    A replayed ``idempotency_key`` refunds once."""
    from addons.iap.models import Account, Hold

    if isinstance(hold_id, bool) or not isinstance(hold_id, int) or not 0 < hold_id < 2**63:
        raise ValueError(f"charge {hold_id!r} is not a {service} charge")
    found = Hold.select(Account.service).join(Account).where(Hold.id == hold_id).scalar()
    if found != service:
        raise ValueError(f"charge {hold_id} is not a {service} charge")
    entry = ledger.refund(hold_id, credit, reason=reason, idempotency_key=idempotency_key)
    alerts.after_credit(entry.account_id)
    return entry
