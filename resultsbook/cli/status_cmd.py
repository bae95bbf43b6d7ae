"""`status` and `explain`: what is missing before the deadline, and where a number comes from."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from resultsbook.cli.common import (
    collect_option,
    config_option,
    echo,
    find_spec_or_none,
    json_option,
    open_store,
    print_json,
    quiet_option,
    relative,
    spec_and_store,
    spec_db_option,
    verbose_option,
)
from resultsbook.cli.completion import complete_explainable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from resultsbook.freshness.status import EmptyCell
    from resultsbook.spec import Spec

UNKEYED = "its runs hold no replicate key to name them by"  # each run one replicate: seeds = [...] names none


@click.command("status")
@config_option
@spec_db_option
@collect_option
@click.option(
    "--stale-after", default="1h", show_default=True, help="A running run silent this long looks dead."
)
@click.option(
    "--commands",
    is_flag=True,
    help="Print the command lines of missing runs (spec key `command`), values shell-quoted.",
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="List complete cells too, and every command of the cells no run reached (--commands).",
)
@json_option
@quiet_option
@verbose_option
def status_command(
    config: str | None,
    db_path: str | None,
    recollect: bool,
    stale_after: str,
    commands: bool,
    show_all: bool,
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Say what is missing: replicates per cell, missing seeds, failed, running and dead runs.

    Without a spec, say which runs of the store (--db) failed, were interrupted, run or look dead.
    """
    from resultsbook.freshness.status import DASH, NO_ROW, parse_duration, status
    from resultsbook.query.aggregate import LISTED
    from resultsbook.query.marks import named_list

    seconds = parse_duration(stale_after)
    if config is None and find_spec_or_none(None) is None:
        _status_without_spec(db_path, seconds, as_json, quiet)
    with spec_and_store(config, db_path, recollect, quiet or as_json) as (spec, store):
        report = status(spec, store, seconds)
    if as_json:
        print_json("status", report.complete, status_document(report))
        sys.exit(0 if report.complete else 1)
    for table, why in report.empty:
        echo(f"{table}: no run yet ({why})")
    for table in dict.fromkeys(cell.table for cell in report.cells):
        cells = [cell for cell in report.cells if cell.table == table]
        done = sum(1 for cell in cells if cell.complete)
        echo(f"{table}: {done} of {len(cells)} cells complete")
        for shown_as, where in ((DASH, "shown as –"), (NO_ROW, "no row in the table")):
            holes = [hole for hole in report.holes if hole.table == table and hole.shown_as == shown_as]
            if holes:
                echo(
                    f"  no run at all: {named_list([hole.cell for hole in holes], 10)} ({where}; "
                    f"{'it is' if len(holes) == 1 else 'they are'} not counted above)"
                )
            if holes and commands and spec.tables[table].command:
                _echo_hole_commands(holes, show_all)
        for cell in cells:
            # a cell with more runs than asked says so: the table averages them all
            if cell.complete and cell.found <= cell.expected and not cell.repeated and not show_all:
                continue
            line = f"  {cell.cell}: {cell.found} of {cell.expected}"
            twice = f"n = {cell.averaged}: {', '.join(cell.repeated)}" if cell.repeated else ""
            if cell.counted or twice:
                line += f" ({'; '.join(part for part in (cell.counted, twice) if part)})"
            counted = line  # the first clause after it takes `,`, each other one `;`
            how = "set seeds = [...] in the spec" if cell.keyed else UNKEYED
            pending = (*cell.running, *cell.queued)
            valueless = [name for name in cell.valueless if name not in pending]
            missing = cell.missing_where_run if cell.no_run else cell.missing  # over tasks: the others
            named = [name for name in missing if name not in cell.valueless]
            if len(named) > LISTED:  # a row over 80 tasks: the rest in --json
                named = [*named[:LISTED], f"… and {len(named) - LISTED} more (--json lists them all)"]
            named += [f"{cell.unnamed} unnamed ({how})"] if cell.unnamed else []
            if cell.no_run:
                line += f", no run on {named_list(cell.no_run, LISTED)}"
            if named:
                line += f"{';' if cell.no_run else ','} missing {', '.join(named)}"
            said = bool(named or cell.no_run)
            if valueless:  # its loss went NaN, say: its run is listed below if it failed
                has = "has" if len(valueless) == 1 else "have"
                line += (
                    f"{';' if said else ','} {named_list(valueless, len(valueless))} ran but {has} no value"
                )
            if cell.running:  # not at its first evaluation yet: no run to launch again
                sep = ";" if said or valueless else ","
                line += f"{sep} {named_list(cell.running, len(cell.running))} still running, no value yet"
            if cell.queued:  # queued, not started: no run to launch again either
                sep = ";" if said or valueless or cell.running else ","
                line += f"{sep} {named_list(cell.queued, len(cell.queued))} queued, not started yet"
            if cell.valueless_runs and not valueless and not pending:  # runs without a seed: not named
                many = cell.valueless_runs
                runs = "1 run ran but has" if many == 1 else f"{many} runs ran but have"
                line += f"{';' if said else ','} {runs} no value"
            if cell.unfinished:  # the cell counts what they logged before they stopped, or so far
                sep = ";" if line != counted else ","
                line += f"{sep} counted from runs that did not finish: {', '.join(cell.unfinished)}"
            echo(line)
            for command in cell.commands if commands else ():
                echo(f"    {command}")
    _echo_runs(report)
    from resultsbook.outputs.build import finding_lines

    for line in finding_lines(report.findings, verbose):
        echo(f"Warning: {line}", err=True)
    sys.exit(0 if report.complete else 1)


HOLE_COMMANDS = 20  # command lines printed under one `no run at all` line without --all


def _echo_hole_commands(holes: Sequence[EmptyCell], show_all: bool) -> None:
    """Print the commands that launch the runs of cells no run reached, each once (a run serves each
    metric's column), the first HOLE_COMMANDS of them unless `show_all`; and how many replicates each
    expects that no run names, which have no command."""
    launch = list(dict.fromkeys(command for hole in holes for command in hole.commands))
    shown = launch if show_all else launch[:HOLE_COMMANDS]
    for command in shown:
        echo(f"    {command}")
    if len(launch) > len(shown):
        echo(
            f"    and {len(launch) - len(shown)} more (status --commands --all prints them all; "
            "--json lists each cell's in empty_cells)"
        )
    unnamed = max(hole.unnamed for hole in holes)  # every cell of a table expects the same
    if unnamed:
        them = "it" if unnamed == 1 else "them"
        echo(f"    {unnamed} unnamed each (set seeds = [...] in the spec): no command launches {them}")


def _status_without_spec(db_path: str | None, seconds: float, as_json: bool, quiet: bool) -> None:
    """Print the runs of the store that need attention (no spec names tables to count), then exit."""
    from resultsbook.freshness.status import runs_status
    from resultsbook.store.location import display_location

    with open_store(db_path) as store, store.snapshot():
        report = runs_status(store, seconds)
        stored = store.runs()
        where, count = relative(display_location(store.path)), len(stored)
        unknown = sum(run.status == "unknown" for run in stored)
    if as_json:
        print_json("status", report.complete, status_document(report))
        sys.exit(0 if report.complete else 1)
    if not quiet:
        echo(
            "Note: no resultsbook.toml here or in any parent folder: these are the runs of "
            f"{where} that need attention; a spec's tables would also count each cell's replicates "
            "(see `resultsbook table`)",
            err=True,
        )
    _echo_runs(report)
    if report.complete:
        echo(_complete_line(count, unknown))
    sys.exit(0 if report.complete else 1)


def _complete_line(count: int, unknown: int) -> str:
    """Say that no run needs attention, and how many of them that is only because their logs say
    nothing of how they ended (an rlkit progress.csv cut short by a time limit reads as complete)."""
    runs = f"{count} run{'' if count == 1 else 's'}"
    if not unknown:
        return f"{runs}: none failed, was interrupted or is still running"
    silent = "no run's log says" if unknown == count else f"{unknown} of their logs do not say"
    return (
        f"{runs}: none known to have failed, been interrupted or be still running; {silent} how it ended "
        "(status unknown), so a run cut short reads as finished"
    )


def _echo_runs(report: Any) -> None:
    """Print the runs that need attention, each with its state, name, source and why."""
    if report.runs:
        echo("Runs needing attention:")
    for run in report.runs:
        echo(f"  {run.state:<11} {run.name}  ({run.source})")
        echo(f"              {run.detail}")


def status_document(report: Any) -> dict[str, Any]:
    """Return a status report as the payload of `status --json`."""
    from resultsbook.cli.build_cmd import finding_document

    return {
        "complete": report.complete,
        "cells": [asdict(cell) for cell in report.cells],
        "empty_tables": [{"table": table, "reason": why} for table, why in report.empty],
        "empty_cells": [asdict(hole) for hole in report.holes],
        "runs": [asdict(run) for run in report.runs],
        "findings": [finding_document(f) for f in report.findings],
    }


@click.command("explain")
@click.argument("output", shell_complete=complete_explainable)
@click.argument("cell", required=False)
@config_option
@spec_db_option
@collect_option
@json_option
@quiet_option
def explain_command(
    output: str,
    cell: str | None,
    config: str | None,
    db_path: str | None,
    recollect: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Show the runs behind a table, a cell of it, a figure's curve or bar, or a number quoted in the text.

    \b
    OUTPUT: a table or figure name or output file, a cell key (table1/mlp/circles, or as the paper
    quotes it: \\rbvalue{table1/mlp/circles}), or a number's name (gain_circles, \\gainCircles; or
    the numbers file with the name as CELL).
    CELL: the cell's label ("MLP / Moons": that cell; part of one: every cell it is part of) or key
    values (model=mlp,dataset=moons); a figure's curve or bar as check names it ("Moons / MLP").
    """
    from resultsbook.freshness.explain import explain, explain_number, find_number
    from resultsbook.render.macros import quoted_cell_key

    output = quoted_cell_key(output)  # as the paper quotes it, or check names it: \rbvalue{table1/...}
    with spec_and_store(config, db_path, recollect, quiet or as_json) as (spec, store):
        macros_file = spec.macros.output if spec.macros is not None else None
        is_macros = macros_file and os.path.abspath(output) == macros_file
        number = find_number(spec, cell or "") if is_macros else None
        number = number or find_number(spec, output)
        if number is not None:
            explained = explain_number(spec, store, number)
            if as_json:
                print_json("explain", True, {"number": number_document(explained, spec), "cells": []})
            else:
                print_number(explained, spec)
            return
        if is_macros and cell is not None and quoted_cell_key(cell).partition("/")[0] in spec.tables:
            output, cell = quoted_cell_key(cell), None  # a cell of the numbers file: its table's cell
        key = None
        if output.partition("/")[0] in spec.tables and "/" in output and cell is None:
            key = output  # as the values read, or as the numbers file writes it
            output, cell = output.partition("/")[0], _cell_key_query(spec, output)
        explanations = explain(spec, store, output, cell, key)
    if as_json:
        cells = [cell_document(item, item.replicate) for item in explanations]
        print_json("explain", True, {"number": None, "cells": cells})
        return
    for item in explanations:
        print_cell(item, item.replicate)


SHOWN_KEYS = 5  # packages an explained cell's runs differ in, named on its line; the rest counted


def cell_document(item: Any, replicate: tuple[str, ...]) -> dict[str, Any]:
    """Return one explained cell as JSON: what it shows, its statistics, its runs, their differences."""
    from resultsbook.freshness.explain import environment_differences

    return {
        "table": item.table,  # a figure's name, for its curve or bar
        "kind": item.kind,
        "cell": item.cell,
        "shown": item.shown,
        "n": int(item.stats["n"]),
        "stats": dict(item.stats),
        "reduce": item.reduce,
        "step": item.step,
        "runs": [
            {
                **run_summary(run),
                "git_diff_problem": item.diff_problems.get(run.run_id),  # its git.diff gone or another
                "replicate": {k: run.params.get(k) for k in replicate},
                "value": value,
                # the step its value is taken at; `steps`, the first and last of the points it is over
                "step": span[0] if span is not None and span[0] == span[1] else None,
                "steps": list(span) if span is not None else None,
                **({"best_step": best} if best is not None else {}),
            }
            for (run, value), span, best in zip(item.runs, item.run_steps(), item.run_best_steps())
        ],
        "differing": {key: list(values) for key, values in item.differing.items()},
        "allowed": dict(item.allowed),
        "computed": item.computed,
        "environment": environment_differences([run for run, _ in item.runs]),
        "built": item.built,
        "marks": list(item.marks),
    }


def number_document(number: Any, spec: Spec) -> dict[str, Any]:
    """Return an explained number of the text as JSON."""
    return {
        "name": number.name,
        "macro": number.macro,
        "kind": number.kind,
        "text": number.text,
        "origin": number.origin,
        "built": number.built,
        "cells": [cell_document(item, item.replicate) for item in number.cells],
        "runs": [{**run_summary(run), "value": value} for run, value in number.runs],
        "differing": {key: list(values) for key, values in number.differing.items()},
        "marks": list(number.marks),
    }


def run_summary(run: Any) -> dict[str, Any]:
    """Return who a run is: id, name, status, code version (where a dirty tree's diff is kept), source."""
    from resultsbook.freshness.explain import kept_diff

    return {
        "run_id": run.run_id,
        "name": run.name,
        "status": run.status,
        "git_commit": run.git_commit,
        "git_dirty": run.git_dirty,
        "git_diff": kept_diff(run) if run.git_dirty else None,
        "source": run.source,
    }


def print_cell(item: object, replicate: tuple[str, ...]) -> None:
    """Print one cell's explanation: value, runs with their own values, differences, marks."""
    from tabulate import tabulate

    from resultsbook.errors import listing_text
    from resultsbook.freshness.explain import (
        CellExplanation,
        commit_blank_text,
        dirty_text,
        environment_differences,
        logged_by_run,
    )
    from resultsbook.params import format_value
    from resultsbook.query.marks import clipped_apart
    from resultsbook.render.escape import escape_terminal

    assert isinstance(item, CellExplanation)
    n = int(item.stats["n"])
    echo(f"{item.table} / {item.cell}: {item.shown} (n = {n}, per run: {item.per_run()})")
    if item.built:
        echo(f"  ! {item.built}")
    spans = item.run_steps()
    rows = [
        [escape_terminal(text) for text in (
            run.run_id, run.name,
            *(format_value(run.params[k]) if k in run.params else "" for k in replicate),  # blank: no seed
            run.status,
            (run.git_commit or "")[:10] + ("*" if run.git_dirty else ""), run.source,
            *([step] if item.steps_differ else []), f"{value:.6g}")]
        for (run, value), step in zip(item.runs, item.step_texts())
    ]  # fmt: skip
    # the step each value is taken at, where they differ (a seed at step 300 of 1000); else the header's
    step = ["steps" if any(s and s[0] != s[1] for s in spans) else "step"] if item.steps_differ else []
    headers = ["run", "name", *replicate, "status", "commit", "source", *step, "value"]
    echo("\n".join("  " + line for line in tabulate(rows, headers, disable_numparse=True).splitlines()))
    if item.computed:
        echo(f"  = {item.computed}")
    blank = bool(item.runs) and not any(run.git_commit for run, _ in item.runs)
    if blank:  # a blank column says nothing
        echo(f"  {escape_terminal(commit_blank_text([run for run, _ in item.runs]))}")
    for key, values in item.differing.items():
        texts = clipped_apart([format_value(v) for v in values])  # a pickled object takes pages
        # a run-specific param of a sweep has a value per run: hundreds of Optuna trials' lr are noise
        shown = escape_terminal(listing_text(texts) if key in item.allowed else ", ".join(texts))
        allowed = f" ({item.allowed[key]}: no † mark)" if key in item.allowed else ""
        echo(f"  differ in {escape_terminal(key)}: {shown}{allowed}")
    environment = environment_differences([run for run, _ in item.runs])
    if environment:  # the code alike, another Python or numpy can still move a number
        listed = list(environment.items())
        shown = "; ".join(f"{key}: {', '.join(values)}" for key, values in listed[:SHOWN_KEYS])
        more = f"; and {len(listed) - SHOWN_KEYS} more (resultsbook diff RUN RUN lists them)"
        echo(f"  environment differs in {escape_terminal(shown)}{more if len(listed) > SHOWN_KEYS else ''}")
    for text in item.marks:
        echo(f"  ! {text}")
    for run, _ in item.runs:  # which runs the dirty mark counts, and what differed in them
        if run.git_dirty and not (blank and logged_by_run(run)):  # no commit yet: said above
            echo(f"  dirty: {escape_terminal(dirty_text(run, item.diff_problems.get(run.run_id)))}")


def print_number(number: object, spec: Spec) -> None:
    """Print a named number: its value, then the cells or runs it comes from."""
    from resultsbook.freshness.explain import NumberExplanation
    from resultsbook.params import format_value
    from resultsbook.query.marks import clipped_apart
    from resultsbook.render.escape import escape_terminal

    assert isinstance(number, NumberExplanation)
    echo(f"\\{number.macro} ({number.name}, {number.kind}) = {number.text}")
    echo(f"  = {escape_terminal(number.origin)}")
    if number.built:
        echo(f"  ! {escape_terminal(number.built)}")
    for item in number.cells:
        print_cell(item, item.replicate)
    for run, value in number.runs:
        shown = "" if value is None else f"  {value:.6g}"
        echo(f"  {run.run_id}  {run.name}  {run.status}  {run.source}{shown}")
    for key, values in number.differing.items():  # as an explained cell names them
        shown = ", ".join(clipped_apart([format_value(v) for v in values]))
        echo(f"  differ in {escape_terminal(key)}: {escape_terminal(shown)}")
    for text in number.marks:
        echo(f"  ! {escape_terminal(text)}")


def _cell_key_query(spec: object, key: str) -> str:
    from resultsbook.freshness.explain import _key_query

    table, _, rest = key.partition("/")
    return _key_query(spec, table, rest)  # type: ignore[arg-type]
