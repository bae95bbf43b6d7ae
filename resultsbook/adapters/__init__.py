"""The adapter registry: built-in and third-party adapters, all found through one entry-point group."""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass
from importlib import import_module

from resultsbook.adapters.base import Adapter, Claim, Folder, Served
from resultsbook.errors import AdapterError, closest

ENTRY_POINT_GROUP = "resultsbook.adapters"

# used only when the package metadata is absent (running from a source tree without installing)
_BUILTIN = {
    "native": "resultsbook.adapters.native:NativeAdapter",
    "csv": "resultsbook.adapters.csvlog:CsvAdapter",
    "wide": "resultsbook.adapters.wide:WideAdapter",
    "npy": "resultsbook.adapters.npy:NpyAdapter",
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
    "ml_logger": "resultsbook.adapters.ml_logger:MlLoggerAdapter",
    "sb3": "resultsbook.adapters.sb3:Sb3Adapter",
    "spinup": "resultsbook.adapters.spinup:SpinupAdapter",
    "dvclive": "resultsbook.adapters.dvclive:DvcliveAdapter",
    "tb_export": "resultsbook.adapters.tb_export:TensorboardExportAdapter",
    "mlflow_server": "resultsbook.adapters.mlflow_tracking:MlflowTrackingAdapter",
    "ultralytics": "resultsbook.adapters.ultralytics:UltralyticsAdapter",
    "fairseq": "resultsbook.adapters.fairseq:FairseqAdapter",
    "text": "resultsbook.adapters.textlog:TextLogAdapter",
    "optuna": "resultsbook.adapters.optuna_studies:OptunaAdapter",
    "clearml": "resultsbook.adapters.clearml_offline:ClearmlAdapter",
    "guild": "resultsbook.adapters.guild:GuildAdapter",
    "comet": "resultsbook.adapters.comet:CometAdapter",
    "neptune": "resultsbook.adapters.neptune_offline:NeptuneAdapter",
}

# the files Stable-Baselines3's Monitor writes: `monitor.csv`, `0.monitor.csv` (one per environment)
MONITOR_FILE = re.compile(r"(.*\.)?monitor\.csv")

# What a folder must hold for a built-in adapter to claim it unasked: a file or sub-folder whose name
# matches the pattern (or a path ending so). Collect loads an adapter's module only when a folder
# matches; tests/test_claim_hints.py checks each against the adapter's own claim and priority.
_CLAIM_HINTS = {  # name: (priority, entry-name pattern, path endings)
    "hydra": (10, r"\.hydra", ()),
    "clearml": (20, r"task\.json|offline-[0-9a-f]{32}\.zip", ()),
    "guild": (20, r"\.guild", ()),
    "comet": (20, r"[0-9A-Za-z]{32,50}(-[0-9A-Za-z]+)?\.zip|messages\.json", ()),
    "hf_trainer": (20, r"trainer_state\.json|(all|train|eval|test|predict)_results\.json|checkpoint-\d+", ()),
    "mlflow": (20, r"meta\.yaml|mlflow\.db", ()),
    "neptune": (20, r"data-\d+\.log", ()),
    "optuna": (20, r"(?i:.*optuna.*\.(db|sqlite3?|log)|.*journal.*\.log)|study\.db|studies\.db", ()),
    "sacred": (20, r"run\.json", ()),
    "ultralytics": (20, r"results\.csv|opt\.yaml|args\.yaml", ()),
    "tensorboard": (25, r"(?s:.*tfevents.*)|validation|train_inner", ()),
    "lightning_csv": (30, r"metrics\.csv|hparams\.yaml", ()),
    "wandb": (30, r"run-.+\.wandb|files", ("latest-run",)),
    "dvclive": (35, r"plots", ()),
    "ml_logger": (35, r"metrics\.pkl", ()),
    "poutyne": (35, r"log\.tsv", ()),
    "sb3": (35, r"evaluations\.npz|" + MONITOR_FILE.pattern, ()),
    "spinup": (35, r"progress\.txt", ()),
    "native": (40, r"metrics\.jsonl", ()),
    "tb_export": (60, r"(?i:run-.+-tag-.+\.(csv|json))", ()),
    "keras_csv": (
        70,
        r"training\.log|(training|training_log|train_log|training_history|history|keras_log|csv_logger"
        r"|csvlogger|log)\.csv",
        (),
    ),
    "onefile": (
        80,
        r"(?i:(report|results|result|metrics|scores|eval_results|all_results|summary)\.json"
        r"|(report|results|metrics|scores)\.yaml)|scalars\.json|(\d{8}_\d{6}|None)\.log\.json"
        r"|metrics_epoch_\d+\.json|train_log\.txt|trial\.json",
        (),
    ),
}

__all__ = [
    "ENTRY_POINT_GROUP",
    "MONITOR_FILE",
    "Adapter",
    "Claim",
    "ClaimHint",
    "Folder",
    "Served",
    "available_adapters",
    "claim_hints",
    "claim_pattern",
    "get_adapter",
    "load_builtin",
    "plugins_installed",
    "run_file_of_later",
]


@dataclass(frozen=True)
class ClaimHint:
    """A built-in adapter not loaded yet: its claiming order and what a folder it claims holds."""

    name: str
    priority: int
    names: re.Pattern[str]  # matches (fully) the name of a file or sub-folder of such a folder
    path_endings: tuple[str, ...]  # ... or the folder's path ends with one of these

    def may_claim(self, folder: Folder) -> bool:
        """Tell whether the adapter could claim this folder unasked (False: it certainly would not)."""
        if self.path_endings and folder.path.endswith(self.path_endings):
            return True
        match = self.names.fullmatch
        return any(match(name) for name in folder.files) or any(match(name) for name in folder.dirs)

    def load(self, **options: object) -> Adapter:
        """Import the adapter's module and return the adapter."""
        return load_builtin(self.name)(**options)


def claim_hints() -> tuple[ClaimHint, ...] | None:
    """Return the built-in adapters that claim folders unasked, in claiming order, without loading
    their modules; None when a plug-in adapter is installed (then every adapter is loaded)."""
    return None if plugins_installed() else _builtin_hints()


def run_file_of_later(name: str, folder: Folder) -> str | None:
    """Return a file of the folder by which a built-in adapter after `name` in claiming order claims
    folders (native's metrics.jsonl), if any: a claim that such a file may be another's run yields."""
    hints = _builtin_hints()
    own = next(hint for hint in hints if hint.name == name)
    for hint in hints:
        if (hint.priority, hint.name) > (own.priority, own.name):
            found = next((n for n in sorted(folder.files) if hint.names.fullmatch(n)), None)
            if found is not None:
                return found
    return None


@functools.cache  # asked for every source a collect reads
def claim_pattern(name: str) -> re.Pattern[str] | None:
    """Return the pattern of the file names a built-in adapter claims a folder by and a `--pattern` may
    end in to read the same run (None for others): of sb3's, `evaluations.npz` alone, since a Monitor
    file a pattern names is read by the csv adapter, one run per file."""
    if name == "sb3":
        return _SB3_RUN_FILE
    hint = next((hint for hint in _builtin_hints() if hint.name == name), None)
    return None if hint is None else hint.names


_SB3_RUN_FILE = re.compile(r"evaluations\.npz")


def plugins_installed() -> bool:
    """Tell whether an installed distribution declares adapters of its own."""
    import sys

    return bool(_may_have_plugins(tuple(sys.path)) and _plugin_targets())


@functools.cache
def _builtin_hints() -> tuple[ClaimHint, ...]:
    hints = [
        ClaimHint(name, priority, re.compile(pattern), endings)
        for name, (priority, pattern, endings) in _CLAIM_HINTS.items()
    ]
    return tuple(sorted(hints, key=lambda hint: (hint.priority, hint.name)))


@functools.lru_cache(maxsize=8)
def _may_have_plugins(path: tuple[str, ...]) -> bool:
    """Tell, without importlib.metadata (~20 ms to import), whether an installed distribution other
    than resultsbook may declare adapters: True unless no `entry_points.txt` on the import `path`
    names the group (or the distributions cannot all be seen that way). Asked once per path."""
    import os
    import sys
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:  # a finder of its own may hold distributions (zip imports...)
        if hasattr(finder, "find_distributions") and finder is not PathFinder:
            return True
    for folder in path:
        try:
            entries = os.scandir(folder or ".")
        except NotADirectoryError:
            return True  # a zip file on the path
        except OSError:
            continue
        with entries:
            for entry in entries:
                if not entry.name.endswith((".dist-info", ".egg-info")):
                    continue
                if entry.name.partition("-")[0].lower() == "resultsbook":  # the built-ins themselves
                    continue
                try:
                    with open(os.path.join(entry.path, "entry_points.txt"), "rb") as handle:
                        if ENTRY_POINT_GROUP.encode() in handle.read():
                            return True
                except OSError:
                    continue
    return False


def load_builtin(name: str) -> type[Adapter]:
    """Import one built-in adapter's class."""
    module_name, _, attribute = _BUILTIN[name].partition(":")
    adapter: type[Adapter] = getattr(import_module(module_name), attribute)
    return adapter


def _plugin_targets() -> dict[str, str]:
    """Return {name: target} of the adapters installed through entry points that are not the
    built-ins themselves."""
    from importlib.metadata import entry_points

    return {
        point.name: point.value
        for point in entry_points(group=ENTRY_POINT_GROUP)
        if _BUILTIN.get(point.name) != point.value
    }


@functools.cache
def available_adapters() -> dict[str, type[Adapter]]:
    """Return every installed adapter class by name, ordered by claiming priority."""
    targets = {**_BUILTIN, **_plugin_targets()}
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


# what other tools call the formats: the closest spelling answers `tb` or `stable-baselines3` with nothing
ADAPTER_SYNONYMS = {
    "tb": "tensorboard", "tfevents": "tensorboard", "tensorflow": "tensorboard",
    "tensorboardx": "tensorboard", "stable-baselines3": "sb3", "stable_baselines3": "sb3",
    "stable-baselines": "sb3", "rl-zoo": "sb3", "rl_zoo3": "sb3", "rl-baselines3-zoo": "sb3",
    "lightning": "lightning_csv", "pytorch-lightning": "lightning_csv", "pl": "lightning_csv",
    "keras": "keras_csv", "huggingface": "hf_trainer", "transformers": "hf_trainer", "hf": "hf_trainer",
    "spinningup": "spinup", "spinning-up": "spinup", "yolo": "ultralytics", "yolov5": "ultralytics",
    "yolov8": "ultralytics", "fairseq-train": "fairseq", "txt": "text", "stdout": "text",
    "log": "text", "logs": "text", "slurm": "text", "logging": "text",
}  # fmt: skip


def get_adapter(name: str) -> type[Adapter]:
    """Return the adapter class called `name`, or raise with the list of known names."""
    adapters = available_adapters()
    if name not in adapters:
        known = ", ".join(adapters)
        synonym = ADAPTER_SYNONYMS.get(name.lower())
        guess = synonym if synonym in adapters else closest(name, adapters)
        hint = f"did you mean {guess!r}? " if guess is not None else ""
        raise AdapterError(f"no adapter named {name!r}; {hint}installed adapters: {known}")
    return adapters[name]
