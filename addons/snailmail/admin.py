"""Admin pages: the Letters outbox, the price table and the Settings block."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, redirect, render_template, request, url_for

from addons.iap import to_credit
from addons.snailmail import config, pricing, shops
from addons.snailmail.models import Letter
from addons.snailmail.views import blueprint
from host import admin_required, write_transaction


@blueprint.route("/outbox")
@admin_required
def outbox():
    letters = (
        Letter.select(
            Letter.id,
            Letter.state,
            Letter.shop_state,
            Letter.address,
            Letter.subject,
            Letter.filename,
            Letter.sheets,
            Letter.charged,
            Letter.sent_at,
            Letter.res_id,
            Letter.error_code,
        )
        .where(Letter.provider == "outbox")
        .order_by(Letter.id.desc())
        .limit(200)
    )
    return render_template(
        "snailmail/outbox.html", letters=list(letters), active=config.get("provider")
    )


def _parse(raw: str) -> Decimal:
    try:
        return to_credit((raw or "").strip().replace(",", "."), allow_zero=True)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"{raw!r} is not a price in credits ({exc})") from None


@blueprint.route("/prices", methods=["GET", "POST"])
@admin_required
def prices():
    errors = {}
    if request.method == "POST":
        if request.form.get("reset"):
            pricing.reset()
            flash("Prices are back to the shipped table.", "success")
            return redirect(url_for("snailmail.prices"))
        changes = {}
        for row in pricing.table():
            try:
                first = _parse(request.form.get(f"first-{row.id}", str(row.first_sheet)))
                extra = _parse(request.form.get(f"extra-{row.id}", str(row.extra_sheet)))
            except ValueError as exc:
                errors[row.id] = str(exc)
                continue
            changes[row.id] = (first, extra)
        if not errors:
            for row_id, (first, extra) in changes.items():
                pricing.update(row_id, first, extra)
            flash("Prices saved.", "success")
            return redirect(url_for("snailmail.prices"))
        flash("Some prices are not valid: nothing was saved.", "error")
    return render_template(
        "snailmail/prices.html", rows=pricing.table(), errors=errors, zones=pricing.zones()
    ), (422 if errors else 200)


def settings_context() -> dict:
    return {
        "shops": sorted(shops.available().values(), key=lambda s: s.sequence),
        "values": config.SETTINGS.values(),
        "secrets_set": {name: bool(config.get(name)) for name in config.SECRETS},
    }


@blueprint.route("/settings", methods=["POST"])
@admin_required
def settings():
    form = config.SETTINGS.form(request.form)
    if form.provider.data not in shops.available():
        flash("Choose one of the print shops listed.", "error")
        return redirect(url_for("host.settings"))
    if form.window.data not in ("right", "left"):
        flash("The envelope window is right or left.", "error")
        return redirect(url_for("host.settings"))
    if not config.SETTINGS.validate(form):
        for field in form:
            for message in field.errors:
                flash(f"Snailmail settings not saved: {field.label.text}: {message}", "error")
        return redirect(url_for("host.settings"))
    with write_transaction():
        config.SETTINGS.save(form)
    flash("Snailmail settings saved.", "success")
    return redirect(url_for("host.settings"))
