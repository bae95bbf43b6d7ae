"""Wide CSV with one column per seed (`env_step, rew, rew:seed_0_..., rew:seed_1_...`): one run per seed."""

from __future__ import annotations

import os
import re

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.adapters.csvlog import CSV_SUFFIXES, STEP_COLUMNS
from resultsbook.errors import AdapterError, closest
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.sources.seed_columns import SEED_REGEX
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.tabular import holds_no_row, read_delimited

DEFAULT_SEED_REGEX = SEED_REGEX
_BANDS = ("__MIN", "__MAX")  # a W&B chart export's band around each `<run> - <metric>` column
_WANDB_SEPARATOR = " - "  # a W&B chart export's column: `<run name> - <metric>`
_RUN_PARAM = "run"  # the param naming a W&B run whose name holds no seed


class WideAdapter(Adapter):
    """Read a CSV holding one column per seed (or per W&B run); each seed (or run) becomes a run."""

    name = "wide"
    summary = "CSV with one column per seed (e.g. rew:seed_0_...), one run per seed"
    priority = 80
    claims_by_itself = False
    # 2: a `round` column (Flower's rounds) is the step, as the other step names; 3: a W&B chart
    # export's `__MIN`/`__MAX` band columns are left out, its metric is the text after ` - `, and its
    # runs named without a seed are a run per name
    reading_version = 3
    options = {
        "step": "the column holding the step (default: the first column)",
        "seed_regex": "regex finding the seed in a column name (default: seed_<n>)",
        "metric": "metric name for the seed columns (default: the text after ` - ` of a W&B export's "
        "`<run> - <metric>`, else the text before the seed, else the file name)",
        "seed_param": "param name for the seed (default: seed)",
    }

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        try:
            self._seed = re.compile(str(self.config.get("seed_regex", DEFAULT_SEED_REGEX)), re.IGNORECASE)
        except re.error as error:
            raise AdapterError(f"wide adapter: seed_regex is not a valid regex ({error})") from error

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim every CSV file, but only when this adapter was asked for by name."""
        if not forced:
            return None
        names = sorted(n for n in folder.files if n.lower().endswith(CSV_SUFFIXES))
        return (
            Claim(tuple(self.source(folder.file(n), [folder.file(n)]) for n in names), descend=True)
            if names
            else None
        )

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read a CSV matched by a path pattern, when this adapter was asked for by name."""
        return self.source(path, [path]) if forced and path.lower().endswith(CSV_SUFFIXES) else None

    def read(self, source: Source) -> ReadResult:
        """Read one wide CSV into one run per seed column."""
        problems: list[Problem] = []
        path = source.path
        table = read_delimited(path, problems)
        if table is None or holds_no_row(table, path, problems):
            return ReadResult((), tuple(problems))
        columns = list(table.columns)
        step_column = self.config.get("step") or next((c for c in STEP_COLUMNS if c in columns), columns[0])
        if step_column not in columns:
            guess = closest(step_column, columns)  # no list: the seed columns differ from file to file
            hint = f"; did you mean {guess!r}?" if guess is not None else ""
            missing = f"has no step column {step_column!r}{hint}"
            problems.append(Problem(path, missing, "nothing from this file"))
            return ReadResult((), tuple(problems))
        seed_param = str(self.config.get("seed_param", "seed"))
        builders: dict[int | str, SeriesBuilder] = {}
        targets: list[tuple[str, int | str, str]] = []
        stem = os.path.splitext(os.path.basename(path))[0]
        named = set(columns)
        owners: dict[int, str] = {}  # the W&B run whose columns a seed reads
        shared: list[tuple[int, str, str]] = []  # (seed, its run, another run of that seed)
        for column in columns:
            found = self._seed.search(column)
            if column == step_column or found is None or _band(column, named):
                continue
            seed = int(found.group("seed") if "seed" in found.groupdict() else found.group(1))
            owner = owners.setdefault(seed, _wandb_run(column, found))
            if owner != _wandb_run(column, found):
                shared.append((seed, owner, _wandb_run(column, found)))
                continue
            # a column that is the seed alone (`8-dim`): the file names the metric, one file per metric
            metric = str(self.config.get("metric") or _metric_name(column, found) or stem)
            targets.append((column, seed, metric))
            builders.setdefault(seed, SeriesBuilder())
        if shared:
            seed, owner, other = shared[0]
            problems.append(
                Problem(
                    path,
                    f"W&B runs {owner!r} and {other!r} both hold seed {seed} ({len(shared)} column(s) of "
                    "runs sharing a seed): a run per seed cannot tell them apart; export one chart per "
                    "configuration",
                    "each seed's first run; the other runs' columns left out",
                )
            )
        if not targets:  # a W&B export whose run names hold no seed: a run per name
            targets = _wandb_runs(columns, step_column, self.config.get("metric"))
            builders = {run: SeriesBuilder() for _, run, _ in targets}
        if not targets:
            problems.append(
                Problem(path, "has no column matching the seed pattern", "nothing from this file")
            )
            return ReadResult((), tuple(problems))
        steps, has_step = table.column(step_column)
        if not has_step.all():
            problems.append(
                Problem(
                    path, f"{int((~has_step).sum())} row(s) have no numeric {step_column!r}", "the other rows"
                )
            )
        for column, run, metric in targets:
            values, present = table.metric_column(column, path, problems)
            keep = present & has_step
            if keep.any():
                builders[run].add_column(metric, steps[keep], values[keep])
        runs = []
        for run in sorted(builders, key=_in_order):
            series, series_problems = builders[run].build(path)
            problems.extend(series_problems)
            param = _RUN_PARAM if isinstance(run, str) else seed_param
            runs.append(
                RunRecord(
                    key=f"{param}={run}",
                    name=f"{stem}[{param}={run}]",
                    params={param: run},
                    metrics=series,
                )
            )
        return ReadResult(tuple(runs), tuple(problems))


def _band(column: str, columns: set[str]) -> bool:
    """Tell whether a column is the W&B band (`<run> - <metric>__MIN`, `__MAX`) of another column."""
    return column.endswith(_BANDS) and column[: -len(_BANDS[0])] in columns


def _wandb_run(column: str, found: re.Match[str]) -> str:
    """Return the run name of a W&B export's `<run> - <metric>` column holding a seed (else '')."""
    after = column.find(_WANDB_SEPARATOR, found.end())
    return column[:after].strip() if after >= 0 else ""


def _metric_name(column: str, found: re.Match[str]) -> str:
    """Return the metric a seed column names: the text after the run of a W&B export's `<run> -
    <metric>`, else the text before the seed (`rew` of `rew:seed_0_…`)."""
    after = column.find(_WANDB_SEPARATOR, found.end())
    if after >= 0 and column[after + len(_WANDB_SEPARATOR) :].strip():
        return column[after + len(_WANDB_SEPARATOR) :].strip()
    return column[: found.start()].strip(":_-/ ")


def _wandb_runs(columns: list[str], step_column: str, metric: object) -> list[tuple[str, int | str, str]]:
    """Return (column, run name, metric) of a W&B chart export's `<run> - <metric>` columns (bands
    left out)."""
    named = set(columns)
    found: list[tuple[str, int | str, str]] = []
    for column in columns:
        run, separator, name = column.partition(_WANDB_SEPARATOR)
        if column != step_column and separator and run.strip() and name.strip() and not _band(column, named):
            found.append((column, run.strip(), str(metric or name.strip())))
    return found


def _in_order(run: int | str) -> tuple[int, str]:
    """Order seeds by number (before any run name), run names alphabetically."""
    return (0, f"{run:020d}") if isinstance(run, int) else (1, run)
