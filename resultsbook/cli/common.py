"""What every command shares: finding the store and spec, printing safely, JSON, colour, progress.

Which commands collect first: the ones that write outputs from the spec (`build`, `report`,
`preview`, `watch`) collect the spec's sources before they build, unless `--no-collect`; the ones
that answer a question about the store (`check`, `status`, `explain`) read the store as it is,
unless `--collect`. `runs`, `show`, `diff`, `table` and `problems` never collect.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from resultsbook.errors import broken_link, nearby

if TYPE_CHECKING:
    from resultsbook.cli.outcome import Failure
    from resultsbook.models import CollectReport, Problem
    from resultsbook.spec import CollectSpec, Spec
    from resultsbook.store import Store

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    help="Store: a SQLite file or a postgresql://user@host/db URL "
    "[default: $RESULTSBOOK_DB, else the spec's store, else ./resultsbook.db].",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print a versioned JSON envelope (also when the command fails)."
)


# ----------------------------------------------------------------- printing
def use_color(err: bool = False) -> bool:
    """Tell whether to colour output: --color always/never, else not under NO_COLOR, else on a terminal."""
    context = click.get_current_context(silent=True)
    setting = context.find_root().meta.get("resultsbook.color", "auto") if context else "auto"
    if setting in ("always", "never"):
        return setting == "always"
    if os.environ.get("NO_COLOR", ""):
        return False
    return (sys.stderr if err else sys.stdout).isatty()


def echo(text: str = "", err: bool = False, nl: bool = True, raw: bool = False) -> None:
    """Print a line; escape sequences and control characters in it (from logs) are shown, not obeyed.

    `raw` is for text whose values were escaped already and which holds resultsbook's own colours."""
    from resultsbook.render.escape import escape_terminal

    click.echo(text if raw else escape_terminal(text, keep_lines=True), err=err, nl=nl, color=use_color(err))


def print_json(command: str, ok: bool, payload: Mapping[str, Any], failure: Failure | None = None) -> None:
    """Print the envelope of a command's --json: success, "not current", or a report beside a failure."""
    from resultsbook.cli.outcome import envelope, json_text

    click.echo(json_text(envelope(command, ok, payload, failure)))


def fail(command: str, as_json: bool, payload: Mapping[str, Any], error: Exception) -> None:
    """End a command that has something to report and an error: the envelope (with both) for
    --json, the one error line on stderr, and the error's exit code."""
    from resultsbook.cli.outcome import envelope, failure_of, json_text

    failure = failure_of(error)
    if as_json:
        click.echo(json_text(envelope(command, False, payload, failure)))
    echo(failure.line(), err=True)
    sys.exit(failure.code)


def relative(path: str) -> str:
    """Return a path as the user would type it from here."""
    cwd = os.getcwd() + os.sep
    return path[len(cwd) :] if path.startswith(cwd) else path


# ----------------------------------------------------------------- spec and store
def find_spec_or_none(config: str | None) -> Spec | None:
    """Return the spec named by --config, else the nearest resultsbook.toml, else None."""
    from resultsbook.spec import find_spec, load_spec

    path = config or find_spec()
    return load_spec(path) if path else None


def find_collect_spec_or_none(config: str | None) -> CollectSpec | None:
    """Return what a collect needs (the store, the [[sources]]) of the spec named by --config, else
    of the nearest resultsbook.toml, else None; the rest of the spec is not read."""
    from resultsbook.spec import find_spec, load_collect_spec

    path = config or find_spec()
    return load_collect_spec(path) if path else None


def load_required_spec(config: str | None) -> Spec:
    """Return the spec named by --config or found upwards, or fail saying how to create one."""
    from resultsbook.errors import NotFoundError
    from resultsbook.spec import find_spec, load_spec, spec_not_a_file

    path = config or find_spec()
    if path is None:
        none = spec_not_a_file() or "no resultsbook.toml here or in any parent folder"
        raise NotFoundError(
            f"{none}; `resultsbook table --rows KEY --metric KEY "
            "--save NAME` writes one holding that table (docs/tables.md says what else it takes), or pass "
            "--config FILE"
        )
    return load_spec(path)


def _existing(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """Refuse a --config file that does not exist, with the file beside it that was meant."""
    if value is not None and not os.path.exists(value):
        broken = broken_link(value, repr(value))
        raise click.BadParameter(
            f"{broken}; relink it, or pass the spec's own path"
            if broken
            else f"File {value!r} does not exist{nearby(value)}."
        )
    return value


config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False),
    callback=_existing,
    help="Spec file [default: nearest resultsbook.toml].",
)
spec_db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    help="Store: a SQLite file or a postgresql:// URL [default: $RESULTSBOOK_DB, else the spec's store].",
)
no_collect_option = click.option(
    "--no-collect", is_flag=True, help="Use the store as it is; do not re-collect the spec's sources."
)
collect_option = click.option(
    "--collect",
    "recollect",
    is_flag=True,
    help="Re-collect the spec's sources first (logs in the repository).",
)
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
verbose_option = click.option(
    "-v", "--verbose", is_flag=True, help="List every cell of a warning that is summarised by default."
)


@contextmanager
def spec_and_store(
    config: str | None,
    db_path: str | None,
    collect_first: bool = True,
    quiet: bool = False,
    first: str = "",
) -> Iterator[tuple[Spec, Store]]:
    """Load the spec, collect its sources first (when asked), open its store, then yield both inside
    one read snapshot: everything the command reads comes from one state of the store; `first` is
    the command that collects before it runs, for a store not made yet."""
    spec = load_required_spec(config)
    if collect_first and spec.sources:
        collect_spec_sources(spec, db_path, quiet)
    elif collect_first and not quiet:
        echo(nothing_to_collect(spec))
    with open_store(db_path, spec=spec, first=first) as store, store.snapshot():
        yield spec, store


def nothing_to_collect(spec: Spec) -> str:
    """Say, where a command would collect the spec's sources first, that it names none."""
    return (
        f"Collected nothing: {relative(spec.path)} names no [[sources]]; the runs are those "
        "`resultsbook collect` last wrote to the store"
    )


def collect_spec_sources(spec: Spec | CollectSpec, db_path: str | None, quiet: bool = False) -> CollectReport:
    """Collect the spec's sources into its store (`rb.collect`) with a progress bar, print the summary
    (unless quiet) and the problems; fail, saying what was tried, when they hold no run and there is
    no store to read either (a shared store holds what other machines collected)."""
    from resultsbook.api.actions import collect, nothing_found
    from resultsbook.errors import NotFoundError, NotFoundWarning
    from resultsbook.store.location import is_postgres_url, local_path

    db = resolve_db(db_path, spec)
    with progress_bar("Reading runs") as progress, warnings.catch_warnings():
        warnings.simplefilter("ignore", NotFoundWarning)  # said below, as an error when there is no store
        report = collect(config=spec, db=db, progress=progress)
    if not quiet:
        echo(f"Collected: {report.summary_line()}")
    nothing = not report.new + report.updated + report.unchanged
    failed = None
    if nothing and not is_postgres_url(db) and not os.path.exists(local_path(db)):  # no store to read
        paths = tuple(source.path for source in spec.sources)
        failed = nothing_found(report, paths, None, None, from_spec=True)
    for note in report.notes:  # a source that held no run (a mistyped pattern), an option no adapter used
        if failed is None or note not in failed:  # the error says it once
            echo(f"Note: {note}", err=True)
    show_problems(report.problems)
    if not quiet:
        show_earlier_problems(report)
    if failed is not None:
        raise NotFoundError(failed)
    return report


def resolve_db(db_path: str | None, spec: Spec | CollectSpec | None = None) -> str:
    """Return the store: --db, else $RESULTSBOOK_DB, else the spec's (or the nearest spec's) store,
    else ./resultsbook.db."""
    from resultsbook.store import DEFAULT_DB_NAME
    from resultsbook.store.location import ENVIRONMENT_VARIABLE, choose_store_location

    if spec is None and not db_path and not os.environ.get(ENVIRONMENT_VARIABLE):
        spec = find_collect_spec_or_none(None)
    location = choose_store_location(db_path, spec.db if spec else None, os.path.abspath(DEFAULT_DB_NAME))
    if spec is not None and not db_path and os.environ.get(ENVIRONMENT_VARIABLE):
        _say_store_overridden(spec, location)
    return location


def _say_store_overridden(spec: Spec | CollectSpec, location: str) -> None:
    """Say that $RESULTSBOOK_DB (a lab's store, set in ~/.bashrc) is used instead of a store the spec
    names itself (`store = "mine.db"`): a personal project's runs would go to the lab's store."""
    from resultsbook.store import DEFAULT_DB_NAME
    from resultsbook.store.location import ENVIRONMENT_VARIABLE, display_location, is_url

    real = os.path.realpath
    same = location == spec.db or (not is_url(location) and real(location) == real(spec.db))
    if same or spec.db == os.path.join(os.path.dirname(spec.path), DEFAULT_DB_NAME):
        return
    own = display_location(spec.db) if is_url(spec.db) else os.path.relpath(spec.db)
    echo(
        f"Note: the store is {ENVIRONMENT_VARIABLE}'s, {display_location(location)}, not the one "
        f"{os.path.basename(spec.path)} names ({own}); unset {ENVIRONMENT_VARIABLE} (or give --db) to use "
        "the spec's",
        err=True,
    )


@contextmanager
def open_store(
    db_path: str | None, create: bool = False, spec: Spec | CollectSpec | None = None, first: str = ""
) -> Iterator[Store]:
    """Open the store for a command (read commands refuse to create an empty one): --db, else
    $RESULTSBOOK_DB, else the spec's; `store.session.opened` says how failures and new stores end.
    `first` is the command that collects the spec's sources and then does this one's work."""
    from resultsbook.store.location import ENVIRONMENT_VARIABLE, is_url
    from resultsbook.store.session import opened

    spec_store = not db_path and not os.environ.get(ENVIRONMENT_VARIABLE)
    if spec is None and spec_store:
        spec = find_collect_spec_or_none(None)
    location = resolve_db(db_path, spec)
    if not create and spec_store and spec is not None and spec.sources and not os.path.lexists(location):
        from resultsbook.errors import NotFoundError

        if not is_url(location) and first:  # a clean clone in CI: the command has a --collect of its own
            raise NotFoundError(
                f"no store at {location} yet: run `{first}`, which collects the spec's [[sources]] into "
                "it first"
            )
        if not is_url(location):  # the spec's own store, not made yet: its [[sources]] say what to collect
            raise NotFoundError(
                f"no store at {location} yet: run `resultsbook collect` first (it collects the spec's "
                "[[sources]] into it), or `resultsbook build`, which collects them before it builds"
            )
    from resultsbook.store.location import display_location
    from resultsbook.voice import given_store

    # the commands its messages suggest name the store the user named (a password never repeated)
    named = display_location(db_path) if db_path else None
    from resultsbook.outputs.spec_reader import derived_names_of

    with given_store(named), opened(location, create=create) as store, derived_names_of(spec):
        yield store


def split_list(value: str | None) -> tuple[str, ...]:
    """Split a comma-separated flag value."""
    return tuple(part.strip() for part in value.split(",") if part.strip()) if value else ()


class Number(click.FloatRange):
    """The type of every number option: a value that is none, or is out of range, is answered in one line
    naming the flag, what it takes and an example (`--replicates 'five' must be a whole number, e.g.
    --replicates 5`), where click said `'five' is not a valid integer range` or `0 is not in the range
    x>=1`. A click range type, so that --help states the range as click does (`[x>=1]`, `[0<=x<=15]`)."""

    def __init__(
        self, low: float | None = None, high: float | None = None, whole: bool = False, example: float = 1
    ) -> None:
        super().__init__(low, high)
        self.low, self.high, self.whole, self.example = low, high, whole, example
        self.name = "integer" if whole else "float"  # the metavar --help shows: INTEGER, FLOAT

    def _describe_range(self) -> str:
        """Return the range --help states, nothing for a number of any size (click would say `x<=None`)."""
        return super()._describe_range() if self.low is not None or self.high is not None else ""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        flag = max(param.opts, key=len) if param is not None and param.opts else "the value"
        kind = "a whole number" if self.whole else "a number"
        try:
            number = value if isinstance(value, (int, float)) else float(str(value).strip())
        except ValueError:
            raise _NumberRefused(
                f"{flag} {value!r} must be {kind}, e.g. {flag} {self.example}", ctx, param
            ) from None
        if not math.isfinite(number):  # float() reads nan and inf
            kind = "a finite number"
        if not math.isfinite(number) or (self.whole and number != int(number)):
            raise _NumberRefused(f"{flag} {value} must be {kind}, e.g. {flag} {self.example}", ctx, param)
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            bounds = (
                f"between {self.low:g} and {self.high:g}"
                if self.low is not None and self.high is not None
                else (f"at least {self.low:g}" if self.low is not None else f"at most {self.high:g}")
            )
            raise _NumberRefused(f"{flag} {value} must be {bounds}, e.g. {flag} {self.example}", ctx, param)
        return int(number) if self.whole else float(number)


class _NumberRefused(click.BadParameter):
    """A number option's refusal, worded whole (click would put `Invalid value for '--flag':` before it)."""

    def format_message(self) -> str:
        return self.message


# ----------------------------------------------------------------- problems
PROBLEMS_SHOWN = 20


def show_problems(problems: Sequence[Problem], limit: int | None = None, stored: bool = True) -> None:
    """Print problems, those alike in many files as one line and the rare ones first, with a pointer
    to the full list (when a store holds it: not after a first collect that found no run)."""
    if not problems:
        return
    limit = PROBLEMS_SHOWN if limit is None else limit
    from resultsbook.render.problems import group_problems  # here: most collects have none

    echo("Problems (everything readable was kept):", err=True)
    groups = group_problems(shown_problem(problem, relative(problem.path)) for problem in problems)
    for group in groups[:limit]:
        echo(f"  {group.describe()}", err=True)
    hidden = sum(len(group.problems) for group in groups[limit:])
    if hidden and not stored:  # `problems` would answer that there is no store
        echo(f"  ... and {hidden} more (no store was made to keep them: nothing was collected)", err=True)
    elif hidden:
        echo(f"  ... and {hidden} more: run `resultsbook problems`", err=True)


def shown_problem(problem: Problem, path: str | None = None) -> Problem:
    """Return the problem with the control characters of its path (or of `path`, how it is shown)
    escaped: a newline in a folder name would split its line in two; its message keeps its own lines."""
    from resultsbook.render.escape import escape_terminal

    return replace(problem, path=escape_terminal(problem.path if path is None else path))


def show_earlier_problems(report: CollectReport) -> None:
    """Say that the problems of the sources a collect found unchanged (not read again, so not in its
    count) still stand: `0 problems` after a second collect is not a clean store."""
    earlier = report.standing_problems
    if earlier > 0:
        echo(
            f"Note: {earlier} problem{'s' if earlier != 1 else ''} met when the unchanged sources were last "
            f"read still {'stand' if earlier != 1 else 'stands'}; `resultsbook problems` lists them",
            err=True,
        )


# ----------------------------------------------------------------- progress
class TerminalProgress:
    """A progress bar on stderr, shown only on a terminal and only for work worth a bar."""

    def __init__(self, label: str, minimum: int = 20) -> None:
        self.label = label
        self.minimum = minimum
        self._progress: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if total < self.minimum or not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self._progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True, no_color=not use_color(err=True)),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(self.label, total=total)

    def step(self, what: str) -> None:
        """Say what the next unit of work is (shown beside the bar)."""
        if self._progress is not None:
            from rich.markup import escape

            self._progress.update(self._task, description=f"{self.label}: {escape(what)}")

    def advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@contextmanager
def progress_bar(label: str, minimum: int = 20) -> Iterator[TerminalProgress]:
    """Yield a progress display that is always removed, even on errors."""
    progress = TerminalProgress(label, minimum)
    try:
        yield progress
    finally:
        progress.stop()
