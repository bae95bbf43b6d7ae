"""`build`: collect the spec's sources, then write every output it names."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from resultsbook.cli.common import (
    collect_spec_sources,
    config_option,
    echo,
    json_option,
    load_required_spec,
    no_collect_option,
    nothing_to_collect,
    print_json,
    progress_bar,
    quiet_option,
    resolve_db,
    spec_db_option,
    verbose_option,
)
from resultsbook.cli.completion import complete_entries


@click.command("build")
@config_option
@spec_db_option
@no_collect_option
@click.option(
    "--table",
    "tables",
    multiple=True,
    shell_complete=complete_entries,
    help="Build only this table or figure (repeat for several).",
)
@click.option(
    "--strict", is_flag=True, help="Camera-ready: exit 1 on statistical findings (they still build)."
)
@json_option
@quiet_option
@verbose_option
def build_command(
    config: str | None,
    db_path: str | None,
    no_collect: bool,
    tables: tuple[str, ...],
    strict: bool,
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Write every table, figure and number the spec names, collecting its sources first."""
    from resultsbook.api.actions import build
    from resultsbook.cli.outcome import failure_of
    from resultsbook.errors import BuildError
    from resultsbook.outputs.build import check_names, finding_lines

    spec = load_required_spec(config)
    check_names(spec, tables)  # before anything is collected or created
    collected = None
    if not no_collect and spec.sources:
        collected = collect_spec_sources(spec, db_path, quiet or as_json)
    elif not no_collect and not (quiet or as_json):
        echo(nothing_to_collect(spec))
    error: BuildError | None = None
    with progress_bar("Building", minimum=1) as progress:
        try:
            result = build(spec, db=resolve_db(db_path, spec), tables=tables, progress=progress)
        except BuildError as not_built:  # the other entries were written: say so, then what was not
            error, result = not_built, not_built.report
    failure = failure_of(error) if error is not None else None
    failed = strict and bool(result.findings)
    if as_json:
        from resultsbook.cli.collect_cmd import report_document

        payload = {
            "collected": report_document(collected) if collected else None,
            "written": [os.path.relpath(p) for p in result.written],
            "unchanged": [os.path.relpath(p) for p in result.unchanged],
            "failed": [entry.document() for entry in result.failed],
            "findings": [finding_document(f) for f in result.findings],
            "remarks": list(result.remarks),
            "strict": strict,
        }
        print_json("build", not failed and failure is None, payload, failure)
    else:
        for output in result.written:
            if not quiet:
                echo(f"wrote {os.path.relpath(output)}")
        if result.unchanged and not quiet:
            echo(f"{len(result.unchanged)} output(s) unchanged")
        label = "Error" if strict else "Warning"
        for warning in finding_lines(result.findings, verbose):
            echo(f"{label}: {warning}", err=True)
        for remark in result.remarks:
            echo(f"Note: {remark}", err=True)
    for entry in result.failed:
        echo(f"Error: {entry.line()}", err=True)
    if failure is not None:
        sys.exit(failure.code)
    if failed:
        sys.exit(1)


def finding_document(finding: Any) -> dict[str, str]:
    """Return a statistical finding as JSON (the shape `check --json` uses)."""
    return {"entry": finding.entry, "cell": finding.cell, "kind": finding.kind, "text": finding.text}
