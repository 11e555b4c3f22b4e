"""The SMS app's back office. History, outbox, every mass SMS and the
blacklist are for ``SMS: Manager`` (administrators have every group); prices
and the gateway's settings configure the whole site, so they stay with
administrators, as Odoo keeps configuration in Settings."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import phonenumbers
from flask import flash, redirect, render_template, request, url_for

from addons.sms import blacklist, config, gateways, numbers, pricing, recipients, sending
from addons.sms.models import SmsBatch, SmsBlacklist, SmsMessage, SmsPrice
from addons.sms.views import MANAGER, blueprint
from host import admin_required, group_required, state_list, utcnow, write_transaction

PAGE = 50
STATES = ("in_queue", "processing", "sent", "delivered", "failed", "canceled")
# The history's filter: every state, then one state at a time.
STATE_FILTERS: dict[str, tuple[str, ...] | None] = {"all": None} | {s: (s,) for s in STATES}


def _messages_page(visible, filters, template: str, **extra):
    listed = state_list(
        visible, SmsMessage.state, filters, order_by=(SmsMessage.id.desc(),), per_page=PAGE
    )
    return render_template(
        template,
        messages=listed.rows,
        state=listed.state,
        counts=listed.counts,
        page=listed.page,
        pages=listed.pages,
        total=listed.total,
        resendable=sending.RESENDABLE,
        **extra,
    )


@blueprint.route("/")
@group_required(MANAGER)
def history():
    visible = SmsMessage.select()
    batch = request.args.get("batch", type=int)  # None when out of a 64-bit range too
    if batch is not None and batch >= 0:
        # One mass SMS's messages: its tabs count them alone.
        visible = visible.where(SmsMessage.batch == batch)
    return _messages_page(visible, STATE_FILTERS, "sms/history.html", states=STATES)


@blueprint.route("/outbox")
@group_required(MANAGER)
def outbox():
    """What the outbox gateway "sent": no SMS left the server."""
    visible = SmsMessage.select().where(SmsMessage.gateway == "outbox")
    return _messages_page(visible, {"all": None}, "sms/outbox.html", active=config.get("gateway"))


@blueprint.route("/batches")
@group_required(MANAGER)
def batches_list():
    from addons.sms import batch_job

    listed = state_list(
        SmsBatch.select().where(SmsBatch.state != "draft"),
        SmsBatch.state,
        {"all": None},
        order_by=(SmsBatch.id.desc(),),
        per_page=PAGE,
    )
    return render_template(
        "sms/batches.html", batches=[(b, batch_job.progress(b.id)) for b in listed.rows]
    )


# -- blacklist -----------------------------------------------------------------


@blueprint.route("/blacklist", methods=["GET", "POST"])
@group_required(MANAGER)
def blacklist_page():
    error, form = "", request.form
    if request.method == "POST":
        try:
            number = numbers.normalize(
                form.get("number", ""), regions=(recipients.company_country(),)
            )
        except numbers.InvalidNumber as exc:
            error = str(exc)
        else:
            reason = form.get("reason", "").strip() or "Added by an administrator"
            if blacklist.add(number, reason=reason, source="manual"):
                flash(f"{numbers.format_international(number)} is blacklisted.", "success")
            else:
                flash(f"{numbers.format_international(number)} was blacklisted already.", "info")
            return redirect(url_for("sms.blacklist_page"))
    q = request.args.get("q", "").strip()[:40]
    query = SmsBlacklist.select()
    if q:
        digits = "".join(c for c in q if c.isdigit())
        query = query.where(SmsBlacklist.number.contains(digits or q))
    rows = query.order_by(SmsBlacklist.created_at.desc(), SmsBlacklist.id.desc())
    return render_template(
        "sms/blacklist.html", rows=rows.limit(500), q=q, error=error, form=form
    ), (422 if error else 200)


@blueprint.route("/blacklist/<int:entry_id>/remove", methods=["POST"])
@group_required(MANAGER)
def blacklist_remove(entry_id: int):
    entry = SmsBlacklist.get_or_none(SmsBlacklist.id == entry_id)
    if entry is not None:
        blacklist.remove(entry.number)
        flash(f"{numbers.format_international(entry.number)} can receive SMS again.", "success")
    return redirect(url_for("sms.blacklist_page"))


# -- prices --------------------------------------------------------------------


def _parse_price(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a number") from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValueError(f"{raw!r} must be between 0 and 100 credits")
    if value != value.quantize(Decimal("0.000001")):
        raise ValueError(f"{raw!r} has more than 6 decimals")
    return value


def _price_rows():
    defaults = pricing.default_prices()
    overrides = {row.country: row.credits_per_part.normalize() for row in SmsPrice.select()}
    codes = sorted(set(defaults) | set(overrides), key=pricing.country_label)
    return [
        {
            "country": code,
            "name": pricing.country_label(code),
            "default": defaults.get(code),
            "override": overrides.get(code),
        }
        for code in codes
    ]


@blueprint.route("/prices", methods=["GET", "POST"])
@admin_required
def prices():
    """Credits per SMS part by country: the shipped table, and the admins' changes."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = _save_prices(request.form)
        if not errors:
            flash("Prices saved.", "success")
            return redirect(url_for("sms.prices"))
    return render_template(
        "sms/prices.html", rows=_price_rows(), errors=errors, form=request.form
    ), (422 if errors else 200)


def _save_prices(form) -> dict[str, str]:
    defaults = pricing.default_prices()
    changes: dict[str, Decimal | None] = {}
    errors: dict[str, str] = {}
    for row in _price_rows():
        code = row["country"]
        raw = form.get(f"price-{code}")
        if raw is None:
            continue
        if not raw.strip():
            changes[code] = None
            continue
        try:
            value = _parse_price(raw)
        except ValueError as exc:
            errors[code] = str(exc)
            continue
        changes[code] = None if defaults.get(code) == value else value
    new_code = form.get("new_country", "").strip().upper()
    if new_code:
        if new_code not in phonenumbers.SUPPORTED_REGIONS:
            errors["new"] = f"{new_code!r} is not a country code that phone numbers use."
        else:
            try:
                changes[new_code] = _parse_price(form.get("new_price", ""))
            except ValueError as exc:
                errors["new"] = str(exc)
    if errors:
        return errors
    with write_transaction():
        for code, value in changes.items():
            if value is None:
                SmsPrice.delete().where(SmsPrice.country == code).execute()
            else:
                SmsPrice.insert(
                    country=code, credits_per_part=value, updated_at=utcnow()
                ).on_conflict(
                    conflict_target=[SmsPrice.country],
                    update={SmsPrice.credits_per_part: value, SmsPrice.updated_at: utcnow()},
                ).execute()
    return {}


# -- settings ------------------------------------------------------------------


def settings_context() -> dict:
    return {
        "gateways": sorted(gateways.available().values(), key=lambda g: g.sequence),
        "values": config.SETTINGS.values(),
        "token_set": bool(config.get(config.SECRET)),
    }


@blueprint.route("/settings", methods=["POST"])
@admin_required
def settings():
    form = config.SETTINGS.form(request.form)
    # The URL must be https:// and needs the token again to change (the contract's
    # ``sends``): checked with the rest.
    errors = [] if config.SETTINGS.validate(form) else _field_errors(form)
    token, saved_token = form.twilio_auth_token.data, config.get(config.SECRET)
    if form.gateway.data not in gateways.available():
        errors.append("Choose an SMS gateway.")
    if form.gateway.data == "twilio":
        has_token = bool(token) or (bool(saved_token) and not form.clear_twilio_auth_token.data)
        missing = [
            label
            for label, value in (
                ("Account SID", form.twilio_account_sid.data),
                ("Auth Token", has_token),
                ("Sender", form.twilio_from.data),
            )
            if not value
        ]
        if missing:
            errors.append(f"Twilio needs: {', '.join(missing)}.")
    if errors:
        for error in errors:
            flash(f"SMS settings not saved: {error}", "error")
        return redirect(url_for("host.settings"))
    with write_transaction():
        config.SETTINGS.save(form)
    flash("SMS settings saved.", "success")
    return redirect(url_for("host.settings"))


def _field_errors(form) -> list[str]:
    return [
        "A Twilio setting is longer than 255 characters."
        if "longer" in message or "255" in message
        else f"{field.label.text}: {message}"
        for field in form
        for message in field.errors
    ]
