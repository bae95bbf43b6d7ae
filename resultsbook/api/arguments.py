"""What a notebook passes, checked where it enters: an argument of the wrong kind is one error naming
it, what it takes and an example, never a TypeError from deep inside."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from resultsbook.errors import SpecError


def path_argument(name: str, value: object, example: str) -> str:
    """Return a path given as a str or a pathlib.Path; refuse anything else (a list, a number), or none."""
    if isinstance(value, str) or (isinstance(value, os.PathLike) and isinstance(os.fspath(value), str)):
        path = os.fspath(value)
        if not path.strip():
            raise SpecError(f"{name}={path!r} names no path; give one: {name}={example!r}")
        return path
    raise SpecError(
        f"{name}={value!r} is not a path; give one, as a str or a pathlib.Path: {name}={example!r}"
    )


def paths_argument(name: str, value: object, example: str) -> list[str]:
    """Return one path or several (a list or tuple of them) as a list of paths."""
    if not isinstance(value, (list, tuple)):
        return [path_argument(name, value, example)]
    if not value:
        raise SpecError(f"{name}={value!r} names no path; give one or several: {name}=[{example!r}, ...]")
    for item in value:
        if not isinstance(item, (str, os.PathLike)):
            raise SpecError(
                f"{name}={value!r} holds {item!r}, which is not a path; give folders or files as str or "
                f"pathlib.Path: {name}=[{example!r}, ...]"
            )
    return [path_argument(name, item, example) for item in value]


def name_argument(name: str, value: object, example: str) -> str | None:
    """Return one name (an adapter's...), or None; refuse a list or anything else."""
    if value is None or isinstance(value, str):
        return value
    raise SpecError(f"{name}={value!r} must be one name, e.g. {name}={example!r}")


def mapping_argument(name: str, value: object, example: Mapping[str, Any]) -> dict[str, Any]:
    """Return a mapping given (None: an empty one); refuse a list of 'KEY=VALUE' texts or a str."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    raise SpecError(f"{name}={value!r} must be a mapping, e.g. {name}={dict(example)!r}")


def check_numbers(**given: Any) -> None:
    """Refuse a number given as text (ddof="0"), naming the argument; None means the default."""
    import numbers

    for name, value in given.items():
        whole = name in ("ddof", "digits", "skip_first", "expected", "max_points")
        number = isinstance(value, numbers.Integral if whole else numbers.Real) and not isinstance(
            value, bool
        )
        if value is None or number:
            continue
        kind = "a whole number" if whole else "a number"
        raise SpecError(f"{name}={value!r} must be {kind}, e.g. {name}={1 if whole else 1.0}")


def check_names(**given: object) -> None:
    """Refuse what is neither a name nor a list of names (a pathlib.Path, a number), naming the argument."""
    for name, value in given.items():
        if value is None or isinstance(value, str):
            continue
        if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping, os.PathLike)):
            continue
        example = _NAME_EXAMPLES.get(name, "model")
        raise SpecError(f"{name}={value!r} must be a name or a list of names, e.g. {name}={example!r}")


_NAME_EXAMPLES: dict[str, str | list[str]] = {
    "metric": "val/acc",
    "metrics": ["val/acc", "test/acc"],
    "columns": "dataset",
    "stats": ["mean", "std"],
    "replicate": "seed",
    "tasks": "game",
    "aggregates": ["mean", "iqm"],
    "tables": ["table1"],
}
