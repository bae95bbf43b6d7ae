"""Hooks for training frameworks, each importable only where its framework is installed.

resultsbook.integrations.lightning     ResultsbookLogger, a PyTorch Lightning logger
resultsbook.integrations.huggingface   ResultsbookCallback, a transformers TrainerCallback
resultsbook.integrations.keras         ResultsbookCallback, a Keras callback
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


def require(module: str, install: str, alternatives: tuple[str, ...] = ()) -> ModuleType:
    """Import a framework module, or raise an ImportError that names the pip install to run."""
    for name in (module, *alternatives):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError(
        f"this resultsbook integration needs {module!r}, which is not installed; run `pip install {install}`"
    )


def numeric_items(values: dict | None) -> dict[str, float]:
    """Return the entries of a framework's metric dict that are numbers (tensors and NumPy scalars too)."""
    numbers: dict[str, float] = {}
    for key, value in (values or {}).items():
        if isinstance(value, (bool, str, bytes)):
            continue
        try:
            numbers[str(key)] = float(value)
        except (TypeError, ValueError):
            continue
    return numbers


def without_repeated_epoch(run: Any, values: dict[str, float]) -> dict[str, float]:
    """Drop the `epoch` a framework adds to every call when it repeats the last one logged.

    Lightning and the HF Trainer log train and eval values in separate calls at one step, each
    with `epoch`; writing it once keeps the log free of "step logged more than once" problems.
    """
    epoch = values.get("epoch")
    if epoch is None:
        return values
    if getattr(run, "_last_epoch", None) == epoch:
        return {key: value for key, value in values.items() if key != "epoch"}
    run._last_epoch = epoch
    return values
