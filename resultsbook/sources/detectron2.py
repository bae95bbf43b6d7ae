"""Detectron2's output folder: `config.yaml` (the run's full config), `last_checkpoint` and `log.txt`
beside the `metrics.json` and event files it writes. The config gives the run's params; the checkpoint
pointer, the log and how far the metrics went give its status."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Sequence
from typing import Any

from resultsbook.models import Problem
from resultsbook.sources import fs
from resultsbook.sources.fileio import read_file_end
from resultsbook.sources.settings import read_settings

CONFIG_FILE = "config.yaml"
CHECKPOINT_FILE = "last_checkpoint"  # the checkpointer's pointer file: only Detectron2 writes it so
LOG_FILE = "log.txt"
METRICS_FILE = "metrics.json"  # every scalar, one JSON object per line, as the event files hold them
SIDE_FILES = (CONFIG_FILE, CHECKPOINT_FILE, LOG_FILE)
FINAL_CHECKPOINT = b"model_final.pth"  # saved once the last iteration has run
LOG_TAIL = 65536  # bytes of log.txt read: a long training's log is megabytes
# the train loop's own log lines: where a session starts, fails (it logs the traceback) and ends
STARTED = "Starting training from iteration"
RAISED = "Exception during training:"
ENDED = "Total training time:"
_RECORD = re.compile(r"\[\d\d/\d\d \d\d:\d\d:\d\d\] ")  # a log record starts `[08/30 16:39:07] `


def is_output_folder(names: Collection[str]) -> bool:
    """Tell whether a folder's file names are those of a Detectron2 output folder with its config."""
    return CONFIG_FILE in names and CHECKPOINT_FILE in names


def holds_metrics(names: Collection[str]) -> bool:
    """Tell whether a folder's file names are those of a Detectron2 output folder with its metrics.json."""
    return METRICS_FILE in names and is_output_folder(names)


def side_files(folder: str, names: Collection[str]) -> list[str]:
    """Return the config, checkpoint pointer and log of a Detectron2 output folder ([] for another)."""
    if not is_output_folder(names):
        return []
    return [os.path.join(folder, name) for name in SIDE_FILES if name in names]


def side_files_beside(path: str) -> list[str]:
    """Return the side files of the Detectron2 output folder holding `path` (a path pattern names the
    log alone)."""
    return side_files(*fs.names_beside(path))


def read_side_files(
    root: str, files: Sequence[str], last_step: float | None, problems: list[Problem]
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """Return the params, status and provenance (a failed run's error) of the Detectron2 output folder
    `root` from its side files among `files`, given the last step its metrics reached."""
    found = {os.path.basename(path): path for path in files if os.path.dirname(path) == root}
    params = (
        read_settings(found[CONFIG_FILE], problems, kept="the run without params")
        if CONFIG_FILE in found
        else {}
    )
    status, error = _status(
        found.get(CHECKPOINT_FILE), found.get(LOG_FILE), params.get("SOLVER.MAX_ITER"), last_step
    )
    return params, status, {"error": error} if error else {}


def _status(
    checkpoint: str | None, log: str | None, max_iter: Any, last_step: float | None
) -> tuple[str, str | None]:
    """Return a run's status, and its error when it failed: failed when the last training session
    logged an exception; finished when it saved its final checkpoint or its metrics reached
    SOLVER.MAX_ITER; interrupted when the session ended before (Ctrl-C: no exception is logged);
    else unknown (still running, or killed before it could log anything)."""
    tail = _text_end(log) if log else ""
    started = tail.rfind(STARTED)
    raised = tail.rfind(RAISED)
    if raised > started:
        return "failed", _traceback(tail[raised:])
    final = _pointer(checkpoint) == FINAL_CHECKPOINT if checkpoint else False
    whole = isinstance(max_iter, int) and not isinstance(max_iter, bool) and last_step is not None
    if final or (whole and last_step is not None and last_step + 1 >= max_iter):
        return "finished", None
    if tail.rfind(ENDED) > started:
        reached = f"at step {last_step:g}" if last_step is not None else "early"
        budget = f" of SOLVER.MAX_ITER = {max_iter}" if whole else ""
        return "interrupted", f"training ended {reached}{budget} without an exception (Ctrl-C or a signal)"
    return "unknown", None


def _traceback(text: str) -> str:
    """Return the exception the train loop logged, without the log records after it (the hooks' end)."""
    first, *rest = text.splitlines()
    after = next((number for number, line in enumerate(rest) if _RECORD.match(line)), len(rest))
    return "\n".join([first, *rest[:after]]).strip()


def _pointer(path: str) -> bytes | None:
    """Return the checkpoint file name last_checkpoint points to, None when it cannot be read."""
    try:
        return read_file_end(path, 4096).strip()
    except OSError:
        return None


def _text_end(path: str) -> str:
    """Return the end of a log's text ("" when it cannot be read: the status then says less)."""
    try:
        return read_file_end(path, LOG_TAIL).decode("utf-8", errors="replace")
    except OSError:
        return ""
