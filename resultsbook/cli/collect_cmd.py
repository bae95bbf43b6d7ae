"""`collect`, `problems` and `adapters`: getting runs into the store."""

from __future__ import annotations

import json
import os
import sys

import click

from resultsbook.cli.common import db_option, handle_errors, open_store, progress_bar, split_list

PROBLEMS_SHOWN = 20


@click.command("collect")
@click.argument("paths", nargs=-1, required=True)
@db_option
@click.option("--adapter", help="Read every source with this adapter (see `resultsbook adapters`).")
@click.option(
    "--pattern",
    help="Path pattern under PATH whose {fields} become params, e.g. '{algo}/{algo_name}_{seed}/log.csv'.",
)
@click.option("--columns", help="Column names of headerless CSV files, e.g. epoch,step,return.")
@click.option("-o", "--option", "options", multiple=True, metavar="KEY=VALUE", help="An adapter option.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="A param added to every run.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and errors.")
@handle_errors
def collect_command(
    paths: tuple[str, ...],
    db_path: str | None,
    adapter: str | None,
    pattern: str | None,
    columns: str | None,
    options: tuple[str, ...],
    params: tuple[str, ...],
    as_json: bool,
    quiet: bool,
) -> None:
    """Collect runs from log folders (or files) into the store; unchanged runs are skipped.

    A PATH may be a URL: s3://bucket/prefix (and gs://, az://, ssh://… with their extra installed)."""
    from resultsbook.params import parse_scalar
    from resultsbook.sources.collect import CollectRequest, collect
    from resultsbook.store.locator import url_scheme

    for path in paths:
        if url_scheme(path) is None and not os.path.exists(path):
            raise click.BadParameter(f"{path!r} does not exist.", param_hint="'PATHS...'")

    adapter_options: dict[str, object] = dict(_key_values(options, "--option"))
    if columns:
        adapter_options["columns"] = list(split_list(columns))
    fixed = {key: parse_scalar(value) for key, value in _key_values(params, "--param")}
    requests = [CollectRequest(p, adapter, pattern, adapter_options, fixed) for p in paths]
    with open_store(db_path, create=True) as store, progress_bar("Reading runs") as progress:
        report = collect(store, requests, progress)
    if as_json:
        click.echo(json.dumps(_report_document(report), indent=2))
    else:
        if not quiet:
            click.echo(f"Collected {', '.join(paths)}: {report.summary_line()}")
        show_problems(report.problems)
    if report.sources_read + report.sources_skipped == 0:
        hint = "name the format with --adapter, or point --pattern at the log files"
        click.echo(f"Error: no runs found under {', '.join(paths)}; {hint}", err=True)
        sys.exit(1)


def _key_values(items: tuple[str, ...], flag: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"{flag} {item!r} must look like KEY=VALUE")
        pairs.append((key.strip(), value.strip()))
    return pairs


def _report_document(report: object) -> dict[str, object]:
    from dataclasses import asdict

    document = asdict(report)  # type: ignore[call-overload]
    document["problems"] = [asdict(p) for p in report.problems]  # type: ignore[attr-defined]
    return {"format": "resultsbook.collect", "version": 1, **document}


def show_problems(problems: tuple[object, ...] | list[object], limit: int = PROBLEMS_SHOWN) -> None:
    """Print problems, a few per run, with a pointer to the full list."""
    if not problems:
        return
    click.echo("Problems (everything readable was kept):", err=True)
    for problem in problems[:limit]:
        click.echo(f"  {_relative(problem.describe())}", err=True)  # type: ignore[attr-defined]
    if len(problems) > limit:
        click.echo(f"  ... and {len(problems) - limit} more: run `resultsbook problems`", err=True)


def _relative(text: str) -> str:
    cwd = os.getcwd() + os.sep
    return text[len(cwd) :] if text.startswith(cwd) else text


@click.command("problems")
@db_option
@handle_errors
def problems_command(db_path: str | None) -> None:
    """List the problems met at the last read of every source."""
    with open_store(db_path) as store:
        problems = store.problems()
    if not problems:
        click.echo("No problems.")
    for problem in problems:
        click.echo(problem.describe())


@click.command("adapters")
@handle_errors
def adapters_command() -> None:
    """List the installed adapters (built-in and plug-ins) and their options."""
    from resultsbook.adapters import available_adapters

    for name, adapter in available_adapters().items():
        click.echo(f"{name}: {adapter.summary}")
        for option, text in adapter.options.items():
            click.echo(f"    -o {option}=...   {text}")
