"""PyTorch Lightning: `Trainer(logger=ResultsbookLogger("runs/"))` writes a native run folder.

A Lightning *logger* (not a callback) because loggers are where Lightning sends every
`self.log(...)` value with its step, and the hyperparameters; the run ends failed or interrupted
with the exception Lightning was handling when it called `finalize("failed")`.

    >>> from resultsbook.integrations.lightning import ResultsbookLogger   # doctest: +SKIP
    >>> trainer = lightning.Trainer(max_epochs=5, logger=ResultsbookLogger("runs/", config=cfg))
"""

from __future__ import annotations

import sys
from argparse import Namespace
from typing import Any

from resultsbook.integrations import numeric_items, require, without_repeated_epoch
from resultsbook.runlog.run import Run

_loggers = require("lightning.pytorch.loggers", "lightning", ("pytorch_lightning.loggers",))
_rank_zero = require(
    "lightning.pytorch.utilities.rank_zero", "lightning", ("pytorch_lightning.utilities.rank_zero",)
)
rank_zero_only = _rank_zero.rank_zero_only


_Logger: Any = _loggers.Logger


class ResultsbookLogger(_Logger):
    """A Lightning logger writing resultsbook's native run format (config, metrics, provenance)."""

    def __init__(self, root: str = "runs", config: dict[str, Any] | None = None, **run_options: Any) -> None:
        super().__init__()
        self._root = root
        self._config: dict[str, Any] = dict(config or {})
        self._options = run_options
        self._run: Run | None = None

    @property
    def run(self) -> Run:
        """Return the run, starting it on first use (on rank zero: Lightning calls loggers there)."""
        if self._run is None:
            self._run = Run(self._root, config=self._config, **self._options)
        return self._run

    @property
    def name(self) -> str:
        return "resultsbook"

    @property
    def version(self) -> str:
        return (self._run.name or "") if self._run is not None else ""

    @property
    def save_dir(self) -> str:
        return self._root

    @property
    def log_dir(self) -> str | None:
        return self._run.folder if self._run is not None else None

    @rank_zero_only
    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        """Add the module's (and datamodule's) hyperparameters to the run's config."""
        values = vars(params) if isinstance(params, Namespace) else dict(params or {})
        if self._run is None:
            self._config.update(values)
        else:
            self._run.update_config(values)

    @rank_zero_only
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Append the values Lightning logged at a step (the `epoch` it adds too)."""
        run = self.run
        if run.status != "running":
            run.reopen()  # e.g. trainer.test() after trainer.fit() finished the run
        run.log(step, without_repeated_epoch(run, numeric_items(metrics)))

    @rank_zero_only
    def finalize(self, status: str) -> None:
        """End the run: finished after success; failed or interrupted with the exception being handled."""
        if self._run is None:
            return
        if status == "success":
            self._run.close()
            return
        error = sys.exc_info()[1]  # Lightning calls finalize("failed") while handling the exception
        if error is None:
            error = RuntimeError(f"Lightning finished with status {status!r}")
        self._run.close_with(error)
