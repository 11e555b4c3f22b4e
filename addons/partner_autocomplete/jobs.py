"""Background work of the partner_autocomplete addon: VIES checks of contacts."""

from __future__ import annotations

from addons.partner_autocomplete import vat_checks
from host import crontab, job

vies_check = vat_checks.vies_check  # declared beside the check, which reschedules it


@job(periodic=crontab(minute="*/5"), name="partner_autocomplete.vies_retry_sweep")
def vies_retry_sweep() -> int:
    """Every five minutes: ask again for checks whose retry was lost with a worker."""
    due = vat_checks.due_retries()
    for contact_id in due:
        vat_checks.run(contact_id)
    return len(due)
