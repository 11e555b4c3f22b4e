"""Background work of the partner_autocomplete addon: VIES checks of contacts."""

from __future__ import annotations

from addons.partner_autocomplete import vat_checks
from host import crontab, job


@job(name="partner_autocomplete.vies_check")
def vies_check(contact_id: int):
    """Ask VIES about a contact's VAT number (it reschedules itself while
    VIES is temporarily unavailable)."""
    return vat_checks.run(contact_id)


@job(periodic=crontab(minute="*/5"), name="partner_autocomplete.vies_retry_sweep")
def vies_retry_sweep() -> int:
    """Every five minutes: ask again for checks whose retry was lost with a worker."""
    due = vat_checks.due_retries()
    for contact_id in due:
        vat_checks.run(contact_id)
    return len(due)
