"""The valid trees the battery damages: one small tree per adapter, copied from the fixtures the
trackers' own libraries wrote (tests/fixtures/*), or written by resultsbook's own logger."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass(frozen=True)
class Target:
    """A file of the tree the battery damages: where, what format, and what it holds."""

    path: str  # relative to the tree
    kind: str  # jsonl, json, yaml, csv, tsv, mlflow-metric, mlflow-value, number, tfrecord, wandb, sqlite
    role: str  # metrics (values and steps), summary (final values), config (params), meta, records
    only: str = ""  # damage values only under keys or columns starting with this (what the adapter reads)


@dataclass(frozen=True)
class Tree:
    """A valid tree of one adapter's runs and the files of it the battery damages."""

    adapter: str
    build: Callable[[Path], None]
    targets: tuple[Target, ...]
    flags: tuple[str, ...] = ()
    rename: str | None = None  # a run folder (or file) to give a name that is not UTF-8
    loop_in: str | None = None  # a folder inside a run the adapter lists itself: a link loop goes there


def _copy(source: str, destination: Path) -> None:
    shutil.copytree(FIXTURES / source, destination, symlinks=True)


def build_native(root: Path) -> None:
    """Two runs written by resultsbook.Run (config.json), one with a config.yaml."""
    import yaml

    from resultsbook import Run

    for seed in (0, 1):
        with Run(
            root / "runs",
            config={"lr": 0.1, "seed": seed, "model": {"depth": 2}},
            name=f"seed{seed}",
            unique=False,
            code_dir=root,
        ) as run:
            for step in range(1, 7):
                run.log(step, loss=round(1 / (step + seed), 6), acc=round(0.5 + 0.05 * step, 6))
            run.summary(test_acc=0.9 + seed / 100)
    folder = root / "runs" / "yaml_config"
    folder.mkdir()
    (folder / "config.yaml").write_text(yaml.safe_dump({"lr": 0.01, "seed": 2, "layers": [64, 64]}))
    lines = [json.dumps({"step": step, "loss": round(0.9 / step, 6)}) + "\n" for step in range(1, 6)]
    (folder / "metrics.jsonl").write_text("".join(lines))


def _write_csv(path: Path, header: list[str], rows: list[list[object]], delimiter: str = ",") -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def build_csv(root: Path) -> None:
    """Plain CSV logs written with Python's csv module: one run per file."""
    (root / "logs").mkdir()
    for seed in (0, 1, 2):
        rows = [[step, round(1 / (step + 1 + seed), 6), round(0.5 + 0.04 * step, 6)] for step in range(8)]
        _write_csv(root / "logs" / f"seed{seed}.csv", ["step", "loss", "acc"], rows)


def build_wide(root: Path) -> None:
    """Wide CSVs, one column per seed (as rliable-style result files hold them)."""
    (root / "results").mkdir()
    for name, scale in (("walker", 1.0), ("hopper", 2.0)):
        header = ["env_step", "rew", "rew:seed_0", "rew:seed_1", "rew:seed_2"]
        rows = [
            [step * 1000, round(scale * step, 6), *[round(scale * step + seed / 10, 6) for seed in range(3)]]
            for step in range(8)
        ]
        _write_csv(root / "results" / f"{name}.csv", header, rows)


def build_records(root: Path) -> None:
    """Records files: JSON Lines with one record per run, a JSON list with curves, a CSV of finals."""
    (root / "results").mkdir()
    lines = [
        json.dumps({"algo": algo, "seed": seed, "score": round(0.5 + seed / 10 + len(algo) / 100, 6)})
        for algo in ("ppo", "sac")
        for seed in range(3)
    ]
    (root / "results" / "finals.jsonl").write_text("".join(line + "\n" for line in lines))
    curves = [
        {"algo": "dqn", "seed": seed, "returns": [round(step * 1.5 + seed, 6) for step in range(6)]}
        for seed in range(2)
    ]
    (root / "results" / "curves.json").write_text(json.dumps(curves, indent=1) + "\n")
    rows = [[algo, seed, round(0.25 + seed / 8, 6)] for algo in ("a2c", "td3") for seed in range(2)]
    _write_csv(root / "results" / "table.csv", ["algo", "seed", "accuracy"], rows)


MLFLOW_EXPERIMENT = "mlruns/284362134715411322"
MLFLOW_RUN = f"{MLFLOW_EXPERIMENT}/272c165950764522a997a7140e0124f4"


def build_mlflow_files(root: Path) -> None:
    _copy("mlflow/filestore/mlruns", root / "mlruns")


def build_mlflow_sqlite(root: Path) -> None:
    for name in ("a", "b"):
        (root / name).mkdir()
        shutil.copy(FIXTURES / "mlflow/sqlite/mlflow.db", root / name / "mlflow.db")


def build_tensorboard(root: Path) -> None:
    for name in ("tbx_seed0", "tbx_seed1", "lightning_logs", "add_scalars"):
        _copy(f"tensorboard/logs/{name}", root / "logs" / name)


WANDB_RUN = "wandb/run-20261127_192054-online01"


def build_wandb(root: Path) -> None:
    for name in ("run-20261127_192054-online01", "offline-run-20261127_192049-finish01"):
        _copy(f"wandb/wandb/{name}", root / "wandb" / name)


def build_sacred(root: Path) -> None:
    for name in ("1", "2", "3"):
        _copy(f"sacred/runs/{name}", root / "runs" / name)


HYDRA_JOB = "multirun/sweep/0"


def build_hydra(root: Path) -> None:
    _copy("hydra/logs/outputs/single", root / "outputs" / "single")
    for job in ("0", "1"):
        _copy(f"hydra/logs/multirun/sweep/{job}", root / "multirun" / "sweep" / job)


def build_lightning(root: Path) -> None:
    for version in ("version_0", "version_1"):
        _copy(f"lightning_csv/logs/mlp/{version}", root / "logs" / "mlp" / version)


def build_hf(root: Path) -> None:
    for name in ("seed1", "seed2"):
        _copy(f"hf_trainer/out/{name}", root / "out" / name)


def build_keras(root: Path) -> None:
    for name in ("seed0", "seed1", "noval"):
        _copy(f"keras_csv/runs/{name}", root / "runs" / name)


def build_poutyne(root: Path) -> None:
    for name in ("seed0", "seed1"):
        _copy(f"poutyne/experiments/{name}", root / "experiments" / name)


def build_dvclive(root: Path) -> None:
    for name in ("seed0", "seed1"):
        _copy(f"dvclive/projects/{name}", root / "projects" / name)


def _targets(*specs: tuple[str, ...]) -> tuple[Target, ...]:
    return tuple(Target(*spec) for spec in specs)


TREES: dict[str, Tree] = {
    "native": Tree(
        "native",
        build_native,
        _targets(
            ("runs/seed0/metrics.jsonl", "jsonl", "metrics"),
            ("runs/seed0/config.json", "json", "config"),
            ("runs/seed0/run.json", "json", "meta"),
            ("runs/yaml_config/config.yaml", "yaml", "config"),
        ),
        rename="runs/seed0",
    ),
    "csv": Tree(
        "csv",
        build_csv,
        _targets(("logs/seed0.csv", "csv", "metrics")),
        flags=("--adapter", "csv"),
        rename="logs/seed0.csv",
    ),
    "wide": Tree(
        "wide",
        build_wide,
        _targets(("results/walker.csv", "csv", "metrics", "rew:")),
        flags=("--adapter", "wide"),
    ),
    "records": Tree(
        "records",
        build_records,
        _targets(
            ("results/finals.jsonl", "jsonl", "records"),
            ("results/curves.json", "json", "records"),
            ("results/table.csv", "csv", "records"),
        ),
        flags=("--adapter", "records"),
    ),
    "mlflow_files": Tree(
        "mlflow",
        build_mlflow_files,
        _targets(
            (f"{MLFLOW_RUN}/metrics/val_acc", "mlflow-metric", "metrics"),
            (f"{MLFLOW_RUN}/metrics/train/loss", "mlflow-metric", "metrics"),
            (f"{MLFLOW_RUN}/params/lr", "mlflow-value", "config"),
            (f"{MLFLOW_RUN}/tags/mlflow.runName", "mlflow-value", "meta"),
            (f"{MLFLOW_RUN}/meta.yaml", "yaml", "meta"),
            (f"{MLFLOW_EXPERIMENT}/meta.yaml", "yaml", "meta"),
        ),
        rename=f"{MLFLOW_RUN}/metrics/val_acc",
        loop_in=f"{MLFLOW_RUN}/metrics",
    ),
    "mlflow_sqlite": Tree(
        "mlflow",
        build_mlflow_sqlite,
        _targets(("a/mlflow.db", "sqlite", "metrics")),
    ),
    "tensorboard": Tree(
        "tensorboard",
        build_tensorboard,
        _targets(
            ("logs/tbx_seed0/events.out.tfevents.1795807682.vm", "tfrecord", "metrics"),
            ("logs/lightning_logs/version_0/hparams.yaml", "yaml", "config"),
        ),
        rename="logs/tbx_seed0",  # a link loop in a run folder the walk descends into is the walk's
    ),
    "wandb": Tree(
        "wandb",
        build_wandb,
        _targets(
            (f"{WANDB_RUN}/run-online01.wandb", "wandb", "metrics"),
            (f"{WANDB_RUN}/files/config.yaml", "yaml", "config"),
            (f"{WANDB_RUN}/files/wandb-summary.json", "json", "meta"),  # the log's summary wins
            (f"{WANDB_RUN}/files/wandb-metadata.json", "json", "meta"),
        ),
    ),
    "sacred": Tree(
        "sacred",
        build_sacred,
        _targets(
            ("runs/1/metrics.json", "json", "metrics"),
            ("runs/1/config.json", "json", "config"),
            ("runs/1/run.json", "json", "meta"),
        ),
        rename="runs/1",
    ),
    "hydra": Tree(
        "hydra",
        build_hydra,
        _targets(
            (f"{HYDRA_JOB}/.hydra/config.yaml", "yaml", "config"),
            (f"{HYDRA_JOB}/.hydra/overrides.yaml", "yaml", "meta"),
            (f"{HYDRA_JOB}/.hydra/hydra.yaml", "yaml", "meta"),
            (f"{HYDRA_JOB}/metrics.jsonl", "jsonl", "metrics"),
        ),
        rename=HYDRA_JOB,
    ),
    "lightning_csv": Tree(
        "lightning_csv",
        build_lightning,
        _targets(
            ("logs/mlp/version_0/metrics.csv", "csv", "metrics"),
            ("logs/mlp/version_0/hparams.yaml", "yaml", "config"),
        ),
        rename="logs/mlp/version_0",
    ),
    "hf_trainer": Tree(
        "hf_trainer",
        build_hf,
        _targets(
            ("out/seed1/trainer_state.json", "json", "metrics", "log_history"),
            ("out/seed1/all_results.json", "json", "summary"),
            ("out/seed1/training_args.json", "json", "config"),
        ),
    ),
    "keras_csv": Tree(
        "keras_csv",
        build_keras,
        _targets(("runs/seed0/training.log", "csv", "metrics")),
    ),
    "poutyne": Tree(
        "poutyne",
        build_poutyne,
        _targets(
            ("experiments/seed0/log.tsv", "tsv", "metrics"),
            ("experiments/seed0/test_log.tsv", "tsv", "summary", "test_"),
            ("experiments/seed0/last.epoch", "number", "meta"),
        ),
    ),
    "dvclive": Tree(
        "dvclive",
        build_dvclive,
        _targets(
            ("projects/seed0/dvclive/plots/metrics/train/loss.tsv", "tsv", "metrics"),
            ("projects/seed0/dvclive/metrics.json", "json", "meta"),  # repeats the TSVs' last values
            ("projects/seed0/dvclive/params.yaml", "yaml", "config"),
        ),
        rename="projects/seed0/dvclive/plots/metrics/train/loss.tsv",
        loop_in="projects/seed0/dvclive/plots/metrics",
    ),
}
