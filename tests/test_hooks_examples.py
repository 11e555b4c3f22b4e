"""The examples of docs/hooks.md are tested files, shown word for word, and
each works as an addon."""

import html
import re
from pathlib import Path

import pytest

from examples.hooks import contact_deletion, public_endpoint
from host import Contact
from tests.host.addon_kit import kit_config

ROOT = Path(__file__).resolve().parent.parent


def test_docs_examples_match_the_tested_files():
    docs = (ROOT / "docs" / "hooks.md").read_text()
    blocks = re.findall(r"<!-- example: (\S+) -->\n```\w+\n(.*?)```", docs, re.S)
    assert {path for path, _ in blocks} >= {
        "examples/hooks/public_endpoint.py",
        "examples/hooks/field_widget.py",
        "examples/hooks/mail_template.py",
        "examples/hooks/document_action.py",
        "examples/hooks/page_assets.py",
        "examples/hooks/contact_deletion.py",
    }
    for path, code in blocks:
        assert (ROOT / path).read_text() == code, f"docs/hooks.md example differs from {path}"


@pytest.mark.parametrize("host_config", [kit_config(public_endpoint)])
def test_public_endpoint_example(app, client, enable):
    enable("countersign")
    with app.test_request_context():
        link = public_endpoint.signer_link(12, "jan@example.com")
    assert link.startswith("http://localhost/countersign/s/")
    page = client.get(link)
    assert page.get_data(as_text=True) == "Envelope 12: sign as jan@example.com"
    assert client.get(link[:-3] + "abc").status_code == 404
    codes = {client.get(link).status_code for _ in range(20)}
    assert codes == {200, 429}


@pytest.mark.parametrize("host_config", [kit_config(contact_deletion)])
def test_contact_deletion_example(app, user_client, enable):
    enable("calls")
    Call = contact_deletion.Call  # noqa: N806 - a model class
    marie = Contact.create(name="Marie Dubois", phone="+32 2 555 12 34")
    Call.create(contact_id=marie.id, name=marie.name, number=marie.phone, state="done")
    planned = Call.create(contact_id=marie.id, name=marie.name, number=marie.phone)

    refused = user_client.post(f"/contacts/{marie.id}/delete", follow_redirects=True)
    assert (
        "Marie Dubois was not deleted. A call to Marie Dubois (+32 2 555 12 34) is planned."
        in html.unescape(refused.get_data(as_text=True))
    )
    assert Contact.get_or_none(Contact.id == marie.id) is not None
    assert Call.select().where(Call.contact_id == marie.id).count() == 2

    Call.update(state="done").where(Call.id == planned.id).execute()
    deleted = user_client.post(f"/contacts/{marie.id}/delete")
    assert deleted.headers["Location"].endswith("/contacts")
    assert Contact.get_or_none(Contact.id == marie.id) is None
    assert [(c.contact_id, c.name, c.number) for c in Call.select()] == [
        (None, "Marie Dubois", "+32 2 555 12 34")
    ] * 2
