"""The SMS app's records for the inherited security tests
(tests/test_forms_fuzz.py): a mass SMS still a draft (its composer), one
waiting for the worker (cancel), one sent (retry), and a single SMS that
failed (resend)."""

from __future__ import annotations

from unittest import mock


def make(client, user) -> list[str]:
    from addons.iap import grant
    from addons.sms import batches, blacklist, jobs
    from addons.sms.models import SmsMessage
    from host import Contact

    contacts = [c.id for c in Contact.select().order_by(Contact.id).limit(3)]
    grant("sms", 5, reason="samples")
    draft = batches.draft(contacts, user)
    sent = batches.draft(contacts, user)
    batches.start(sent, "Our shop opens at nine.", log_chatter=True, author=user)
    waiting = batches.draft(contacts, user)
    with mock.patch.object(jobs.send_batch, "delay", lambda batch_id: None):  # no worker yet
        batches.start(waiting, "Closed on Monday.", log_chatter=False, author=user)
    blacklist.add("+32470999999")
    failed = SmsMessage.select().where(SmsMessage.batch == sent.id).first()
    failed.state, failed.failure_type = "failed", "insufficient_credit"
    failed.save()
    return [f"/sms/batches/{b.id}" for b in (draft, sent, waiting)] + ["/sms/", "/sms/blacklist"]
