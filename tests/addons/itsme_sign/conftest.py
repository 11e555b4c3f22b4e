import pytest


@pytest.fixture
def host_config(host_config):
    """Only the addons the itsme_sign tests need."""
    host_config.update(
        HOST_BUILTIN_ADDONS=("addons.iap.plugin", "addons.itsme_sign.plugin"),
        IAP_EDITION="community",
    )
    return host_config


@pytest.fixture
def itsme_sign(app, enable):
    enable("itsme_sign")
    return app


@pytest.fixture
def sender(itsme_sign, user):
    return user


@pytest.fixture
def sender_client(itsme_sign, user_client):
    return user_client


@pytest.fixture
def draft(sender):
    """``draft(pages=1)``: a draft request for a PDF of ``pages`` pages, by ``sender``."""
    from addons.itsme_sign import lifecycle
    from tests.addons.itsme_sign import documents

    def make(pages: int = 1, name: str = "Employment contract"):
        return lifecycle.create(name, "contract.pdf", documents.pdf(pages), sender)

    return make


@pytest.fixture
def ready(draft):
    """``ready(signers)``: a draft with signers, each with a signature field on page 1.

    ``signers`` are dicts of ``add_signer``'s arguments; by default one customer in Belgium.
    Their roles are made when missing, as a Manager would.
    """
    from addons.itsme_sign import lifecycle

    def make(signers=None, pages: int = 1):
        sign_request = draft(pages)
        signers = signers or [
            {"name": "Jan Peeters", "email": "jan@example.be", "role": "Customer", "country": "BE"}
        ]
        made = []
        for index, values in enumerate(signers):
            signer = lifecycle.add_signer(sign_request, **{"create_role": True, **values})
            lifecycle.place_field(
                sign_request,
                signer_id=signer.id,
                kind="signature",
                page=1,
                x=72,
                y=600 + 60 * index,
            )
            made.append(signer)
        return sign_request, made

    return make


@pytest.fixture
def mails():
    """The mails queued so far (no SMTP server in these tests: they stay in the outbox)."""
    from host.models import MailMessage

    return lambda: list(MailMessage.select().order_by(MailMessage.id))


@pytest.fixture
def link_of():
    """The signing link (a path) in the last mail to ``email``."""
    import re

    from host.models import MailMessage

    def find(email: str) -> str:
        mail = (
            MailMessage.select()
            .where(MailMessage.to == email)
            .order_by(MailMessage.id.desc())
            .first()
        )
        assert mail is not None, f"no mail to {email}"
        match = re.search(r"http://localhost(/itsme_sign/s/[^\s]+)", mail.body)
        assert match, mail.body
        return match[1]

    return find
