"""What runs on the queue: the signed PDF once every signer signed, and expiry."""

from __future__ import annotations

from host import crontab, job


@job(name="itsme_sign.complete", retries=3, retry_delay=30)
def complete(request_id: int) -> str:
    from addons.itsme_sign import completion

    return completion.complete(request_id)


@job(name="itsme_sign.expire", periodic=crontab(minute="*/15"))
def expire() -> int:
    """Every 15 minutes: finish what every signer signed, then expire what is late."""
    from addons.itsme_sign import completion, lifecycle

    for request_id in lifecycle.unfinished():
        completion.complete(request_id)
    return lifecycle.expire_due()


JOBS = [complete, expire]
