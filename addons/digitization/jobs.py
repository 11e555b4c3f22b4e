"""Background work of the digitization addon."""

from __future__ import annotations

from addons.digitization import digitizing
from host import crontab, job


@job(name="digitization.digitize")
def digitize(document_id: int) -> str:
    """Digitize one waiting document (see :mod:`addons.digitization.digitizing`)."""
    return digitizing.run(document_id)


@job(periodic=crontab(minute="*/5"), name="digitization.sweep")
def sweep() -> int:
    """Fail the documents a dead worker left processing, so they can be retried."""
    return digitizing.fail_stuck()
