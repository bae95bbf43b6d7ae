"""`recover`: copy what a damaged store still holds into a new file."""

from __future__ import annotations

import os

import click

from resultsbook.cli.common import echo, json_option, print_json, relative


@click.command("recover")
@click.argument("damaged", type=click.Path(dir_okay=False))
@click.argument("new", required=False, type=click.Path(dir_okay=False))
@json_option
def recover_command(damaged: str, new: str | None, as_json: bool) -> None:
    """Copy every readable row of a damaged store into NEW [default: DAMAGED-recovered.db].

    The damaged file is left as it is. Sources that lost rows are marked to be read again: the next
    `resultsbook collect` (with --db NEW) fills in what their logs still hold.
    """
    from dataclasses import asdict

    from resultsbook.store.recover import recover_store

    target = new or f"{os.path.splitext(damaged)[0]}-recovered.db"
    report = recover_store(damaged, target)
    if as_json:
        print_json("recover", True, asdict(report))
        return
    echo(
        f"Recovered {report.runs} run(s) into {relative(report.path)}; lost {report.lost_runs} run(s) "
        f"and {report.lost_rows} other row(s)."
    )
    if report.reread:
        echo(
            f"{report.reread} source(s) will be read again: run `resultsbook collect PATH --db "
            f"{relative(report.path)}` (or `resultsbook build --db ...`) to fill in what their logs hold."
        )
