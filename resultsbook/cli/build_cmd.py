"""`build`: collect the spec's sources, then write every output it names."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from resultsbook.cli.common import (
    config_option,
    echo,
    json_option,
    no_collect_option,
    print_json,
    progress_bar,
    quiet_option,
    spec_and_store,
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
    from resultsbook.outputs.build import build, check_names, finding_lines

    collected: list[Any] = []
    with (
        spec_and_store(
            config,
            db_path,
            not no_collect,
            quiet or as_json,
            lambda spec: check_names(spec, tables),
            collected,
        ) as (spec, store),
        progress_bar("Building", minimum=1) as progress,
    ):
        result = build(spec, store, tables, progress=progress)
    failed = strict and bool(result.findings)
    if as_json:
        from resultsbook.cli.collect_cmd import report_document

        print_json(
            "build",
            not failed,
            {
                "collected": report_document(collected[0]) if collected else None,
                "written": [os.path.relpath(p) for p in result.written],
                "unchanged": [os.path.relpath(p) for p in result.unchanged],
                "findings": [finding_document(f) for f in result.findings],
                "strict": strict,
            },
        )
        sys.exit(1 if failed else 0)
    for output in result.written:
        if not quiet:
            echo(f"wrote {os.path.relpath(output)}")
    if result.unchanged and not quiet:
        echo(f"{len(result.unchanged)} output(s) unchanged")
    label = "Error" if strict else "Warning"
    for warning in finding_lines(result.findings, verbose):
        echo(f"{label}: {warning}", err=True)
    if failed:
        sys.exit(1)


def finding_document(finding: Any) -> dict[str, str]:
    """Return a statistical finding as JSON (the shape `check --json` uses)."""
    return {"entry": finding.entry, "cell": finding.cell, "kind": finding.kind, "text": finding.text}
