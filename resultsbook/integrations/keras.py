"""Keras: `model.fit(..., callbacks=[ResultsbookCallback("runs/", config=cfg)])`.

Each epoch's logs (loss, metrics, val_ metrics) are appended at step = epoch number (from 1).
The run ends finished with training, or failed when an exception escapes `fit` (the exception
reaches resultsbook's exit hooks).

    >>> from resultsbook.integrations.keras import ResultsbookCallback   # doctest: +SKIP
    >>> model.fit(x, y, epochs=5, callbacks=[ResultsbookCallback("runs/", config={"lr": 1e-3})])
"""

from __future__ import annotations

from typing import Any

from resultsbook.integrations import numeric_items, require
from resultsbook.runlog.run import Run

_keras = require("keras", "keras")


_Callback: Any = _keras.callbacks.Callback


class ResultsbookCallback(_Callback):
    """A Keras callback writing resultsbook's native run format (config, metrics, provenance)."""

    def __init__(self, root: str = "runs", config: dict[str, Any] | None = None, **run_options: Any) -> None:
        super().__init__()
        self.root = root
        self.config = dict(config or {})
        self.options = run_options
        self.run: Run | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Start the run: your config plus the fit settings Keras reports (epochs, steps per epoch)."""
        params = getattr(self, "params", None) or {}
        fit = {key: params[key] for key in ("epochs", "steps") if params.get(key) is not None}
        config = {**self.config, **{k: v for k, v in fit.items() if k not in self.config}}
        self.run = Run(self.root, config=config, **self.options)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Append the epoch's values at step epoch + 1."""
        if self.run is not None:
            self.run.log(epoch + 1, numeric_items(logs))

    def on_train_end(self, logs: dict | None = None) -> None:
        """End the run as finished."""
        if self.run is not None:
            self.run.close()
