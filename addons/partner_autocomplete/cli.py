"""``iap-host partner-autocomplete load FILE | load --sample``."""

from __future__ import annotations

import os

import click

from addons.partner_autocomplete import register


@click.group("partner-autocomplete")
def partner_autocomplete():
    """The company register of Partner Autocomplete."""


@partner_autocomplete.command()
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--sample", is_flag=True, help="Load the shipped sample companies (fictional).")
def load(file, sample):
    """Load a GLEIF LEI-CDF CSV file (the golden copy or an extract) into the register.

    A reload updates the companies already there; bad rows are reported
    with their line numbers and skipped."""
    if bool(file) == bool(sample):
        raise click.UsageError("give a FILE or --sample")
    path = register.SAMPLE if sample else file
    with click.progressbar(length=os.path.getsize(path), label="Loading companies") as bar:
        try:
            report = register.load(path, progress=bar.update)
        except register.RegisterFileError as exc:
            raise click.ClickException(str(exc)) from None
    for line, message in report.problems:
        click.echo(f"line {line}: {message}", err=True)
    more = report.refused - sum(1 for _ in report.problems)
    if more > 0:
        click.echo(f"… and {more} more refused rows", err=True)
    click.echo(f"{report.loaded} companies loaded, {report.refused} rows refused.")
