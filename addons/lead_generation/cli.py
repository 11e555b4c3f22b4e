"""``iap-host lead-generation load FILE | load --sample``."""

from __future__ import annotations

import os

import click

from addons.lead_generation import dataset, sample


@click.group("lead-generation")
def lead_generation():
    """The local lead provider's company and people dataset."""


@lead_generation.command()
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--sample",
    "use_sample",
    is_flag=True,
    help="Load the generated sample dataset (fictional companies, fixed seed).",
)
@click.option(
    "--companies",
    default=sample.COMPANIES,
    show_default=True,
    help="With --sample: how many companies to generate.",
)
def load(file, use_sample, companies):
    """Load a lead dataset CSV (companies, people and IP ranges; see the README).

    A reload updates what is there; bad rows are reported with their line
    numbers and skipped."""
    if bool(file) == bool(use_sample):
        raise click.UsageError("give a FILE or --sample")
    try:
        if use_sample:
            rows = companies * (1 + 3 + 1)
            with click.progressbar(length=rows, label="Loading the sample dataset") as bar:
                lines = sample.csv_lines(companies)
                report = dataset.load_lines(
                    _ticking(lines, bar), filename="sample (generated)", sample=True
                )
        else:
            with click.progressbar(length=os.path.getsize(file), label="Loading leads") as bar:
                report = dataset.load(file, progress=bar.update)
    except dataset.DatasetFileError as exc:
        raise click.ClickException(str(exc)) from None
    for line, message in report.problems:
        click.echo(f"line {line}: {message}", err=True)
    more = report.refused - len(report.problems)
    if more > 0:
        click.echo(f"… and {more} more refused rows", err=True)
    click.echo(
        f"{report.companies} companies, {report.people} people and {report.ranges} IP ranges "
        f"loaded, {report.refused} rows refused."
    )


def _ticking(lines, bar):
    for line in lines:
        bar.update(1)
        yield line
