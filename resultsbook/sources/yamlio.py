"""Read YAML written by other tools safely: Python-specific tags become plain data, never objects."""

from __future__ import annotations

from typing import Any

import yaml

from resultsbook.models import Problem
from resultsbook.sources.textio import read_text

_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LenientSafeLoader(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """A SafeLoader that reads unknown tags (`!!python/tuple`, `!!python/object:...`) as plain data.

    Lightning's `hparams.yaml` is written with `yaml.dump`, so it can hold such tags; the safe loader
    refuses them, the full loader would run code. A tuple becomes a list, an object its state mapping.
    """


def _construct_plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    """Build a tagged node as the plain scalar, list or mapping it is written as."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    return None


LenientSafeLoader.add_multi_constructor("", _construct_plain)


def load_yaml_text(text: str) -> Any:
    """Parse YAML text with `LenientSafeLoader`; raises yaml.YAMLError on invalid YAML."""
    return yaml.load(text, Loader=LenientSafeLoader)


def read_yaml_file(path: str, problems: list[Problem], kept: str = "nothing from this file") -> Any:
    """Read a YAML file leniently, or return None and report why it could not be read."""
    try:
        text = read_text(path, problems)
    except OSError as error:
        problems.append(Problem(path, f"cannot be read ({error.strerror})", kept))
        return None
    try:
        return load_yaml_text(text)
    except yaml.YAMLError as error:
        problems.append(Problem(path, f"is not valid YAML ({error})".replace("\n", " "), kept))
        return None
