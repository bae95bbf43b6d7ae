"""Keras' CSVLogger: one row per epoch, first column `epoch` (0-based), `NA` for missing values.

The file name is the user's choice, so this adapter claims on its own only the names people
commonly give it (`training.log`, `history.csv`, ...), and checks the header before reading.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.adapters.csvlog import text_log_text
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.sources.fileio import iter_file_chunks
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.tabular import holds_no_row, read_delimited
from resultsbook.voice import option

# the names in Keras' own documentation and examples, and the usual variations of them
COMMON_NAMES = frozenset(
    {
        "training.log",
        "training.csv",
        "training_log.csv",
        "train_log.csv",
        "training_history.csv",
        "history.csv",
        "keras_log.csv",
        "csv_logger.csv",
        "csvlogger.csv",
        "log.csv",
    }
)
FORCED_SUFFIXES = (".csv", ".tsv", ".log", ".txt")
EPOCH_COLUMN = "epoch"
_MISSING = "NA"  # what CSVLogger writes for a value that was not logged that epoch


class KerasCsvAdapter(Adapter):
    """Read Keras CSVLogger files, one run per file."""

    name = "keras_csv"
    reading_version = 3  # 2: a log that starts over keeps each epoch from its last training; 3: a text
    # log under a CSVLogger name is named as one
    summary = "Keras CSVLogger files (epoch,... one row per epoch), e.g. training.log, history.csv"
    priority = 70  # claims single files by name: after every folder format
    options = {"delimiter": "field separator (CSVLogger's separator=; default: guessed)"}

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim files with a common CSVLogger name; every .csv/.tsv/.log when asked for by name."""
        if forced:
            names = sorted(n for n in folder.files if self._wanted(n, forced))
        else:  # every folder of the walk comes here: a set intersection, not a loop over its files
            names = sorted(folder.files & COMMON_NAMES)
        if not names:
            return None
        sources = [self.source(folder.file(n), [folder.file(n)]) for n in names]
        if not forced:  # .log files beside it, CSVLogger's maybe, are left unread: its read says so
            beside = sorted(n for n in folder.files - COMMON_NAMES if n.lower().endswith(".log"))
            sources[0] = self.source(sources[0].path, [sources[0].path, *map(folder.file, beside)])
        return Claim(tuple(sources), descend=True)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read a file matched by a path pattern, when this adapter was asked for by name."""
        return self.source(path, [path]) if forced and self._wanted(os.path.basename(path), True) else None

    @staticmethod
    def _wanted(name: str, forced: bool) -> bool:
        lowered = name.lower()
        return lowered in COMMON_NAMES or (forced and lowered.endswith(FORCED_SUFFIXES))

    def read(self, source: Source) -> ReadResult:
        """Read one CSVLogger file: step = the `epoch` column as written (0-based)."""
        problems: list[Problem] = []
        path = source.path
        printed = _text_log_line(path)
        if printed is not None:  # a script's stdout under Keras' example name: no table at all
            said = text_log_text(printed, "a Keras CSVLogger file")
            return ReadResult((), (Problem(path, said, "nothing from this file"),))
        table = read_delimited(path, problems, delimiter=self.config.get("delimiter"), missing={_MISSING})
        if table is None:
            return ReadResult((), tuple(problems))
        if not table.columns or table.columns[0] != EPOCH_COLUMN:
            problems.append(
                Problem(
                    path,
                    "does not start with an 'epoch' column, so it is not a Keras CSVLogger file "
                    f"(read it with {option('adapter', 'csv')})",
                    "nothing from this file",
                )
            )
            return ReadResult((), tuple(problems))
        if holds_no_row(table, path, problems):
            return ReadResult((), tuple(problems))
        builder = SeriesBuilder()
        epochs, has_epoch = table.column(EPOCH_COLUMN)
        if table.bad[EPOCH_COLUMN]:
            problems.append(
                Problem(path, f"{table.bad[EPOCH_COLUMN]} row(s) have no numeric 'epoch'", "the other rows")
            )
        current = _latest_training(epochs, has_epoch, path, problems)
        for name in table.columns[1:]:
            values, present = table.metric_column(name, path, problems)
            keep = present & has_epoch & current
            if keep.any():
                builder.add_column(name, epochs[keep], values[keep])
        series, series_problems = builder.build(path)
        problems.extend(series_problems)
        name = f"{os.path.basename(os.path.dirname(os.path.abspath(path)))}/{os.path.basename(path)}"
        _note_unread_logs_beside(path, source.files[1:], problems)
        return ReadResult((RunRecord(name=name, metrics=series),), tuple(problems))


def _text_log_line(path: str) -> str | None:
    """Return the first line printing a number under a key of a file whose first line is no CSVLogger
    header (no `epoch` cell first: `training.log` holding a script's stdout, as IQN and OLMo commit
    it); None for a CSVLogger file, or a file that prints no such line."""
    from resultsbook.adapters.textlog import first_line_of_numbers  # only to explain

    return None if starts_as_csvlogger(path) else first_line_of_numbers(path)


def _note_unread_logs_beside(path: str, beside: Sequence[str], problems: list[Problem]) -> None:
    """Say which .log files beside a log read by its usual name are CSVLogger logs left unread
    (irfanet-10's training_logs191017(2).log, ... beside its training.log)."""
    unread = [other for other in beside if starts_as_csvlogger(other)]
    if unread:
        problems.append(
            Problem(
                path,
                f"{len(unread)} .log file(s) beside it are Keras CSVLogger logs too (e.g. "
                f"{os.path.basename(unread[0])!r}), which resultsbook reads only by a usual name such as "
                f"training.log; collect with {option('adapter', 'keras_csv')} to read them as well",
                "this file's run alone",
            )
        )


def starts_as_csvlogger(path: str) -> bool:
    """Tell whether a file's first line is a CSVLogger header (`epoch,acc,loss,...`), from its first bytes."""
    try:  # a FIFO in its place is refused, never opened
        head = next(iter_file_chunks(path, 4096), b"")
    except OSError:
        return False
    first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip()
    return re.match(rb"epoch[,;\t|]", first) is not None


def holds_missing_marks(path: str) -> bool:
    """Tell whether a CSVLogger file writes `NA` for a value not logged (validation every few epochs),
    in its first bytes: the csv adapter would read those cells as text, keras_csv reads them as missing."""
    try:
        head = next(iter_file_chunks(path, 65536), b"")
    except OSError:
        return False
    return re.search(rb"(?m)(?:^|[,;\t|])NA(?:[,;\t|]|\r?$)", head.partition(b"\n")[2]) is not None


def _latest_training(
    epochs: np.ndarray, has_epoch: np.ndarray, path: str, problems: list[Problem]
) -> np.ndarray:
    """Return which rows to keep when the log starts over (`CSVLogger(append=True)` across trainings,
    or a resume from an earlier checkpoint): as TensorBoard does at a restart, a training that starts
    over at epoch e drops every earlier row at or past e (past the new training's end too): nothing
    of an earlier training is kept from where a later one started over."""
    rows = np.flatnonzero(has_epoch)
    steps = epochs[rows]
    restarts = rows[1:][steps[1:] <= steps[:-1]]  # the epoch did not go up: a training started over
    keep = np.ones(len(epochs), dtype=bool)
    if not len(restarts):
        return keep
    order = np.arange(len(epochs))
    for row in restarts.tolist():
        keep &= (order >= row) | ~(epochs >= epochs[row])  # NaN epochs are not compared: kept
    dropped = ~keep & has_epoch
    last_kept, last_dropped = np.nanmax(epochs[keep & has_epoch]), np.nanmax(epochs[dropped])
    # a last training shorter than an earlier one: its end is the run's end, which a table's last shows
    shorter = (
        f"; the log now ends at epoch {last_kept:g}, where an earlier training reached epoch {last_dropped:g}"
        if last_dropped > last_kept
        else ""
    )
    problems.append(
        Problem(
            path,
            f"the log starts over {len(restarts)} time(s) (the first: data row {restarts[0] + 1}, epoch "
            f"{epochs[restarts[0]]:g}), as CSVLogger(append=True) writes when a training is run again",
            f"each training from the epoch it started at, as TensorBoard keeps a restarted run "
            f"({int(dropped.sum())} earlier row(s) at or past that epoch dropped{shorter})",
        )
    )
    return keep
