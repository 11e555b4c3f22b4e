"""The examples of docs/hooks.md are tested files, shown word for word, and
each works as an addon."""

import re
from pathlib import Path

import pytest

from examples.hooks import public_endpoint
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
