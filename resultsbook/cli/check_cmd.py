"""`check`: fail CI when a committed output no longer matches the results, and say which cell changed."""

from __future__ import annotations

import os
import sys

import click

from resultsbook.cli.common import (
    collect_option,
    config_option,
    echo,
    quiet_option,
    spec_and_store,
    spec_db_option,
    verbose_option,
)
from resultsbook.cli.outcome import EXIT_NOT_CURRENT, json_text, not_built_failure


@click.command("check")
@config_option
@spec_db_option
@collect_option
@click.option(
    "--strict",
    is_flag=True,
    help="Camera-ready: also fail on statistical findings (non-significant best...).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a versioned JSON result (also when it fails).")
@quiet_option
@verbose_option
def check_command(
    config: str | None,
    db_path: str | None,
    recollect: bool,
    strict: bool,
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Exit 0 when every output is current; 1 when one is stale, edited by hand, missing or cannot be
    computed (2 when the spec must be fixed for it)."""
    from resultsbook.freshness.check import check

    first = "resultsbook check --collect"
    with spec_and_store(config, db_path, recollect, quiet or as_json, first) as (spec, store):
        report = check(spec, store, strict, collected=recollect)
    not_built = not_built_failure(report.failed)
    if as_json:
        click.echo(json_text({**report.document(), "error": not_built.document() if not_built else None}))
        for failure in report.failed:
            echo(f"Error: {failure.line()}", err=True)
    else:
        print_report(report, verbose)
    sys.exit(0 if report.ok else not_built.code if not_built else EXIT_NOT_CURRENT)


CHANGES_SHOWN = 20  # cell changes printed per entry; --json has them all


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
        # the outputs of one entry that are stale alike share a line: the cell changes below are theirs
        alike: dict[tuple[str, str], list[str]] = {}
        for output in outputs:
            alike.setdefault((output.state, output.detail), []).append(os.path.relpath(output.path))
        for (state, detail), paths in alike.items():
            echo(f"{', '.join(paths)}: {state}{f' ({detail})' if detail else ''}")
        changes = outputs[0].changes if outputs else ()  # the same for every output of an entry
        for change in changes[:CHANGES_SHOWN]:
            echo(f"  {change.describe()}")
        if len(changes) > CHANGES_SHOWN:
            more = len(changes) - CHANGES_SHOWN
            echo(f"  ... and {more} more {changes[0].kind}s: `resultsbook check --json` lists every one")
    label = "Error" if report.strict else "Warning"
    for line in finding_lines(report.findings, verbose):
        echo(f"{label}: {line}", err=True)
    for failure in report.failed:
        echo(f"Error: {failure.line()}", err=True)
    for quote in report.quotes:
        echo(f"Error: {quote.line()}", err=True)
    numbers = [quote for quote in report.quotes if quote.kind == "quote"]
    if numbers:
        counts["quoted numbers to fix" if len(numbers) > 1 else "quoted number to fix"] = len(numbers)
    inputs = len(report.quotes) - len(numbers)
    if inputs:
        said = "inputs of files no entry writes" if inputs > 1 else "input of a file no entry writes"
        counts[said] = inputs
    if report.failed:
        many = len(report.failed) > 1
        counts["entries cannot be computed" if many else "entry cannot be computed"] = len(report.failed)
    uncollected = report.uncollected
    if uncollected.new or uncollected.gone:
        echo(f"Error: {_uncollected_line(uncollected.new, uncollected.gone)}", err=True)
        counts["run sources not collected"] = len(uncollected.new) + len(uncollected.gone)
    unmatched = uncollected.unmatched  # the store's runs from there are what an older [[sources]] found
    for note in unmatched:
        echo(f"Error: {note}", err=True)
    if unmatched:
        state = "sources that find no run" if len(unmatched) > 1 else "source that finds no run"
        counts[state] = len(unmatched)
    summary = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
    echo(f"{'OK' if report.ok else 'FAILED'}: {summary or 'no outputs'}")


def _uncollected_line(new: tuple[str, ...], gone: tuple[str, ...]) -> str:
    """Say which run sources the logs and the store disagree on, and how to take them in."""
    parts = []
    if new:
        parts.append(
            f"{len(new)} run source(s) under the spec's [[sources]] are not in the store (e.g. {new[0]}): "
            "the outputs do not show them yet"
        )
    if gone:
        parts.append(
            f"{len(gone)} stored run source(s) are gone from the spec's [[sources]] (e.g. {gone[0]}): "
            "the outputs still count them"
        )
    return (
        f"{'; '.join(parts)}; `resultsbook check --collect` collects first, `resultsbook build` rebuilds "
        "with what the logs hold"
    )
