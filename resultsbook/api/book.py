"""A book: one store (and the spec it belongs to, when there is one) read as DataFrames and tables.

>>> import resultsbook as rb
>>> book = rb.open()                                   # doctest: +SKIP
>>> book.runs(where={"model": "mlp"})                  # doctest: +SKIP
>>> book.table(rows="model", columns="dataset", metric="val/acc")   # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from resultsbook.api.arguments import (
    brief,
    check_names,
    check_numbers,
    known_keywords,
    mapping_argument,
    name_argument,
    order_argument,
    path_argument,
)
from resultsbook.api.saving import table_origin
from resultsbook.api.table import DEFAULT_STATS, Names, Table, merge_labels, metric_names, table_request
from resultsbook.errors import (
    NotFoundError,
    QueryError,
    ResultsbookError,
    SpecError,
    StoreError,
    closest,
    listing_text,
)
from resultsbook.models import StoredRun
from resultsbook.outputs.label_names import misspelt_names
from resultsbook.outputs.own_params import asks_params, check_own_params, check_spec_highlight
from resultsbook.outputs.spec_reader import derived_names_of
from resultsbook.params import plain_value
from resultsbook.query import aggregate
from resultsbook.query.access import MetricReader
from resultsbook.query.model import DEFAULT_RUN_SPECIFIC, MetricSpec, ResultTable, TableQuery
from resultsbook.query.normalize import Normalization
from resultsbook.query.runs import RUN_FIELDS, Runs
from resultsbook.query.select import (
    Filter,
    check_filter_keys,
    check_params_exist,
    filters_from_mapping,
    mixed_type_notes,
    parse_filter,
    select_runs,
    why_nothing_selected,
)
from resultsbook.render import Labels, MarkdownOptions
from resultsbook.render.layout import TableFormat, check_highlight
from resultsbook.sources.limits import format_size
from resultsbook.spec import SPEC_NAME, Spec, find_spec, load_spec
from resultsbook.store import DEFAULT_DB_NAME, Store
from resultsbook.store.location import (
    ENVIRONMENT_VARIABLE,
    check_store_location,
    display_location,
    is_postgres_url,
    is_url,
    missing_spec,
    refuse_mistyped_url,
    store_above,
)
from resultsbook.voice import of_spec_table, store_as_path

if TYPE_CHECKING:
    import pandas as pd

MAX_POINTS = 10_000_000  # book.series' default cap: about 1 GiB at its peak
BYTES_PER_POINT = 100  # measured: 1.66M points (d3rlpy's D4RL runs) peaked at 140 MB, 84 B each

Where = Mapping[str, Any] | str | Sequence[str] | None
LabelsArg = Mapping[str, str | Mapping[str, str]] | None


@known_keywords("rb.open")
def open_book(path: str | os.PathLike[str] | None = None) -> Book:
    """Open a store to read: a store file, a resultsbook.toml (its store), a folder holding either,
    or, with no path, the store of the nearest resultsbook.toml (else ./resultsbook.db)."""
    spec, db = locate(None if path is None else path_argument("path", path, DEFAULT_DB_NAME))
    refuse_mistyped_url(db, "rb.open")
    if spec is not None and db == spec.db and not is_url(db) and not os.path.lexists(db):
        raise NotFoundError(_uncollected(spec))
    with store_as_path("rb.open"):  # a file that is no store is said to rb.open, which has no db=
        return Book(Store.open(db, create=False), spec)  # a missing store's message says how, in Python


def locate(path: str | None) -> tuple[Spec | None, str]:
    """Return the spec (if any) and the store path that `open_book(path)` reads ($RESULTSBOOK_DB,
    when set, names the store when no path is given)."""
    shared = os.environ.get(ENVIRONMENT_VARIABLE)
    if path is None and shared is not None:
        found = find_spec()
        return (load_spec(found) if found else None), check_store_location(shared, ENVIRONMENT_VARIABLE)
    if path is not None and is_postgres_url(path):
        return None, path
    if path is None:
        found = find_spec()
        if found is not None:
            spec = load_spec(found)
            return spec, spec.db
        if os.path.exists(DEFAULT_DB_NAME):
            return None, os.path.abspath(DEFAULT_DB_NAME)
        above = store_above(".")
        if above is not None:
            raise NotFoundError(
                f"no {SPEC_NAME} here or in any parent folder, and no {DEFAULT_DB_NAME} here; there is one "
                f"in a folder above: rb.open({above!r})"
            )
        raise NotFoundError(
            f"no {SPEC_NAME} here or in any parent folder, and no {DEFAULT_DB_NAME} here; "
            "pass the store or the spec: rb.open('path/to/resultsbook.db')"
        )
    if os.path.isdir(path):
        for name in (SPEC_NAME, DEFAULT_DB_NAME):
            if os.path.exists(os.path.join(path, name)):
                return locate(os.path.join(path, name))
        raise StoreError(_no_store_in(path))
    if path.endswith(".toml"):
        if not os.path.exists(path):
            raise missing_spec(path)
        spec = load_spec(path)
        return spec, spec.db
    return None, path


def _uncollected(spec: Spec) -> str:
    """Say that a spec's store is not collected yet, and the collect that makes it (as `resultsbook
    build` does before it builds): of the spec's [[sources]], else of the runs' folder."""
    found = find_spec()
    shown = os.path.relpath(spec.path)
    config = "" if found is not None and os.path.abspath(found) == spec.path else f"config={shown!r}"
    if spec.sources:
        return (
            f"no store at {spec.db} yet: collect the spec's [[sources]] into it first: rb.collect({config})"
        )
    return (
        f"no store at {spec.db} yet, and {shown} has no [[sources]]: collect the runs into it first: "
        f"rb.collect('runs/'{', ' + config if config else ''})"
    )


def _no_store_in(folder: str) -> str:
    """Say that a folder holds no store nor spec: the nearest spec above it, else how to collect it."""
    head = f"{folder} holds neither {SPEC_NAME} nor {DEFAULT_DB_NAME}"
    stores = sorted(name for name in os.listdir(folder) if name.endswith(".db"))[:3]
    if stores:  # a store of another name (`--db m.db`): the file is what to open
        return f"{head}; it holds {', '.join(stores)}: rb.open({os.path.join(folder, stores[0])!r})"
    above = find_spec(os.path.dirname(os.path.abspath(folder)))
    if above is not None:
        spec = os.path.relpath(above)
        return f"{head}; the nearest spec above it is {spec}: rb.open({spec!r})"
    store = store_above(folder)
    if store is not None:
        return f"{head}; the nearest store above it is {store}: rb.open({store!r})"
    return (
        f"{head}; pass the store or the spec (rb.open('path/to/{DEFAULT_DB_NAME}')), or, if it holds run "
        f"logs, collect them first: rb.collect({folder!r}, db={DEFAULT_DB_NAME!r})"
    )


def filters_of(where: Where) -> tuple[Filter, ...]:
    """Read `where`: a mapping {param: value or [values]}, or filter texts ("lr>=0.01", "name~^cql")."""
    if where is None:
        return ()
    if isinstance(where, Mapping):
        return tuple(filters_from_mapping({key: where_values(key, value) for key, value in where.items()}))
    texts = [where] if isinstance(where, str) else list(where) if isinstance(where, (list, tuple)) else None
    if texts is None or not all(isinstance(text, str) for text in texts):
        mask = str(getattr(where, "dtype", "")) in ("bool", "boolean")  # runs["params.seed"] > 3
        hint = (
            "; for the runs of a mask over book.runs(), pass their ids: "
            "where={'run_id': runs.loc[mask, 'run_id']}"
        )
        raise SpecError(
            f"where={brief(where)} is not understood; give a mapping {{'model': 'mlp', 'seed': [0, 1]}} "
            f"or filter texts ('lr>=0.01', ['model=mlp', 'seed<3']){hint if mask else ''}"
        )
    return tuple(parse_filter(text) for text in texts)


def where_values(key: str, value: Any) -> list[Any]:
    """Return the values a mapping's key accepts: one, or any of a list, tuple, set or array
    (numpy and pandas scalars as the Python values runs hold)."""
    if isinstance(value, Mapping):
        raise SpecError(
            f"where={{{key!r}: {value!r}}} is not understood; give a mapping of a key to a value or a list "
            "of values, e.g. {'model': 'mlp', 'seed': [0, 1]}, or filter texts ('lr>=0.01')"
        )
    # {"seed": runs["params.seed"] > 3}; not a boolean param's values, runs["params.bn"].unique()
    mask = getattr(value, "ndim", 0) == 1 and str(value.dtype) in ("bool", "boolean") and len(value) > 3
    if callable(value) or mask:  # {"seed": lambda s: s > 3}: a value is compared, never called
        raise SpecError(
            f"where={{{key!r}: {'<function>' if callable(value) else brief(value)}}} is not understood: a "
            f"mapping's value is compared with the runs' values, never called nor a mask; write the "
            f"condition as a filter text, where='{key}>3' (or >=, <, <=, !=, ~REGEX), or pass the ids of "
            "the runs a mask over book.runs() keeps: where={'run_id': runs.loc[mask, 'run_id']}"
        )
    many = isinstance(value, Iterable) and not isinstance(value, (str, bytes))
    # numpy scalars as the Python values runs hold: np.float32(0.1) is 0.1, as a config stores it
    return [plain_value(item) for item in (value if many else [value])]


class Book:
    """The runs of one store, read afresh at every call (a collect in between is seen)."""

    def __init__(self, store: Store, spec: Spec | None = None) -> None:
        self._store: Store | None = store
        self._path = store.path
        self._spec = spec
        self._spec_stamp = _file_stamp(spec.path) if spec is not None else None
        self._spec_error: ResultsbookError | None = None  # the file as it is now does not read

    @property
    def spec(self) -> Spec | None:
        """Return the spec, read again when its file changed since (a `table.save`, an edit); a file
        saved half-edited leaves the last spec that read (`spec_table` says why it cannot use it)."""
        if self._spec is not None:
            stamp = _file_stamp(self._spec.path)
            if stamp is not None and stamp != self._spec_stamp:  # a spec gone since: the one read
                self._spec_stamp = stamp  # a file that does not read is not read again until it changes
                try:
                    self._spec, self._spec_error = load_spec(self._spec.path), None
                except ResultsbookError as error:
                    self._spec_error = error
        return self._spec

    def _spec_as_it_is(self) -> Spec | None:
        """Return the spec as its file reads now; raise the file's error when it does not read."""
        spec = self.spec
        if self._spec_error is not None:
            raise self._spec_error
        return spec

    @property
    def store(self) -> Store:
        """Return the open store; refuse once the book is closed."""
        if self._store is None:
            raise StoreError(f"this book is closed; {self._reopening()}")
        return self._store

    def _reopening(self) -> str:
        """Say how to open this book again: from its spec, whose labels and tables it keeps, if any."""
        if self.spec is not None and self.spec.db == self._path:  # not a store $RESULTSBOOK_DB named
            return f"open it again with its spec: rb.open({self.spec.path!r})"
        return f"open the store again: rb.open({self._shown!r})"

    @property
    def path(self) -> str:
        """Return the store's path."""
        return self._path

    @property
    def _shown(self) -> str:
        """Return the store's path as printed: a URL's password as ***."""
        return display_location(self._path)

    def close(self) -> None:
        """Close the store (again: nothing)."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._store is None:
            return f"<resultsbook.Book {self._shown}: closed>"
        counts = self.store.counts()
        spec = f", spec {self.spec.path}" if self.spec else ""
        return f"<resultsbook.Book {self._shown}: {counts['runs']} runs{spec}>"

    @property
    def derived(self) -> dict[str, str]:
        """Return the spec's derived metrics {name: expression}."""
        return dict(self.spec.derived) if self.spec else {}

    @property
    def normalized(self) -> dict[str, Normalization]:
        """Return the spec's normalised metrics {name: how it is computed}."""
        return dict(self.spec.normalized) if self.spec else {}

    def _reader(self) -> MetricReader:
        """Return a reader of the runs' metrics, the spec's derived and normalised ones among them."""
        with derived_names_of(self._spec):
            return MetricReader(self.store, self.derived, self.normalized)

    def metrics(self) -> list[str]:
        """Return the metric keys any run logged, then the spec's derived and normalised metrics."""
        return [*self.store.metric_keys(), *self.derived, *self.normalized]

    def problems(self) -> pd.DataFrame:
        """Return one row per problem met at the last read of every source, as `resultsbook problems`
        lists them: `source` (as `runs()` names it), `file`, `message` and what was `kept`."""
        from resultsbook.api.frames import problems_frame

        return problems_frame(self.store.problems_with_sources())

    @known_keywords("book.runs")
    def runs(
        self,
        where: Where = None,
        metrics: Names | None = None,
        reduce: str = "last",
        include_missing: bool = False,
    ) -> pd.DataFrame:
        """Return one row per run: run_id, name, status, ..., provenance, `params.KEY` columns and
        `metrics.KEY` columns (each metric reduced per run as a table's `reduce` does: the last
        value by default, a run's reported final value when it logged no series).

        where: the runs to keep: a mapping {"model": "mlp", "seed": [0, 1]}, or filter texts as
            `--where` takes them, one condition each ("lr>=0.01", ["model=mlp", "seed<3"], "name~^cql").
        metrics: the metrics to show (one name, or a list); default every metric the runs log.
        reduce: how a run's curve becomes one value: last, min, max, mean, last(k), at(step),
            best(KEY[, max|min]).
        include_missing: add the runs whose files have gone since they were collected (a `present`
            column says which)."""
        from resultsbook.api.frames import runs_frame

        check_names(metrics=metrics)
        name_argument("reduce", reduce, "last")
        runs = _selected(self.store.runs(include_missing), filters_of(where), "book.runs()")
        reader = self._reader()
        if metrics is None:  # every key the runs shown log (a run gone since keeps its own)
            keys = tuple(self.store.metric_keys(include_missing))
        else:
            keys = metric_names(metrics)
            for key in keys:
                reader.check(key)
        values, notes = {}, {}
        for key in keys:
            values[key], notes[key] = reader.values_with_notes(MetricSpec(key, reduce), runs)
        for key in keys if metrics is not None else ():  # a metric asked for by name: say why it is all NaN
            nan = all(value != value for value in values[key].values())
            if nan and not _warn_unlogged("book.runs()", key, runs, reader, self.store):
                _warn_refused(key, reduce, notes[key])
        return runs_frame(runs, values, include_missing)

    @known_keywords("book.series")
    def series(
        self, metrics: Names, where: Where = None, max_points: int | None = MAX_POINTS
    ) -> pd.DataFrame:
        """Return the logged points of some metrics, one row each: run_id, metric, step, value, time
        (derived metrics are computed at the steps their inputs share; they have no time); refuse,
        before reading them, more than `max_points` points (None: no limit).

        metrics: one metric's name, or a list (`book.metrics()` lists them).
        where: the runs to keep, as `book.runs` takes it: {"seed": 0} or "lr>=0.01" (one run's curve:
            where={"run_id": "…"}). Join the frame with `book.runs()` on run_id to group by params."""
        from resultsbook.api.frames import series_frame

        check_names(metrics=metrics)
        check_numbers(max_points=max_points)
        runs = _selected(self.store.runs(), filters_of(where), "book.series()")
        reader = self._reader()
        keys = tuple(dict.fromkeys(metric_names(metrics)))  # a metric named twice: its points once
        if not keys:
            raise SpecError("series needs a metric: book.series('val/acc'); book.metrics() lists them")
        for key in keys:
            reader.check(key)
        if max_points is not None:
            ids = {run.id for run in runs}
            _check_points(sum(_points(self.store, reader, key, ids) for key in keys), len(runs), max_points)
        curves = []
        for key in keys:
            if key in reader.derived or key in reader.normalized:
                having = reader.runs_with(key)  # a run lacking an input has no point (not one NaN at step 0)
                computed = [run for run in runs if run.id in having]
                found = reader.curves(key, computed)
                curves += [(run.run_id, key, *found[run.id], None) for run in computed if run.id in found]
            else:
                stored = self.store.series(key, [run.id for run in runs])
                curves += [(run.run_id, key, *stored[run.id]) for run in runs if run.id in stored]
                if stored or not _warn_unlogged("book.series()", key, runs, reader, self.store):
                    _warn_finals_only(key, [run for run in runs if run.id not in stored], self.store)
        return series_frame(curves)

    @known_keywords("book.table")
    def table(
        self,
        rows: Names,
        columns: Names | None = None,
        metric: Names = (),
        reduce: str = "last",
        stats: Names = DEFAULT_STATS,
        where: Where = None,
        replicate: Names | None = None,
        ddof: int = 1,
        skip_first: int = 0,
        budget: float | None = None,
        direction: str | None = None,
        scale: float = 1.0,
        expected: int | None = None,
        run_specific: Names | None = None,
        derived: Mapping[str, str] | None = None,
        digits: int | None = None,
        style: str = "pm",
        highlight: str = "column",
        labels: LabelsArg = None,
        pool: Names | None = None,
        goals: Mapping[str, str] | None = None,
        test: str = "auto",
        tasks: Names | None = None,
        aggregates: Names = ("mean", "median", "iqm", "optimality_gap"),
        threshold: float = 1.0,
        versus: str | None = None,
        order: Mapping[str, Sequence[Any]] | None = None,
    ) -> Table:
        """Aggregate runs over replicates into a table, as `resultsbook table` does with the same
        settings (the spec's labels, derived and normalised metrics apply when the book has a spec);
        `order` places some values of a row or column key first, in that order, as the spec's
        `order` does (`order={"model": ["logreg", "mlp"]}`); `save` adds it to the spec.

        rows, columns: the params that make the rows and the columns (a name, a list, or "a,b").
        metric: the metric of every cell (a list: one column per metric).
        reduce: how a run's curve becomes one value: last, min, max, mean, last(k), at(step),
            best(KEY[, max|min]) (the metric where KEY is best), best-mean.
        stats: the centre (mean, median, iqm) and the spread (std, sem, ci95, bootstrap, bca, iqr,
            minmax) of each cell, e.g. ["mean", "std"] or "median,iqr".
        where: the runs to keep, as `book.runs` takes it.
        replicate: the param counting a cell's replicates (default seed); expected: how many it should
            have; pool: params whose runs a cell pools; run_specific: params each run has its own of.
        ddof: the std's delta degrees of freedom (1: sample, 0: population); skip_first: evaluations
            left out at each curve's start; budget: best-mean's last step; scale: a factor on values.
        direction, goals: which way is better (max or min), for every metric or {"val/loss": "min"}.
        test: the test of the best against the runner-up: auto, welch, permutation, mannwhitney, none.
        tasks, aggregates, threshold, versus: aggregate over a benchmark's tasks (mean, median, iqm,
            optimality_gap).
        derived: metrics computed from others, {"err": "1 - `val/acc`"}; labels: display names,
            {"model": "Model"} or {"model": {"mlp": "MLP"}}.
        digits, style (pm, sub, siunitx, siunitx-S), highlight (column, row, none, or a key): how it
            prints."""
        # numpy's numbers (read off a frame) as Python's: Decimal, rounding the cells, takes no np.int64
        ddof, skip_first, budget, scale, expected, digits, threshold = map(
            plain_value, (ddof, skip_first, budget, scale, expected, digits, threshold)
        )
        arguments = {name: value for name, value in locals().items() if name != "self"}  # for `save`
        check_names(
            rows=rows, columns=columns, metric=metric, stats=stats, replicate=replicate,
            run_specific=run_specific, pool=pool, tasks=tasks, aggregates=aggregates,
        )  # fmt: skip
        name_argument("reduce", reduce, "last")
        derived = mapping_argument("derived", derived, {"err": "1 - `val/acc`"})
        labels = mapping_argument("labels", labels, {"model": "Model", "dataset": {"cifar10": "CIFAR-10"}})
        goals = mapping_argument("goals", goals, {"val/loss": "min"})
        ordered = order_argument(order)
        if not metric_names(metric):
            spec = self.spec
            meant = closest(rows, spec.tables) if spec is not None and isinstance(rows, str) else None
            if spec is not None and meant is not None:  # `resultsbook table main`, in Python
                raise SpecError(
                    f"book.table takes rows and a metric; the table {meant!r} of "
                    f"{os.path.basename(spec.path)} is book.spec_table({meant!r})"
                )
            raise SpecError('a table needs a metric: book.table(rows="model", metric="val/acc")')
        _check_goals(goals, metric_names(metric))
        replicates = "seed" if replicate is None else replicate
        query, fmt = table_request(
            rows, columns, metric, reduce, stats, filters_of(where), replicates, ddof, skip_first, budget,
            direction, scale, expected, run_specific, {**self.derived, **(derived or {})}, digits, style,
            highlight, goals=goals, pool=pool, normalized=self.normalized, tasks=tasks, aggregates=aggregates,
            threshold=threshold, versus=versus, test=test, order=ordered,
        )  # fmt: skip
        base = self.spec.labels if self.spec else Labels()
        with self.store.snapshot():  # one state of the store, even while a collect writes
            given = {
                "replicate": query.replicate if replicate is not None else (),
                "tasks": query.tasks,
                "run_specific": query.run_specific[len(DEFAULT_RUN_SPECIFIC) :],
            }
            for what, keys in given.items():  # a typo would average every run of a cell, or find no task
                check_params_exist(what, keys, self.store.param_keys())
            check_params_exist("pool", query.pool, [*self.store.param_keys(), *RUN_FIELDS])
            named = [*(m.name for m in query.metrics), *self.derived, *(derived or {})]
            misspelt = misspelt_names(merge_labels(Labels(), labels), self.store, named, "labels")
            if misspelt:  # the table would show the raw name the label was meant to replace, as --label says
                raise SpecError(misspelt[0])
            with derived_names_of(self._spec):
                computed = aggregate(self.store, query)
        _warn_valueless(computed, reduce)
        origin = table_origin(self, arguments)
        check_highlight(_non_empty(computed, where), fmt.highlight)  # here, not when the notebook shows it
        shown = merge_labels(base, labels)
        if self.spec is not None:
            _warn_unapplied_defaults(self.spec, query, fmt, shown, origin.passed, self.store, computed)
        return Table(computed, fmt, shown, origin=origin)

    @known_keywords("book.spec_table")
    def spec_table(self, name: str) -> Table:
        """Return a table of the spec, computed as `resultsbook build` computes it."""
        if not isinstance(name, str):
            raise SpecError(
                f"spec_table takes one table's name, e.g. book.spec_table('table1'); it was given {name!r}"
            )
        spec = self._spec_as_it_is()  # read once: the file as it is now
        if spec is None:
            raise SpecError(
                f"this book was opened from the store {self._shown}, which has no spec; "
                "open the spec to use its tables: rb.open('resultsbook.toml')"
            )
        if name not in spec.tables:
            known = ", ".join(spec.tables) or "none"
            if name in spec.figures:
                raise SpecError(
                    f"{name!r} is a figure of {spec.path}, not a table; spec_table takes one of its "
                    f"tables: {known}"
                )
            meant = closest(name, spec.tables)
            hint = f"; did you mean {meant!r}?" if meant else ""
            raise SpecError(f"no table named {name!r} in {spec.path} (its tables: {known}){hint}")
        table_spec = spec.tables[name]
        markdown = MarkdownOptions(caption=table_spec.caption, template_dirs=spec.template_dirs)
        # its notes name the table's where, not where=
        with self.store.snapshot(), of_spec_table(), derived_names_of(spec):
            if asks_params(table_spec):  # a misspelt key is refused, as build refuses it
                check_own_params(spec, table_spec, Runs.load(self.store))
            computed = aggregate(self.store, table_spec.query)
        check_spec_highlight(spec, table_spec, _non_empty(computed, f"[tables.{name}]"))
        return Table(
            _non_empty(computed, f"[tables.{name}]"),
            table_spec.format,
            table_spec.labels,  # the project's, and the table's own over them
            table_spec.latex,
            markdown,
            name,
        )


def _file_stamp(path: str) -> tuple[int, int, int] | None:
    """Return what tells a file changed (its inode, size and mtime), or None when it is gone."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns


def _points(store: Store, reader: MetricReader, key: str, runs: set[int]) -> int:
    """Return how many points `series` would return of a metric for these runs, at most (from the
    stored summaries, nothing decoded): a derived metric has no more than its fewest input."""
    if key in reader.normalized:
        return _points(store, reader, reader.normalized[key].metric, runs)
    if key in reader.derived:
        known = {*store.metric_keys(), *reader.derived, *reader.normalized}
        inputs = [name for name in reader.derived[key].names if name in known]  # not the params it reads
        return min((_points(store, reader, name, runs) for name in inputs), default=0)
    return sum(int(row["n"] or 0) for run, row in store.metric_summaries(key).items() if run in runs)


LOGGED_SHOWN = 200  # the runs whose metric keys a warning lists: enough to name what a selection logs


def _warn_unlogged(
    call: str, key: str, runs: Sequence[StoredRun], reader: MetricReader, store: Store
) -> bool:
    """Warn that none of the selected runs logged a metric that other runs of the store did (ES runs
    logging `reward` where the PPO runs beside them log `ep_rew_mean`): `series()` is then an empty
    frame and `runs()` a column of NaN, which alone would not say why; return whether it warned."""
    if not runs or key in reader.derived or key in reader.normalized:
        return False
    having = store.metric_summaries(key)
    if any(run.id in having for run in runs):
        return False
    logged = sorted({row["key"] for run in runs[:LOGGED_SHOWN] for row in store.run_metrics(run.id)})
    meant = closest(key, logged)
    hint = f"; did you mean {meant!r}?" if meant else ""
    which = (
        "the selected run does not log" if len(runs) == 1 else f"none of the {len(runs):,} selected runs logs"
    )
    they = "it logs" if len(runs) == 1 else "they log"
    empty = "the frame has none of its points" if call == "book.series()" else f"'metrics.{key}' is all NaN"
    import warnings

    from resultsbook.errors import NotFoundWarning

    warnings.warn(
        f"{call}: {which} {key!r} (only other runs do), so {empty}; {they}: {listing_text(logged)}{hint}",
        NotFoundWarning,
        stacklevel=4,  # the caller's line, past `known_keywords` and `checked`
    )
    return True


def _warn_unapplied_defaults(
    spec: Spec,
    query: TableQuery,
    fmt: TableFormat,
    labels: Labels,
    passed: Collection[str],
    store: Store,
    table: ResultTable,
) -> None:
    """Warn that the spec's [defaults] (and top-level settings) its tables start from would make this
    table otherwise, naming them and the arguments that apply them, as `resultsbook table` notes it."""
    from resultsbook.outputs.unapplied_defaults import shown_runs_filter, unapplied_defaults_note

    with store.snapshot():  # a [defaults] where is read of the runs the table shows
        selects_any = shown_runs_filter(store, table)
        note = unapplied_defaults_note(
            spec, query, fmt, labels, lambda argument: argument in passed, selects_any
        )
    if note is not None:
        import warnings

        from resultsbook.errors import DefaultsWarning

        warnings.warn(note, DefaultsWarning, stacklevel=4)  # the caller's line, past `known_keywords`


def _warn_refused(key: str, reduce: str, notes: Mapping[int, tuple[str, str]]) -> None:
    """Warn that `reduce` gave no selected run a value of a metric they log (`best(val/acc)` over runs
    that log no val/acc, `at(5000)` past their end), saying why as a table's novalue mark does."""
    from collections import Counter

    reasons = Counter(why for kind, why in notes.values() if kind == "refused")
    if not reasons:
        return
    import warnings

    from resultsbook.errors import NotFoundWarning

    warnings.warn(
        f"book.runs(): 'metrics.{key}' is all NaN: reduce={reduce!r} gave no selected run a value "
        f"{_reasons_text(reasons)}",
        NotFoundWarning,
        stacklevel=4,  # the caller's line, past `known_keywords` and `checked`
    )


def _reasons_text(reasons: Mapping[str, int]) -> str:
    """Say the two commonest reasons runs have no value, and how many more: `(1160× stopped at …)`."""
    shown = sorted(reasons.items(), key=lambda item: -item[1])[:2]
    others = sum(reasons.values()) - sum(count for _, count in shown)
    more = f"; {others} more runs alike" if others else ""
    return f"({'; '.join(f'{count}× {reason}' for reason, count in shown)}{more})"


def _warn_valueless(table: ResultTable, reduce: str) -> None:
    """Warn that no cell of a table has a value (each run's metric NaN, or refused by `reduce`): a
    table of dashes, whose reason stands only in its marks, would pass unread in a script."""
    cells = list(table.cells.values())
    if not cells or any(cell.stats.get("n", 0) for cell in cells):
        return
    import warnings
    from collections import Counter

    import numpy as np

    from resultsbook.errors import NotFoundWarning

    reasons: Counter[str] = Counter()
    for cell in cells:
        notes = cell.runs.notes
        for index in np.flatnonzero(np.isnan(cell.runs.values)).tolist():
            reasons[notes[index][1] if notes[index] else "NaN or not logged"] += 1
    metrics = ", ".join(sorted({repr(table.query.metric_key(cell.metric)) for cell in cells}))
    why = f" {_reasons_text(reasons)}" if reasons else ""
    warnings.warn(
        f"book.table(): no cell has a value: reduce={reduce!r} gave none of its runs a value of "
        f"{metrics}{why}",
        NotFoundWarning,
        stacklevel=4,  # the caller's line, past `known_keywords` and `checked`
    )


def _warn_finals_only(key: str, without_points: Sequence[StoredRun], store: Any) -> None:
    """Warn that runs report a metric only as a final value: series() has no row of theirs, and an
    empty frame alone would not say why."""
    if not without_points:
        return
    summaries = store.metric_summaries(key)
    finals = [run for run in without_points if (summaries.get(run.id) or {}).get("summary") is not None]
    if finals:
        import warnings

        from resultsbook.errors import NotFoundWarning

        which = (
            f"run {finals[0].run_id!r} reports"
            if len(finals) == 1
            else (f"{len(finals)} runs (run {finals[0].run_id!r}, …) report")
        )
        warnings.warn(
            f"book.series(): {which} {key!r} only as a final value, with no logged steps, so none of its "
            f"points are here; book.runs() has the value, in the column 'metrics.{key}'",
            NotFoundWarning,
            stacklevel=4,  # the caller's line, past `known_keywords` and `checked`
        )


def _check_points(points: int, runs: int, max_points: int) -> None:
    """Refuse a series frame that would not fit in memory, saying how to ask for less or for it all."""
    if points > max_points:
        raise QueryError(
            f"book.series would hold {points:,} points of {runs:,} runs (about "
            f"{format_size(points * BYTES_PER_POINT)}), more than max_points={max_points}; narrow it with "
            f"where= or fewer metrics, or pass max_points={points} (None: no limit)"
        )


def _check_goals(goals: Mapping[str, str] | None, metrics: Sequence[str]) -> None:
    """Refuse a goal for a metric the table does not show, or one that is not max or min."""
    for name, goal in (goals or {}).items():
        if name not in metrics:
            raise SpecError(
                f"goals {{{name!r}: {goal!r}}}: {name!r} is not a metric of this table ({', '.join(metrics)})"
            )
        if goal not in ("max", "min"):
            raise SpecError(f"goals {{{name!r}: {goal!r}}}: use 'max' or 'min'")


def _selected(runs: list[StoredRun], filters: Sequence[Filter], call: str) -> list[StoredRun]:
    """Return the runs the filters keep; a filter on a key no run has is a typo, refused as the CLI does;
    filters that keep no run of a store that has some are warned of, naming the filter and the values
    its key has (`resultsbook runs` fails so): an empty frame alone would not say a value was mistyped;
    and a filter on a value runs hold both as a number and as text, which keeps one of the two."""
    import warnings

    from resultsbook.errors import NotFoundWarning

    check_filter_keys(runs, filters)
    selected: list[StoredRun] = select_runs(runs, filters, whole=False)  # rows are folders, as `runs` lists
    for note in mixed_type_notes(runs, filters):  # the runs holding the other silently left out
        warnings.warn(f"{call}: {note}", NotFoundWarning, stacklevel=4)
    if runs and filters and not selected:
        empty = next((item.key for item in filters if item.op == "=" and not item.values), None)
        why = (
            f"where gives {empty!r} an empty list of values, which no run matches"
            if empty is not None  # `{"run_id": runs.loc[mask, "run_id"]}` of a mask that kept none
            else why_nothing_selected(runs, filters)
        )
        warnings.warn(f"{call}: the frame is empty: {why}", NotFoundWarning, stacklevel=4)
    return selected


def _non_empty(table: ResultTable, where: object) -> ResultTable:
    """Refuse a table no run falls in: nothing to show, and nothing to lay out."""
    if not table.cells:
        metrics = ", ".join(repr(m.name) for m in table.query.metrics)
        selection = f"matching {where!r} " if where else ""
        raise QueryError(
            f"no run {selection}has {metrics} and every key of rows and columns; "
            "check where, the keys and the metric (book.metrics() lists the metrics)"
        )
    return table
