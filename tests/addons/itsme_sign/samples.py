"""The itsme Sign app's records for the inherited security tests
(tests/test_forms_fuzz.py): a draft request with a signer and a signature
field (add or remove signers and fields, send, cancel)."""

from __future__ import annotations


def make(client, user) -> list[str]:
    from addons.itsme_sign import lifecycle
    from tests.addons.itsme_sign import documents

    draft = lifecycle.create("Fuzzed contract", "contract.pdf", documents.pdf(2), user)
    signer = lifecycle.add_signer(
        draft, name="Jan Peeters", email="jan@example.be", role="Customer", country="BE",
        create_role=True,
    )  # fmt: skip
    lifecycle.place_field(draft, signer_id=signer.id, kind="signature", page=1, x=72, y=600)
    return ["/itsme_sign/requests/new", f"/itsme_sign/requests/{draft.id}", "/itsme_sign/roles"]
