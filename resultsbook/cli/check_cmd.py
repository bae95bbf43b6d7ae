"""`check`: fail CI when a committed output no longer matches the results, and say which cell changed."""

from __future__ import annotations

import json
import os
import sys

import click

from resultsbook.cli.common import (
    config_option,
    handle_errors,
    load_required_spec,
    open_store,
    progress_bar,
    spec_db_option,
    verbose_option,
)


@click.command("check")
@config_option
@spec_db_option
@click.option(
    "--collect",
    "recollect",
    is_flag=True,
    help="Re-collect the spec's sources first (logs in the repository).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Camera-ready: also fail on statistical findings (non-significant best...).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a versioned JSON result.")
@verbose_option
@handle_errors
def check_command(
    config: str | None, db_path: str | None, recollect: bool, strict: bool, as_json: bool, verbose: bool
) -> None:
    """Exit 0 when every output is current; 1 when one is stale, edited by hand or missing."""
    from resultsbook.freshness.check import check
    from resultsbook.sources.collect import collect

    spec = load_required_spec(config)
    with open_store(db_path, create=recollect, spec=spec) as store:
        if recollect and spec.sources:
            with progress_bar("Reading runs") as progress:
                collect(store, spec.sources, progress)
        report = check(spec, store, strict)
    if as_json:
        click.echo(json.dumps(report.document(), indent=2, ensure_ascii=False))
    else:
        print_report(report, verbose)
    sys.exit(0 if report.ok else 1)


def print_report(report: object, verbose: bool = False) -> None:
    """Print each output that is not current with its cell changes, the findings, and a summary."""
    from resultsbook.freshness.check import CheckReport
    from resultsbook.outputs.build import finding_lines

    assert isinstance(report, CheckReport)
    counts: dict[str, int] = {}
    for output in report.outputs:
        counts[output.state] = counts.get(output.state, 0) + 1
    entries = dict.fromkeys(output.entry for output in report.outputs)
    for entry in entries:
        outputs = [o for o in report.outputs if o.entry == entry and o.state != "current"]
        for output in outputs:
            detail = f" ({output.detail})" if output.detail else ""
            click.echo(f"{os.path.relpath(output.path)}: {output.state}{detail}")
        for change in outputs[0].changes if outputs else ():  # the same for every output of an entry
            click.echo(f"  {change.describe()}")
    label = "Error" if report.strict else "Warning"
    for line in finding_lines(report.findings, verbose):
        click.echo(f"{label}: {line}", err=True)
    summary = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
    click.echo(f"{'OK' if report.ok else 'FAILED'}: {summary or 'no outputs'}")
