"""Hugging Face transformers: `Trainer(..., callbacks=[ResultsbookCallback("runs/")])`.

Every value the Trainer logs (loss, learning rate, eval metrics) is appended at its global step;
the config is the TrainingArguments (as the Trainer reports them to trackers) plus your own.
An exception that escapes `trainer.train()` ends the run failed (the Trainer does not tell
callbacks; resultsbook's exit hooks do).

    >>> from resultsbook.integrations.huggingface import ResultsbookCallback   # doctest: +SKIP
    >>> trainer = Trainer(model, args, train_dataset=ds, callbacks=[ResultsbookCallback("runs/")])
"""

from __future__ import annotations

from typing import Any

from resultsbook.integrations import numeric_items, require, without_repeated_epoch
from resultsbook.runlog.run import Run, folder_stem

_callbacks = require("transformers.trainer_callback", "transformers")

# TrainingArguments that name where this one run writes: differing between seeds is expected
_RUN_SPECIFIC_ARGS = ("logging_dir", "output_dir", "run_name", "hub_model_id")


_TrainerCallback: Any = _callbacks.TrainerCallback


class ResultsbookCallback(_TrainerCallback):
    """A TrainerCallback writing resultsbook's native run format (config, metrics, provenance)."""

    def __init__(self, root: str = "runs", config: dict[str, Any] | None = None, **run_options: Any) -> None:
        self.root = root
        self.config = dict(config or {})
        self.options = run_options
        self.run: Run | None = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """Start the run with the TrainingArguments and your config (on the main process only)."""
        if not getattr(state, "is_world_process_zero", True) or self.run is not None:
            return
        arguments = training_arguments(args)
        config = {**self.config, **{k: v for k, v in arguments.items() if k not in self.config}}
        options = dict(self.options)
        if self.config and "name" not in options:  # named by your config, not 100 arguments; its
            options["_stem"] = folder_stem(None, self.config)  # identity is the whole config all the same
        self.run = Run(self.root, config=config, **options)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> None:
        """Append the logged values at the current global step."""
        if not getattr(state, "is_world_process_zero", True):
            return
        if self.run is None:
            self.on_train_begin(args, state, control)
        assert self.run is not None
        if self.run.status != "running":
            self.run.reopen()  # trainer.evaluate() after training finished the run
        self.run.log(int(state.global_step), without_repeated_epoch(self.run, numeric_items(logs)))

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """End the run as finished (a later evaluate() continues it)."""
        if self.run is not None:
            self.run.close()


def training_arguments(args: Any) -> dict[str, Any]:
    """Return the TrainingArguments a tracker records, without the ones naming this run's folders."""
    if args is None:
        return {}
    to_dict = getattr(args, "to_sanitized_dict", None) or getattr(args, "to_dict", None)
    values = dict(to_dict()) if to_dict is not None else dict(vars(args))
    return {key: value for key, value in values.items() if key not in _RUN_SPECIFIC_ARGS}
