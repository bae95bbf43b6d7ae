"""`runs`, `show` and `diff`: looking at individual runs."""

from __future__ import annotations

import json
from typing import Any

import click

from resultsbook.cli.common import db_option, handle_errors, open_store


@click.command("runs")
@db_option
@click.option(
    "--where", "where", multiple=True, metavar="FILTER", help="KEY=V[,V...], KEY!=V, KEY>=N, KEY~REGEX."
)
@click.option("--all", "include_missing", is_flag=True, help="Include runs whose files have disappeared.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Print a table, JSON or CSV.",
)
@handle_errors
def runs_command(
    db_path: str | None, where: tuple[str, ...], include_missing: bool, output_format: str
) -> None:
    """List runs with their status and the params that vary between them."""
    from tabulate import tabulate

    from resultsbook.query.aggregate import differing_params
    from resultsbook.query.select import parse_filter, select_runs

    with open_store(db_path) as store:
        runs = select_runs(store.runs(include_missing), [parse_filter(w) for w in where])
    varying = list(differing_params(runs, exempt=()))
    if output_format == "json":
        click.echo(json.dumps([_run_document(run) for run in runs], indent=2, default=str))
        return
    header = ["run_id", "name", "status", *varying]
    rows = [
        [
            run.run_id,
            run.name,
            run.status + ("" if run.present else " (missing)"),
            *(_text(run.params.get(key)) for key in varying),
        ]
        for run in runs
    ]
    if output_format == "csv":
        import csv
        import sys

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows([header, *rows])
        return
    click.echo(tabulate(rows, headers=header, tablefmt="simple", disable_numparse=True))
    click.echo(f"{len(runs)} run(s)")


@click.command("show")
@click.argument("run")
@db_option
@handle_errors
def show_command(run: str, db_path: str | None) -> None:
    """Show one run (by id, id prefix or name): params, provenance, metrics and problems."""
    from tabulate import tabulate

    with open_store(db_path) as store:
        found = find_run(store.runs(include_missing=True), run)
        metrics = store.run_metrics(found.id)
        problems = store.problems(found.source)
    click.echo(f"run {found.run_id}  {found.name}")
    click.echo(f"  status: {found.status}{'' if found.present else ' (files missing)'}")
    click.echo(f"  source: {found.source} ({found.adapter})")
    if found.experiment:
        click.echo(f"  experiment: {found.experiment}")
    for label, value in (("started", found.start_time), ("ended", found.end_time)):
        if value is not None:
            click.echo(f"  {label}: {_time_text(value)}")
    if found.git_commit:
        click.echo(f"  git: {found.git_commit}{' (dirty)' if found.git_dirty else ''}")
    _echo_error(found.provenance.get("error"))
    click.echo("params:")
    for key, value in found.params.items():
        click.echo(f"  {key} = {_text(value)}")
    if found.provenance:
        click.echo("provenance:")
        shown = {k: v for k, v in found.provenance.items() if k != "error"}
        for key, value in flatten_provenance(shown, summarize_over=_SHOW_ENTRIES).items():
            click.echo(f"  {key} = {_short(value)}")
    click.echo("metrics:")
    rows = [
        [
            m["key"],
            m["n"],
            _text(m["last_step"]),
            _text(m["last"]),
            _text(m["min"]),
            _text(m["max"]),
            _text(m["summary"]),
        ]
        for m in metrics
    ]
    table = tabulate(
        rows,
        headers=["key", "points", "last step", "last", "min", "max", "final"],
        tablefmt="simple",
        disable_numparse=True,
    )
    click.echo("\n".join(f"  {line}" for line in table.splitlines()))
    if problems:
        click.echo("problems:")
        for problem in problems:
            click.echo(f"  {problem.message}" + (f" — kept: {problem.kept}" if problem.kept else ""))


@click.command("diff")
@click.argument("first")
@click.argument("second")
@db_option
@handle_errors
def diff_command(first: str, second: str, db_path: str | None) -> None:
    """Show how two runs differ: config params and provenance (code version, host, data)."""
    from tabulate import tabulate

    with open_store(db_path) as store:
        runs = store.runs(include_missing=True)
        a, b = find_run(runs, first), find_run(runs, second)
    rows = []
    for key in sorted(set(a.params) | set(b.params)):
        left, right = a.params.get(key, _ABSENT), b.params.get(key, _ABSENT)
        if left != right:
            rows.append([key, _text(left), _text(right)])
    fields = {
        "status": (a.status, b.status),
        "git commit": (a.git_commit, b.git_commit),
        "git dirty": (a.git_dirty, b.git_dirty),
    }
    left_facts, right_facts = flatten_provenance(a.provenance), flatten_provenance(b.provenance)
    for key in sorted((set(left_facts) | set(right_facts)) - _SHOWN_AS_FIELDS):
        fields[key] = (left_facts.get(key, _ABSENT), right_facts.get(key, _ABSENT))
    rows += [[key, _short(left), _short(right)] for key, (left, right) in fields.items() if left != right]
    if not rows:
        click.echo("The two runs have the same params and provenance.")
        return
    click.echo(tabulate(rows, headers=["", a.name, b.name], tablefmt="simple", disable_numparse=True))


_ABSENT = "(absent)"
_SHOW_ENTRIES = 12  # `show` summarizes a longer mapping (packages) by its size; `diff` lists it
_SHOWN_AS_FIELDS = {"git.commit", "git.dirty", "git_commit", "git_dirty"}


def flatten_provenance(provenance: dict[str, Any], summarize_over: int | None = None) -> dict[str, Any]:
    """Return provenance as dotted keys (git.commit, data.train.digest, packages.numpy), sorted.

    With `summarize_over`, a mapping with more entries is shown as its count instead.
    """
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            if summarize_over is not None and len(value) > summarize_over:
                flat[prefix] = f"{len(value)} entries (resultsbook diff compares them one by one)"
                return
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            flat[prefix] = value

    walk("", provenance)
    return dict(sorted(flat.items()))


def _echo_error(error: Any) -> None:
    """Print how a failed or interrupted run ended: exception type, message, traceback tail."""
    if not isinstance(error, dict):
        return
    kind, message = error.get("type", "error"), error.get("message", "")
    click.echo(f"  error: {kind}: {message}" if message else f"  error: {kind}")
    tail = error.get("traceback_tail")
    if isinstance(tail, str) and tail.strip():
        click.echo("  traceback (last lines):")
        for line in tail.splitlines():
            click.echo(f"    {line}")


def find_run(runs: list[Any], text: str) -> Any:
    """Return the run whose id, id prefix or name is `text`; a usage error when none or several match."""
    from resultsbook.errors import SpecError

    exact = [r for r in runs if r.run_id == text or r.name == text]
    matches = exact or [r for r in runs if r.run_id.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise SpecError(f"no run has the id or name {text!r}; list them with `resultsbook runs`")
    listed = ", ".join(f"{r.run_id} ({r.name})" for r in matches[:5])
    raise SpecError(f"{text!r} matches {len(matches)} runs: {listed}; give more of the id")


def _run_document(run: Any) -> dict[str, Any]:
    from dataclasses import asdict

    document = asdict(run)
    document.pop("id")
    return document


def _text(value: Any) -> str:
    from resultsbook.params import format_value

    if value == _ABSENT:
        return _ABSENT
    if isinstance(value, float):
        return f"{value:.6g}"
    return format_value(value)


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    if "\n" in text:
        text = " | ".join(line.strip() for line in text.splitlines() if line.strip())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _time_text(value: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
