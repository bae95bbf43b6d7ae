"""A small project for the figure, number, section, report and preview tests: three methods on two
datasets, three seeds each, native run folders whose values follow simple formulas."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from conftest import write_native_run

from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.spec import Spec, load_spec
from resultsbook.store import Store

METHODS = ("base", "ours", "big")
DATASETS = ("a", "b")
SEEDS = (0, 1, 2)
STEPS = tuple(range(10, 101, 10))
LEVEL = {"base": 60.0, "ours": 70.0, "big": 75.0}
OFFSET = {"a": 0.0, "b": 5.0}


def accuracy(method: str, dataset: str, seed: int, step: int) -> float:
    """The accuracy a run logs: rising with steps, one point higher per seed."""
    return LEVEL[method] + OFFSET[dataset] + seed - 100.0 / step


def write_runs(root: Path, methods: Sequence[str] = METHODS, seeds: Sequence[int] = SEEDS) -> None:
    """Write one native run folder per method, dataset and seed under root."""
    for method in methods:
        for dataset in DATASETS:
            for seed in seeds:
                metrics = [
                    {"step": step, "acc": accuracy(method, dataset, seed, step), "loss": 1.0 / step + seed}
                    for step in STEPS
                ]
                config = {"method": method, "dataset": dataset, "seed": seed, "lr": 0.1}
                run = {"status": "finished"}
                write_native_run(root / f"{method}_{dataset}_{seed}", config, metrics, run)


BASE_SPEC = """
[[sources]]
path = "runs"

[labels.keys]
method = "Method"
acc = "Accuracy (%)"

[labels.values.method]
base = "Baseline"
ours = "Ours"
big = "Big model"

[tables.table1]
metric = "acc"
rows = ["method"]
columns = ["dataset"]
digits = 1
outputs = ["results/table1.tex", "results/table1.md"]
"""


def make_project(
    root: Path, extra: str = "", methods: Sequence[str] = METHODS, top: str = ""
) -> tuple[Spec, Store]:
    """Write runs and a spec (`top` keys, the base spec, then `extra`) under root; collect; return both."""
    write_runs(root / "runs", methods)
    (root / "resultsbook.toml").write_text(textwrap.dedent(top) + BASE_SPEC + textwrap.dedent(extra))
    spec = load_spec(str(root / "resultsbook.toml"))
    store = Store.open(spec.db)
    collect(store, [CollectRequest(path=str(root / "runs"))])
    return spec, store
