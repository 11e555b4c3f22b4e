"""The pages: menu, access, page images, the list's live refresh and batch progress."""

from __future__ import annotations

import io

from PIL import Image

from addons.digitization.models import Batch, Document, PageImage
from tests.addons.digitization.conftest import corpus_document, upload


def test_menu_and_service(user_client, digitization):
    home = user_client.get("/").get_data(as_text=True)
    for slug, label in (
        ("bills", "Vendor Bills"),
        ("expenses", "Expenses"),
        ("applicants", "Applicants"),
    ):
        assert f'href="/digitization/{slug}"' in home and label in home
    from addons.iap.services import get_service

    service = get_service("digitization")
    assert service.packs and service.description


def test_anonymous_visitors_are_sent_to_login(client, digitization):
    response = client.get("/digitization/bills")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_disabled_addon_answers_404(user_client, app):
    assert user_client.get("/digitization/bills").status_code == 404


def test_list_page_is_usable(user_client, digitization):
    page = user_client.get("/digitization/bills").get_data(as_text=True)
    assert 'type="file" name="files" multiple' in page
    assert "data-upload-button" in page and "data-dropzone" in page
    assert "No vendor bills yet." in page
    assert "data-poll" not in page  # nothing to wait for
    assert "/digitization/static/digitization.js" in page


def test_pdf_page_rendered_once_as_png(user_client, give_credits):
    give_credits(1)
    upload(user_client, "bills", ("bill.pdf", corpus_document("bill", 0)[0]))
    document = Document.get()
    response = user_client.get(f"/digitization/bills/{document.id}/pages/1")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(response.data))
    assert max(image.size) == 1600 and image.size[1] > image.size[0]
    assert PageImage.select().count() == 1
    again = user_client.get(f"/digitization/bills/{document.id}/pages/1")
    assert again.data == response.data and PageImage.select().count() == 1
    assert user_client.get(f"/digitization/bills/{document.id}/pages/2").status_code == 404

    form = user_client.get(f"/digitization/bills/{document.id}").get_data(as_text=True)
    assert f'src="/digitization/bills/{document.id}/pages/1"' in form
    assert 'data-box="total_amount"' in form


def test_image_served_directly_and_tiff_converted(user_client, digitization, set_mode):
    set_mode("expense", "never")
    png = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(png, "PNG")
    frames = [Image.new("L", (50, 70), 255) for _ in range(2)]
    tiff = io.BytesIO()
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:])
    upload(user_client, "expenses", ("r.png", png.getvalue()), ("scan.tif", tiff.getvalue()))
    receipt = Document.get(Document.filename == "r.png")
    response = user_client.get(f"/digitization/expenses/{receipt.id}/pages/1")
    assert response.mimetype == "image/png" and response.data == png.getvalue()
    scan = Document.get(Document.filename == "scan.tif")
    assert scan.mimetype == "image/tiff"
    second = user_client.get(f"/digitization/expenses/{scan.id}/pages/2")
    assert second.mimetype == "image/png" and Image.open(io.BytesIO(second.data)).size == (50, 70)
    form = user_client.get(f"/digitization/expenses/{scan.id}").get_data(as_text=True)
    assert "Page 2 of 2" in form


def test_unreadable_file_has_no_page(user_client, digitization, set_mode):
    set_mode("bill", "never")
    upload(user_client, "bills", ("x.pdf", b"%PDF-1.7\n" + b"\x00" * 500))
    document = Document.get()
    response = user_client.get(f"/digitization/bills/{document.id}/pages/1")
    assert response.status_code == 404
    assert "damaged" in response.get_data(as_text=True)


def test_download_the_original(user_client, digitization, set_mode):
    set_mode("bill", "never")
    upload(user_client, "bills", ("facture.pdf", b"%PDF-1.4 original"))
    response = user_client.get(f"/digitization/bills/{Document.get().id}/file")
    assert response.data == b"%PDF-1.4 original"
    assert "attachment" in response.headers["Content-Disposition"]


def _batch(done: int, waiting: int) -> Batch:
    batch = Batch.create(kind="bill")
    for i in range(done + waiting):
        Document.create(
            kind="bill",
            filename=f"{i}.pdf",
            batch=batch,
            state="to_validate" if i < done else "waiting",
        )
    return batch


def test_list_polls_while_documents_wait_and_shows_progress(user_client, digitization):
    _batch(done=3, waiting=7)
    page = user_client.get("/digitization/bills").get_data(as_text=True)
    assert 'data-poll="/digitization/bills/rows"' in page
    assert "<strong>3 of 10</strong> digitized" in page
    assert 'aria-valuenow="3"' in page and 'data-progress="30"' in page

    fragment = user_client.get("/digitization/bills/rows").get_data(as_text=True)
    assert fragment.lstrip().startswith('<div class="digi-list-body"')
    assert "data-poll" in fragment and "3 of 10" in fragment

    counters = user_client.get("/digitization/bills/rows?part=kpis").get_data(as_text=True)
    assert counters.lstrip().startswith('<nav class="kpis digi-kpis"') and "data-poll" in counters
    assert '<div class="value">7</div>\n      <div class="muted">In progress' in counters

    Document.update(state="to_validate").execute()
    fragment = user_client.get("/digitization/bills/rows").get_data(as_text=True)
    assert "data-poll" not in fragment and "digitized" not in fragment
    counters = user_client.get("/digitization/bills/rows?part=kpis").get_data(as_text=True)
    assert "data-poll" not in counters


def test_poll_url_keeps_the_search(user_client, digitization):
    _batch(done=0, waiting=1)
    page = user_client.get("/digitization/bills?q=abc&state=busy").get_data(as_text=True)
    assert 'data-poll="/digitization/bills/rows?q=abc&amp;state=busy"' in page


def test_form_status_polls_while_processing(user_client, digitization):
    document = Document.create(kind="bill", filename="a.pdf", state="processing")
    form = user_client.get(f"/digitization/bills/{document.id}").get_data(as_text=True)
    status_url = f"/digitization/bills/{document.id}/status"
    assert f'data-poll="{status_url}"' in form
    assert "being digitized" in form and 'data-action="validate"' not in form
    assert "Processing" in user_client.get(status_url).get_data(as_text=True)
    Document.update(state="to_validate").execute()
    fresh = user_client.get(status_url).get_data(as_text=True)
    assert "data-poll" not in fresh and "To validate" in fresh


def test_state_filters(user_client, digitization):
    Document.create(kind="bill", filename="a.pdf", state="failed", failure_reason="Broken")
    Document.create(kind="bill", filename="b.pdf", state="done", name="Done Vendor")
    page = user_client.get("/digitization/bills?state=failed").get_data(as_text=True)
    assert "a.pdf" in page and "Done Vendor" not in page
    page = user_client.get("/digitization/bills?q=done").get_data(as_text=True)
    assert "Done Vendor" in page and "a.pdf" not in page


def test_chatter_accepts_notes_on_documents(user_client, digitization):
    document = Document.create(kind="bill", filename="a.pdf")
    response = user_client.post(
        f"/chatter/digitization.bill/{document.id}", data={"body": "Checked with the supplier"}
    )
    assert response.status_code in (200, 302)
    thread = user_client.get(f"/chatter/digitization.bill/{document.id}").get_data(as_text=True)
    assert "Checked with the supplier" in thread


def test_a_page_renders_while_another_thread_holds_the_pool(app, digitization):
    # Previews run in a web server's request threads. Their renderer once
    # started with a ``preexec_fn``, so the child ran the host's fork handler
    # before ``exec`` and waited for ever on a pool lock another thread held.
    import threading

    from addons.digitization.pages import _render_pdf
    from host import db

    pool = db.obj
    held, release, rendered = threading.Event(), threading.Event(), []

    def holder():
        with pool._lock, pool._pool_lock:
            held.set()
            release.wait(60)

    thread = threading.Thread(target=holder)
    thread.start()
    # A thread: a child stuck before ``exec`` fails the test, not hangs it.
    renderer = threading.Thread(
        target=lambda: rendered.append(_render_pdf(corpus_document("bill", 0)[0], 1, 200)),
        daemon=True,
    )
    try:
        assert held.wait(10)
        renderer.start()
        renderer.join(60)
    finally:
        release.set()
        thread.join()
    assert not renderer.is_alive(), "the renderer never started"
    assert rendered and rendered[0].startswith(b"\x89PNG")
