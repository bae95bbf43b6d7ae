"""A paper's one-file-per-run results, read with no code: TabM's report.json tree (yandex-research/tabm),
its published table reproduced from a spec alone.

Uses ../shared/realdata/tabm (skipped when absent); nothing from it is copied into the project.
"""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from conftest import ROOT

PATTERN = "{model}/**/{phase}/{_:\\d+}/report.json"
DATASET = "dataset=config.data.path:^data/(?:(?:classif|regression)-[^-]+-[^-]+-[^-]+-)?(.+)$"
# datasets the README's table lists but whose runs the repository does not hold
UNPUBLISHED_RUNS = {"Bike_Sharing_Demand", "SGEMM_GPU_kernel_performance", "sulfur", "visualizing_soil"}


@pytest.fixture
def tabm(realdata):
    folder = realdata / "tabm"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder


def published(tabm):
    with open(tabm / "published/tabm_metrics.csv") as handle:
        return {row["dataset"]: (row["mean"], row["std"]) for row in csv.DictReader(handle)}


def markdown_cells(text: str) -> dict[str, tuple[str, str]]:
    """Parse a rendered one-column Markdown table into {row: (mean, std)}."""
    cells = {}
    for line in text.splitlines():
        parts = [part.strip() for part in line.strip("|").split("|")]
        if len(parts) == 2 and " ± " in parts[1]:
            mean, _, std = parts[1].partition(" ± ")
            cells[parts[0].replace("\\_", "_")] = (mean, std)
    return cells


def test_a_report_json_tree_collects_with_a_pattern_and_a_derived_param(tabm, cli):
    result = cli("collect", str(tabm / "exp"), "--pattern", PATTERN, "--derive", DATASET)
    assert result.exit_code == 0, result.output
    # 2 models x (1290 evaluation runs + 258 ensembles); the 0-tuning reports do not match {_:\d+}
    assert result.output.splitlines()[0].endswith(": 3096 new, 0 updated, 0 unchanged, 0 problems")
    table = cli(
        "table", "--rows", "dataset", "--metric", "metrics.test.score", "--where",
        "model=tabm-sharetrainingbatches", "--where", "phase=0-evaluation", "--replicate", "config.seed",
        "--pool", "config.data.path", "--digits", "6", "--highlight", "none", "--format", "markdown",
    )  # fmt: skip
    cells = markdown_cells(table.output)
    expected = {name: cell for name, cell in published(tabm).items() if name not in UNPUBLISHED_RUNS}
    assert len(expected) == 46
    assert cells == expected
    assert "over n = 15–75 runs, one per config.data.path × config.seed (config.data.path pooled: 1–5 per cell)" in table.output
    again = cli("collect", str(tabm / "exp"), "--pattern", PATTERN, "--derive", DATASET)
    assert ": 0 new, 0 updated, 3096 unchanged" in again.output.splitlines()[0]


def test_a_results_integer_is_never_a_param(tabm, cli):
    cli("collect", str(tabm / "exp/tabm/adult"), "--pattern", "{phase}/{_:\\d+}/report.json")
    runs = json.loads(cli("runs", "--format", "json").output)["runs"]
    params = set().union(*(run["params"] for run in runs))
    assert not {p for p in params if p.startswith("metrics.")}  # supports, counts: results
    assert "best_step" not in params and "config.seed" in params


def test_the_tabm_example_reproduces_the_published_table(tabm, cli, tmp_path):
    """examples/tabm/resultsbook.toml, built where it reads ../shared: every row whose runs exist."""
    spec = (ROOT / "examples/tabm/resultsbook.toml").read_text()
    spec = spec.replace("../../../shared/realdata", str(tabm.parent)).replace(
        "/tmp/resultsbook-tabm.db", "rb.db"
    )
    (tmp_path / "resultsbook.toml").write_text(spec)
    built = cli("build")
    assert built.exit_code == 0, built.output
    cells = markdown_cells((tmp_path / "results/tabm_test_score.md").read_text())
    assert cells == {name: cell for name, cell in published(tabm).items() if name not in UNPUBLISHED_RUNS}
    versions = (tmp_path / "results/tabm_versions.md").read_text()
    assert "TabM (2025)" in versions and "TabM (2024, shared batches)" in versions
    assert cli("check").exit_code == 0


def test_the_tree_moved_elsewhere_keeps_its_runs(tabm, cli, tmp_path):
    shutil.copytree(tabm / "exp/tabm/adult", tmp_path / "old/adult", symlinks=True)
    first = cli("collect", "old", "--pattern", "{_dataset}/{phase}/{seed:\\d+}/report.json", "-q")
    assert first.exit_code == 0
    before = sorted(run["run_id"] for run in json.loads(cli("runs", "--format", "json").output)["runs"])
    shutil.move(tmp_path / "old", tmp_path / "new")
    moved = cli("collect", "new", "--pattern", "{_dataset}/{phase}/{seed:\\d+}/report.json")
    assert moved.output.splitlines()[0].endswith(": 0 new, 0 updated, 18 unchanged, 0 problems")
    after = sorted(run["run_id"] for run in json.loads(cli("runs", "--format", "json").output)["runs"])
    assert after == before
