"""Real published results: resultsbook must reproduce what other teams published from their raw runs.

Uses ../shared/realdata (skipped when absent); nothing from it is copied into the project.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess

import pytest
from conftest import ROOT

D4RL_PATTERN = "{algo_dir}/{algo}_{env}-{dataset}_{seed}_{timestamp}/environment.csv"
DISPLAY = ["--label", "algo:TD3PlusBC=TD3+BC", "--label", "algo:PLASWithPerturbation=PLAS+P"]
LONG_RUNS = "algo=PLAS,PLASWithPerturbation"  # 1000 evaluations; the published "best" counts the last 500


def markdown_cells(text: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    """Parse a rendered Markdown table of algo/env/dataset rows into {(algo, env, dataset): (mean, std)}."""
    cells = {}
    key: list[str] = ["", "", ""]
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|--")) + 1
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        parts = [part.strip() for part in line.strip("|").split("|")]
        key = [new or old for new, old in zip(parts[:3], key)]
        mean, _, std = parts[3].partition(" ± ")
        cells[tuple(key)] = (mean, std)
    return cells


def published(realdata, mean_column, std_column):
    with open(realdata / "d3rlpy-d4rl/published/d4rl_table.csv") as handle:
        return {
            (r["algo"], r["env"], r["dataset"]): (r[mean_column], r[std_column])
            for r in csv.DictReader(handle)
        }


@pytest.fixture
def d4rl(realdata, cli):
    result = cli(
        "collect",
        str(realdata / "d3rlpy-d4rl/runs"),
        "--pattern",
        D4RL_PATTERN,
        "--columns",
        "epoch,step,return",
    )
    assert result.output.startswith("Collected") and "1490 new" in result.output
    return realdata


def table(cli, *args):
    result = cli(
        "table",
        "--rows",
        "algo,env,dataset",
        "--metric",
        "return",
        "--stat",
        "mean,std",
        "--ddof",
        "0",
        "--digits",
        "1",
        "--format",
        "markdown",
        "--highlight",
        "none",
        *DISPLAY,
        *args,
    )
    assert result.exit_code == 0
    return markdown_cells(result.output)


def test_d4rl_final_return_matches_every_published_cell(d4rl, cli):
    got = table(cli, "--reduce", "last")
    expected = published(d4rl, "final return", "final std")
    assert len(expected) == 149
    assert got == expected


def test_d4rl_best_return_matches_once_the_first_evaluation_is_skipped(d4rl, cli):
    got = table(cli, "--reduce", "max", "--skip-first", "1", "--where", LONG_RUNS.replace("=", "!="))
    got |= table(cli, "--reduce", "max", "--skip-first", "500", "--where", LONG_RUNS)
    assert got == published(d4rl, "best return", "best std")


def test_the_realdata_example_reproduces_the_published_table(d4rl, cli, tmp_path):
    """examples/realdata/resultsbook.toml, built where it reads ../shared: every published cell."""
    spec = (ROOT / "examples/realdata/resultsbook.toml").read_text()
    spec = spec.replace("../../../shared/realdata", str(d4rl)).replace("/tmp/resultsbook-realdata.db", "rb.db")
    (tmp_path / "resultsbook.toml").write_text(spec)
    assert cli("build").exit_code == 0
    assert markdown_cells((tmp_path / "results/d4rl_final.md").read_text()) == published(
        d4rl, "final return", "final std")
    best = markdown_cells((tmp_path / "results/d4rl_best.md").read_text())
    best |= markdown_cells((tmp_path / "results/d4rl_best_long.md").read_text())
    assert best == published(d4rl, "best return", "best std")
    png = (tmp_path / "figures/tianshou_hopper.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    # paper.tex: the Hopper table across both columns of an ICML-like page, the curves a column wide
    from paper_pages import compile_page, describe

    paper = (ROOT / "examples/realdata/paper.tex").read_text()
    head, _, rest = paper.partition("\\begin{document}")
    preamble = [line for line in head.splitlines() if line and not line.startswith(("%", "\\documentclass"))]
    generated = [tmp_path / "results/d4rl_hopper.tex", tmp_path / "figures/tianshou_hopper.pdf"]
    compiled = compile_page(tmp_path, rest.rpartition("\\end{document}")[0], generated, "10pt,twocolumn", preamble, packages=())
    assert compiled.generated_overfull == [], describe(compiled.generated_overfull)
    assert "Table 1: Final return on Hopper" in subprocess.run(
        ["pdftotext", "-layout", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True
    ).stdout


def test_corl_records_with_curves(realdata, cli):
    path = realdata / "corl-offline-to-online/finetune_per_seed.json"
    result = cli("collect", str(path), "-o", "rename=run_index:seed")
    assert "240 new" in result.output
    rows = json.loads(path.read_text())
    document = json.loads(
        cli("table", "--rows", "algorithm,dataset", "--metric", "online_curve", "--format", "json").output
    )
    cells = {(c["row"]["algorithm"], c["row"]["dataset"]): c for c in document["cells"]}
    assert len(cells) == 60
    for algorithm, dataset in [("SPOT", "door-cloned-v1"), (rows[-1]["algorithm"], rows[-1]["dataset"])]:
        finals = [
            r["online_curve"][-1] for r in rows if (r["algorithm"], r["dataset"]) == (algorithm, dataset)
        ]
        assert cells[(algorithm, dataset)]["stats"]["mean"] == pytest.approx(sum(finals) / len(finals))
        assert cells[(algorithm, dataset)]["stats"]["n"] == 4
    regret = json.loads(
        cli(
            "table",
            "--rows",
            "algorithm",
            "--metric",
            "regret",
            "--format",
            "json",
            "--where",
            "dataset=door-cloned-v1",
        ).output
    )
    spot = next(c for c in regret["cells"] if c["row"]["algorithm"] == "SPOT")
    expected = [r["regret"] for r in rows if r["algorithm"] == "SPOT" and r["dataset"] == "door-cloned-v1"]
    assert spot["stats"]["mean"] == pytest.approx(sum(expected) / len(expected))


def test_tianshou_wide_csv_one_run_per_seed(realdata, cli):
    result = cli(
        "collect", str(realdata / "tianshou-mujoco"), "--adapter", "wide", "--pattern", "{env}/{algo}/*.csv"
    )
    assert "540 new" in result.output  # 6 algorithms × 9 environments × 10 seeds
    source = realdata / "tianshou-mujoco/Ant-v3/sac/test_rew_10seeds.csv"
    with open(source) as handle:
        rows = list(csv.DictReader(handle))
    seeds = [name for name in rows[-1] if ":seed_" in name]
    final_mean = sum(float(rows[-1][name]) for name in seeds) / len(seeds)
    # the file's own "rew" column is the published mean over seeds at each step
    assert final_mean == pytest.approx(float(rows[-1]["rew"]), abs=1e-3)
    document = json.loads(
        cli(
            "table",
            "--rows",
            "env,algo",
            "--metric",
            "rew",
            "--where",
            "env=Ant-v3",
            "--where",
            "algo=sac",
            "--format",
            "json",
        ).output
    )
    cell = document["cells"][0]
    assert cell["stats"]["n"] == 10 and cell["stats"]["mean"] == pytest.approx(final_mean)
    assert not math.isnan(cell["stats"]["std"])
