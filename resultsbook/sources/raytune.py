"""What a Ray Tune trial's folder holds: params.json (its config) beside progress.csv (its results).

Its result.json holds the same results a JSON object a line, which no adapter reads as a run; the csv
adapter reads the progress.csv with `-o config=params.json`. The collect's notes and hints name that.
"""

from __future__ import annotations

import os

from resultsbook.sources import fs

TRIAL_FILES = frozenset({"params.json", "progress.csv"})


def is_trial_folder(folder: str) -> bool:
    """Tell whether a local folder is a Ray Tune trial's (a remote one is never looked at: a request each)."""
    return not fs.is_remote(folder) and all(fs.isfile(os.path.join(folder, name)) for name in TRIAL_FILES)


def result_json_note(path: str) -> str | None:
    """Say that a path given to collect is a Ray Tune trial's result.json, and which file to collect
    instead; None for any other path."""
    folder, name = os.path.split(path.rstrip("/"))
    if name != "result.json" or not is_trial_folder(folder or "."):
        return None
    from resultsbook.voice import option  # only to explain

    progress = os.path.join(folder, "progress.csv")
    return (
        "it is a Ray Tune trial's result.json (a JSON object a line), which no adapter reads as a run: "
        f"collect {progress} beside it, with {option('option', 'config=params.json')} for its settings"
    )
