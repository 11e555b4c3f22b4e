"""The Documents Digitization app's records for the inherited security
tests (tests/test_forms_fuzz.py): per kind, a document as uploaded (a draft)
and one to validate, whose form holds every field of the kind."""

from __future__ import annotations


def make(client, user) -> list[str]:
    from addons.digitization import config
    from addons.digitization.kinds import KINDS
    from addons.digitization.models import Document
    from tests.addons.digitization.conftest import corpus_document, upload

    pages = []
    for kind in KINDS.values():
        # Manual: the upload stays a draft, no OCR run in a fuzz test.
        config.SETTINGS.put(f"mode_{kind.key}", "manual")
        content, _ = corpus_document("resume" if kind.key == "applicant" else kind.key, 0)
        for name in ("draft.pdf", "to-validate.pdf"):
            answer = upload(client, kind.slug, (f"{kind.key}-{name}", content))
            assert answer.status_code in (302, 303), answer.status_code
        to_validate = Document.get(Document.filename == f"{kind.key}-to-validate.pdf")
        to_validate.state = "to_validate"
        to_validate.save()
        draft = Document.get(Document.filename == f"{kind.key}-draft.pdf")
        pages += [f"/digitization/{kind.slug}/{d.id}" for d in (draft, to_validate)]
    return pages
