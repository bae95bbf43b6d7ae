"""What a folder holds, looked at only to explain an empty collect: the log files no adapter claimed."""

from __future__ import annotations

import os
from collections import Counter

LOG_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson", ".yaml", ".yml")  # --pattern reads them
_SETTINGS = ("config", "args", "hparams", "params", "settings", "options", "meta")  # not logs of metrics
_MOST_ENTRIES = 5000  # a bounded look: an empty collect of a huge tree must still answer at once
_SKIP = {"resultsbook.db", "resultsbook.toml", "resultsbook.lock"}


def common_log_file(root: str) -> tuple[str, str, str] | None:
    """Return the most common log file name under a local folder (by count, metrics before settings
    such as config.json, then the shallowest),
    how many there are ("at least N" when the look stopped early) and the path of one of them
    relative to root; None when there is none."""
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    seen, stopped = 0, False
    for folder, folders, files in os.walk(root):
        folders.sort()
        folders[:] = [name for name in folders if not name.startswith(".")]
        seen += 1 + len(files)  # folders count too: a tree of empty folders is bounded as well
        for name in sorted(files):
            if name.lower().endswith(LOG_SUFFIXES) and name not in _SKIP:
                counts[name] += 1
                examples.setdefault(name, os.path.relpath(os.path.join(folder, name), root))
        if seen >= _MOST_ENTRIES:
            stopped = True
            break
    if not counts:
        return None
    name = max(counts, key=lambda key: (counts[key], not _settings(key), -examples[key].count(os.sep)))
    count = f"at least {counts[name]}" if stopped else str(counts[name])
    return name, count, examples[name].replace(os.sep, "/")


def _settings(name: str) -> bool:
    """Tell whether a file name looks like a run's settings rather than its metrics."""
    stem = os.path.splitext(name.lower())[0]
    return any(word in stem for word in _SETTINGS)


def pattern_for(example: str) -> str:
    """Return a --pattern that makes each folder of `example` a param: 'a/b/x.csv' -> '{a}/{b}/x.csv'
    with the fields named after their depth ({group}, {run}, ...)."""
    parts = example.split("/")
    depth = len(parts) - 1
    names = {1: ["run"], 2: ["group", "run"]}.get(depth) or [f"level{i + 1}" for i in range(depth)]
    return "/".join([*(f"{{{name}}}" for name in names), parts[-1]])
