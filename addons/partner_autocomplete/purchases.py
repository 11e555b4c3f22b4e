"""Paying for a company's data: one credit per company, once.

A request that wants a company's data first claims the company (a
``pending`` purchase row, unique per company), then charges; the capture
marks the row ``paid`` in the same transaction. Another request for the same
company meanwhile waits for that outcome instead of paying again, so a
company is charged at most once, whoever asks and however many at once. A
claim whose process died is taken over once it is older than a charge's
hold could be.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time

import peewee
from flask import current_app

from addons.iap import charge
from addons.partner_autocomplete.models import Company, Purchase
from host import utcnow

SERVICE = "partner_autocomplete"
CREDIT = 1
WAIT_SECONDS = 15


class PurchaseBusy(RuntimeError):
    """Another request is still paying for this company."""


def is_paid(company_id: int) -> bool:
    return (
        Purchase.select()
        .where((Purchase.company == company_id) & (Purchase.state == "paid"))
        .exists()
    )


def _claim(company_id: int, user_id: int | None) -> str | None:
    token = secrets.token_hex(8)
    try:
        Purchase.insert(
            company=company_id, state="pending", token=token, user_id=user_id, created_at=utcnow()
        ).on_conflict_ignore().execute()
    except peewee.IntegrityError:
        return None
    mine = Purchase.select().where((Purchase.company == company_id) & (Purchase.token == token))
    return token if mine.exists() else None


def _stale_before() -> dt.datetime:
    ttl = current_app.config.get("IAP_HOLD_TTL", 900)
    return utcnow() - dt.timedelta(seconds=ttl + 60)


def buy(company: Company, user_id: int | None = None) -> bool:
    """Make sure ``company``'s data is paid for. Returns True when this call
    spent the credit, False when it was paid before.

    Raises ``InsufficientCreditError`` (nothing spent, nothing claimed) or
    :class:`PurchaseBusy` when another request holds the claim too long.
    """
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        row = Purchase.get_or_none(Purchase.company == company.id)
        if row is not None and row.state == "paid":
            return False
        if row is None:
            token = _claim(company.id, user_id)
            if token is not None:
                return _pay(company, token)
            continue
        if row.created_at < _stale_before():
            Purchase.delete().where(
                (Purchase.id == row.id) & (Purchase.state == "pending")
            ).execute()
            continue
        if time.monotonic() > deadline:
            raise PurchaseBusy(f"{company.name} is being paid for by another request; try again.")
        time.sleep(0.05)


def _pay(company: Company, token: str) -> bool:
    mine = (Purchase.company == company.id) & (Purchase.token == token)
    try:
        with charge(
            SERVICE,
            CREDIT,
            description=f"Company data: {company.name or company.vat}"[:255],
            reference=f"partner_autocomplete.company:{company.id}",
        ) as tx:
            tx.on_capture(
                lambda: Purchase.update(state="paid", created_at=utcnow()).where(mine).execute()
            )
    except BaseException:
        Purchase.delete().where(mine & (Purchase.state == "pending")).execute()
        raise
    return True
