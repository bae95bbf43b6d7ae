"""`collect`, `forget`, `problems` and `adapters`: getting runs into the store (and out of it)."""

from __future__ import annotations

import os
import shlex
import warnings
from dataclasses import asdict
from typing import Any

import click

from resultsbook.cli.common import (
    db_option,
    echo,
    fail,
    json_option,
    nearby,
    open_store,
    print_json,
    progress_bar,
    resolve_db,
    show_earlier_problems,
    show_problems,
    shown_problem,
    split_list,
)


@click.command("collect")
@click.argument("paths", nargs=-1)
@db_option
@click.option(
    "--adapter",
    "adapters",
    multiple=True,  # to refuse a second one, which click would let replace the first
    help="Read every source with this adapter (see `resultsbook adapters`).",
)
@click.option(
    "--pattern",
    "patterns",
    multiple=True,
    help="Path pattern under PATH whose {fields} become params, e.g. '{algo}/{algo_name}_{seed}/log.csv'.",
)
@click.option("--columns", help="Column names of headerless CSV files, e.g. epoch,step,return.")
@click.option("-o", "--option", "options", multiple=True, metavar="KEY=VALUE", help="An adapter option.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="A param added to every run.")
@click.option(
    "--derive",
    "derive",
    multiple=True,
    metavar="NAME=PARAM[:REGEX]",
    help="A param computed from another, e.g. 'dataset=config.data.path:([^/-]+)$' (the first group).",
)
@json_option
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and errors.")
def collect_command(
    paths: tuple[str, ...],
    db_path: str | None,
    adapters: tuple[str, ...],
    patterns: tuple[str, ...],
    columns: str | None,
    options: tuple[str, ...],
    params: tuple[str, ...],
    derive: tuple[str, ...],
    as_json: bool,
    quiet: bool,
) -> None:
    """Collect runs from log folders (or files) into the store; unchanged runs are skipped.

    A PATH may be a URL: s3://bucket/prefix (and gs://, az://, ssh://… with their extra installed), or
    an MLflow tracking server, mlflow+http://host:5000/#experiment. With no PATH, the [[sources]] of
    the project's resultsbook.toml. Exit 1 when nothing was found: no store is created then.
    """
    from resultsbook.api.actions import collect, nothing_found
    from resultsbook.errors import NotFoundError, NotFoundWarning, broken_source
    from resultsbook.params import parse_scalar
    from resultsbook.store.location import display_location, refuse_mistyped_url, url_scheme
    from resultsbook.voice import given_store

    adapter = _one_of(adapters, "--adapter", paths)
    pattern = _one_of(patterns, "--pattern", paths)
    if not paths:
        values = (adapter, pattern, columns, options, params, derive)
        given = [flag for flag, value in zip(_PATH_FLAGS, values) if value]
        report = _collect_spec_sources(db_path, given, quiet or as_json)
        if as_json:
            print_json("collect", True, report_document(report))
        return

    for path in paths:
        if url_scheme(path) is None and not os.path.exists(path):
            refuse_mistyped_url(path, "PATHS")  # `postgresql:/lab:pw@db/results`: never echoed as it is
            problem = broken_source(path) or f"{path!r} does not exist{nearby(path)}."
            raise click.BadParameter(problem, param_hint="'PATHS...'")

    adapter_options: dict[str, object] = dict(_key_values(options, "--option"))
    if columns:
        adapter_options["columns"] = list(split_list(columns))
    fixed = {key: parse_scalar(value) for key, value in _key_values(params, "--param")}
    rules = []
    if derive:
        from resultsbook.sources.derive import parse_derivation_text  # here: most collects derive nothing

        rules = [parse_derivation_text(text) for text in derive]  # named --derive in what they say
    # collect writes in short transactions of its own (other collectors may write between them)
    store = resolve_db(db_path)
    shown = display_location(db_path) if db_path else None  # a password never repeated
    with progress_bar("Reading runs") as progress, warnings.catch_warnings(), given_store(shown):
        warnings.simplefilter("ignore", NotFoundWarning)  # said below as the error it is here
        report = collect(
            paths, db=store, adapter=adapter, pattern=pattern, options=adapter_options,
            params=fixed, progress=progress, derive=rules,
        )  # fmt: skip
    if not report.new + report.updated + report.unchanged:  # and a store made for it is gone again
        show_problems(report.problems, stored=url_scheme(store) is not None or os.path.exists(store))
        with given_store(shown):
            message = nothing_found(report, paths, adapter, pattern)
        fail("collect", as_json, report_document(report), NotFoundError(message))
    if as_json:
        print_json("collect", True, report_document(report))
        return
    if not quiet:
        from resultsbook.render.escape import escape_terminal
        from resultsbook.store.location import display_location

        # `mlflow+postgresql://lab:pw@…`: never the password; a newline in a folder's name is shown as \n
        named = ", ".join(escape_terminal(display_location(path)) for path in paths)
        echo(f"Collected {named}{_store_elsewhere(db_path, store)}: {report.summary_line()}")
    for note in report.notes:  # a root that held no run, an option no adapter used
        echo(f"Note: {note}", err=True)
    show_problems(report.problems)
    if not quiet:
        show_earlier_problems(report)


def _store_elsewhere(db_path: str | None, store: str) -> str:
    """Name the store a collect wrote into when it is not in this folder and no --db named it: the
    nearest spec's, found in a folder above (runs of another project went into a paper's store unsaid)."""
    from resultsbook.store.location import ENVIRONMENT_VARIABLE, url_scheme

    if db_path or os.environ.get(ENVIRONMENT_VARIABLE) or url_scheme(store) is not None:
        return ""
    if os.path.dirname(os.path.abspath(store)) == os.getcwd():
        return ""
    return f" into {os.path.relpath(store)}, the store of the nearest resultsbook.toml (--db names another)"


# the flags that say how to read the PATHs given (a spec's [[sources]] say it themselves)
_PATH_FLAGS = ("--adapter", "--pattern", "--columns", "--option", "--param", "--derive")


def _collect_spec_sources(db_path: str | None, given: list[str], quiet: bool) -> Any:
    """Collect the [[sources]] of the project's spec, as `build` does first; say what to give instead
    when there is no spec with sources, or flags that only apply to the PATHs given."""
    from resultsbook.cli.common import collect_spec_sources, find_collect_spec_or_none
    from resultsbook.spec import spec_not_a_file

    spec = find_collect_spec_or_none(None)
    if spec is None or not spec.sources:
        where = (
            f"{os.path.relpath(spec.path)} names no [[sources]]"
            if spec
            else spec_not_a_file() or "no resultsbook.toml here"
        )
        raise click.UsageError(
            f"give the folders (or files) of the runs, e.g. `resultsbook collect runs/` ({where}; with "
            "one that names [[sources]], `resultsbook collect` alone collects them)"
        )
    if given:
        raise click.UsageError(
            f"{', '.join(given)} {'applies' if len(given) == 1 else 'apply'} to the PATHs given; give them "
            f"(`resultsbook collect runs/ {given[0]} ...`), or set them on a [[sources]] entry of "
            f"{os.path.relpath(spec.path)}"
        )
    return collect_spec_sources(spec, db_path, quiet)


def _one_of(values: tuple[str, ...], flag: str, paths: tuple[str, ...]) -> str | None:
    """Return the one value of a flag a collect reads with; refuse several, which would read by the last
    alone and leave out, unsaid, the runs only the others read."""
    if len(values) <= 1:
        return values[0] if values else None
    root = shlex.quote(paths[0]) if paths else "runs/"
    each = ", then ".join(f"`resultsbook collect {root} {flag} {shlex.quote(value)}`" for value in values)
    raise click.UsageError(
        f"{flag} given {len(values)} times ({', '.join(map(repr, values))}): a collect reads with one; "
        f"collect with each in turn ({each}: the runs of each stay in the store), or give each its own "
        "[[sources]] entry in resultsbook.toml"
    )


def _key_values(items: tuple[str, ...], flag: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"{flag} {item!r} must look like KEY=VALUE")
        pairs.append((key.strip(), value.strip()))
    return pairs


def report_document(report: Any) -> dict[str, Any]:
    """Return a collect report as the payload of the `collect --json` envelope."""
    document = asdict(report)
    document["problems"] = [asdict(p) for p in report.problems]
    return document


@click.command("forget")
@click.argument("paths", nargs=-1, required=True)
@db_option
@click.option("--dry-run", is_flag=True, help="Say what would be forgotten; change nothing.")
@json_option
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def forget_command(
    paths: tuple[str, ...], db_path: str | None, dry_run: bool, as_json: bool, quiet: bool
) -> None:
    """Remove from the store the runs read from PATHS (log files, run folders, or folders: every
    source under them), as if never collected: runs of an earlier collect with another --pattern, a
    folder collected by mistake. The logs are not touched; a collect that reads them brings them back.
    """
    from resultsbook.api.actions import forget
    from resultsbook.store.location import check_store_location

    # without --db, the spec's store, whose [[sources]] may collect the runs again; `--db ""` is refused
    store = None if db_path is None else check_store_location(db_path)
    report = forget(list(paths), db=store, dry_run=dry_run)
    if as_json:
        document = {"sources": list(report.sources), "runs": report.runs, "dry_run": dry_run}
        print_json("forget", True, {**document, "notes": list(report.notes)})
        return
    if not quiet:
        echo(f"{'Would forget' if dry_run else 'Forgot'} {report.summary_line()} (the logs are untouched)")
        listed = report.sources[:_LISTED] if dry_run else ()
        for source in listed:
            echo(f"  {source}")
        if dry_run and len(report.sources) > _LISTED:
            echo(f"  … and {len(report.sources) - _LISTED} more")
    for note in report.notes:
        echo(f"Note: {note}", err=True)


_LISTED = 20  # sources a dry run names, before a count of the rest


@click.command("problems")
@db_option
@json_option
def problems_command(db_path: str | None, as_json: bool) -> None:
    """List the problems met at the last read of every source."""
    with open_store(db_path) as store:
        problems = store.problems()
    if as_json:
        print_json("problems", True, {"problems": [asdict(p) for p in problems]})
        return
    if not problems:
        echo("No problems.")
    for problem in problems:
        echo(shown_problem(problem).describe())


@click.command("adapters")
def adapters_command() -> None:
    """List the installed adapters (built-in and plug-ins) and their options."""
    from resultsbook.adapters import available_adapters

    for name, adapter in available_adapters().items():
        echo(f"{name}: {adapter.summary}")
        for option, text in adapter.options.items():
            echo(f"    -o {option}=...   {text}")
