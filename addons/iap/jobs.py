"""Background work of the iap addon: sweeping holds and lots, auto top-ups."""

from __future__ import annotations

from addons.iap import ledger, payments
from host import crontab, job


@job(periodic=crontab(minute="*"), name="iap.sweep")
def sweep() -> dict:
    """Release holds past their TTL and expire lots past their date, every minute."""
    return {"holds": ledger.expire_holds(), "lots": str(ledger.expire_lots())}


@job(retries=3, retry_delay=30, name="iap.auto_topup")
def auto_topup(account_id: int):
    order = payments.auto_topup(account_id)
    return order.state if order is not None else None
