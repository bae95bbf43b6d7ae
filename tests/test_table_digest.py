"""The lock's digest of a table's inputs changes with anything behind a cell (a run's value, its
status, which run holds which value) and stays the same when the same runs are built again."""

from __future__ import annotations

from pathlib import Path

from conftest import write_native_run

from resultsbook.outputs.build import compute_entry
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.spec import load_spec
from resultsbook.store import Store

SPEC = """
[[sources]]
path = "runs"

[tables.accuracy]
metric = "acc"
rows = ["model"]
outputs = []
"""


def _project(root: Path, accuracies: dict[str, float], failed: str | None = None) -> str:
    """Write one run per name (model a, seed from the name) and return the table's inputs digest."""
    root.mkdir(parents=True)
    (root / "resultsbook.toml").write_text(SPEC)
    for name, acc in accuracies.items():
        status = {"status": "failed" if name == failed else "finished"}
        write_native_run(
            root / "runs" / name, {"model": "a", "seed": name}, [{"step": 1, "acc": acc}], status
        )
    spec = load_spec(str(root / "resultsbook.toml"))
    with Store.open(str(root / "resultsbook.db")) as store:
        collect(store, [CollectRequest(str(root / "runs"))])
        return compute_entry(spec, spec.tables["accuracy"], store, store.runs()).inputs


def test_the_same_runs_give_the_same_digest(tmp_path: Path) -> None:
    runs = {"s0": 0.5, "s1": 0.75}
    assert _project(tmp_path / "one", runs) == _project(tmp_path / "two", runs)


def test_a_value_a_status_or_a_swap_of_values_changes_the_digest(tmp_path: Path) -> None:
    digests = [
        _project(tmp_path / "base", {"s0": 0.5, "s1": 0.75}),
        _project(tmp_path / "value", {"s0": 0.5, "s1": 0.7500000000000001}),
        _project(tmp_path / "status", {"s0": 0.5, "s1": 0.75}, failed="s1"),
        _project(tmp_path / "swapped", {"s0": 0.75, "s1": 0.5}),  # same mean, other run behind each value
    ]
    assert len(set(digests)) == len(digests)
