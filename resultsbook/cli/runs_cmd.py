"""`runs`, `show` and `diff`: looking at individual runs."""

from __future__ import annotations

import json
import os
from collections.abc import Container, Mapping, Sequence
from typing import Any

import click

from resultsbook.cli.common import db_option, echo, fail, json_option, open_store, print_json, split_list
from resultsbook.cli.completion import complete_metrics, complete_params, complete_runs
from resultsbook.errors import QueryError, SpecError, closest, did_you_mean, listing_text

RUN_COLUMNS = (
    "run_id",
    "name",
    "status",
    "adapter",
    "source",
    "experiment",
    "git_commit",
    "git_dirty",
    "start_time",
    "end_time",
)
SUMMARIES = ("last", "min", "max", "mean", "n", "last_step", "summary")
_PARAMS = "params."  # prefixes a param whose name a run field has, as book.runs() names every param
_POINT_STATS = ("last", "min", "max", "mean")  # of the points a run logged: null in the store for NaN
SHOWN_PARAMS = 12  # varying params a terminal listing shows unless --columns names others
CELL_CHARS = 40  # a param value longer than this is cut in a table (a config may hold a pickled tensor)


@click.command("runs")
@db_option
@click.option(
    "--where", "where", multiple=True, metavar="FILTER", help="KEY=V[,V...], KEY!=V, KEY>=N, KEY~REGEX."
)
@click.option("--all", "include_missing", is_flag=True, help="Include runs whose files have disappeared.")
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="KEY[:STAT]",
    shell_complete=complete_metrics,
    help=f"Add a column with each run's summary of a metric; STAT: {', '.join(SUMMARIES)} [default: last].",
)
@click.option(
    "--columns",
    "columns",
    metavar="A,B,...",
    shell_complete=complete_params,
    help="The columns to show, in order: run fields (run_id, name, status, source...) and params "
    "(params.KEY for a param named as a run field) [default: run_id, name, status, the experiment "
    "when runs are of several, the params that vary "
    "(the first 12 in a table), then the metrics].",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Print a table, JSON or CSV.",
)
@json_option
@click.option(
    "--escape-formulas",
    is_flag=True,
    help="CSV: prefix cells that start with = + - @ with ' so a spreadsheet shows them as text.",
)
def runs_command(
    db_path: str | None,
    where: tuple[str, ...],
    include_missing: bool,
    metrics: tuple[str, ...],
    columns: str | None,
    output_format: str,
    as_json: bool,
    escape_formulas: bool,
) -> None:
    """List runs with their status, the params that vary between them, and metric summaries.

    In a table, param values longer than 40 characters are cut; csv and json print them whole.
    Exit 1 when the filters select no run (the message names the values that exist).
    """
    from tabulate import tabulate

    from resultsbook.query.access import no_metric_error
    from resultsbook.query.aggregate import differing_params
    from resultsbook.query.marks import clipped_apart
    from resultsbook.query.select import (
        check_filter_keys,
        mixed_type_notes,
        parse_filter,
        select_runs,
        why_nothing_selected,
    )
    from resultsbook.render.escape import escape_terminal

    output_format = "json" if as_json else output_format
    filters = [parse_filter(w) for w in where]
    with open_store(db_path) as store:
        every = store.runs(include_missing)
        check_filter_keys(every, filters)
        for warning in mixed_type_notes(every, filters):
            echo(f"Warning: {warning}", err=True)
        runs = select_runs(every, filters, whole=False)  # a listing of folders: each as its own fields say
        known_metrics = set(store.metric_keys())
        wanted = [_metric_column(text, known_metrics) for text in metrics]
        ambiguous = [note for text in metrics if (note := _colon_note(text, known_metrics))]
        for key, _ in wanted:
            metric, colon, summary = key.rpartition(":")
            if key not in known_metrics and colon and metric in known_metrics:  # a misspelt summary
                raise QueryError(
                    f"--metric {key}: {summary!r} is no summary of a metric; "
                    f"{did_you_mean(summary, SUMMARIES, 'summaries')}"
                )
            if key not in known_metrics:
                raise no_metric_error(key, known_metrics)
        summaries = store.all_metric_summaries() if output_format == "json" or wanted else {}
        nothing = why_nothing_selected(every, filters, store) if not runs else None
    if nothing is not None:
        fail("runs", output_format == "json", {"runs": []}, nothing)
    from resultsbook.params import natural_key

    runs = sorted(runs, key=lambda run: (natural_key(run.source), natural_key(run.name)))
    if output_format == "json":
        keys = {key for key, _ in wanted}
        documents = [
            _run_document(run, {k: v for k, v in summaries.get(run.id, {}).items() if not keys or k in keys})
            for run in runs
        ]
        print_json("runs", True, {"runs": documents})
        return
    varying = [] if columns else _swept_first(list(differing_params(runs, exempt=())), runs)
    hidden = varying[SHOWN_PARAMS:] if output_format == "table" else []
    several = len({run.experiment for run in runs}) > 1 and "experiment" not in varying
    several = several and not _experiment_shown(runs, varying)
    experiment = ("experiment",) if several else ()
    fields = split_list(columns) or (
        "run_id",
        "name",
        "status",
        *experiment,
        *map(_param_column, varying[: len(varying) - len(hidden)]),
    )
    _check_columns(fields, runs)
    picked = [_shown_stats(runs, summaries, key) if not stat else {} for key, stat in wanted]  # per column
    headed = [_metric_header(key, stat, each, fields) for (key, stat), each in zip(wanted, picked)]
    header = [*fields, *headed]
    exact = output_format == "csv"  # for a program: every digit; a terminal shows six
    rows = [
        [
            *(_column_text(run, field, exact) for field in fields),
            *(
                _metric_text(summaries.get(run.id, {}).get(key), each.get(run.id, stat), exact)
                for (key, stat), each in zip(wanted, picked)
            ),
        ]
        for run in runs
    ]
    notes = [
        _summary_note(key, each)
        for (key, _), each in zip(wanted, picked)
        if set(each.values()) == {"last", "summary"}
    ]
    notes += [note for key, stat in wanted if stat and (note := _blank_note(key, stat, runs, summaries))]
    notes += ambiguous
    if output_format == "csv":
        from resultsbook.render.data import csv_text

        click.echo(csv_text([header, *rows], escape_formulas), nl=False)
        for note in notes:
            echo(note, err=True)
        return
    escaped = [[escape_terminal(value) for value in row] for row in rows]
    whole = [field in RUN_COLUMNS for field in fields]  # a name or a source is what one types to find a run
    # a column is cut from where its values differ when cut from the start they would read the same
    by_column = [list(column) for column in zip(*escaped)]
    kept = whole + [True] * len(wanted)
    cut = [column if keep else clipped_apart(column, CELL_CHARS) for column, keep in zip(by_column, kept)]
    shown = [list(row) for row in zip(*cut)] if escaped else []
    echo(
        tabulate(
            shown, headers=[escape_terminal(h) for h in header], tablefmt="simple", disable_numparse=True
        )
    )
    echo(f"{len(runs)} run(s)")
    for note in notes:
        echo(note, err=True)
    if hidden:
        named = ", ".join(hidden[:3]) + (", ..." if len(hidden) > 3 else "")
        echo(
            f"Note: {len(hidden)} more params vary ({named}); name the ones to show: "
            f"--columns run_id,name,status,{_param_column(hidden[0])},...",
            err=True,
        )
    if shown != escaped:
        echo(
            f"Note: values longer than {CELL_CHARS} characters are cut (…); --format csv or json prints "
            "them whole",
            err=True,
        )


def _swept_first(varying: list[str], runs: list[Any]) -> list[str]:
    """Put first the params a Hydra sweep overrode (`num_clients=10,16,32`): what the sweep varied,
    not the settings that differ between sweeps (the data path of another machine)."""
    swept = {
        str(item).split("=", 1)[0].lstrip("+~")
        for run in runs
        for item in run.provenance.get("overrides", ())
        if "=" in str(item)
    }
    return sorted(varying, key=lambda key: key not in swept)  # stable: alphabetical within each


def _experiment_shown(runs: list[Any], varying: list[str]) -> bool:
    """Tell whether a varying param shown already says each run's experiment (Spinning Up's
    `exp_name` is its experiment): the column would repeat it."""
    from resultsbook.params import format_value

    return any(
        all(
            run.experiment is not None and format_value(run.params.get(key)) == run.experiment for run in runs
        )
        for key in varying[:SHOWN_PARAMS]
    )


def _metric_text(row: Mapping[str, Any] | None, stat: str, exact: bool) -> str:
    """Write a run's `stat` of a metric (its row of the store): `nan` where the run logged NaN, empty
    where it has no such value."""
    if row is None:
        return ""
    if row.get(stat) is None:
        return "nan" if _logged_nan(row, stat) else ""
    return _summary_text(row[stat], exact, stat)


def _shown_value(row: Mapping[str, Any], stat: str) -> str:
    """Write a metric's `stat` as `show` lists it: `nan` for a logged NaN, `none` where there is none."""
    return "nan" if _logged_nan(row, stat) else _text(row[stat])


def _logged_nan(row: Mapping[str, Any], stat: str) -> bool:
    """Tell whether a metric's empty `stat` is a NaN the run logged (the store holds NaN as null): a
    statistic of the points it logged, or the final value of a metric it only reported."""
    if row.get(stat) is not None:
        return False
    if stat in _POINT_STATS:
        return bool(row.get("n"))
    return stat == "summary" and not row.get("n")


def _summary_text(value: Any, exact: bool = False, stat: str | None = None) -> str:
    if value is None:
        return ""
    return _step_text(value) if stat == "last_step" else (_exact_text if exact else _text)(value)


def _step_text(value: Any) -> str:
    """Write a step whole, as logged (2031616, not 2.03162e+06): it is what at(STEP) takes."""
    from resultsbook.query.reduce import step_text

    whole = isinstance(value, (int, float)) and not isinstance(value, bool)
    return step_text(value) if whole else _text(value)


def _shown_stats(runs: list[Any], summaries: Mapping[int, Any], key: str) -> dict[int, str]:
    """Return, per run, what a --metric column without a STAT shows: the last logged point, or the
    summary value of a run that logged no series of the metric (as a table reduces it)."""
    shown = {}
    for run in runs:
        row = summaries.get(run.id, {}).get(key)
        if row is not None:
            shown[run.id] = "summary" if not row["n"] else "last"  # a reported NaN is a summary too
    return shown


def _summary_note(key: str, shown: Mapping[int, str]) -> str:
    """Say which cells of a --metric column are summary values among logged last points."""
    count = sum(stat == "summary" for stat in shown.values())
    return (
        f"Note: {key}: {count} run(s) logged no series of it; their cells show the summary value they "
        f"reported, as a table reduces it (--metric {key}:last shows logged points only)"
    )


def _blank_note(key: str, stat: str, runs: list[Any], summaries: Mapping[int, Any]) -> str | None:
    """Say why a `KEY:STAT` column is blank in every row when the runs have the metric in the other
    form: `:summary` of runs that only logged points (a Sacred metrics.json), a point's statistic of
    runs that only reported a final value."""
    rows = [row for run in runs if (row := summaries.get(run.id, {}).get(key)) is not None]
    if not rows or any(row.get(stat) is not None for row in rows):
        return None
    if stat == "summary" and any(row["n"] for row in rows):
        return (
            f"Note: {key}:summary is blank: these runs logged points of {key} but reported no final value "
            f"of it (as a W&B summary holds); --metric {key} (or {key}:max, :mean, …) summarises the points"
        )
    if stat != "summary" and any(row["summary"] is not None for row in rows):
        return (
            f"Note: {key}:{stat} is blank: these runs logged no points of {key}, only a final value; "
            f"--metric {key} shows it"
        )
    return None


def _metric_header(key: str, stat: str, shown: Mapping[int, str], fields: Sequence[str] = ()) -> str:
    """Name a --metric column: with its STAT when one was given (`KEY:last` too: logged points only,
    where `KEY` alone falls back to a run's summary value), `KEY:summary` when none was and every value
    is a summary; `KEY:last` when a param column shown is named `KEY` too (timm's `lr`, a param in
    args.yaml and a column of summary.csv), so that no two columns share a name."""
    if not stat and shown and set(shown.values()) == {"summary"}:
        return f"{key}:summary"
    if not stat and key in fields:
        return f"{key}:last" if set(shown.values()) <= {"last"} else f"{key} (metric)"
    return f"{key}:{stat}" if stat else key


def _metric_column(text: str, known: Container[str]) -> tuple[str, str]:
    """Split `val/acc:max` into the metric key and the summary ("" when none is given: the last point,
    or the summary of a run that logged no series); a metric logged as `acc:max` (MLflow allows the
    colon) is that metric where no run logs `acc`: `acc`'s maximum, once a run logs both, would
    otherwise turn blank in every run that logs only `acc` (`_colon_note` says so)."""
    key, colon, stat = text.rpartition(":")
    if not colon or stat not in SUMMARIES or (text in known and key not in known):
        return text, ""
    return key, stat


def _colon_note(text: str, known: Container[str]) -> str | None:
    """Say that `--metric acc:max` shows `acc`'s maximum though a metric is named `acc:max` too."""
    key, stat = _metric_column(text, known)
    if not stat or text not in known:
        return None
    return (
        f"Note: {text} is each run's {stat} of {key}; a metric named {text} is logged too: "
        f"--metric {text}:last shows it"
    )


def _param_column(key: str) -> str:
    """Name a param's column: `params.KEY` when a run field has its name (a config's `name` or
    `source`), so that the run's own field keeps its column."""
    return f"{_PARAMS}{key}" if key in RUN_COLUMNS else key


def _param_key(field: str, params: Container[str]) -> str | None:
    """Return the param a column names (`lr`, or `params.name` beside the run's `name`), or None."""
    if field in RUN_COLUMNS:
        return None
    if field in params:
        return field
    if field.startswith(_PARAMS) and field[len(_PARAMS) :] in params:
        return field[len(_PARAMS) :]
    return None


def _check_columns(fields: tuple[str, ...], runs: list[Any]) -> None:
    """Refuse a column that is neither a run field nor a param of any listed run."""
    params = {key for run in runs for key in run.params}
    for field in fields:
        if field in RUN_COLUMNS or _param_key(field, params) is not None:
            continue
        field_guess = closest(field, RUN_COLUMNS)  # `ended` means end_time before it means a param `seed`
        hint = f"did you mean {field_guess!r}?" if field_guess else did_you_mean(field, params, "params")
        if not hint.startswith("did you mean"):  # no guess: a long config must not hide the run fields
            hint = f"run fields: {', '.join(RUN_COLUMNS)}; {hint}"
        raise SpecError(f"--columns: no run field or param {field!r}; {hint}")


def _column_text(run: Any, field: str, exact: bool = False) -> str:
    if field in RUN_COLUMNS:
        value = getattr(run, field)
        if field == "status" and not run.present:
            return f"{value} (missing)"
        if field in ("start_time", "end_time") and value is not None:
            return _time_text(value)
        if field == "git_dirty":  # said only of a run whose commit is known, as `show` says (dirty)
            return ("true" if value else "false") if run.git_commit else ""
        return "" if value is None else str(value)
    key = _param_key(field, run.params)
    if key is None:  # a param the run does not have: blank, unlike a null value ("none")
        return ""
    return (_exact_text if exact else _text)(run.params[key])


@click.command("show")
@click.argument("run", shell_complete=complete_runs)
@db_option
@json_option
def show_command(run: str, db_path: str | None, as_json: bool) -> None:
    """Show one run (by id, id prefix or name): params, provenance, metrics and problems."""
    from tabulate import tabulate

    from resultsbook.render.escape import escape_terminal

    with open_store(db_path) as store:
        every = store.runs(include_missing=True)
        found = find_run(every, run)
        metrics = store.run_metrics(found.id)
        problems = store.problems(found.source)
    if as_json:
        from dataclasses import asdict

        document = _run_document(
            found, {m["key"]: {k: v for k, v in m.items() if k != "key"} for m in metrics}
        )
        print_json("show", True, {"run": document, "problems": [asdict(p) for p in problems]})
        return
    echo(f"run {found.run_id}  {found.name}")
    echo(f"  status: {found.status}{'' if found.present else _gone_text(every, found)}")
    echo(f"  source: {found.source} ({found.adapter})")
    if found.experiment:
        echo(f"  experiment: {found.experiment}")
    for label, value in (("started", found.start_time), ("ended", found.end_time)):
        if value is not None:
            echo(f"  {label}: {_time_text(value)}")
    if found.git_commit:
        from resultsbook.freshness.explain import diff_problem, kept_diff

        kept = kept_diff(found) if found.git_dirty else None
        gone = diff_problem(found, store) if kept else None
        dirty = (
            f" (dirty; {gone or 'its diff: ' + kept})"
            if kept
            else " (dirty; no diff kept)"
            if found.git_dirty
            else ""
        )
        echo(f"  git: {found.git_commit}{escape_terminal(dirty)}")
    _echo_error(found.provenance.get("error"))
    echo("params:")
    for key, value in found.params.items():
        echo(f"  {escape_terminal(key)} = {escape_terminal(_exact_text(value))}")
    shown = {k: v for k, v in found.provenance.items() if k != "error"}  # the error is said above
    if shown:
        echo("provenance:")
        for key, value in flatten_provenance(shown, summarize_over=_SHOW_ENTRIES).items():
            echo(f"  {escape_terminal(key)} = {escape_terminal(_short(value))}")
    echo("metrics:")
    rows = [
        [
            escape_terminal(m["key"]),
            m["n"],
            _step_text(m["last_step"]),
            *(_shown_value(m, stat) for stat in ("last", "min", "max", "summary")),
        ]
        for m in metrics
    ]
    table = tabulate(
        rows,
        headers=["key", "points", "last step", "last", "min", "max", "final"],
        tablefmt="simple",
        disable_numparse=True,
    )
    echo("\n".join(f"  {line}" for line in table.splitlines()))
    if problems:
        echo("problems:")
        for problem in problems:
            echo(f"  {problem.message}" + (f" — kept: {problem.kept}" if problem.kept else ""))


@click.command("diff")
@click.argument("first", shell_complete=complete_runs)
@click.argument("second", shell_complete=complete_runs)
@db_option
@json_option
def diff_command(first: str, second: str, db_path: str | None, as_json: bool) -> None:
    """Show how two runs differ: config params, experiment, provenance (code version, host, data) and
    how long they trained, when one stopped at half of the other or before."""
    from tabulate import tabulate

    from resultsbook.params import cut_where_they_differ
    from resultsbook.query.reduce import step_text
    from resultsbook.render.escape import escape_terminal

    with open_store(db_path) as store:
        runs = store.runs(include_missing=True)
        a, b = find_run(runs, first), find_run(runs, second)
        lengths = _lengths(store.run_metrics(a.id), store.run_metrics(b.id))
    params = []
    for key in sorted(set(a.params) | set(b.params)):
        left, right = a.params.get(key, _ABSENT), b.params.get(key, _ABSENT)
        if left != right:
            params.append((key, left, right))
    fields = {
        "experiment": (a.experiment, b.experiment),  # two trainings of one config, one per experiment
        "status": (a.status, b.status),
        "git commit": (a.git_commit, b.git_commit),
        "git dirty": (a.git_dirty, b.git_dirty),
    }
    left_facts, right_facts = flatten_provenance(a.provenance), flatten_provenance(b.provenance)
    for key in sorted((set(left_facts) | set(right_facts)) - _SHOWN_AS_FIELDS):
        fields[key] = (left_facts.get(key, _ABSENT), right_facts.get(key, _ABSENT))
    facts = [(key, left, right) for key, (left, right) in fields.items() if left != right]
    if as_json:
        differences = [
            {"key": key, "kind": kind, "first": _absent_none(left), "second": _absent_none(right)}
            for kind, items in (("param", params), ("provenance", facts), ("length", lengths))
            for key, left, right in items
        ]
        print_json(
            "diff",
            True,
            {"first": _run_document(a), "second": _run_document(b), "differences": differences},
        )
        return
    rows = [[key, *_differing_texts(left, right)] for key, left, right in params]
    rows += [
        [key, *cut_where_they_differ(_one_line(left), _one_line(right), 80)] for key, left, right in facts
    ]
    rows += [[key, step_text(left), step_text(right)] for key, left, right in lengths]
    if not rows:
        echo("The two runs have the same params, experiment and provenance.")
        return
    shown = [[escape_terminal(value) for value in row] for row in rows]
    named = [a.name, b.name] if a.name != b.name else [f"{run.name} ({run.run_id})" for run in (a, b)]
    headers = ["", *map(escape_terminal, named)]
    echo(tabulate(shown, headers=headers, tablefmt="simple", disable_numparse=True))


def _lengths(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> list[tuple[str, float, float]]:
    """Return the last step of the metric both runs log the longest, when one run ends at half of the
    other's or before (two training budgets no param records: 20000 and 200000 steps)."""
    from resultsbook.query.marks import SHORT_RUN

    ends = [
        {row["key"]: row["last_step"] for row in rows if row["last_step"] is not None}
        for rows in (first, second)
    ]
    shared = sorted(set(ends[0]) & set(ends[1]), key=lambda key: (-max(ends[0][key], ends[1][key]), key))
    if not shared:
        return []
    key = shared[0]
    low, high = sorted((ends[0][key], ends[1][key]))
    budgets = high > 0 and low <= SHORT_RUN * high
    return [(f"last step ({key})", ends[0][key], ends[1][key])] if budgets else []


def _absent_none(value: Any) -> Any:
    return None if value is _ABSENT else value


_ABSENT = "(absent)"
ERROR_LINES = 10  # of a traceback a log gave as text, the last lines `show` prints
_SHOW_ENTRIES = 12  # `show` summarizes a longer mapping (packages) by its size; `diff` lists it
_SHOWN_AS_FIELDS = {"git.commit", "git.dirty", "git_commit", "git_dirty"}


def flatten_provenance(provenance: dict[str, Any], summarize_over: int | None = None) -> dict[str, Any]:
    """Return provenance as dotted keys (git.commit, data.train.digest, packages.numpy), sorted.

    With `summarize_over`, a mapping inside it with more entries is shown as its count instead.
    """
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            # a nested mapping (packages) is summarized, never the provenance itself: a Hydra job with
            # a W&B run inside has 19 facts, and `show` said ` = 19 entries` for all of them
            if summarize_over is not None and prefix and len(value) > summarize_over:
                flat[prefix] = f"{len(value)} entries (resultsbook diff compares them one by one)"
                return
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif prefix:  # a run with no provenance at all has no fact, not one fact named "" holding {}
            flat[prefix] = value

    walk("", provenance)
    return dict(sorted(flat.items()))


def _echo_error(error: Any) -> None:
    """Print how a failed or interrupted run ended: exception type, message, traceback tail (or the
    text a log gave: a Hydra job log's last error, a Detectron2 log's traceback)."""
    if isinstance(error, str) and error.strip():
        lines = error.strip().splitlines()
        echo(f"  error: {lines[0]}")
        if len(lines) > 1:
            echo("  traceback (last lines):")
            for line in lines[1:][-ERROR_LINES:]:
                echo(f"    {line}")
        return
    if not isinstance(error, dict):
        return
    kind, message = error.get("type", "error"), error.get("message", "")
    echo(f"  error: {kind}: {message}" if message else f"  error: {kind}")
    tail = error.get("traceback_tail")
    if isinstance(tail, str) and tail.strip():
        echo("  traceback (last lines):")
        for line in tail.splitlines():
            echo(f"    {line}")


def find_run(runs: list[Any], text: str) -> Any:
    """Return the run whose id, id prefix, name or end of folder path (`3m/Code_seq/1`, when several runs
    share a name; its own folder, `run-20250126_220632-ktx43zjs`) is `text`; a usage error when none or
    several match."""
    if not runs:
        from resultsbook.errors import NotFoundError

        raise NotFoundError("the store holds no runs; collect them first: resultsbook collect PATH")
    if not text.strip():
        raise SpecError(
            "a run is named by its id, an id prefix or its name; list them with `resultsbook runs`"
        )
    exact = [r for r in runs if r.run_id == text or r.name == text]
    matches = exact or [r for r in runs if r.run_id.startswith(text)]
    tail = text.strip().rstrip("/").replace(os.sep, "/")
    if "/" in tail and (len(exact) > 1 or not matches):  # Code_seq/1 of every map
        by_path = [r for r in (exact or runs) if _source_ends_with(r.source, tail)]
        matches = by_path or matches
    elif not matches:  # a run's own folder, as a tracker names it: run-20250126_220632-ktx43zjs
        matches = [r for r in runs if _source_ends_with(r.source, tail)]
    if len(matches) > 1:  # the runs there, not those an earlier reading left (missing: `runs` hides them)
        matches = [r for r in matches if r.present] or _gone(runs, matches, text)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        below = sorted(r.name for r in runs if r.name.startswith(text.rstrip("/") + "/"))
        # `version_1` for `lightning_logs/version_1`: the name's last folder, which `version_10` also holds
        ending = [r.name for r in runs if r.name.endswith("/" + text.strip("/"))]
        guess = ending[0] if len(ending) == 1 else closest(text, [r.name for r in runs])
        if len(below) > 1:  # a folder of runs: seed_42_Pendulum holds seed_42_Pendulum/PPO, /SAC, ...
            hint = f"runs under it: {listing_text(below, 5)}"
        else:
            hint = f"did you mean {guess!r}?" if guess else "list the runs with `resultsbook runs`"
        raise SpecError(f"no run has the id or name {text!r}; {hint}")
    shared = len({r.name for r in matches}) < len(matches)  # one name: their folders tell them apart
    listed = listing_text((f"{r.run_id} ({r.source if shared else r.name})" for r in matches), 5)
    more = " or more of the folder path" if shared else ""
    raise SpecError(f"{text!r} matches {len(matches)} runs: {listed}; give more of the id{more}")


def _gone(runs: list[Any], matches: list[Any], text: str) -> list[Any]:
    """Refuse a name that only runs gone from the logs match (a file read before as other runs), naming
    them as gone and the forget that drops them (and, when their source is read now as other runs, those)."""
    from resultsbook.voice import command

    sources = sorted({r.source for r in matches})
    read_now = [r for r in runs if r.present and r.source in sources]
    listed = listing_text((f"{r.name} ({r.run_id})" for r in matches), 5)
    forget = command("forget", sources)
    if read_now:  # a forget drops a source whole: the runs read from it now go too, until collected again
        now = listing_text((f"{r.name} ({r.run_id})" for r in read_now), 5)
        fix = f"{forget} drops them, and the runs it is read as now ({now}) until collected again"
        raise SpecError(f"{text!r} was read before as {listed}, gone since; {fix}")
    raise SpecError(f"{text!r} was read before as {listed}, gone since; {forget} drops them")


def _gone_text(runs: list[Any], run: Any) -> str:
    """Say why a run is missing: its files gone, or its source read now as other runs (an earlier reading)."""
    read_now = [r for r in runs if r.present and r.source == run.source]
    if not read_now:
        return " (files missing)"
    now = listing_text((f"{r.name} ({r.run_id})" for r in read_now), 5)
    return f" (missing: {run.source} is read now as {now}, not as this run)"


def _source_ends_with(source: Any, tail: str) -> bool:
    """Whether a run's source path is, or ends with the folders of, `tail` (`3m/Code_seq/1`)."""
    path = str(source or "").replace(os.sep, "/").rstrip("/")
    tail = tail.removeprefix("./")
    return bool(tail) and (path == tail or path.endswith("/" + tail))


def _run_document(run: Any, metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    from dataclasses import asdict

    document = asdict(run)
    document.pop("id")
    if metrics is not None:
        document["metrics"] = metrics
    return document


def _text(value: Any) -> str:
    from resultsbook.params import format_value

    if value == _ABSENT:
        return _ABSENT
    if isinstance(value, float):
        return f"{value:.6g}"
    return format_value(value)


def _differing_texts(left: Any, right: Any) -> tuple[str, str]:
    """Show two values of a param that differ: to six digits, or whole where six digits read alike
    (a diff of lr 0.0010000001 against 0.001 showed 0.001 twice)."""
    shown = _text(left), _text(right)
    if shown[0] != shown[1] or _ABSENT in (left, right):
        return shown
    return _exact_text(left), _exact_text(right)


def _exact_text(value: Any) -> str:
    from resultsbook.params import format_value, normalize_value

    return format_value(normalize_value(value))


def _short(value: Any, limit: int = 80) -> str:
    text = _one_line(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    if "\n" in text:
        text = " | ".join(line.strip() for line in text.splitlines() if line.strip())
    return text


def _time_text(value: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
