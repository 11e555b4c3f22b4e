"""Pages of the iap addon: accounts, account information, buying packs."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import peewee
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from addons.iap import alerts, audit, ledger, payments
from addons.iap.charging import balance
from addons.iap.models import Account, Entry, Hold, Lot, Order
from addons.iap.services import UnknownServiceError, all_services, get_service
from host import current_user, group_required, has_group, utcnow, webhook

blueprint = Blueprint("iap", __name__, template_folder="templates", url_prefix="/iap")

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
JOURNAL_KINDS = (
    "hold",
    "capture",
    "release",
    "purchase",
    "trial",
    "promotion",
    "expiry",
    "refund",
    "adjustment",
)
PAGE = 25


def _service_or_404(key: str):
    try:
        return get_service(key)
    except UnknownServiceError as exc:
        abort(404, description=str(exc))


@blueprint.app_template_filter("price")
def price_filter(order_or_pack) -> str:
    return payments.price_label(order_or_pack.price, order_or_pack.currency)


@blueprint.route("/accounts")
@group_required("iap.user")
def accounts():
    rows = []
    for service in all_services():
        available = balance(service.key)  # first: it may open the account
        account = Account.get_or_none(Account.service == service.key)
        low = (
            account is not None
            and account.alert_threshold is not None
            and available <= account.alert_threshold
        )
        rows.append({"service": service, "account": account, "available": available, "low": low})
    return render_template("iap/accounts.html", rows=rows)


def usage_by_day(account: Account, days: int = 30) -> list[tuple[dt.date, Decimal, Decimal]]:
    """(day, credits spent, of which free) for the last ``days`` days."""
    today = utcnow().date()
    start = dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time())
    totals: dict[dt.date, list[Decimal]] = {
        today - dt.timedelta(days=i): [Decimal(0), Decimal(0)] for i in range(days)
    }
    entries = Entry.select(Entry.created_at, Entry.spent, Entry.free_spent).where(
        (Entry.account == account.id)
        & (Entry.kind.in_(("capture", "refund")))
        & (Entry.created_at >= start)
    )
    for entry in entries:
        day = totals.get(entry.created_at.date())
        if day is not None:
            day[0] += entry.spent
            day[1] += entry.free_spent
    return [(day, *totals[day]) for day in sorted(totals)]


@blueprint.route("/accounts/<service>", methods=["GET", "POST"])
@group_required("iap.user")
def account(service: str):
    if request.method == "POST" and not has_group("iap.manager"):
        abort(
            403, description="Changing warnings needs the access group In-App Purchases: Manager."
        )
    svc = _service_or_404(service)
    balance(svc.key)  # opens the account, with its trial credits
    acct = ledger.account_for(svc.key)
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = _save_alert_settings(acct)
        if not errors:
            flash("Threshold warning settings saved.", "success")
            fresh = Account.get_by_id(acct.id)
            if fresh.alert_enabled and alerts.after_spend(fresh):
                flash(
                    f"The balance ({fresh.available.normalize():f}) is already at or below "
                    f"this threshold: a warning was sent to {fresh.alert_email} now.",
                    "warning",
                )
            return redirect(url_for("iap.account", service=service))
        acct = Account.get_by_id(acct.id)
    kind = request.args.get("kind", "")
    page = max(request.args.get("page", 1, type=int), 1)
    journal, total = audit.journal_page(acct.id, kind if kind in JOURNAL_KINDS else "", page, PAGE)
    spent = (
        Entry.select(peewee.fn.SUM(Entry.spent), peewee.fn.SUM(Entry.free_spent))
        .where(Entry.account == acct.id)
        .tuples()
        .first()
    )
    spent_total = Entry.spent.python_value(spent[0]) if spent and spent[0] is not None else 0
    spent_free = Entry.spent.python_value(spent[1]) if spent and spent[1] is not None else 0
    lots = audit.drawn(
        acct, Lot.select().where((Lot.account == acct.id) & (Lot.remaining > 0)).order_by(Lot.id)
    )
    orders = Order.select().where(Order.account == acct.id).order_by(Order.id.desc()).limit(20)
    disputed = Order.select().where((Order.account == acct.id) & (Order.state == "disputed"))
    captures = (
        Hold.select()
        .where((Hold.account == acct.id) & (Hold.state == "captured"))
        .order_by(Hold.id.desc())
        .limit(10)
    )
    status = 422 if errors else 200
    return render_template(
        "iap/account.html",
        service=svc,
        account=acct,
        available=balance(svc.key),
        journal=journal,
        kind=kind,
        kinds=JOURNAL_KINDS,
        page=page,
        pages=max((total + PAGE - 1) // PAGE, 1),
        usage=usage_by_day(acct),
        spent_total=spent_total,
        spent_free=spent_free,
        spent_paid=spent_total - spent_free,
        lots=lots,
        orders=orders,
        disputed=disputed,
        captures=captures,
        errors=errors,
        form=request.form,
        packs=svc.packs,
        saved_method_usable=payments.saved_method_usable(acct),
        saved_method_label=payments.saved_method_label(acct),
    ), status


def _save_alert_settings(acct: Account) -> dict[str, str]:
    form = request.form
    enabled = form.get("alert_enabled") == "on"
    errors: dict[str, str] = {}
    threshold = None
    email = form.get("alert_email", "").strip()
    if enabled:
        raw = form.get("alert_threshold", "").strip()
        try:
            threshold = Decimal(raw)
            if not threshold.is_finite() or threshold < 0 or threshold > 10**9:
                raise InvalidOperation
            threshold = threshold.quantize(Decimal("0.001"))
        except InvalidOperation:
            errors["alert_threshold"] = "The warning threshold is a number of credits, 0 or more."
        if not EMAIL.match(email) or len(email) > 254:
            errors["alert_email"] = "Enter the email address that receives the warning."
    topup = form.get("topup_enabled") == "on"
    topup_below, topup_pack, topup_max = None, form.get("topup_pack", ""), 3
    if topup:
        try:
            topup_below = Decimal(form.get("topup_below", "").strip())
            if not topup_below.is_finite() or topup_below < 0:
                raise InvalidOperation
        except InvalidOperation:
            errors["topup_below"] = "Top up below a number of credits, 0 or more."
        try:
            get_service(acct.service).pack(topup_pack)
        except LookupError:
            errors["topup_pack"] = "Choose the pack to buy."
        topup_max = form.get("topup_max_per_month", "3")
        if not topup_max.isdecimal() or not 1 <= int(topup_max) <= 31:
            errors["topup_max_per_month"] = "Between 1 and 31 top-ups a month."
        if not acct.saved_method:
            errors["topup_enabled"] = "Buy a pack once with a card you save to enable top-ups."
        elif not payments.saved_method_usable(acct):
            errors["topup_enabled"] = payments.saved_method_label(acct)
    if errors:
        return errors
    # A changed warning is armed again: when the balance is already below
    # it, the account page sends it once right away (alerts.after_spend).
    changed = (enabled, threshold, email) != (
        acct.alert_enabled,
        acct.alert_threshold,
        acct.alert_email,
    )
    Account.update(
        alert_enabled=enabled,
        alert_threshold=threshold if enabled else acct.alert_threshold,
        alert_email=email if enabled else acct.alert_email,
        alert_armed=True if changed else acct.alert_armed,
        topup_enabled=topup,
        topup_below=topup_below if topup else acct.topup_below,
        topup_pack=topup_pack if topup else acct.topup_pack,
        topup_max_per_month=int(topup_max) if topup else acct.topup_max_per_month,
    ).where(Account.id == acct.id).execute()
    return {}


@blueprint.route("/accounts/<service>/refund/<int:hold_id>", methods=["POST"])
@group_required("iap.manager")
def refund(service: str, hold_id: int):
    _service_or_404(service)
    hold = Hold.get_or_none(Hold.id == hold_id)
    if hold is None or hold.account.service != service:
        abort(404)  # the URL names another service's hold
    reason = request.form.get("reason", "").strip()
    amount = request.form.get("amount", "").strip() or None
    try:
        ledger.refund(hold_id, amount, reason=reason)
    except (ValueError, TypeError, ledger.LedgerError) as exc:
        flash(f"Not refunded: {exc}", "error")
    else:
        flash("Refunded.", "success")
    return redirect(url_for("iap.account", service=service))


@blueprint.route("/buy/<service>")
@group_required("iap.manager")
def buy(service: str):
    svc = _service_or_404(service)
    return render_template(
        "iap/buy.html",
        service=svc,
        available=balance(svc.key),
        provider=payments.active_provider(),
    )


@blueprint.route("/buy/<service>/<pack>", methods=["POST"])
@group_required("iap.manager")
def buy_pack(service: str, pack: str):
    svc = _service_or_404(service)
    try:
        provider = payments.active_provider()
        order = payments.create_order(
            svc,
            pack,
            user_id=current_user().id,
            provider=provider.key,
            save_method=provider.saves_at_checkout and request.form.get("save_method") == "on",
        )
        return redirect(provider.start(order), code=303)
    except LookupError as exc:
        abort(404, description=str(exc))
    except payments.PaymentError as exc:
        flash(str(exc), "error")
        return redirect(url_for("iap.buy", service=service))


def _order_or_404(token: str) -> Order:
    order = Order.get_or_none(Order.token == token)
    if order is None:
        abort(404, description="This order does not exist.")
    return order


@blueprint.route("/pay/demo/<token>", methods=["GET", "POST"])
@group_required("iap.manager")
def demo_pay(token: str):
    order = _order_or_404(token)
    if order.provider != "demo":
        abort(404)
    error, missing = None, {}
    if request.method == "POST" and order.state == "pending":
        missing = payments.missing_demo_card_fields(request.form)
        try:
            if missing:
                raise payments.PaymentError("Fill in the fields marked below.")
            method = payments.check_demo_card(
                request.form.get("number", ""),
                request.form.get("expiry", ""),
                request.form.get("cvc", ""),
            )
        except payments.PaymentError as exc:
            error = str(exc)
        else:
            payments.confirm_order(order.id, provider_ref=f"demo_{order.token}")
            if request.form.get("save") == "on":
                Account.update(saved_method=f"demo:{method}").where(
                    Account.id == order.account_id
                ).execute()
            return redirect(url_for("iap.order_return", token=token), code=303)
    if order.state != "pending" and request.method == "GET":
        return redirect(url_for("iap.order_return", token=token))
    # The test card, filled in and editable: one click pays in test mode.
    test_card = {"number": "4242 4242 4242 4242", "expiry": f"12/{(utcnow().year + 3) % 100:02d}"}
    test_card["cvc"] = "123"
    values = request.form if request.method == "POST" else test_card
    return render_template(
        "iap/demo_pay.html", order=order, error=error, missing=missing, form=values
    ), (402 if error else 200)


@blueprint.route("/orders/<token>/resume", methods=["POST"])
@group_required("iap.manager")
def order_resume(token: str):
    """Back to the payment page of a pending order."""
    order = _order_or_404(token)
    provider = payments.providers().get(order.provider)
    if order.state != "pending" or provider is None:
        flash("This order is no longer waiting for a payment.", "info")
        return redirect(url_for("iap.account", service=order.account.service))
    try:
        return redirect(provider.start(order), code=303)
    except payments.PaymentError as exc:
        flash(str(exc), "error")
        return redirect(url_for("iap.account", service=order.account.service))


@blueprint.route("/orders/<token>/cancel", methods=["POST"])
@group_required("iap.manager")
def order_cancel(token: str):
    """Give up a pending order (Cancel on the account page, Back on the payment page)."""
    order = _order_or_404(token)
    service = order.account.service
    if order.state == "pending" and order.provider in payments.providers():
        try:  # a payment made meanwhile wins over the cancel
            payments.providers()[order.provider].check_return(order, {})
        except Exception as exc:
            current_app.logger.warning("checking order %s before cancel: %s", order.id, exc)
    if payments.cancel_order(order.id):
        flash(f"Order for the {Order.get_by_id(order.id).pack_name} canceled.", "success")
    elif Order.get_by_id(order.id).state == "paid":
        flash("This order was paid meanwhile: its credits were added.", "info")
    if request.form.get("next") == "buy":
        return redirect(url_for("iap.buy", service=service), code=303)
    return redirect(url_for("iap.account", service=service), code=303)


@blueprint.route("/orders/<token>")
@group_required("iap.manager")
def order_return(token: str):
    order = _order_or_404(token)
    if order.state == "pending":
        provider = payments.providers().get(order.provider)
        if provider is not None:
            try:
                provider.check_return(order, request.args)
            except Exception as exc:  # the webhook will still confirm it
                current_app.logger.warning("return page of order %s: %s", order.id, exc)
        order = Order.get_by_id(order.id)
    template = (
        "iap/order_status.html"
        if request.headers.get("X-Requested-With") == "fetch"
        else "iap/order.html"
    )
    return render_template(
        template,
        order=order,
        service=order.account.service,
        available=balance(order.account.service),
    )


@blueprint.route("/webhooks/stripe", methods=["POST"])
@webhook
def stripe_webhook():
    from addons.iap.stripe_gateway import WebhookSignatureError

    provider = payments.providers().get("stripe")
    if provider is None:
        abort(404)
    try:
        event = provider.gateway().parse_webhook(
            request.get_data(), request.headers.get("Stripe-Signature", "")
        )
    except WebhookSignatureError:
        return {"error": "invalid signature"}, 400
    except (ValueError, payments.PaymentError) as exc:
        return {"error": str(exc)[:200]}, 400
    if event.session is not None:
        provider.confirm(event.session)
    return {"received": True}
