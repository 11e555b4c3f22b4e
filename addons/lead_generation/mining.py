"""Running a mining request: ask the provider, keep only companies the CRM does
not know, and charge each company with its contacts as its lead is stored.

Each company is its own charge (``idempotency_key`` names the request and the
company), so running out of credits half way keeps what was returned and
paid for, and a retried job never pays twice for one company.
"""

from __future__ import annotations

from decimal import Decimal

from addons.iap import InsufficientCreditError, charge
from addons.lead_generation import config, crm, leads
from addons.lead_generation.criteria import cost, from_record
from addons.lead_generation.models import Lead, MiningRequest
from addons.lead_generation.providers.base import ProviderError
from host import db, locked, utcnow

SERVICE = "lead_generation"
# Asked of the provider beyond the request's number, for companies another
# request claims in the meantime.
OVERFETCH = 2
ROUNDS = 5  # searches at most, when other requests keep taking the companies found


def _finish(request: MiningRequest, state: str, error: str = "", message: str = "") -> None:
    MiningRequest.update(
        state=state, error=error, error_message=message[:512], done_at=utcnow()
    ).where(MiningRequest.id == request.id).execute()


def run(request_id: int) -> str:
    """Run one request (the job's body); returns its final state."""
    with db.atomic():
        claimed = (
            MiningRequest.update(state="running")
            .where((MiningRequest.id == request_id) & (MiningRequest.state == "draft"))
            .execute()
        )
    request = MiningRequest.get_or_none(MiningRequest.id == request_id)
    if request is None:
        return "gone"
    if not claimed:
        return request.state  # done, or running in another worker
    criteria = from_record(request)
    # A job run again after its worker died finishes the request, no more.
    created = Lead.select().where(Lead.request == request.id).count()
    if created >= request.lead_number:
        _finish(request, "done")
        return "done"
    defaults = {
        "lead_type": request.lead_type,
        "request": request.id,
        "team": request.team,
        "salesperson": request.salesperson_id,
        "tags": request.tags,
    }
    for _round in range(ROUNDS):
        wanted = (request.lead_number - created) * OVERFETCH
        try:
            found = config.provider().search(criteria, wanted)
        except ProviderError as exc:
            if created and exc.code == "no_result":
                break
            code = "no_result" if exc.code == "no_result" else "provider"
            _finish(request, "error", code, str(exc))
            return "error"
        lost = 0
        for index, item in enumerate(found):
            if created >= request.lead_number:
                break
            keys = leads.keys(item)
            if not crm.claim(keys, request_id=request.id):
                lost += 1  # in the CRM already, or taken by another request just now
                continue
            try:
                if _charge_and_store(request, item, keys, defaults):
                    created += 1
            except InsufficientCreditError as exc:
                crm.release(keys)
                _finish(
                    request,
                    "error",
                    "credits",
                    f"Credits ran out after {created} of {request.lead_number} leads: "
                    f"{exc.required} needed for the next one, {exc.available} available. "
                    f"{len(found) - index} companies found were not bought.",
                )
                return "error"
            except Exception:
                crm.release(keys)
                raise
        # Another request took some of these companies: ask again, the
        # provider now leaves them out. A short answer means nothing more exists.
        if created >= request.lead_number or not lost or len(found) < wanted:
            break
    if created == 0:
        _finish(
            request, "error", "no_result", "No company matches these criteria: nothing was charged."
        )
        return "error"
    _finish(request, "done")
    return "done"


def _charge_and_store(request: MiningRequest, item, keys: list[str], defaults: dict) -> bool:
    amount = cost(1, len(item.people))
    uid = str(item.company.get("uid") or (keys[0] if keys else item.company.get("name")))
    key = f"lead_generation.request:{request.id}:{uid}"[:200]
    with charge(
        SERVICE,
        Decimal(amount),
        description=f"Lead: {item.company.get('name', '')} ({len(item.people)} contacts)",
        reference=f"lead_generation.request:{request.id}",
        idempotency_key=key,
    ) as tx:
        if tx.replayed:
            return False

        def store():
            # Inside the capture's write transaction: the lead and the
            # request's totals commit with the charge, or not at all.
            leads.create(item, source="mining", defaults=defaults, claimed=keys)
            row = locked(MiningRequest.select().where(MiningRequest.id == request.id)).get()
            MiningRequest.update(
                companies_found=row.companies_found + 1,
                contacts_found=row.contacts_found + len(item.people),
                credits_charged=row.credits_charged + Decimal(amount),
            ).where(MiningRequest.id == request.id).execute()

        tx.on_capture(store)
    return True


def resume_lost(draft_after: int = 600, running_after: int = 3600) -> int:
    """Run requests left ``draft`` (their job lost) or ``running`` by a dead worker.

    A request runs in seconds, so one still ``running`` after an hour lost its
    worker. Safe even if it did not: each company's charge has its
    idempotency key and its claim names the request."""
    import datetime as dt

    now = utcnow()
    stale = list(
        MiningRequest.select(MiningRequest.id).where(
            (
                (MiningRequest.state == "draft")
                & (MiningRequest.created_at < now - dt.timedelta(seconds=draft_after))
            )
            | (
                (MiningRequest.state == "running")
                & (MiningRequest.created_at < now - dt.timedelta(seconds=running_after))
            )
        )
    )
    for request in stale:
        MiningRequest.update(state="draft").where(MiningRequest.id == request.id).execute()
        run(request.id)
    return len(stale)
