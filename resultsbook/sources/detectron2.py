"""Detectron2's output folder: `config.yaml` (the run's full config) and `last_checkpoint` beside the
`metrics.json` and event files it writes; the config gives the run's params."""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any

from resultsbook.models import Problem
from resultsbook.params import flatten_params
from resultsbook.sources import fs
from resultsbook.sources.yamlio import read_yaml_file

CONFIG_FILE = "config.yaml"
CHECKPOINT_FILE = "last_checkpoint"  # the checkpointer's pointer file: only Detectron2 writes it so


def is_output_folder(names: Collection[str]) -> bool:
    """Tell whether a folder's file names are those of a Detectron2 output folder with its config."""
    return CONFIG_FILE in names and CHECKPOINT_FILE in names


def config_params(path: str, problems: list[Problem]) -> dict[str, Any]:
    """Return the params of a Detectron2 config.yaml, flattened (`SOLVER.BASE_LR`); {} when unreadable."""
    config = read_yaml_file(path, problems, "the run without params")
    if config is None:
        return {}
    if not isinstance(config, dict):
        problems.append(Problem(path, "does not hold a mapping of settings", "the run without params"))
        return {}
    return flatten_params(config)


def config_beside(path: str) -> str | None:
    """Return the config.yaml of the Detectron2 output folder holding `path`, if it is one."""
    folder = os.path.dirname(path)
    try:
        names = fs.listdir(folder)
    except OSError:
        return None
    return os.path.join(folder, CONFIG_FILE) if is_output_folder(names) else None
