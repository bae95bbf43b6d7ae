"""Which file beside a run's log holds its settings, by its name alone (config.json, args.yaml,
hparams.yaml, variant.json): for the adapters that read it and the hints that name it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

# words a settings file's name holds, not a log's of metrics (config.json, args.yaml, parameters.json,
# hyperparameters.yaml, variant.json)
SETTINGS_WORDS = (
    "config", "args", "hparams", "params", "parameter", "settings", "options", "meta", "variant",
)  # fmt: skip
READABLE_SUFFIXES = (".json", ".yaml", ".yml")  # settings files a reader parses
_WORD = re.compile("|".join(SETTINGS_WORDS))


def is_settings_name(name: str) -> bool:
    """Tell whether a file name looks like a run's settings rather than its metrics."""
    return _WORD.search(os.path.splitext(name.lower())[0]) is not None


def settings_file_among(names: Iterable[str]) -> str | None:
    """Return the name of the settings file (JSON or YAML) among a folder's file names, or None.
    garage's variant.json (the run's arguments, its seed) comes before the metadata.json beside it (the
    git commit it ran from): a file named only for metadata says how a run was made, not its settings."""
    found = [name for name in names if name.lower().endswith(READABLE_SUFFIXES) and is_settings_name(name)]
    return min(found, key=lambda name: (_metadata_only(name), name), default=None)


def _metadata_only(name: str) -> bool:
    """Tell whether a settings file's name says metadata and nothing else (`metadata.json`)."""
    stem = os.path.splitext(name.lower())[0]
    return [word for word in SETTINGS_WORDS if word in stem] == ["meta"]
