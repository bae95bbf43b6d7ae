"""A run's settings file beside its log (args.yaml, hparams.yaml, config.json, a Detectron2 config.yaml),
read into dotted params."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resultsbook.models import Problem
from resultsbook.params import flatten_params
from resultsbook.sources.textio import load_json_file
from resultsbook.sources.yamlio import read_yaml_file


def read_settings(
    path: str, problems: list[Problem], what: str = "settings", kept: str = "no params"
) -> dict[str, Any]:
    """Read a settings file (JSON, else YAML, read safely: Python tags become plain data) into dotted
    params; `what` names its keys in the problem of a file that holds no mapping of them, `kept` what
    the run keeps then."""
    if path.lower().endswith(".json"):
        settings = load_json_file(path, problems, kept)
    else:
        settings = read_yaml_file(path, problems, kept)
    if settings is None:
        return {}
    if not isinstance(settings, Mapping):
        problems.append(Problem(path, f"does not hold a mapping of {what}", kept))
        return {}
    return flatten_params(settings)
