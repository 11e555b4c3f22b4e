"""The API service addons use: ``charge()``, ``balance()``, ``grant()``.

``charge`` follows Odoo's ``iap_charge``: authorize before the work, let the
body lower what is taken, capture on success, release and re-raise on error.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from flask import current_app, has_request_context, url_for

from addons.iap import alerts, ledger
from addons.iap.amounts import to_credit
from addons.iap.editions import trial_eligible
from addons.iap.services import get_service
from host import db, utcnow


class InsufficientCreditError(Exception):
    """Not enough credits: the work was not done and nothing was spent.

    Carries what a page needs to show the same prompt everywhere.
    """

    def __init__(
        self, service: str, required: Decimal, available: Decimal, trial: bool, buy_url: str
    ):
        self.service = service
        self.required = required
        self.available = available
        self.trial = trial
        self.buy_url = buy_url
        super().__init__(f"Not enough {service} credits: {required} needed, {available} available.")

    def as_dict(self) -> dict:
        return {
            "error": str(self),
            "service": self.service,
            "required": str(self.required),
            "available": str(self.available),
            "trial": self.trial,
            "buy_url": self.buy_url,
        }


def _plain(amount: Decimal) -> str:
    """``3.500000`` as ``3.5``: six stored decimals are noise in a message."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class Transaction:
    """What the body of ``charge()`` sees. Lower ``credit`` to capture less."""

    def __init__(self, service: str, hold):
        self.service = service
        self.hold_id = hold.id
        self.held = hold.amount
        self.replayed = bool(getattr(hold, "replayed", False)) and hold.state != "held"
        self._credit = hold.amount
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


def buy_url(service: str) -> str:
    if has_request_context():
        return url_for("iap.buy", service=service)
    return f"{current_app.config['HOST_BASE_URL'].rstrip('/')}/iap/buy/{service}"


def _trial_granter(service_key: str, service=None):
    service = service or get_service(service_key)
    if not service.trial_credits or not trial_eligible(current_app.config):
        return None

    def grant_trial(account):
        from addons.iap.models import Account

        ledger.grant(
            service_key,
            service.trial_credits,
            kind="trial",
            free=True,
            reason=f"Free trial credits for {service.name}",
            expires_at=utcnow() + dt.timedelta(days=service.trial_days),
            account=account,
        )
        Account.update(trial_granted=True).where(Account.id == account.id).execute()
        account.trial_granted = True

    return grant_trial


@contextmanager
def charge(
    service: str,
    credit,
    *,
    description: str = "",
    reference: str | None = None,
    idempotency_key: str | None = None,
):
    """Hold ``credit`` while the body runs; capture ``tx.credit`` if it succeeds.

    Raises :class:`InsufficientCreditError` before the body when the account
    cannot cover it. A replayed ``idempotency_key`` whose charge was already
    captured yields a transaction with ``replayed=True`` and spends nothing
    again: check it to skip work done before.
    """
    if db.in_transaction():
        raise RuntimeError(
            "charge() must not run inside a database transaction: the work would keep "
            "the database locked and a rollback would lose the journal"
        )
    spec = get_service(service)
    ttl = dt.timedelta(seconds=current_app.config.get("IAP_HOLD_TTL", 900))
    result = ledger.hold(
        service,
        credit,
        description=description,
        reference=reference,
        idempotency_key=idempotency_key,
        ttl=ttl,
        on_first_use=_trial_granter(service, spec),
    )
    if isinstance(result, ledger.Shortfall):
        raise InsufficientCreditError(
            service, result.required, result.available, result.trial_available, buy_url(service)
        )
    tx = Transaction(service, result)
    if tx.replayed:
        yield tx
        return
    try:
        yield tx
    except BaseException:
        ledger.release(tx.hold_id)
        raise
    try:
        captured = ledger.capture(tx.hold_id, tx.credit, then=tx._on_capture)
    except Exception:
        # Nothing was captured (a callback failed, or the hold expired):
        # give the credits back now rather than when the hold expires.
        ledger.release(tx.hold_id)
        raise
    if captured.follow_up:
        # Alerts and top-ups need the whole account: rare, so read only then.
        from addons.iap.models import Account

        _after_capture(Account.get_by_id(captured.account_id))


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


def grant(service: str, credit, *, reason: str, idempotency_key: str | None = None):
    """Add promotional credits (admin adjustments, gifts)."""
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

    found = Hold.select(Account.service).join(Account).where(Hold.id == hold_id).scalar()
    if found != service:
        raise ValueError(f"charge {hold_id} is not a {service} charge")
    entry = ledger.refund(hold_id, credit, reason=reason, idempotency_key=idempotency_key)
    alerts.after_credit(entry.account_id)
    return entry
