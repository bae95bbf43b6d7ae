"""Aggregates over the tasks of a benchmark, checked against a straightforward reimplementation of
rliable's documented definitions (Agarwal et al., NeurIPS 2021; rliable's metrics docstrings):

aggregate_mean        "mean of sample mean scores per task"
aggregate_median      "median of sample mean scores per task"
aggregate_iqm         "IQM (25% trimmed mean) of scores" across all runs and tasks
aggregate_optimality_gap   γ minus the mean of the scores clipped at γ, across all runs and tasks
probability_of_improvement "P(X_m > Y_m) averaged across tasks", ties counting one half
run score distribution     the fraction of runs above τ
StratifiedBootstrap   runs resampled with replacement within each task, tasks fixed

The reimplementation below loops over plain Python lists; it shares no code with resultsbook.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import random
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from resultsbook.query.profiles import performance_profile, profile_band
from resultsbook.query.tasks import (
    aggregate_value,
    improvement_interval,
    probability_of_improvement,
    stratified_interval,
)

# ------------------------------------------------------------------ the reference, by the definitions


def ref_mean(tasks: list[list[float]]) -> float:
    return sum(sum(runs) / len(runs) for runs in tasks) / len(tasks)


def ref_median(tasks: list[list[float]]) -> float:
    return statistics.median([sum(runs) / len(runs) for runs in tasks])


def ref_iqm(tasks: list[list[float]]) -> float:
    pooled = sorted(score for runs in tasks for score in runs)
    cut = math.floor(0.25 * len(pooled))  # scipy.stats.trim_mean(proportiontocut=0.25)
    kept = pooled[cut : len(pooled) - cut]
    return sum(kept) / len(kept)


def ref_optimality_gap(tasks: list[list[float]], gamma: float = 1.0) -> float:
    pooled = [score for runs in tasks for score in runs]
    return gamma - sum(min(score, gamma) for score in pooled) / len(pooled)


def ref_improvement(first: list[list[float]], second: list[list[float]]) -> float:
    total = 0.0
    for xs, ys in zip(first, second):
        wins = sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in xs for y in ys)
        total += wins / (len(xs) * len(ys))
    return total / len(first)


def ref_profile(tasks: list[list[float]], tau: float) -> float:
    pooled = [score for runs in tasks for score in runs]
    return sum(score > tau for score in pooled) / len(pooled)


def ref_stratified_interval(function, tasks, reps, seed):
    generator = random.Random(seed)
    values = sorted(function([[generator.choice(runs) for _ in runs] for runs in tasks]) for _ in range(reps))
    return values[int(0.025 * reps)], values[int(0.975 * reps) - 1]


REFERENCES = {
    "mean": ref_mean,
    "median": ref_median,
    "iqm": ref_iqm,
    "optimality_gap": ref_optimality_gap,
}


def scores(seed: int, runs: int = 5, tasks: int = 8) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    scale = rng.lognormal(0, 1, tasks)
    return [list(rng.gamma(2.0, scale[t] / 2, runs)) for t in range(tasks)]


# ------------------------------------------------------------------ the aggregates


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_aggregates_match_the_definitions(name, seed):
    data = scores(seed, runs=3 + seed % 4, tasks=5 + seed % 7)
    assert aggregate_value(name, [np.array(t) for t in data]) == pytest.approx(
        REFERENCES[name](data), rel=1e-12
    )


def test_optimality_gap_threshold_is_configurable():
    data = [[0.2, 1.7, 3.0], [0.5, 0.9, 1.1]]
    assert aggregate_value("optimality_gap", [np.array(t) for t in data], 2.0) == pytest.approx(
        ref_optimality_gap(data, 2.0)
    )


@pytest.mark.parametrize("seed", range(10))
def test_probability_of_improvement_matches_the_definition(seed):
    x, y = scores(seed, runs=4), scores(seed + 100, runs=6)
    y[0][0] = x[0][0]  # a tie counts one half
    assert probability_of_improvement([np.array(t) for t in x], [np.array(t) for t in y]) == pytest.approx(
        ref_improvement(x, y)
    )


@pytest.mark.parametrize("tau", [0.0, 0.3, 1.0, 2.5])
def test_performance_profile_is_the_fraction_of_runs_above_tau(tau):
    data = scores(3)
    got = performance_profile([np.array(t) for t in data], np.array([tau]))[0]
    assert got == pytest.approx(ref_profile(data, tau))


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_stratified_bootstrap_intervals_agree_with_a_plain_resampling_loop(name):
    data = scores(7, runs=5, tasks=10)
    low, high = stratified_interval(name, [np.array(t) for t in data], resamples=4000, seed=1)
    ref_low, ref_high = ref_stratified_interval(REFERENCES[name], data, 4000, seed=2)
    width = ref_high - ref_low
    assert abs(low - ref_low) < 0.1 * width and abs(high - ref_high) < 0.1 * width
    assert low <= REFERENCES[name](data) <= high


def test_probability_of_improvement_interval_resamples_both_methods_within_tasks():
    x, y = scores(1, runs=5), scores(2, runs=5)
    low, high = improvement_interval([np.array(t) for t in x], [np.array(t) for t in y], 3000, 0)
    generator = random.Random(5)
    values = sorted(
        ref_improvement(
            [[generator.choice(r) for _ in r] for r in x], [[generator.choice(r) for _ in r] for r in y]
        )
        for _ in range(3000)
    )
    assert abs(low - values[75]) < 0.03 and abs(high - values[2924]) < 0.03


def test_a_single_run_per_task_gets_no_interval():
    one = [np.array([0.5]), np.array([0.7])]
    assert all(math.isnan(v) for v in stratified_interval("mean", one))
    low, high = profile_band(one, np.array([0.6]), 100, 0)
    assert low[0] == high[0] == 0.5


def rliable_python() -> str:
    """Return a Python that imports rliable: the venv RESULTSBOOK_TEST_RLIABLE names (.ci/run makes it
    from .ci/rliable.txt: rliable 1.2 needs arch < 8, which needs pandas < 3), ./.venv-rliable, or this
    one when rliable imports here; skip otherwise."""
    configured = os.environ.get("RESULTSBOOK_TEST_RLIABLE")
    venv = Path(configured) if configured else Path(__file__).resolve().parent.parent / ".venv-rliable"
    if (venv / "bin" / "python").exists():
        return str(venv / "bin" / "python")
    if importlib.util.find_spec("rliable") is not None:
        return sys.executable
    pytest.skip("no rliable: set RESULTSBOOK_TEST_RLIABLE=/path/to/venv (pip install -r .ci/rliable.txt)")


def test_rliable_itself_agrees():
    """The same numbers as rliable's own library, run in a venv of its own (tests/fixtures/rliable)."""
    matrix = np.array(scores(11, runs=5, tasks=12)).T  # rliable: runs × tasks
    other = np.array(scores(12, runs=7, tasks=12)).T
    taus = np.linspace(0, 3, 7)
    given = {"matrix": matrix.tolist(), "other": other.tolist(), "taus": taus.tolist(), "reps": 20000}
    done = subprocess.run(
        [rliable_python(), str(Path(__file__).parent / "fixtures" / "rliable" / "reference.py")],
        input=json.dumps(given), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    reference = json.loads(done.stdout)
    per_task = [matrix[:, t] for t in range(matrix.shape[1])]
    for name in ("mean", "median", "iqm", "optimality_gap"):
        assert aggregate_value(name, per_task) == pytest.approx(reference[name], rel=1e-12), name
    assert probability_of_improvement(per_task, [other[:, t] for t in range(12)]) == pytest.approx(
        reference["probability_of_improvement"]
    )
    assert np.allclose(performance_profile(per_task, taus), reference["profile"])
    ref_low, ref_high = reference["iqm_interval"]
    low, high = stratified_interval("iqm", per_task, resamples=20000, seed=0)
    width = ref_high - ref_low
    assert abs(low - ref_low) < 0.05 * width and abs(high - ref_high) < 0.05 * width


# ------------------------------------------------------------------ tables from files, end to end


def atari_like_project(tmp_path, methods: dict[str, dict[str, list[float]]]) -> None:
    """Write {game: [scores]} files per method and a spec normalising them (`hns`), with a task table."""
    (tmp_path / "scores").mkdir()
    for method, games in methods.items():
        (tmp_path / "scores" / f"{method}.json").write_text(json.dumps(games))
    (tmp_path / "low.json").write_text(json.dumps({game: [0.0] for game in next(iter(methods.values()))}))
    (tmp_path / "resultsbook.toml").write_text(
        textwrap.dedent("""
        [[sources]]
        path = "scores"
        adapter = "records"
        pattern = "{method}.json"
        options = { task = "game" }

        [normalized.hns]
        metric = "score"
        task = "game"
        low = "low.json"
        high = { A = 10.0, B = 100.0, C = 1000.0 }

        [tables.agg]
        metric = "hns"
        rows = ["method"]
        tasks = "game"
        replicate = ["run"]
        aggregates = ["mean", "median", "iqm", "optimality_gap", "probability_of_improvement"]
        versus = "base"
        bootstrap_resamples = 2000
        outputs = ["agg.md", "agg.json", "agg.csv"]
        """)
    )


# two methods' scores on three games, five runs each: ours clearly above base on every game
OURS = {"A": [5, 6, 7.5, 8, 9], "B": [50, 60.5, 70, 80, 90], "C": [500, 600, 700, 800, 900.5]}
BASE = {"A": [1, 2, 3, 4, 5.5], "B": [10, 20, 30, 40, 50.5], "C": [100, 200, 300, 400.5, 500]}


def test_a_task_table_from_task_score_files_without_glue(tmp_path, cli):
    ours, base = OURS, BASE
    atari_like_project(tmp_path, {"ours": ours, "base": base})
    assert cli("build").exit_code == 0
    document = json.loads((tmp_path / "agg.json").read_text())
    cells = {(c["row"]["method"], c["aggregate"]): c for c in document["cells"]}
    normalised = [[v / 10 for v in ours["A"]], [v / 100 for v in ours["B"]], [v / 1000 for v in ours["C"]]]
    for name, function in REFERENCES.items():
        assert cells[("ours", name)]["stats"]["value"] == pytest.approx(function(normalised))
    assert cells[("ours", "mean")]["stats"]["n"] == 15  # integers stayed scores (5, 6, 8, 9...)
    assert cells[("ours", "mean")]["stats"]["tasks"] == 3
    assert cells[("ours", "probability_of_improvement")]["stats"]["value"] == pytest.approx(
        ref_improvement(
            normalised,
            [[v / 10 for v in base["A"]], [v / 100 for v in base["B"]], [v / 1000 for v in base["C"]]],
        )
    )
    assert ("base", "probability_of_improvement") not in cells
    assert document["expected_replicates"] is None  # a row's runs are expected per task: no one count
    markdown = (tmp_path / "agg.md").read_text()
    assert "P(X &gt; base)" in markdown  # Markdown-escaped ">"
    assert (
        "95% stratified percentile bootstrap intervals (runs resampled within each game; 2,000 resamples"
        in markdown
    )
    assert (
        "hns = (score − low) / (high − low), reference scores per game (low from low.json, high from the spec)"
        in markdown
    )
    assert "optimality gap: lower is better; unpaired stratified bootstrap test of the difference" in markdown
    csv = (tmp_path / "agg.csv").read_text().splitlines()
    assert csv[0] == "method,aggregate,value,bootstrap_lo,bootstrap_hi,n,tasks,marks"  # plain CSV: no comment


def published_normalised_project(tmp_path, old: str, new: str) -> None:
    """The atari-like project with one method (`pub`) that logged `hns` itself, and `old` in the spec
    made `new` (a typo)."""
    atari_like_project(tmp_path, {"ours": OURS, "base": BASE})
    records = [{"game": g, "run": 0, "hns": 0.5} for g in "ABC"]
    (tmp_path / "scores" / "pub.json").write_text(json.dumps(records))
    spec = tmp_path / "resultsbook.toml"
    spec.write_text(spec.read_text().replace(old, new))


def test_a_normalized_task_no_run_has_is_refused_not_a_table_of_the_runs_that_logged_the_score(tmp_path, cli):
    """A typo in [normalized] task left every method out but the one that logged hns itself, silently."""
    published_normalised_project(tmp_path, 'task = "game"\nlow', 'task = "games"\nlow')
    result = cli("build")
    assert result.exit_code != 0 and not (tmp_path / "agg.md").exists()
    assert (
        "Error: resultsbook.toml: [tables.agg] [normalized.hns] task 'games' is not a param of any run; "
        "did you mean 'game'?"
    ) in result.output


def test_a_normalized_metric_no_run_logs_is_refused_when_some_runs_logged_the_score(tmp_path, cli):
    published_normalised_project(tmp_path, 'metric = "score"', 'metric = "scroe"')
    result = cli("build")
    assert result.exit_code != 0 and not (tmp_path / "agg.md").exists()
    assert (
        "Error: resultsbook.toml: [tables.agg] [normalized.hns] no run logs a metric 'scroe'; "
        "did you mean 'score'?"
    ) in result.output


def test_a_method_without_a_reference_score_for_any_of_its_games_is_said_to_be_left_out(tmp_path, cli):
    published_normalised_project(
        tmp_path, "high = { A = 10.0, B = 100.0, C = 1000.0 }", "high = { a = 10.0 }"
    )
    result = cli("build")
    assert result.exit_code == 0
    assert (
        "Warning: agg: ours: none of its 15 run(s) has a value of 'hns', and it is left out "
        "(5× no reference score for A; 5× no reference score for B; 5× no reference score for C)"
    ) in result.output


def test_missing_replicates_are_one_bounded_line_with_the_full_list_in_json(tmp_path, cli):
    games = {f"G{i}": [float(i)] * 30 for i in range(40)}
    sparse = {game: values[: 30 if i % 2 else 3] for i, (game, values) in enumerate(games.items())}
    atari_like_project(tmp_path, {"ours": sparse, "base": games})
    (tmp_path / "resultsbook.toml").write_text(
        (tmp_path / "resultsbook.toml")
        .read_text()
        .replace("high = { A = 10.0, B = 100.0, C = 1000.0 }", 'high = "high.json"')
    )
    (tmp_path / "high.json").write_text(json.dumps({game: 100.0 for game in games}))
    result = cli("build")
    assert result.exit_code == 0
    warnings = [line for line in result.output.splitlines() if "n = " in line]
    assert len(warnings) == 1 and len(warnings[0]) < 400, warnings
    assert warnings[0].startswith(
        "Warning: agg: ours / Mean and 4 more cell(s): n = 660 of 1200 (30 runs × 40 games; missing"
    )
    assert warnings[0].endswith("and 532 more)")
    document = json.loads((tmp_path / "agg.json").read_text())
    mark = next(
        m
        for c in document["cells"]
        if c["row"]["method"] == "ours"
        for m in c["marks"]
        if m["kind"] == "incomplete"
    )
    assert len(mark["details"]) == 540 and mark["details"][0] == "G0 run 3"


def test_a_profile_figure_draws_a_task_table(tmp_path, cli):
    ours = {"A": [5, 6, 7.5, 8, 9], "B": [50, 60.5, 70, 80, 90], "C": [500, 600, 700, 800, 900.5]}
    base = {"A": [1, 2, 3, 4, 5.5], "B": [10, 20, 30, 40, 50.5], "C": [100, 200, 300, 400.5, 500]}
    atari_like_project(tmp_path, {"ours": ours, "base": base})
    with open(tmp_path / "resultsbook.toml", "a") as handle:
        handle.write(
            '\n[figures.profile]\nkind = "profile"\ntable = "agg"\ntau = [0, 1]\noutputs = ["profile.png"]\n'
        )
    assert cli("build").exit_code == 0
    from resultsbook.outputs.figures import figure_data
    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(spec.db) as store:
        data = figure_data(spec, spec.figures["profile"], store, store.runs(), {}).data
    lines = {line.key: line for line in data.panels[0].lines}
    assert lines["ours"].center[0] == 1.0 and lines["base"].center[-1] == 0.0
    normalised = [[v / 10 for v in ours["A"]], [v / 100 for v in ours["B"]], [v / 1000 for v in ours["C"]]]
    assert lines["ours"].center[50] == pytest.approx(ref_profile(normalised, lines["ours"].x[50]))
    assert np.all(lines["ours"].low <= lines["ours"].center) and np.all(
        lines["ours"].center <= lines["ours"].high
    )
    assert data.xlabel == "hns (τ)" and "stratified percentile bootstrap" in data.note
    assert (tmp_path / "profile.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_profile_of_two_methods_sharing_a_project_colour_draws_them_in_two(tmp_path, cli):
    """Nine methods, eight colours: `base` and `m8` share the first; a profile of the two drew both in
    it, where a curve figure gives the second the first free colour."""
    scores = {"A": [5, 6, 7], "B": [50, 60, 70], "C": [500, 600, 700]}
    atari_like_project(tmp_path, {name: scores for name in ["base", *(f"m{i}" for i in range(1, 9))]})
    with open(tmp_path / "resultsbook.toml", "a") as handle:
        handle.write(
            '\n[tables.two]\nmetric = "hns"\nrows = ["method"]\ntasks = "game"\nreplicate = ["run"]\n'
            'where = { method = ["base", "m8"] }\naggregates = ["iqm"]\noutputs = []\n'
            '[figures.profile]\nkind = "profile"\ntable = "two"\ntau = [0, 1]\noutputs = ["profile.svg"]\n'
        )
    assert cli("build").exit_code == 0
    from resultsbook.outputs.figures import figure_data
    from resultsbook.render.figstyle import FigureStyle
    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(spec.db) as store:
        data = figure_data(spec, spec.figures["profile"], store, store.runs(), {}).data
    colours = {line.key: line.look.color for line in data.panels[0].lines}
    palette = FigureStyle().palette
    assert colours == {"base": palette[0], "m8": palette[1]}  # the first keeps its own, m8 the first free
    assert [look.color for _, _, look in data.legend] == [palette[0], palette[1]]


def test_sample_efficiency_is_the_aggregate_over_tasks_at_each_step(make_run, store, tmp_path):
    from resultsbook.query.profiles import EfficiencyQuery, efficiency_curves
    from resultsbook.sources.collect import CollectRequest, collect

    rng = np.random.default_rng(0)
    values = {}
    for method in ("a", "b"):
        for task in ("t1", "t2", "t3"):
            for seed in range(4):
                series = list(np.round(rng.uniform(0, 1, 5) + (method == "a"), 3))
                values[(method, task, seed)] = series
                make_run(
                    f"{method}{task}{seed}",
                    {"method": method, "task": task, "seed": seed},
                    [{"step": 10 * (i + 1), "score": v} for i, v in enumerate(series)],
                )
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = EfficiencyQuery(metric="score", tasks=("task",), hue="method", bootstrap_resamples=500)
    lines = {line.hue: line for line in efficiency_curves(store, query).lines}
    assert list(lines["a"].x) == [10, 20, 30, 40, 50]
    for step in range(5):
        tasks = [[values[("a", task, seed)][step] for seed in range(4)] for task in ("t1", "t2", "t3")]
        assert lines["a"].center[step] == pytest.approx(ref_iqm(tasks))
        assert lines["a"].low[step] <= lines["a"].center[step] <= lines["a"].high[step]
    assert (lines["a"].runs, lines["a"].tasks) == (12, 3)
    mean = efficiency_curves(
        store, EfficiencyQuery("score", ("task",), "method", aggregate="mean", band=False)
    )
    b = next(line for line in mean.lines if line.hue == "b")
    tasks = [[values[("b", task, seed)][-1] for seed in range(4)] for task in ("t1", "t2", "t3")]
    assert b.center[-1] == pytest.approx(ref_mean(tasks)) and np.array_equal(b.low, b.center)
    assert "IQM of score over tasks at each step" in efficiency_curves(store, query).statement


def test_the_table_command_aggregates_over_tasks_as_the_spec_table_does(tmp_path, cli):
    ours = {"A": [5, 6, 7.5, 8, 9], "B": [50, 60.5, 70, 80, 90], "C": [500, 600, 700, 800, 900.5]}
    base = {"A": [1, 2, 3, 4, 5.5], "B": [10, 20, 30, 40, 50.5], "C": [100, 200, 300, 400.5, 500]}
    atari_like_project(tmp_path, {"ours": ours, "base": base})
    assert cli("build").exit_code == 0
    built = json.loads((tmp_path / "agg.json").read_text())
    result = cli(
        "table", "--rows", "method", "--metric", "hns", "--tasks", "game", "--replicate", "run",
        "--aggregates", "mean,median,iqm,optimality_gap,probability_of_improvement", "--versus", "base",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    cells = {(c["row"]["method"], c["aggregate"]): c["stats"]["value"] for c in printed["cells"]}
    assert len(cells) == 9
    for cell in built["cells"]:
        assert cells[(cell["row"]["method"], cell["aggregate"])] == cell["stats"]["value"]


def test_a_misspelt_tasks_key_is_refused_by_name_in_a_table_and_a_spec(tmp_path, cli):
    """--tasks gmae printed an empty table and exited 0; a spec's tasks typo failed without naming it."""
    atari_like_project(tmp_path, {"ours": {"A": [5, 6], "B": [50, 60]}, "base": {"A": [1, 2], "B": [10, 20]}})
    assert cli("build").exit_code == 0
    result = cli("table", "--rows", "method", "--metric", "hns", "--tasks", "gmae", "--replicate", "run")
    assert (result.exit_code, result.output) == (
        2,
        "Error: --tasks 'gmae' is not a param of any run; did you mean 'game'?\n",
    )
    spec = tmp_path / "resultsbook.toml"
    spec.write_text(spec.read_text().replace('tasks = "game"', 'tasks = "gmae"'))
    built = cli("build", "--no-collect")
    assert built.exit_code == 2
    assert (
        "resultsbook.toml: [tables.agg] tasks 'gmae' is not a param of any run; did you mean 'game'?"
        in built.output
    )


def test_a_tables_own_center_over_tasks_is_refused_naming_the_aggregates_that_show_it(tmp_path, cli):
    """LQNew's DMC benchmark: `center = "median"` in a table over tasks was ignored unsaid (the columns
    are the aggregates); a [defaults] centre, the per-seed tables', stands."""
    atari_like_project(tmp_path, {"ours": {"A": [5, 6], "B": [50, 60]}, "base": {"A": [1, 2], "B": [10, 20]}})
    spec = tmp_path / "resultsbook.toml"
    text = spec.read_text()
    spec.write_text(text.replace('tasks = "game"', 'tasks = "game"\ncenter = "median"'))
    built = cli("build")
    assert built.exit_code == 2
    assert (
        'resultsbook.toml: [tables.agg] center = "median" has no effect over tasks: the columns are the '
        'aggregates; write aggregates = ["median"] (with the others wanted, e.g. ["mean", "median"])'
    ) in built.output
    spec.write_text('[defaults]\ncenter = "median"\n' + text)
    assert cli("build").exit_code == 0


# ------------------------------------------------------------------ scores that do not suit aggregates over tasks


def task_query(metric="score", aggregates=("mean", "iqm"), threshold=1.0, normalized=None):
    from resultsbook.query.model import MetricSpec, TableQuery

    return TableQuery(
        metrics=(MetricSpec(metric),), rows=("method",), tasks=("game",), aggregates=aggregates,
        optimality_threshold=threshold, normalized=normalized or {},
    )  # fmt: skip


def per_game(**games):
    return {(game,): np.array(values, dtype=np.float64) for game, values in games.items()}


def test_the_scale_of_a_task_is_its_largest_absolute_score_and_1000_times_apart_warns():
    from resultsbook.query.taskscale import scale_note, scale_warnings

    games = per_game(A=[-21.0, 3.0], B=[0.0, 0.0], C=[100.0, 21_021.5, np.inf], D=[float("nan")])
    assert scale_note(task_query(), games, "games") == (
        "'score' is not a [normalized] metric and its scale differs between games: the largest absolute "
        "value of a run is 21,022 on 'C' but 21 on 'A', 1,001 times less (more than 1,000 times); "
        "aggregates over games assume one scale: normalise 'score' per game with [normalized.NAME] in the "
        'spec (see "Normalised scores" in docs/statistics-reference.md)'
    )  # B (all 0) has no scale, C's inf and D's NaN are no scale either
    within = per_game(A=[-21.0, 3.0], C=[100.0, 20_979.0])  # 999 times
    assert scale_note(task_query(), within, "games") is None
    assert scale_warnings(task_query(aggregates=("probability_of_improvement",)), games, "games") == []


def test_a_task_name_from_the_logs_is_quoted_with_its_control_characters_escaped():
    from resultsbook.query.taskscale import scale_note

    games = {("Pong\n\x1b[2JWarning: fake",): np.array([21.0]), ("Krull",): np.array([-30_000.0])}
    note = scale_note(task_query(), games, "games")
    assert "30,000 on 'Krull' but 21 on 'Pong\\n\\x1b[2JWarning: fake', 1,429 times less" in note
    assert "\n" not in note and "\x1b" not in note


def test_scores_on_one_scale_do_not_warn_and_scores_on_scales_far_apart_do(make_run, tmp_path):
    """Accuracy over datasets in [0, 1] (MNIST near 1, ImageNet near 0.76) is one scale; an error rate
    too; a count of tokens per dataset is not."""
    import resultsbook as rb

    datasets = {
        "mnist": (0.995, 60),
        "cifar10": (0.95, 5_000),
        "cifar100": (0.78, 9_000),
        "imagenet": (0.76, 128_000),
    }
    for method, shift in (("a", 0.0), ("b", -0.02)):
        for dataset, (accuracy, tokens) in datasets.items():
            for seed in range(3):
                metrics = {"step": 1, "acc": accuracy + shift - 0.001 * seed, "tokens": tokens + seed + 0.5}
                metrics["error"] = 1 - metrics["acc"]
                make_run(
                    f"{method}-{dataset}-{seed}",
                    {"method": method, "dataset": dataset, "seed": seed},
                    [metrics],
                )
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    with rb.open(tmp_path / "s.db") as book:
        for metric in ("acc", "error"):
            table = book.table(
                rows="method", metric=metric, tasks="dataset", aggregates=("mean", "median", "iqm")
            )
            assert table.notes == (), metric
        tokens = book.table(
            rows="method", metric="tokens", tasks="dataset", aggregates=("mean", "median", "iqm")
        )
    assert tokens.notes == (
        "'tokens' is not a [normalized] metric and its scale differs between datasets: the largest absolute "
        "value of a run is 128,002 on 'imagenet' but 62.5 on 'mnist', 2,048 times less (more than 1,000 "
        "times); aggregates over datasets assume one scale: normalise 'tokens' per dataset with "
        '[normalized.NAME] in the spec (see "Normalised scores" in docs/statistics-reference.md)',
    )


def test_raw_scores_far_apart_warn_in_table_and_build_and_their_normalised_scores_do_not(tmp_path, cli):
    ours = {"A": [-9.5, 6, 21], "B": [50, 60.5, 70], "C": [5_000, 12_000.5, 30_000]}
    base = {"A": [1, 2, 3.5], "B": [10, 20.5, 30], "C": [1_000, 2_000.5, 3_000]}
    atari_like_project(tmp_path, {"ours": ours, "base": base})
    with open(tmp_path / "resultsbook.toml", "a") as handle:
        handle.write('\n[tables.raw]\nmetric = "score"\nrows = ["method"]\ntasks = "game"\nreplicate = ["run"]\n'
                     'aggregates = ["mean", "iqm"]\noutputs = ["raw.md"]\n')  # fmt: skip
    warning = (
        "'score' is not a [normalized] metric and its scale differs between games: the largest absolute "
        "value of a run is 30,000 on 'C' but 21 on 'A', 1,429 times less (more than 1,000 times); "
        "aggregates over games assume one scale: normalise 'score' per game with [normalized.NAME] in the "
        'spec (see "Normalised scores" in docs/statistics-reference.md)'
    )
    built = cli("build")
    assert built.exit_code == 0
    assert f"Warning: raw: {warning}\n" in built.output
    assert built.output.count("scale differs") == 1  # not for agg: hns is normalised per game
    flags = ["--rows", "method", "--tasks", "game", "--replicate", "run", "--aggregates", "mean,iqm"]
    assert f"Warning: {warning}\n" in cli("table", "--metric", "score", *flags).stderr
    assert "Warning" not in cli("table", "--metric", "hns", *flags).stderr


def test_an_optimality_gap_whose_threshold_lies_outside_every_score_warns(tmp_path, cli):
    ours = {"A": [5, 6, 7.5], "B": [50, 60.5, 70], "C": [500, 600, 700.5]}
    base = {"A": [1, 2, 3.5], "B": [10, 20.5, 30], "C": [100, 200.5, 300]}
    atari_like_project(tmp_path, {"ours": ours, "base": base})
    assert cli("build").exit_code == 0
    flags = ["--rows", "method", "--metric", "score", "--tasks", "game", "--replicate", "run"]
    above = cli("table", *flags, "--aggregates", "mean,optimality_gap")  # γ = 1, every score 1 or more
    assert above.stderr.splitlines()[0] == (
        "Warning: every value of 'score' in the table is at least γ = 1 (the lowest is 1 on 'A'), so the "
        "optimality gap is 0 for every row; set γ inside the scores' range (the spec's "
        "optimality_threshold, --threshold)"
    )
    below = cli(
        "table", *flags, "--aggregates", "mean,optimality_gap", "--threshold", "800", "--format", "json"
    )
    document = json.loads(below.stdout)
    assert document["notes"] == [
        "every value of 'score' in the table is at most γ = 800 (the highest is 700 on 'C'), so the optimality "
        "gap is 800 − the mean over games for every row; set γ inside the scores' range (the spec's "
        "optimality_threshold, --threshold)"
    ]
    cells = {(c["row"]["method"], c["aggregate"]): c["stats"]["value"] for c in document["cells"]}
    assert cells[("ours", "optimality_gap")] == pytest.approx(800 - cells[("ours", "mean")])
    inside = cli("table", *flags, "--aggregates", "mean,optimality_gap", "--threshold", "8")
    assert "Warning" not in inside.stderr
    import resultsbook as rb

    with rb.open(tmp_path / "resultsbook.toml") as book:  # Python is told the keyword argument
        notes = book.table(rows="method", metric="score", tasks="game", replicate="run", threshold=800).notes
    assert notes[0].endswith("(the spec's optimality_threshold, threshold=)")


def test_seeds_drawn_per_run_are_not_missing_from_the_other_tasks(make_run, cli):
    """Spinning Up draws a seed per run (siddinkar/RainbowPolicyGradientPaper@9a626a2: ddpg_s11307 on
    Ant-v2, ddpg_s1600 on HalfCheetah-v2): no seed is run on two envs, and every cell was marked
    `n = 36 of 216 (36 runs × 6 envs; missing Ant-v2 seed 435, ...)` though none lacked a run."""
    from conftest import curve

    seeds = iter(range(1000, 2000, 7))
    for algo, per_env in {"sac": {"Ant": 3, "Hopper": 3}, "td3": {"Ant": 3, "Hopper": 2}}.items():
        for env, count in per_env.items():
            for index in range(count):
                seed = next(seeds)
                params = {"algo": algo, "env": env, "seed": seed}
                make_run(f"{algo}_{env}_s{seed}", params, curve([float(index + len(env))], key="ret"))
    cli("collect", "runs")
    result = cli("table", "--rows", "algo", "--tasks", "env", "--metric", "ret", "--aggregates", "mean")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert next(line for line in lines if line.startswith("sac")).rstrip().endswith("]")  # no mark
    assert "missing" not in result.output
    assert (
        "Warning: table: td3 / Mean: n = 5 of 6 (3 runs × 2 envs, the most on one; fewer on Hopper: 2)"
        in lines
    )


@pytest.mark.parametrize("failed", [True, False])
def test_a_task_whose_run_failed_or_gave_nan_is_missing_its_seeds_not_a_task_with_no_run(
    make_run, cli, failed
):
    """td3's runs on Hopper failed before they logged a return and those on Walker gave NaN: the cell
    was marked `no run on 3 of 4 envs (Hopper, Swimmer, Walker)`, as if they were never run (without
    the failed runs, Hopper is one with no run)."""
    from conftest import curve

    for algo in ("sac", "td3"):
        for env in ("Ant", "Hopper", "Swimmer", "Walker"):
            for seed in (0, 1):
                params = {"algo": algo, "env": env, "seed": seed}
                if algo == "sac" or env == "Ant":
                    make_run(f"{algo}_{env}_{seed}", params, curve([1.0 + seed], key="ret"))
                elif env == "Hopper" and failed:
                    make_run(f"{algo}_{env}_{seed}", params, curve([1.0], key="loss"), {"status": "failed"})
                elif env == "Walker":
                    make_run(f"{algo}_{env}_{seed}", params, curve([float("nan")], key="ret"))
    cli("collect", "runs")
    result = cli("table", "--rows", "algo", "--tasks", "env", "--metric", "ret", "--aggregates", "mean")
    lines = result.output.splitlines()
    if failed:
        assert (  # ran there, but the aggregate leaves them out all the same: ⋆ says so
            "Warning: table: td3 / Mean: no run on 1 of 4 envs (Swimmer); no value on 2 of 4 envs (Hopper, "
            "Walker): its runs there have none (failed, NaN or not logged)" in lines
        )
        assert (
            "Warning: table: td3 / Mean: n = 2 of 6 (2 runs × 3 envs; missing Hopper seed 0, Hopper seed 1, "
            "Walker seed 0, Walker seed 1)" in lines
        )
    else:
        assert (
            "Warning: table: td3 / Mean: no run on 2 of 4 envs (Hopper, Swimmer); no value on 1 of 4 envs "
            "(Walker): its runs there have none (failed, NaN or not logged)" in lines
        )
        assert (
            "Warning: table: td3 / Mean: n = 2 of 4 (2 runs × 2 envs; missing Walker seed 0, Walker seed 1)"
            in lines
        )


@pytest.mark.parametrize("texts", [("Ant", "Hopper"), ("Ant",)])
def test_a_listed_seed_logged_as_text_is_that_seed_over_tasks_and_a_finding_says_so(
    tmp_path, make_run, cli, texts
):
    """td3's seed 1 was logged as the text '1' where seeds = [0, 1]: a table over seeds counts it and
    says so, but over tasks nothing said so, and with the number 1 on Hopper the cell was marked
    `n = 4 of 6 (3 runs × 2 envs; missing Ant seed 1, Hopper seed 1)`."""
    from conftest import curve

    for algo in ("sac", "td3"):
        for env in ("Ant", "Hopper"):
            for seed in (0, 1):
                text = (algo, seed) == ("td3", 1) and env in texts
                params = {"algo": algo, "env": env, "seed": "1" if text else seed}
                make_run(f"{algo}_{env}_{seed}", params, curve([1.0 + seed], key="ret"))
    spec = 'metric = "ret"\ngoal = "max"\nrows = ["algo"]\ntasks = ["env"]\nseeds = [0, 1]\n'
    (tmp_path / "resultsbook.toml").write_text(
        f'[[sources]]\npath = "runs"\n[tables.t]\n{spec}aggregates = ["mean"]\noutputs = []\n'
    )
    cli("collect", "runs")
    lines = cli("table", "t").output.splitlines()
    assert not [line for line in lines if "n = " in line and "missing" in line]
    assert (
        "Warning: t: td3 / Mean: averages seed '1' (text), which the table's list of seeds names as the "
        "number 1: counted as that seed; log it as the list names it, or name it so in seeds"
    ) in lines


def test_a_stratified_bootstrap_test_never_says_p_0(tmp_path, cli):
    """Every resampled difference on one side gives the least p a finite bootstrap can: 2 / (B + 1)."""
    atari_like_project(tmp_path, {"ours": OURS, "base": BASE})
    assert cli("build").exit_code == 0
    document = json.loads((tmp_path / "agg.json").read_text())
    basis = {
        c["aggregate"]: c.get("emphasis_basis") for c in document["cells"] if c["row"]["method"] == "ours"
    }
    assert basis["mean"]["p"] == pytest.approx(2 / 2001)
    assert basis["iqm"]["significant"] is True


def test_the_numbers_file_prints_a_task_tables_counts_as_whole_numbers(tmp_path, cli):
    """`\\rbvalue[tasks]{agg/ours/mean}` printed `3.000 games` (the table's digits applied to a count)."""
    atari_like_project(tmp_path, {"ours": OURS, "base": BASE})
    with open(tmp_path / "resultsbook.toml", "a") as handle:
        handle.write('\n[macros]\noutput = "numbers.tex"\n')
    assert cli("build").exit_code == 0
    numbers = (tmp_path / "numbers.tex").read_text()
    for stat, count in (("n", 15), ("tasks", 3), ("runs_per_task_min", 5), ("runs_per_task_max", 5)):
        assert f"\\@namedef{{rb@v@{stat}@agg/ours/mean}}{{{count}}}\n" in numbers


def test_a_single_run_on_some_tasks_keeps_the_interval_and_the_test_as_rliable_computes_them(tmp_path, cli):
    """One crashed seed on one game of 26 (IRIS with Pong cut to 1 run) took every interval and every
    test from its method's row, as if each resample were the same: only that game's share is."""
    cut = {**OURS, "A": OURS["A"][:1]}
    atari_like_project(tmp_path, {"ours": cut, "base": BASE, "one": {g: v[:1] for g, v in BASE.items()}})
    assert cli("build").exit_code == 0
    document = json.loads((tmp_path / "agg.json").read_text())
    cells = {(c["row"]["method"], c["aggregate"]): c for c in document["cells"]}
    ours = cells[("ours", "mean")]
    normalised = [[v / 10 for v in cut["A"]], [v / 100 for v in cut["B"]], [v / 1000 for v in cut["C"]]]
    rng = np.random.default_rng(7)
    resampled = [
        np.mean([rng.choice(scores, len(scores)).mean() for scores in normalised]) for _ in range(4000)
    ]  # by hand: a stratified bootstrap of the mean over games, Pong's one run drawn every time
    low, high = np.quantile(resampled, [0.025, 0.975])
    assert ours["stats"]["bootstrap_lo"] == pytest.approx(low, abs=0.02)
    assert ours["stats"]["bootstrap_hi"] == pytest.approx(high, abs=0.02)
    assert "few" not in [m["kind"] for m in ours["marks"]]
    assert ours.get("emphasis") == "best" and "nonsig" not in [m["kind"] for m in ours["marks"]]
    one = cells[("one", "mean")]  # a single run on every game: every resample the same
    assert one["stats"].get("bootstrap_lo") is None
    assert [m["text"] for m in one["marks"] if m["kind"] == "few"] == [
        "a single run on each of the 3 games: no bootstrap interval"
    ]
    improvement = cells[("one", "probability_of_improvement")]  # against base's 5 runs a game: it varies
    assert improvement["stats"]["bootstrap_lo"] < improvement["stats"]["bootstrap_hi"]
    assert "few" not in [m["kind"] for m in improvement["marks"]]


def test_a_method_with_a_single_run_on_every_task_is_not_called_significantly_better(tmp_path, cli):
    """One run a game beside five: its resamples are all one value, and the test took the other
    method's spread for the whole difference's (p = 0.0002, bold, no °), while its own cells said
    there was no interval."""
    single = {game: [max(values) + 1] for game, values in OURS.items()}  # above each of ours' runs
    atari_like_project(tmp_path, {"single": single, "base": OURS})
    assert cli("build").exit_code == 0
    document = json.loads((tmp_path / "agg.json").read_text())
    cells = {(c["row"]["method"], c["aggregate"]): c for c in document["cells"]}
    mean = cells[("single", "mean")]
    assert mean.get("emphasis") == "best"
    [untested] = [m["text"] for m in mean["marks"] if m["kind"] == "nonsig"]
    assert "needs more than one run on some task on each side" in untested
    assert "significantly better" not in json.dumps(mean)


def test_the_versus_rows_own_probability_is_named_as_the_reference_and_not_counted_as_tested(tmp_path, cli):
    """SPR's P(X > SPR) cell was `–`, footnoted `no run (1 cell)` though SPR has 2,600 runs, and the
    note counted the untested probability column among the columns tested at α."""
    atari_like_project(tmp_path, {"ours": OURS, "base": BASE})
    assert cli("build").exit_code == 0
    markdown = (tmp_path / "agg.md").read_text()
    assert "– P(X &gt; base) of base: the row the others are compared with  \n" in markdown
    assert "no run" not in markdown
    assert "α = 0.05 in each of 4 columns, uncorrected" in markdown  # mean, median, IQM, gap: not P(X > base)


def test_the_versus_row_stays_when_the_probability_of_improvement_is_the_only_aggregate(tmp_path, cli):
    """`aggregates = ["probability_of_improvement"]`: the versus row, whose only cell is its own `–`, was
    left out of the table, and with it the row every probability was measured against."""
    atari_like_project(tmp_path, {"ours": OURS, "base": BASE})
    spec = tmp_path / "resultsbook.toml"
    spec.write_text(
        spec.read_text().replace(
            'aggregates = ["mean", "median", "iqm", "optimality_gap", "probability_of_improvement"]',
            'aggregates = ["probability_of_improvement"]',
        )
    )
    assert cli("build").exit_code == 0
    lines = (tmp_path / "agg.md").read_text().splitlines()
    assert [line.split("|")[1].strip() for line in lines if line.startswith("| ") and "---" not in line] == [
        "method",
        "base",
        "ours",
    ]
    assert "– P(X &gt; base) of base: the row the others are compared with  " in lines


def test_a_versus_no_aggregate_reads_is_refused_in_the_spec_too(tmp_path, cli):
    """`aggregates = ["iqm"]` with `versus = "SPRR"` (a typo) built and wrote its table without a word."""
    atari_like_project(tmp_path, {"ours": OURS, "base": BASE})
    spec = tmp_path / "resultsbook.toml"
    text = spec.read_text()
    aggregates = 'aggregates = ["mean", "median", "iqm", "optimality_gap", "probability_of_improvement"]'
    spec.write_text(
        text.replace(aggregates, 'aggregates = ["iqm"]').replace('versus = "base"', 'versus = "bsae"')
    )
    built = cli("build")
    assert built.exit_code == 2
    assert (
        "versus names the row probability_of_improvement compares against, and the table computes none: add "
        '"probability_of_improvement" to aggregates, or remove versus'
    ) in built.output, built.output


def test_a_profile_of_a_lower_is_better_metric_says_its_best_line_is_the_lowest(tmp_path, cli):
    """A profile of a loss table (goal = "min") was drawn silently: the fraction of runs above τ, where
    the best method looks worst, while the table's aggregates refused what assumes higher is better."""
    atari_like_project(tmp_path, {"ours": OURS, "base": BASE})
    with open(tmp_path / "resultsbook.toml", "a") as handle:
        handle.write(
            '\n[tables.loss]\nmetric = "score"\ngoal = "min"\nrows = ["method"]\ntasks = "game"\n'
            'replicate = ["run"]\naggregates = ["mean", "iqm"]\noutputs = ["loss.md"]\n'
            '\n[figures.profile]\nkind = "profile"\ntable = "loss"\noutputs = ["profile.png"]\n'
        )
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert (
        "Warning: profile: 'score' is lower-is-better, and a profile counts the runs above each τ: the best "
        "row's line is the lowest; negate it with a derived metric for a profile whose best is on top"
    ) in built.output


def test_a_method_missing_a_hard_task_is_not_called_significantly_better_where_the_test_finds_it_worse(
    tmp_path, cli
):
    """`partial` has no run on the hard game C, so its mean over two games (0.40) beats base's over
    three (0.34); the test compares them on the games both ran, where partial is far worse, yet its
    cell was bold `significantly better than base / Mean (…, p = 0.001)`."""
    base = {"A": [5, 5.5, 4.5, 5.2, 4.8], "B": [50, 55, 45, 52, 48], "C": [0, 1, 0, 0.5, 0.2]}
    partial = {"A": [4, 4.1, 3.9, 4.2, 3.8], "B": [40, 41, 39, 42, 38]}
    atari_like_project(tmp_path, {"base": base, "partial": partial})
    assert cli("build").exit_code == 0
    document = json.loads((tmp_path / "agg.json").read_text())
    mean = next(c for c in document["cells"] if (c["row"]["method"], c["aggregate"]) == ("partial", "mean"))
    assert mean["emphasis"] == "best" and mean["emphasis_basis"]["significant"] is False
    assert "not significantly better than base / Mean" in mean["emphasis_basis"]["text"]
    assert mean["emphasis_basis"]["text"].endswith(", in favour of base / Mean)")
    assert "nonsig" in [m["kind"] for m in mean["marks"]]


def test_the_best_aggregate_is_tested_against_the_strongest_of_the_rows_printing_the_runner_up_value(
    tmp_path, cli
):
    """base (0.50) and noisy (0.52) both print 0.5 at one decimal under ours' 0.7: the test ran
    against base, the first in the table (an aggregate cell has no `mean` stat, so every rival's centre
    read NaN), and found ours significantly better, where against noisy it finds no difference."""
    shares = {"ours": [0.69, 0.70, 0.71, 0.70, 0.70], "base": [0.49, 0.50, 0.51, 0.50, 0.50]}
    shares["noisy"] = [-0.5, 0.0, 1.5, 1.4, 0.2]
    high = {"A": 10.0, "B": 100.0, "C": 1000.0}  # atari_like_project's normalisation
    methods = {method: {g: [v * h for v in runs] for g, h in high.items()} for method, runs in shares.items()}
    atari_like_project(tmp_path, methods)
    with open(tmp_path / "resultsbook.toml", "a") as handle:
        handle.write("digits = 1\n")
    assert cli("build").exit_code == 0
    document = json.loads((tmp_path / "agg.json").read_text())
    mean = next(c for c in document["cells"] if (c["row"]["method"], c["aggregate"]) == ("ours", "mean"))
    assert mean["emphasis_basis"]["against"]["row"] == {"method": "noisy"}
    assert mean["emphasis_basis"]["significant"] is False and "nonsig" in [m["kind"] for m in mean["marks"]]


def test_a_seed_listed_but_run_on_no_task_is_missing_from_every_task(tmp_path, make_run, cli):
    """seeds = [0, 1, 2], and every env ran seeds 0 and 1 alone: a table over seeds marks seed 2
    missing, but over tasks the cell was unmarked, as if 2 of the 3 listed seeds were complete."""
    from conftest import curve

    for env in ("Ant", "Hopper"):
        for seed in (0, 1):
            make_run(
                f"sac_{env}_{seed}", {"algo": "sac", "env": env, "seed": seed}, curve([1.0 + seed], key="ret")
            )
    spec = 'metric = "ret"\ngoal = "max"\nrows = ["algo"]\ntasks = ["env"]\nseeds = [0, 1, 2]\n'
    (tmp_path / "resultsbook.toml").write_text(
        f'[[sources]]\npath = "runs"\n[tables.t]\n{spec}aggregates = ["mean"]\noutputs = []\n'
    )
    cli("collect", "runs")
    lines = cli("table", "t").output.splitlines()
    assert (
        "Warning: t: sac / Mean: 4 of the 6 runs listed (3 runs × 2 envs; missing Ant seed 2, Hopper seed 2)"
        in lines
    ), lines


def test_a_seed_the_list_does_not_name_is_said_to_be_averaged_over_tasks_too(tmp_path, make_run, cli):
    """td3 ran seed 3 on Hopper where seeds = [0, 1, 2]: it was averaged unsaid, beside a mark that
    counted `n = 5 of 6` where the CSV's n was 6."""
    from conftest import curve

    for env, seeds in (("Ant", (0, 1, 2)), ("Hopper", (0, 1, 3))):
        for seed in seeds:
            params = {"algo": "td3", "env": env, "seed": seed}
            make_run(f"td3_{env}_{seed}", params, curve([2.0 + seed], key="ret"))
    spec = 'metric = "ret"\ngoal = "max"\nrows = ["algo"]\ntasks = ["env"]\nseeds = [0, 1, 2]\n'
    (tmp_path / "resultsbook.toml").write_text(
        f'[[sources]]\npath = "runs"\n[tables.t]\n{spec}aggregates = ["mean"]\noutputs = []\n'
    )
    cli("collect", "runs")
    lines = cli("table", "t").output.splitlines()
    assert [line for line in lines if line.startswith("Warning:")] == [
        "Warning: t: td3 / Mean: 5 of the 6 runs listed (3 runs × 2 envs; missing Hopper seed 2)",
        "Warning: t: td3 / Mean: averages seed 3, which the table's list of seeds does not name (n = 6): list "
        "them, or filter them out with where",
    ]


@pytest.mark.parametrize(
    ("seeds_per_env", "warned", "status"),
    [
        (
            {"Ant": 4, "Hopper": 4},
            "n = 8 of 10 (5 runs × 2 envs, as replicates = 5; fewer on Ant: 4, Hopper: 4)",
            "sac: 8 of 10 (5 seeds × 2 envs; n = 9: (env=Hopper, seed=0) twice), missing 2 unnamed (set "
            "seeds = [...] in the spec)",
        ),
        (
            {"Ant": 6, "Hopper": 4},
            "n = 9 of 10 (5 runs × 2 envs, as replicates = 5; fewer on Hopper: 4; more on Ant: 6, which fill "
            "no other's gap)",
            "sac: 9 of 10 (5 seeds × 2 envs; n = 11: (env=Hopper, seed=0) twice), missing 1 unnamed (set "
            "seeds = [...] in the spec)",
        ),
        ({"Ant": 6, "Hopper": 5}, None, None),
    ],
)
def test_replicates_without_a_list_is_the_plan_of_every_task(
    tmp_path, make_run, cli, seeds_per_env, warned, status
):
    """replicates = 5 over tasks: every env ran seeds 0-3 and the row was unmarked (the seeds seen were
    taken for the plan); Ant ran a sixth seed and Hopper, with its five, was marked missing seed 5."""
    from conftest import curve

    for env, count in seeds_per_env.items():
        for seed in range(count):
            make_run(
                f"sac_{env}_{seed}", {"algo": "sac", "env": env, "seed": seed}, curve([1.0 + seed], key="ret")
            )
    # a copy of a run left beside it: seed 0 twice on Hopper fills none of its missing seeds
    make_run("sac_Hopper_0_copy", {"algo": "sac", "env": "Hopper", "seed": 0}, curve([1.0], key="ret"))
    spec = 'metric = "ret"\ngoal = "max"\nrows = ["algo"]\ntasks = ["env"]\nreplicates = 5\n'
    (tmp_path / "resultsbook.toml").write_text(
        f'[[sources]]\npath = "runs"\n[tables.t]\n{spec}aggregates = ["mean"]\noutputs = []\n'
    )
    cli("collect", "runs")
    lines = cli("table", "t").output.splitlines()
    warnings = [line for line in lines if line.startswith("Warning:") and "pair(s)" not in line]
    assert warnings == ([f"Warning: t: sac / Mean: {warned}"] if warned else []), lines
    said = cli("status").output.splitlines()
    assert (f"  {status}" in said) if status else ("t: 1 of 1 cells complete" in said), said


def test_status_over_tasks_names_a_seed_averaged_twice(tmp_path, make_run, cli):
    """A copy of Ant's seed 1 left under runs/: the row over tasks averaged 11 runs (and warned of the
    pair) while status said `10 of 10 (5 seeds × 2 envs)` and complete, as if nothing were averaged twice."""
    from conftest import curve

    for env in ("Ant", "Hopper"):
        for seed in range(5):
            make_run(
                f"sac_{env}_{seed}", {"algo": "sac", "env": env, "seed": seed}, curve([1.0 + seed], key="ret")
            )
    make_run("sac_Ant_1_copy", {"algo": "sac", "env": "Ant", "seed": 1}, curve([2.0], key="ret"))
    spec = 'metric = "ret"\ngoal = "max"\nrows = ["algo"]\ntasks = ["env"]\n'
    (tmp_path / "resultsbook.toml").write_text(
        f'[[sources]]\npath = "runs"\n[tables.t]\n{spec}aggregates = ["mean"]\noutputs = []\n'
    )
    cli("collect", "runs")
    said = cli("status").output.splitlines()
    assert "  sac: 10 of 10 (5 seeds × 2 envs; n = 11: (env=Ant, seed=1) twice)" in said, said
    document = json.loads(cli("status", "--json").output)
    assert [(c["repeated"], c["averaged"]) for c in document["cells"]] == [(["(env=Ant, seed=1) twice"], 11)]
