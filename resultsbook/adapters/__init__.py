"""The adapter registry: built-in and third-party adapters, all found through one entry-point group."""

from __future__ import annotations

import functools
import warnings
from importlib import import_module
from importlib.metadata import entry_points

from resultsbook.adapters.base import Adapter, Claim, Folder, Served
from resultsbook.errors import AdapterError

ENTRY_POINT_GROUP = "resultsbook.adapters"

# used only when the package metadata is absent (running from a source tree without installing)
_BUILTIN = {
    "native": "resultsbook.adapters.native:NativeAdapter",
    "csv": "resultsbook.adapters.csvlog:CsvAdapter",
    "wide": "resultsbook.adapters.wide:WideAdapter",
    "records": "resultsbook.adapters.records:RecordsAdapter",
    "onefile": "resultsbook.adapters.onefile:OneFileAdapter",
    "mlflow": "resultsbook.adapters.mlflow_runs:MlflowAdapter",
    "tensorboard": "resultsbook.adapters.tensorboard_events:TensorboardAdapter",
    "wandb": "resultsbook.adapters.wandbrun:WandbAdapter",
    "sacred": "resultsbook.adapters.sacred:SacredAdapter",
    "hydra": "resultsbook.adapters.hydra:HydraAdapter",
    "lightning_csv": "resultsbook.adapters.lightning_csv:LightningCsvAdapter",
    "hf_trainer": "resultsbook.adapters.hf_trainer:HfTrainerAdapter",
    "keras_csv": "resultsbook.adapters.keras_csv:KerasCsvAdapter",
    "poutyne": "resultsbook.adapters.poutyne:PoutyneAdapter",
    "dvclive": "resultsbook.adapters.dvclive:DvcliveAdapter",
    "mlflow_server": "resultsbook.adapters.mlflow_tracking:MlflowTrackingAdapter",
}

__all__ = ["ENTRY_POINT_GROUP", "Adapter", "Claim", "Folder", "Served", "available_adapters", "get_adapter"]


@functools.cache
def available_adapters() -> dict[str, type[Adapter]]:
    """Return every installed adapter class by name, ordered by claiming priority."""
    targets = dict(_BUILTIN)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        targets[point.name] = point.value
    found: dict[str, type[Adapter]] = {}
    for name, target in targets.items():
        try:
            module_name, _, attribute = target.partition(":")
            adapter = getattr(import_module(module_name), attribute)
        except Exception as error:  # a broken plug-in must not break collecting
            warnings.warn(
                f"adapter {name!r} ({target}) cannot be loaded: {error}; "
                f"reinstall or uninstall the package that provides it",
                RuntimeWarning,
                stacklevel=2,
            )
            continue
        found[name] = adapter
    return dict(sorted(found.items(), key=lambda item: (item[1].priority, item[0])))


def get_adapter(name: str) -> type[Adapter]:
    """Return the adapter class called `name`, or raise with the list of known names."""
    adapters = available_adapters()
    if name not in adapters:
        known = ", ".join(adapters)
        raise AdapterError(f"no adapter named {name!r}; installed adapters: {known}")
    return adapters[name]
