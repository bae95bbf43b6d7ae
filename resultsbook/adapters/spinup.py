"""OpenAI Spinning Up run folders: progress.txt (tab-separated, one row per epoch) beside config.json."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.adapters.lightning_csv import read_sparse_table
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import flatten_params, values_equal
from resultsbook.sources import fs
from resultsbook.sources.rlkit import planned_status
from resultsbook.sources.tabular import Table, holds_no_row, read_delimited
from resultsbook.sources.textio import load_json_file

EPOCH_COLUMN = "Epoch"
PROGRESS_FILE = "progress.txt"
CONFIG_FILE = "config.json"
STEP_COLUMNS = ("TotalEnvInteracts", "Epoch")  # Spinning Up's plot.py puts TotalEnvInteracts on x
# what save_config dumps beside the settings: the logger object itself, and where it wrote
NOT_SETTINGS = ("logger", "logger_kwargs")
# `<function <lambda> at 0x7f70...>`: an object's repr, whose address differs in every run (a value;
# a key too, where convert_json saves an object as `{repr: its fields}`)
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+(?=>)")
# setup_logger_kwargs names a run's folder `<exp_name>_s<seed>` (inside `<exp_name>/`)
_RUN_FOLDER = re.compile(r"(?P<exp_name>.+)_s(?P<seed>\d+)")


class SpinupAdapter(Adapter):
    """Read the run folders OpenAI Spinning Up's logger writes."""

    name = "spinup"
    summary = "OpenAI Spinning Up run folders (progress.txt beside config.json)"
    priority = 35
    claims_by_listing = True
    # 2: a status, finished at config.json's `epochs`, running short of it; 3: an object's address is
    # left out of the keys too (`agent.<agent_types.PPOAgent object>.pi_lr`)
    reading_version = 3
    options = {"step": "the column holding the step (default: TotalEnvInteracts, else Epoch)"}

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder with progress.txt beside config.json or named `<exp_name>_s<seed>` (forks of
        the logger write no config), or any progress.txt when asked."""
        if PROGRESS_FILE not in folder.files:
            return None
        named = _RUN_FOLDER.fullmatch(os.path.basename(folder.path)) is not None
        if not (forced or named or CONFIG_FILE in folder.files):
            return None
        names = [n for n in (CONFIG_FILE, PROGRESS_FILE) if n in folder.files]
        return Claim((self.source(folder.path, [folder.file(n) for n in names]),))

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the run folder of a progress.txt matched by a path pattern, as a claim would."""
        if os.path.basename(path) != PROGRESS_FILE:
            return None
        folder = os.path.dirname(path)
        claim = self.claim(Folder(folder, frozenset(fs.listdir(folder)), ()), forced=forced)
        return claim.sources[0] if claim else None

    def read(self, source: Source) -> ReadResult:
        """Read one run folder: params from config.json (else the folder's name), every column of
        progress.txt a metric, the status from its last `Epoch` against config.json's `epochs`."""
        problems: list[Problem] = []
        params, provenance = read_spinup_config(os.path.join(source.path, CONFIG_FILE), problems)
        named = _RUN_FOLDER.fullmatch(os.path.basename(os.path.abspath(source.path)))
        if named:  # the folder's name fills in what config.json does not say
            seed = int(named["seed"])
            if "seed" in params and not values_equal(params["seed"], seed):
                problems.append(
                    Problem(
                        source.path,
                        f"is named for seed {seed} but its config.json says seed = {params['seed']!r}",
                        "the seed config.json says",
                    )
                )
            params = {"exp_name": named["exp_name"], "seed": seed, **params}
        progress = os.path.join(source.path, PROGRESS_FILE)
        table = read_delimited(progress, problems, delimiter="\t")
        if table is None or holds_no_row(table, progress, problems):
            return ReadResult((), tuple(problems))
        step = self.config.get("step") or next((c for c in STEP_COLUMNS if c in table.columns), "Epoch")
        metrics = read_sparse_table(progress, table, step, problems)
        status, reached = self._status(params, table)
        run = RunRecord(
            name=os.path.basename(os.path.abspath(source.path)),
            params=params,
            metrics=metrics,
            status=status,
            experiment=str(params["exp_name"]) if params.get("exp_name") is not None else None,
            provenance={**provenance, **reached},
        )
        return ReadResult((run,), tuple(problems))

    def _status(self, params: Mapping[str, Any], table: Table) -> tuple[str, dict[str, str]]:
        """Finished when progress.txt reached config.json's `epochs` (its `Epoch` counts from 1, as DDPG,
        TD3 and SAC log it, or from 0, as PPO and VPG do), running short of it (or cut short: `status`
        tells them apart by when it last wrote, a table marks the cell ‡); unknown without both."""
        if EPOCH_COLUMN not in table.numbers:
            return "unknown", {}
        epochs, has = table.column(EPOCH_COLUMN)
        done = epochs[has & np.isfinite(epochs)]
        if not done.size:
            return "unknown", {}
        last = float(done.max()) - (0 if done.min() == 0 else 1)  # counted from 0
        return planned_status(params, last, "epochs", "epochs")


def read_spinup_config(path: str, problems: list[Problem]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (params, provenance) of a config.json written by Spinning Up's `save_config`."""
    if not fs.exists(path):
        return {}, {}
    config = load_json_file(path, problems, "no params")
    if not isinstance(config, Mapping):
        if config is not None:
            problems.append(Problem(path, "does not hold a JSON object", "no params"))
        return {}, {}
    settings = {k: v for k, v in config.items() if k not in NOT_SETTINGS}
    flat = flatten_params(settings)
    params = {_ADDRESS.sub("", k): _ADDRESS.sub("", v) if isinstance(v, str) else v for k, v in flat.items()}
    logger = config.get("logger_kwargs")
    output_dir = logger.get("output_dir") if isinstance(logger, Mapping) else None
    return params, ({"output_dir": output_dir} if isinstance(output_dir, str) else {})
