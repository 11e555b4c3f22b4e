"""Buying packs: orders, payment providers, and crediting each order once.

A provider sends the buyer somewhere to pay and later tells us the order is
paid: on the return page, through a signed webhook, or both, in any order and
any number of times. :func:`confirm_order` turns ``pending`` into ``paid``
with a conditional update under the account lock, so only one of them credits
the pack.
"""

from __future__ import annotations

import logging
import secrets
from decimal import Decimal

from flask import current_app, url_for

from addons.iap import alerts, ledger
from addons.iap.hookspecs import IapHooks
from addons.iap.models import Account, Order
from addons.iap.payment_base import PaymentError, PaymentProvider
from addons.iap.services import Service
from host import hooks, utcnow, write_transaction

log = logging.getLogger(__name__)


class DemoProvider(PaymentProvider):
    """A clearly marked test card form, so the app works offline."""

    key = "demo"
    name = "Demo (test cards)"

    def start(self, order: Order) -> str:
        return url_for("iap.demo_pay", token=order.token)

    def charge_saved(self, order: Order, method: str) -> str:
        if not method.startswith("demo_card_"):
            raise PaymentError("the saved demo card is not valid")
        if method.endswith("0002"):
            raise PaymentError("The saved card was declined.")
        return f"demo_{order.token}"


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number]
    checksum = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        checksum += digit
    return checksum % 10 == 0


DEMO_CARD_FIELDS = {"number": "card number", "expiry": "expiry date", "cvc": "security code (CVC)"}


def missing_demo_card_fields(values: dict) -> dict[str, str]:
    """A message for each empty field of the demo card form, by field name."""
    return {
        name: f"Enter the {label}."
        for name, label in DEMO_CARD_FIELDS.items()
        if not (values.get(name) or "").strip()
    }


def _ascii_digits(text: str) -> bool:
    # Not str.isdigit() alone: "²" is a digit that int() refuses (a 500).
    return text.isascii() and text.isdigit()


def check_demo_card(number: str, expiry: str, cvc: str) -> str:
    """Validate a demo card like a real form would; return the saved-method token."""
    digits = number.replace(" ", "").replace("-", "")
    if not _ascii_digits(digits) or not 12 <= len(digits) <= 19 or not luhn_ok(digits):
        raise PaymentError("This card number is not valid.")
    month, _, year = expiry.replace(" ", "").partition("/")
    if not (_ascii_digits(month) and _ascii_digits(year) and 1 <= int(month) <= 12):
        raise PaymentError("Give the expiry date as MM/YY.")
    year_full = 2000 + int(year) if len(year) == 2 else int(year)
    today = utcnow().date()
    if (year_full, int(month)) < (today.year, today.month):
        raise PaymentError("This card has expired.")
    if not (_ascii_digits(cvc) and len(cvc) in (3, 4)):
        raise PaymentError("The security code has 3 or 4 digits.")
    if digits == "4000000000000002":
        raise PaymentError("The card was declined.")
    return f"demo_card_{digits[-4:]}"


class StripeProvider(PaymentProvider):
    """Stripe Checkout, confirmed by a signed webhook (or the return page)."""

    key = "stripe"
    name = "Stripe"
    saves_at_checkout = True

    def gateway(self):
        from addons.iap.stripe_gateway import StripeGateway

        config = current_app.config
        if not config.get("STRIPE_API_KEY") or not config.get("STRIPE_WEBHOOK_SECRET"):
            raise PaymentError("Stripe is not configured (STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET).")
        return StripeGateway(
            config["STRIPE_API_KEY"],
            config["STRIPE_WEBHOOK_SECRET"],
            api_base=config.get("STRIPE_API_BASE"),
        )

    def start(self, order: Order) -> str:
        from addons.iap.stripe_gateway import PaymentProviderError

        base = current_app.config["HOST_BASE_URL"].rstrip("/")
        try:
            session = self.gateway().create_checkout(
                order_reference=order.token,
                description=f"{order.pack_name} ({order.credits.normalize():f} credits)",
                amount_cents=int(order.price * 100),
                currency=order.currency.lower(),
                success_url=f"{base}{url_for('iap.order_return', token=order.token)}"
                "?session_id={CHECKOUT_SESSION_ID}",
                cancel_url=f"{base}{url_for('iap.buy', service=order.account.service)}",
                save_method=order.save_method,
            )
        except PaymentProviderError as exc:
            raise PaymentError(f"Stripe did not start the payment: {exc}") from None
        Order.update(provider_ref=session.id).where(Order.id == order.id).execute()
        return session.url

    def check_return(self, order: Order, args) -> None:
        session_id = args.get("session_id") or order.provider_ref
        if not session_id:
            return
        self.confirm(self.gateway().retrieve(session_id))

    def confirm(self, status) -> bool:
        """Credit a paid Checkout session's order once (:func:`confirm_paid_session`)
        and keep the card it saved, when the buyer asked to."""
        credited = confirm_paid_session(status)
        if status.paid and status.payment_intent:
            order = Order.get_or_none(Order.token == status.order_reference)
            if order is not None and order.save_method and order.state == "paid":
                saved = self.gateway().saved_method_of(status.payment_intent)
                if saved is not None:
                    method = f"stripe:{saved[0]}/{saved[1]}"
                    Account.update(saved_method=method).where(
                        Account.id == order.account_id
                    ).execute()
        return credited

    def charge_saved(self, order: Order, method: str) -> str:
        from addons.iap.stripe_gateway import PaymentProviderError

        customer, _, payment_method = method.partition("/")
        if not customer or not payment_method:
            raise PaymentError("The saved Stripe card is not valid; buy a pack to save it again.")
        try:
            return self.gateway().charge_saved(
                order_reference=order.token,
                description=f"{order.pack_name} ({order.credits.normalize():f} credits)",
                amount_cents=int(order.price * 100),
                currency=order.currency.lower(),
                customer=customer,
                payment_method=payment_method,
            )
        except PaymentProviderError as exc:
            if exc.retryable:
                raise  # the job retries; the idempotency key keeps it one charge
            if exc.code in ("authentication_required", "requires_action"):
                raise PaymentError(
                    "The bank asks the cardholder to confirm this payment: buy a pack by "
                    "hand once to confirm the card, then turn automatic top-up on again."
                ) from None
            raise PaymentError(f"The saved card was declined: {exc}") from None


def confirm_paid_session(status) -> bool:
    """Credit the order of a paid Stripe Checkout session, once.

    The order must be one started with Stripe (not a demo order whose token
    was replayed) and the session must have taken exactly its price: a paid
    session for another amount or currency marks the order ``disputed``, for
    an admin to settle with Stripe, and credits nothing."""
    if not status.paid:
        return False
    order = Order.get_or_none(Order.token == status.order_reference)
    if order is None:
        log.warning("paid Stripe session %s for an unknown order", status.id)
        return False
    if order.provider != "stripe":
        log.error(
            "Stripe session %s names order %s of provider %r; not credited",
            status.id,
            order.id,
            order.provider,
        )
        return False
    expected = int(order.price * 100)
    currency = (status.currency or "").upper()
    if status.amount_total != expected or currency != order.currency.upper():
        log.error(
            "Stripe session %s paid %s %s for order %s priced %s %s; not credited",
            status.id,
            status.amount_total,
            status.currency,
            order.id,
            expected,
            order.currency,
        )
        paid = (
            "an unknown amount"
            if status.amount_total is None
            else (f"{Decimal(status.amount_total) / 100:.2f} {currency or '(no currency)'}")
        )
        dispute_order(
            order.id,
            f"Stripe session {status.id} took {paid}, not {order.price:.2f} {order.currency}: "
            "settle it in the Stripe dashboard",
        )
        return False
    return confirm_order(order.id, provider_ref=status.id)


def dispute_order(order_id: int, error: str) -> None:
    """Mark an order whose payment does not match it; a paid order stays paid."""
    Order.update(state="disputed", error=error[:255]).where(
        (Order.id == order_id) & (Order.state != "paid")
    ).execute()


def providers() -> dict[str, PaymentProvider]:
    return {p.key: p for p in hooks(IapHooks).iap_payment_providers()}


def active_provider() -> PaymentProvider:
    key = current_app.config.get("IAP_PAYMENT_PROVIDER", "demo")
    found = providers().get(key)
    if found is None:
        raise PaymentError(f"payment provider {key!r} is not available")
    return found


def saved_method_usable(account: Account) -> bool:
    """Whether automatic top-ups may charge the account's saved method: only the
    active provider's. A card saved with the demo provider must never keep
    "paying" once a real provider is configured (nor a Stripe card after a
    switch back to the demo)."""
    if not account.saved_method:
        return False
    try:
        active = active_provider().key
    except PaymentError:
        return False
    return account.saved_method.partition(":")[0] == active


def saved_method_label(account: Account) -> str:
    """How the account page describes the saved method, unusable ones included."""
    if not account.saved_method:
        return "No saved payment method yet."
    key, _, method = account.saved_method.partition(":")
    if not saved_method_usable(account):
        provider = providers().get(key)
        name = provider.name if provider is not None else key
        return (
            f"The saved payment method was saved with {name}, which is not the active "
            "payment provider: it cannot be used. Buy a pack and save the card again."
        )
    if key == "stripe":
        return "Saved payment method: a card kept by Stripe, charged with you away."
    return f"Saved payment method: {method.split(':')[-1]}"


def create_order(
    service: Service,
    pack_key: str,
    *,
    user_id: int | None,
    provider: str,
    origin: str = "manual",
    save_method: bool = False,
) -> Order:
    pack = service.pack(pack_key)
    account = ledger.account_for(service.key)
    return Order.create(
        account=account.id,
        pack=pack.key,
        pack_name=pack.name,
        credits=pack.credits,
        price=pack.price,
        currency=pack.currency,
        provider=provider,
        token=secrets.token_urlsafe(24),
        origin=origin,
        save_method=save_method,
        created_by=user_id,
    )


def confirm_order(order_id: int, *, provider_ref: str | None = None) -> bool:
    """Mark a pending order paid and credit its pack. True only for the call
    that credited it; replays, reloads and racing webhooks get False."""
    order = Order.get_by_id(order_id)
    with write_transaction():
        account = ledger._lock_account_id(order.account_id)
        changed = (
            Order.update(
                state="paid", paid_at=utcnow(), provider_ref=provider_ref or order.provider_ref
            )
            # A canceled order whose payment still arrives (a Stripe page left
            # open) is credited all the same: the money moved.
            .where((Order.id == order_id) & (Order.state.in_(("pending", "canceled"))))
            .execute()
        )
        if changed != 1:
            return False
        ledger.grant(
            account.service,
            order.credits,
            kind="purchase",
            free=False,
            reason=f"{order.pack_name} bought ({order.price:.2f} {order.currency})",
            idempotency_key=f"order:{order.id}",
            order_id=order.id,
            account=account,
        )
    alerts.after_credit(order.account_id)
    return True


def cancel_order(order_id: int) -> bool:
    """The buyer gave up a pending order; True when it was still pending."""
    return (
        Order.update(state="canceled")
        .where((Order.id == order_id) & (Order.state == "pending"))
        .execute()
        == 1
    )


def fail_order(order_id: int, error: str) -> None:
    Order.update(state="failed", error=error[:255]).where(
        (Order.id == order_id) & (Order.state == "pending")
    ).execute()


def auto_topup(account_id: int) -> Order | None:
    """Buy the account's top-up pack again with the saved method, within the monthly cap.

    A charge that failed for a reason that may pass (the provider unreachable)
    leaves its order pending and raises, so the job retries; the retry, or the
    next top-up, charges that same order again, and the provider's idempotency
    key per order makes it one payment even if the first one went through."""
    with write_transaction():
        # One top-up decision at a time per account: two charges crossing the
        # threshold together buy one pack (the second finds its order pending).
        account = ledger._lock_account_id(account_id)
        order = _topup_order(account)
    if order is None:
        return None
    _, _, method = account.saved_method.partition(":")
    provider = active_provider()
    try:
        reference = provider.charge_saved(order, method)
    except PaymentError as exc:
        fail_order(order.id, str(exc))
        # Trying again at every charge would only pile up declined orders: the
        # admin turns it back on once the card works (the accounts page says why).
        Account.update(topup_enabled=False).where(Account.id == account.id).execute()
        log.warning("automatic top-up of %s failed and was turned off: %s", account.service, exc)
        return Order.get_by_id(order.id)
    confirm_order(order.id, provider_ref=reference)
    return Order.get_by_id(order.id)


def _topup_order(account: Account) -> Order | None:
    """The order an automatic top-up pays now: a pending one, or a new one
    when the balance is low and the month's cap allows."""
    from addons.iap.services import get_service

    if not account.topup_enabled or not account.saved_method or account.topup_below is None:
        return None
    if not saved_method_usable(account):
        return None
    provider_key = account.saved_method.partition(":")[0]
    order = (
        Order.select()
        .where(
            (Order.account == account.id)
            & (Order.origin == "auto")
            & (Order.state == "pending")
            & (Order.provider == provider_key)
        )
        .order_by(Order.id.desc())
        .first()
    )
    if order is not None:
        return order
    if ledger.available(account.service) >= account.topup_below:
        return None
    month_start = utcnow().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    done = (
        Order.select()
        .where(
            (Order.account == account.id)
            & (Order.origin == "auto")
            & (Order.created_at >= month_start)
            & (Order.state == "paid")
        )
        .count()
    )
    if done >= account.topup_max_per_month:
        return None
    service = get_service(account.service)
    return create_order(
        service, account.topup_pack, user_id=None, provider=provider_key, origin="auto"
    )


def price_label(price: Decimal, currency: str) -> str:
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency, currency + " ")
    return f"{symbol}{price:,.2f}"
