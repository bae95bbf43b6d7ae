"""Seed every random number generator a training script is likely to use, and record the seed."""

from __future__ import annotations

import importlib
import importlib.util
import random
import sys
from typing import Any

from resultsbook.runlog import lifecycle

_pending: dict[str, Any] | None = None


def seed_everything(seed: int) -> list[str]:
    """Seed `random`, NumPy and PyTorch (when installed) and record the seed in the run's config.

    The seed goes into the config of the open run, or of the next `Run` when none is open yet.
    TensorFlow/Keras and JAX are seeded only when the script has already imported them (importing
    them here would cost seconds). Returns the libraries seeded, e.g. ["random", "numpy", "torch"].

        >>> resultsbook.seed_everything(0)        # doctest: +SKIP
        ['random', 'numpy', 'torch']
    """
    global _pending
    seed = int(seed)
    random.seed(seed)
    seeded = ["random"]
    if _installed("numpy"):
        numpy = importlib.import_module("numpy")
        numpy.random.seed(seed % 2**32)
        seeded.append("numpy")
    if _installed("torch"):
        try:
            torch = importlib.import_module("torch")
            torch.manual_seed(seed)  # seeds every CUDA device too
            seeded.append("torch")
        except Exception:  # a broken torch install must not stop the script; the record shows it
            pass
    setter = _keras_seed_setter()
    if setter is not None:
        setter(seed)
        seeded.append("keras")
    record = {"seed": seed, "libraries": seeded}
    runs = [run for run in lifecycle.open_runs() if hasattr(run, "record_seed")]
    if runs:
        runs[-1].record_seed(record)
    else:
        _pending = record
    return seeded


def take_pending_seed() -> dict[str, Any] | None:
    """Return (and forget) the seed recorded by seed_everything before any run was open."""
    global _pending
    pending, _pending = _pending, None
    return pending


def _installed(name: str) -> bool:
    if name in sys.modules:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _keras_seed_setter() -> Any:
    """Return keras.utils.set_random_seed (Keras 3 or tf.keras) when the script imported Keras."""
    for module in ("keras", "tensorflow"):
        loaded = sys.modules.get(module)
        if loaded is None:
            continue
        utils = getattr(loaded, "utils", None) or getattr(getattr(loaded, "keras", None), "utils", None)
        setter = getattr(utils, "set_random_seed", None)
        if setter is not None:
            return setter
    return None
