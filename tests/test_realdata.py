"""Real published results: resultsbook must reproduce what other teams published from their raw runs.

Uses ../shared/realdata (skipped when absent); nothing from it is copied into the project.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import subprocess

import pytest
from conftest import REALDATA, ROOT

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


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """examples/realdata/resultsbook.toml, built (once for this module) where it reads ../shared."""
    if not REALDATA.is_dir():
        pytest.skip(f"{REALDATA} is absent: the real published results are not available here")
    from click.testing import CliRunner

    from resultsbook.cli import cli as command

    folder = tmp_path_factory.mktemp("realdata-example")
    spec = (ROOT / "examples/realdata/resultsbook.toml").read_text()
    spec = spec.replace("../../../shared/realdata", str(REALDATA)).replace("/tmp/resultsbook-realdata.db", "rb.db")
    (folder / "resultsbook.toml").write_text(spec)
    shutil.copy(ROOT / "examples/realdata/d4rl_reference_scores.csv", folder)
    before = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(command, ["build"], catch_exceptions=False)
    finally:
        os.chdir(before)
    assert result.exit_code == 0, result.output
    return folder, result.output


def test_the_realdata_example_reproduces_the_published_table(example):
    folder, _ = example
    assert markdown_cells((folder / "results/d4rl_final.md").read_text()) == published(
        REALDATA, "final return", "final std")
    best = markdown_cells((folder / "results/d4rl_best.md").read_text())
    best |= markdown_cells((folder / "results/d4rl_best_long.md").read_text())
    assert best == published(REALDATA, "best return", "best std")
    png = (folder / "figures/tianshou_hopper.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    # paper.tex: the Hopper table across both columns of an ICML-like page, the curves a column wide
    from paper_pages import compile_page, describe

    paper = (ROOT / "examples/realdata/paper.tex").read_text()
    head, _, rest = paper.partition("\\begin{document}")
    preamble = [line for line in head.splitlines() if line and not line.startswith(("%", "\\documentclass"))]
    generated = [folder / "results/d4rl_hopper.tex", folder / "figures/tianshou_hopper.pdf"]
    compiled = compile_page(folder, rest.rpartition("\\end{document}")[0], generated, "10pt,twocolumn", preamble, packages=())
    assert compiled.generated_overfull == [], describe(compiled.generated_overfull)
    assert "Table 1: Final return on Hopper" in subprocess.run(
        ["pdftotext", "-layout", "doc.pdf", "-"], cwd=folder, capture_output=True, text=True
    ).stdout


def _no_minus_zero(cells):
    """The published table prints -0.0 for a negative mean that rounds to zero; resultsbook never prints -0."""
    return {key: tuple("0.0" if v == "-0.0" else v for v in value) for key, value in cells.items()}


def test_the_example_reproduces_the_normalized_columns_from_d4rl_reference_scores(example):
    """100 × (return − REF_MIN_SCORE) / (REF_MAX_SCORE − REF_MIN_SCORE), d4rl/infos.py's constants."""
    folder, _ = example
    final = markdown_cells((folder / "results/d4rl_final_normalized.md").read_text())
    expected = published(REALDATA, "final normalized return", "final normalized std")
    assert len(expected) == 149 and final == _no_minus_zero(expected)
    assert sum("-0.0" in value for value in expected.values()) == 2  # the only differences, in sign only
    best = markdown_cells((folder / "results/d4rl_best_normalized.md").read_text())
    best |= markdown_cells((folder / "results/d4rl_best_long_normalized.md").read_text())
    assert best == _no_minus_zero(published(REALDATA, "best normalized return", "best normalized std"))


IRIS_PAPER = {"Mean": "1.046", "Median": "0.289", "IQM": "0.501", "Optimality gap": "0.512"}


def test_the_example_shows_the_iris_papers_atari_100k_aggregates(example):
    """Mean, median, IQM, optimality gap of human-normalised scores over 26 games, from the toml alone."""
    folder, _ = example
    lines = (folder / "results/atari100k.md").read_text().splitlines()
    header = [part.strip() for part in lines[1].strip("|").split("|")]
    rows = {
        parts[0]: dict(zip(header[1:], parts[1:]))
        for line in lines[3:]
        if line.startswith("| ") and (parts := [p.strip() for p in line.strip("|").split("|")])
    }
    assert list(rows) == ["SimPLe", "CURL", "DrQ(ε)", "SPR", "IRIS", "MuZero", "EfficientZero"]
    for column, value in IRIS_PAPER.items():
        centre, _, interval = rows["IRIS"][column].strip("*").partition(" [")
        low, high = (float(v) for v in interval.rstrip("]").split(", "))
        assert centre == value and low < float(value) < high
    assert rows["MuZero"]["Mean"] == "0.562#"  # one run per game: no interval, and marked
    note = lines[-1]
    assert "over 26 games × 1–100 runs each" in note and "stratified percentile bootstrap" in note
    assert "2600 run(s) logged HNS already normalised" in note  # CURL's records
    # EfficientZero's bold is untested (°) in every column: no column made a test, and none is counted
    assert "unpaired stratified bootstrap test of the difference against the runner-up, two-sided, α = 0.05)." in note
    document = (folder / "results/atari100k.tex").read_text()
    # the runner-up's underline under its number, its interval beside it a size smaller
    assert "\\underline{1.046} {\\fontsize{\\the\\dimexpr0.9\\dimexpr\\csname f@size\\endcsname pt" in document


ATARI_TASKS = {"rows": "method", "tasks": "game", "replicate": "run", "aggregates": ("mean", "median", "iqm")}


@pytest.mark.filterwarnings("ignore::resultsbook.DefaultsWarning")  # not the spec's tables, on purpose
def test_raw_atari_scores_warn_that_their_scales_differ_and_human_normalised_ones_do_not(example):
    """IRIS's raw scores: Pong's largest |score| is 21, UpNDown's 142,282; as HNS (the spec's
    [normalized.HNS]) they share a scale, and so do CURL's HNS as logged, read with no spec at all."""
    import resultsbook as rb

    folder, output = example
    with rb.open(folder / "resultsbook.toml") as book:
        raw = book.table(metric="score", **ATARI_TASKS).notes
        normalised = book.table(metric="HNS", **ATARI_TASKS).notes
    with rb.open(folder / "rb.db") as book:  # no spec: HNS is only what CURL's records logged
        logged = book.table(metric="HNS", where="method=CURL_10_evals", **ATARI_TASKS).notes
    assert raw == (
        # CURL's records log HNS only: its row is not silently missing from the raw scores' table
        "2600 selected run(s) have no value of 'score' and are left out (CURL_10_evals: 2600); "
        "`book.problems()` names any value collect refused",
        "'score' is not a [normalized] metric and its scale differs between games: the largest absolute "
        "value of a run is 142,282 on 'UpNDown' but 21 on 'Pong', 6,775 times less (more than 1,000 times); "
        "aggregates over games assume one scale: normalise 'score' per game with [normalized.NAME] in the "
        'spec (see "Normalised scores" in docs/statistics-reference.md)',
    )
    assert normalised == () and logged == ()  # CURL's largest |HNS| differs 435-fold: PrivateEye's is 0.0078
    assert "scale differs" not in output  # the example's atari100k table is of HNS


@pytest.mark.filterwarnings("ignore::resultsbook.DefaultsWarning")  # not the spec's tables, on purpose
def test_d4rl_normalised_returns_share_a_scale_and_an_optimality_gap_at_1_of_them_times_100_says_nothing(
    example,
):
    """The example shows D4RL-normalised returns × 100: no warning about scales, but every v2 score is
    above the default γ = 1, so the optimality gap is 0 for every algorithm until γ is 100."""
    import resultsbook as rb

    folder, _ = example
    d4rl = {
        "rows": "algo",
        "metric": "d4rl",
        "tasks": ["env", "dataset"],
        "scale": 100,
        "where": "dataset~-v2$",
    }
    with rb.open(folder / "resultsbook.toml") as book:
        at_1 = book.table(**d4rl).notes
        at_100 = book.table(**d4rl, threshold=100).notes
    assert at_1 == (
        "every value of 'd4rl' in the table is at least γ = 1 (the lowest is 27.2 on 'ant / medium-replay-v2'), "
        "so the optimality gap is 0 for every row; set γ inside the scores' range (the spec's "
        "optimality_threshold, threshold=)",
    )
    assert at_100 == ()


def test_the_example_draws_atari_profiles_and_d4rl_sample_efficiency(example):
    folder, output = example
    for name in ("atari100k_profile", "d4rl_efficiency"):
        png = (folder / f"figures/{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 50_000
    assert "atari100k_profile: MuZero: a single run on every game: no band" in output


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


def test_tianshou_wide_csv_read_by_a_pattern_alone_names_the_wide_adapter(realdata, cli):
    result = cli("collect", str(realdata / "tianshou-mujoco"), "--pattern", "{env}/{algo}/test_rew_10seeds.csv")
    assert "54 new" in result.output  # one run per file: its ten seeds are ten metrics of it
    assert (
        "Note: 54 file(s) hold one column per seed (the first: 'Ant-v3/a2c/test_rew_10seeds.csv', column "
        "'rew:seed_0_0326_024335-Ant_v3_a2c/test_rew.csv'), so each was read as one run"
    ) in result.output
    assert "--adapter wide reads each seed's column as a run (add it to the same command)" in result.output


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


def test_explain_of_a_published_cell_lists_its_seeds_and_the_statistic_the_table_printed(
    realdata, cli, tmp_path
):
    """d3rlpy's CQL on hopper-medium-v0 (final return, population std): explain's runs are the ten
    seed folders, each with its last evaluation as pandas reads it, and its '=' line is the
    published mean and std."""
    import re

    import pandas as pd

    runs = realdata / "d3rlpy-d4rl/runs/cql"
    (tmp_path / "resultsbook.toml").write_text(
        f'[[sources]]\npath = "{runs.as_posix()}"\n'
        'pattern = "{algo}_{env}-{dataset}_{seed}_{timestamp}/environment.csv"\n'
        'columns = ["epoch", "step", "return"]\n'
        '[tables.final]\nmetric = "return"\ngoal = "max"\nrows = ["env"]\ncolumns = ["dataset"]\n'
        'where = { env = "hopper" }\nddof = 0\noutputs = ["final.md"]\n'
    )
    assert cli("build").exit_code == 0
    lines = cli("explain", "final", "env=hopper,dataset=medium-v0").output.splitlines()
    listed = {line.split()[-2].split("/")[-2]: float(line.split()[-1]) for line in lines[3:13]}
    folders = sorted(runs.glob("CQL_hopper-medium-v0_*"))
    lasts = {p.name: pd.read_csv(p / "environment.csv", header=None)[2].iloc[-1] for p in folders}
    assert sorted(listed) == sorted(lasts)  # each seed's folder, by its source path
    assert [listed[name] for name in sorted(lasts)] == pytest.approx(
        [lasts[n] for n in sorted(lasts)], rel=1e-5
    )
    found = re.fullmatch(r"  = mean (\S+) ± std (\S+) \(ddof = 0\) of the 10 values above", lines[13])
    assert found is not None, lines[13]
    values = pd.Series(list(lasts.values()))
    assert float(found[1]) == pytest.approx(values.mean(), rel=1e-5)
    assert float(found[2]) == pytest.approx(values.std(ddof=0), rel=1e-5)
    mean, std = published(realdata, "final return", "final std")[("CQL", "hopper", "medium-v0")]
    assert (f"{float(found[1]):.1f}", f"{float(found[2]):.1f}") == (mean, std)


def test_status_names_the_games_d3rlpys_decision_transformer_never_ran_on(realdata, cli, tmp_path):
    """d3rlpy-atari ran DiscreteDT on three of its five games: a table of algo × game shows – for the
    two others, and says what – is; one of rows [game, algo] has no row for them, which status names."""
    (tmp_path / "resultsbook.toml").write_text(
        f'[[sources]]\npath = "{realdata / "d3rlpy-atari/runs"}"\n'
        'pattern = "{algo}_{game}_{seed}/environment.csv"\ncolumns = ["epoch", "step", "return"]\n'
        '[tables.grid]\nmetric = "return"\ngoal = "max"\nrows = ["algo"]\ncolumns = ["game"]\n'
        'outputs = ["grid.md"]\n'
        '[tables.long]\nmetric = "return"\ngoal = "max"\nrows = ["game", "algo"]\noutputs = []\n'
    )
    assert cli("build").exit_code == 0
    assert "\n– no run (2 cells)  \n" in (tmp_path / "grid.md").read_text()
    result = cli("status")
    assert result.exit_code == 0  # every configuration that ran has its 10 seeds
    assert result.stdout.splitlines() == [
        "grid: 23 of 23 cells complete",
        "  no run at all: DiscreteDT / asterix and DiscreteDT / pong (shown as –; they are not counted above)",
        "long: 23 of 23 cells complete",
        "  no run at all: asterix / DiscreteDT and pong / DiscreteDT (no row in the table; they are not counted"
        " above)",
    ]
    empty = json.loads(cli("status", "--json").output)["empty_cells"]
    assert {(cell["shown_as"], cell["expected"], len(cell["missing"])) for cell in empty} == {
        ("–", 10, 10),
        ("no row", 10, 10),
    }
