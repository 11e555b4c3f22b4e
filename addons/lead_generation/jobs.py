"""Background work of the lead_generation addon: mining requests and visitor reveal."""

from __future__ import annotations

from addons.lead_generation import mining, reveal
from host import crontab, job


@job(name="lead_generation.run_request")
def run_request(request_id: int) -> str:
    """Run one mining request: search, charge what is returned, store the leads."""
    return mining.run(request_id)


@job(periodic=crontab(minute="*/5"), name="lead_generation.reveal_visitors")
def reveal_visitors() -> dict:
    """Every five minutes: send the new page views' IPs to the provider, 25 at a time."""
    return reveal.process()


@job(periodic=crontab(minute="*/5"), name="lead_generation.resume_requests")
def resume_requests() -> int:
    """Every five minutes: run requests whose job was lost (a worker restarted)."""
    return mining.resume_lost()
