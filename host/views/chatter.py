"""A record's chatter thread: read it, post a note."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from host import chatter
from host.security import current_user
from host.views.blueprint import blueprint


@blueprint.route("/chatter/<model>/<int:res_id>", methods=["GET", "POST"])
def chatter_thread(model: str, res_id: int):
    if not chatter.record_exists(model, res_id):
        abort(404, description="This record does not exist.")
    if request.method == "POST":
        body = request.form.get("body", "").strip()
        if not body:
            abort(400, description="Write something before posting a note.")
        if len(body) > 10000:
            abort(400, description="A note holds at most 10,000 characters.")
        chatter.post_message(
            model=model, res_id=res_id, body=body, kind="note", author=current_user()
        )
        if request.headers.get("X-Requested-With") != "fetch":
            return redirect(request.referrer or url_for("host.home"))
    return render_template(
        "host/chatter_messages.html", messages=chatter.messages_for(model, res_id)
    )
