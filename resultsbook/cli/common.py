"""What every command shares: finding the store and spec, turning errors into exit codes, progress."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from resultsbook.spec import Spec
    from resultsbook.store import Store

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    help="Store: a SQLite file or a postgresql://user@host/db URL "
    "[default: $RESULTSBOOK_DB, else the spec's store, else ./resultsbook.db].",
)


def handle_errors(function: F) -> F:
    """Print resultsbook's errors as one line `Error: ...` and exit 2 (usage) or 1 (failure)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from resultsbook.errors import AdapterError, ResultsbookError, SpecError

        try:
            return function(*args, **kwargs)
        except (SpecError, AdapterError) as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)
        except ResultsbookError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted; the store is as it was before this command.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def find_spec_or_none(config: str | None) -> Spec | None:
    """Return the spec named by --config, else the nearest resultsbook.toml, else None."""
    from resultsbook.spec import find_spec, load_spec

    path = config or find_spec()
    return load_spec(path) if path else None


def load_required_spec(config: str | None) -> Spec:
    """Return the spec named by --config or found upwards, or fail saying how to create one."""
    from resultsbook.errors import SpecError
    from resultsbook.spec import find_spec, load_spec

    path = config or find_spec()
    if path is None:
        raise SpecError("no resultsbook.toml here or in any parent folder; create one or pass --config FILE")
    return load_spec(path)


config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True),
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
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")


@contextmanager
def spec_and_store(
    config: str | None, db_path: str | None, no_collect: bool = False, quiet: bool = False
) -> Iterator[tuple[Spec, Store]]:
    """Load the spec, open its store and collect its sources first (unless told not to)."""
    from resultsbook.cli.collect_cmd import show_problems
    from resultsbook.sources.collect import collect

    spec = load_required_spec(config)
    with open_store(db_path, create=True, spec=spec) as store:
        if spec.sources and not no_collect:
            with progress_bar("Reading runs") as progress:
                report = collect(store, spec.sources, progress)
            if not quiet:
                click.echo(f"Collected: {report.summary_line()}")
            show_problems(report.problems)
        yield spec, store


def resolve_db(db_path: str | None, spec: Spec | None = None) -> str:
    """Return the store: --db, else $RESULTSBOOK_DB, else the spec's (or the nearest spec's) store,
    else ./resultsbook.db."""
    from resultsbook.store import DEFAULT_DB_NAME
    from resultsbook.store.locator import ENVIRONMENT_VARIABLE, choose_store_location

    if spec is None and not db_path and not os.environ.get(ENVIRONMENT_VARIABLE):
        spec = find_spec_or_none(None)
    return choose_store_location(db_path, spec.db if spec else None, os.path.abspath(DEFAULT_DB_NAME))


@contextmanager
def open_store(db_path: str | None, create: bool = False, spec: Spec | None = None) -> Iterator[Store]:
    """Open the store for a command (read commands refuse to create an empty one)."""
    from resultsbook.store import Store

    store = Store.open(resolve_db(db_path, spec), create=create)
    try:
        yield store
    finally:
        store.close()


def split_list(value: str | None) -> tuple[str, ...]:
    """Split a comma-separated flag value."""
    return tuple(part.strip() for part in value.split(",") if part.strip()) if value else ()


class TerminalProgress:
    """A progress bar on stderr, shown only on a terminal and only for work worth a bar."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._progress: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if total < 20 or not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self._progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(self.label, total=total)

    def advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@contextmanager
def progress_bar(label: str) -> Iterator[TerminalProgress]:
    """Yield a progress display that is always removed, even on errors."""
    progress = TerminalProgress(label)
    try:
        yield progress
    finally:
        progress.stop()
