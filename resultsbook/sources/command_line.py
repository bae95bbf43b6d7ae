"""Params from the command line a run was started with (W&B keeps it as `args`), for runs whose
tracker was given no config: `--lr 0.1 --seed=3 --fp16` and Hydra's `model=resnet +trainer.devices=2`.

Read as argparse reads it, without the script's parser: `--key value`, `--key=value`, `-k value`;
several values after one option are a list; an option followed by another option (or nothing) is a
flag, `True`; a `key=value` word is an override, never an option's value. Dashes in a long option's
name become underscores (argparse's `dest`). Values are typed as path parts are (`3`, `0.1`,
`true`). Other words (a positional input file) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from resultsbook.params import parse_scalar

_OPTION = re.compile(r"^(--?)([A-Za-z_][\w.-]*)(?:=(.*))?$", re.S)
_OVERRIDE = re.compile(r"^(?:\+\+|\+)?([A-Za-z_][\w.-]*(?:/[\w.-]+)*)=(.*)$", re.S)  # Hydra's key=value
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")


def params_from_args(args: Sequence[str]) -> dict[str, Any]:
    """Return the options and overrides of a command line as params (empty when it holds none)."""
    params: dict[str, Any] = {}
    key: str | None = None
    values: list[Any] = []

    def close() -> None:
        if key is not None:
            params[key] = True if not values else values[0] if len(values) == 1 else list(values)

    for arg in args:
        option = _OPTION.match(arg) if not _NUMBER.match(arg) else None
        if option is not None:
            close()
            dashes, name, inline = option.groups()
            key = name.replace("-", "_") if dashes == "--" else name
            values = [] if inline is None else [parse_scalar(inline)]
            if inline is not None:
                close()
                key = None
            continue
        override = _OVERRIDE.match(arg)
        if override is not None:  # `--fast model=a`: the override is no value of the flag
            close()
            key = None
            params[override[1]] = parse_scalar(override[2])
        elif key is not None:
            values.append(parse_scalar(arg))
    close()
    return params
