"""``iap-host credits …``: balances, grants, history, verification, sweeping."""

from __future__ import annotations

import sys

import click

from addons.iap import ledger
from addons.iap.charging import grant as grant_credits
from addons.iap.models import Account, Entry
from addons.iap.services import UnknownServiceError, all_services, get_service


@click.group()
def credits():
    """Credit accounts: balance, grant, history, verify, expire-holds."""


@credits.command()
@click.argument("service", required=False)
def balance(service):
    """Available credits of one service, or of every account."""
    accounts = Account.select().order_by(Account.service)
    if service:
        accounts = accounts.where(Account.service == service)
        if not accounts.exists():
            raise click.ClickException(f"no account for service {service!r}")
    for account in accounts:
        click.echo(
            f"{account.service:24} available {ledger.available(account.service)}"
            f"  held {account.held}"
        )


@credits.command()
@click.argument("service")
@click.argument("amount")
@click.option("--reason", required=True, help="Why the credits are granted (kept in the journal).")
@click.option("--idempotency-key", default=None)
def grant(service, amount, reason, idempotency_key):
    """Add AMOUNT credits to SERVICE (a service an enabled addon declares)."""
    try:
        get_service(service)
    except UnknownServiceError as exc:
        known = ", ".join(s.key for s in all_services()) or "none"
        raise click.ClickException(f"{exc} (enabled services: {known})") from None
    try:
        lot = grant_credits(service, amount, reason=reason, idempotency_key=idempotency_key)
    except (ValueError, TypeError, ledger.LedgerError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"granted {lot.amount} to {service}; available {ledger.available(service)}")


@credits.command()
@click.argument("service")
@click.option("--limit", default=50, show_default=True)
def history(service, limit):
    """The latest journal entries of SERVICE."""
    account = Account.get_or_none(Account.service == service)
    if account is None:
        raise click.ClickException(f"no account for service {service!r}")
    entries = (
        Entry.select().where(Entry.account == account.id).order_by(Entry.id.desc()).limit(limit)
    )
    for entry in entries:
        click.echo(
            f"{entry.created_at:%Y-%m-%d %H:%M:%S}  {entry.kind:10} {entry.amount:>16}"
            f"  → {entry.balance_after:>16}  {entry.description}"
        )


@credits.command()
def verify():
    """Recompute every balance from the journal; exit 1 on any difference."""
    problems = ledger.verify()
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(1)
    click.echo(f"ok: {Account.select().count()} accounts match their journal")


@credits.command("expire-holds")
def expire_holds():
    """Release holds past their TTL and expire lots past their date."""
    holds = ledger.expire_holds()
    lots = ledger.expire_lots()
    click.echo(f"released {holds} expired holds; expired {lots} credits of old lots")
