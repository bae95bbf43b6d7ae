"""Poutyne Experiment folders: log.tsv (one row per epoch, 1-based), last.epoch, checkpoints, test_log.tsv."""

from __future__ import annotations

import math
import os

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.adapters.lightning_csv import read_sparse_table
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.sources import fs
from resultsbook.sources.fileio import unreadable
from resultsbook.sources.lines import iter_lines
from resultsbook.sources.tabular import read_delimited
from resultsbook.sources.textio import to_float

LOG_FILE = "log.tsv"
TEST_LOG_FILE = "test_log.tsv"
LAST_EPOCH_FILE = "last.epoch"
# files only an Experiment writes beside its log.tsv
MARKERS = (LAST_EPOCH_FILE, "checkpoint.ckpt", "checkpoint.optim", "checkpoint.randomstate", TEST_LOG_FILE)
EPOCH_COLUMN = "epoch"


class PoutyneAdapter(Adapter):
    """Read Poutyne Experiment folders."""

    name = "poutyne"
    summary = "Poutyne Experiment folders (log.tsv, last.epoch, checkpoint.ckpt, test_log.tsv)"
    priority = 35
    claims_by_listing = True

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder with log.tsv beside a file only Poutyne's Experiment writes (or when asked)."""
        if LOG_FILE not in folder.files or not (forced or any(m in folder.files for m in MARKERS)):
            return None
        # the experiment's tensorboard/ folder repeats log.tsv: do not read it as another run
        names = [n for n in (LOG_FILE, TEST_LOG_FILE, LAST_EPOCH_FILE) if n in folder.files]
        return Claim((self.source(folder.path, [folder.file(n) for n in names]),))

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the experiment folder of a log.tsv matched by a path pattern."""
        if os.path.basename(path) != LOG_FILE:
            return None
        folder = os.path.dirname(path)
        return self.claim(Folder(folder, frozenset(fs.listdir(folder)), ()), forced=True).sources[0]  # type: ignore[union-attr]

    def read(self, source: Source) -> ReadResult:
        """Read one experiment folder: step = epoch as written (1-based); `time` is the epoch's duration."""
        problems: list[Problem] = []
        files = {os.path.basename(path): path for path in source.files}
        log_path = files.get(LOG_FILE, os.path.join(source.path, LOG_FILE))
        table = read_delimited(log_path, problems, delimiter="\t")
        metrics = {}
        if table is not None:
            if EPOCH_COLUMN not in table.columns:
                problems.append(Problem(log_path, "has no 'epoch' column", "rows numbered from 0 as steps"))
            metrics = read_sparse_table(log_path, table, EPOCH_COLUMN, problems)
        summary = read_test_log(files.get(TEST_LOG_FILE), problems)
        provenance = {}
        last_epoch = read_last_epoch(files.get(LAST_EPOCH_FILE), problems)
        if last_epoch is not None:
            provenance["last_epoch"] = last_epoch
        run = RunRecord(
            name=os.path.basename(os.path.abspath(source.path)),
            metrics=metrics,
            summary=summary,
            # .test() runs after training; without it nothing on disk tells finished from killed
            status="finished" if TEST_LOG_FILE in files else "unknown",
            provenance=provenance,
        )
        return ReadResult((run,), tuple(problems))


def read_test_log(path: str | None, problems: list[Problem]) -> dict[str, float]:
    """Return the test_* metrics of test_log.tsv (its last row) as final values; its other columns
    repeat the training log at the checkpoint tested."""
    if path is None:
        return {}
    table = read_delimited(path, problems, delimiter="\t")
    if table is None or not table.rows:
        return {}
    summary: dict[str, float] = {}
    for name in table.columns:
        values, present = table.column(name)
        if name.startswith("test_") and present[-1]:
            summary[name] = float(values[-1])
        elif name.startswith("test_") and table.bad[name]:
            problems.append(Problem(path, f"the value of {name!r} is not a number", "the other test values"))
    return summary


def read_last_epoch(path: str | None, problems: list[Problem]) -> int | None:
    """Return the number in last.epoch (the last completed epoch)."""
    if path is None:
        return None
    try:
        lines = [line for batch in iter_lines(path, problems) for line in batch.lines if line.strip()]
    except OSError as error:
        problems.append(unreadable(path, error, "the run without it"))
        return None
    if not lines:
        message = "is empty (Poutyne writes the last completed epoch there)"
        problems.append(Problem(path, message, "the run without it"))
        return None
    number = to_float(lines[0]) if len(lines) == 1 else None
    if number is None or not math.isfinite(number) or number != int(number):
        problems.append(Problem(path, "does not hold one whole number", "the run without it"))
        return None
    return int(number)
