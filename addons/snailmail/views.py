"""The blueprint, and the Letters pages: the list with its filters, one letter, Retry, Cancel."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from addons.snailmail import jobs, sending, tracking
from addons.snailmail.errors import CREDIT_ERROR, RETRYABLE, TITLES, TRIAL_ERROR
from addons.snailmail.models import Letter
from host import Contact, MessageAction, check_owner, local_path, own_records, state_list

blueprint = Blueprint(
    "snailmail",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
    url_prefix="/snailmail",
)

# Sees, cancels and retries every user's letters; a User, their own.
MANAGER = "snailmail.manager"
MAX_UPLOAD = 20 * 1024 * 1024
# The Letters tabs, and the states each shows.
FILTERS = {
    "all": None,
    "pending": ("pending", "sending"),
    "sent": ("sent",),
    "error": ("error",),
    "canceled": ("canceled",),
}
MAX_POLLED = 200  # the rows one Letters page shows


def _fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _contact_or_404(contact_id: int) -> Contact:
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        abort(404, description="This contact does not exist (any more).")
    return contact


def _letter_or_404(letter_id: int) -> Letter:
    letter = Letter.get_or_none(Letter.id == letter_id)
    if letter is None:
        abort(404, description="This letter does not exist.")
    check_owner(letter.author_id, see_all=MANAGER)
    return letter


@blueprint.context_processor
def snailmail_globals():
    return {"state_label": tracking.label, "error_titles": TITLES, "is_final": tracking.is_final}


# -- letters ---------------------------------------------------------------------


@blueprint.route("/letters")
def letters():
    listed = state_list(
        _visible(
            Letter.select(
                Letter.id,
                Letter.state,
                Letter.shop_state,
                Letter.error_code,
                Letter.error_message,
                Letter.address,
                Letter.subject,
                Letter.filename,
                Letter.sheets,
                Letter.credits,
                Letter.charged,
                Letter.created_at,
                Letter.res_id,
                Letter.provider,
            )
        ),
        Letter.state,
        FILTERS,
        order_by=(Letter.id.desc(),),
        per_page=MAX_POLLED,
    )
    return render_template(
        "snailmail/letters.html",
        letters=listed.rows,
        state=listed.state,
        filters=FILTERS,
        counts=listed.counts,
        retryable=RETRYABLE,
    )


def _visible(query):
    """A User's own letters; a Manager's, everyone's."""
    return own_records(query, Letter.author, see_all=MANAGER)


@blueprint.route("/letters/states")
def letter_states():
    """The rows of the Letters list still on their way, in one answer:
    ``{"letters": {id: {"html": cells, "final": bool}}}`` for ``?ids=1,2,3``."""
    raw = request.args.get("ids", "").split(",")
    ids = [int(i) for i in raw if i.isdecimal() and len(i) <= 18][:MAX_POLLED]
    rows = _visible(Letter.select().where(Letter.id.in_(ids))) if ids else []
    return jsonify(
        letters={
            str(letter.id): {
                "html": render_template(
                    "snailmail/_letter_row.html", l=letter, retryable=RETRYABLE
                ),
                "final": tracking.is_final(letter),
            }
            for letter in rows
        }
    )


@blueprint.route("/letters/retry", methods=["POST"])
def retry_many():
    ids = [int(i) for i in request.form.getlist("ids") if i.isdecimal() and len(i) <= 18]
    ids = (
        [r.id for r in _visible(Letter.select(Letter.id).where(Letter.id.in_(ids)))] if ids else []
    )
    requeued = sending.requeue(ids, by_hand=True)
    for letter_id in requeued:
        jobs.send_letter.delay(letter_id)
    if requeued:
        word = "letter" if len(requeued) == 1 else "letters"
        flash(f"{len(requeued)} {word} queued again.", "success")
    else:
        flash("No letter in error was selected.", "error")
    return redirect(local_path(request.form.get("next")) or url_for("snailmail.letters"))


@blueprint.route("/letters/<int:letter_id>")
def letter(letter_id: int):
    current = _letter_or_404(letter_id)
    return render_template(
        "snailmail/letter.html",
        letter=current,
        cancelable=tracking.cancelable(current),
        credit_error=current.error_code in (CREDIT_ERROR, TRIAL_ERROR),
    )


@blueprint.route("/letters/<int:letter_id>/retry", methods=["POST"])
def retry(letter_id: int):
    current = _letter_or_404(letter_id)
    if sending.requeue([current.id], by_hand=True):
        jobs.send_letter.delay(current.id)
        flash("The letter is queued again.", "success")
    else:
        flash(f"The letter is {tracking.label(current)}: there is nothing to retry.", "error")
    return redirect(_back() or url_for("snailmail.letter", letter_id=current.id))


@blueprint.route("/letters/<int:letter_id>/cancel", methods=["POST"])
def cancel(letter_id: int):
    current = _letter_or_404(letter_id)
    try:
        tracking.cancel(current.id)
    except tracking.CannotCancel as exc:
        flash(str(exc), "error")
    else:
        flash("The letter is canceled; no credit is spent for it.", "success")
    return redirect(_back() or url_for("snailmail.letter", letter_id=current.id))


def _back() -> str | None:
    """The page the button was pressed on (the letter, or the record whose
    chatter shows it), when it is one of ours."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def chatter_actions(messages) -> list[MessageAction]:
    """Retry, Buy credits and Cancel on the chatter lines of letters."""
    lines = {
        m.meta_dict.get("snailmail_letter"): m.id
        for m in messages
        if m.kind == "letter" and m.state in ("failed", "in_queue", "sent", "processing")
    }
    lines.pop(None, None)
    if not lines:
        return []
    actions = []
    query = Letter.select(Letter.id, Letter.state, Letter.shop_state, Letter.error_code)
    for letter in query.where(Letter.id.in_(list(lines))):
        line = lines[letter.id]
        if letter.state == "error" and letter.error_code in (CREDIT_ERROR, TRIAL_ERROR):
            actions.append(
                MessageAction(
                    id=f"snailmail-buy-{letter.id}",
                    message_id=line,
                    label="Buy credits",
                    endpoint="iap.buy",
                    values={"service": "snailmail"},
                    target="page",
                    sequence=5,
                )
            )
        if letter.state == "error" and letter.error_code in RETRYABLE:
            actions.append(
                MessageAction(
                    id=f"snailmail-retry-{letter.id}",
                    message_id=line,
                    label="Retry",
                    endpoint="snailmail.retry",
                    values={"letter_id": letter.id},
                    sequence=10,
                )
            )
        if tracking.cancelable(letter):
            actions.append(
                MessageAction(
                    id=f"snailmail-cancel-{letter.id}",
                    message_id=line,
                    label="Cancel letter",
                    endpoint="snailmail.cancel",
                    values={"letter_id": letter.id},
                    confirm="Cancel this letter? Its credits come back.",
                    sequence=20,
                )
            )
    return actions


@blueprint.route("/letters/<int:letter_id>/pdf")
def letter_pdf(letter_id: int):
    current = _letter_or_404(letter_id)
    data = current.printable or current.document
    return (
        bytes(data),
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="letter-{current.id}.pdf"',
        },
    )


@blueprint.route("/letters/<int:letter_id>/state")
def letter_state(letter_id: int):
    """The letter's state as a fragment that polls itself until it is final."""
    return render_template("snailmail/_state.html", letter=_letter_or_404(letter_id))
