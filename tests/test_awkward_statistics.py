"""Statistics on awkward data, as a reviewer reads them: one seed, infinite values, small bootstrap
samples and probabilities of improvement say what they are, and never a spread or a reason they do
not have."""

from __future__ import annotations

import json
import math

from conftest import curve

import resultsbook
from resultsbook.outputs.build import lint_findings
from resultsbook.query.stats import describe
from resultsbook.render.layout import TableFormat


def _table(cli, *args: str) -> str:
    cli("collect", "runs")
    result = cli("table", "--rows", "model", *args)
    assert result.exit_code == 0, result.output
    return result.output


def _seeds(make_run, values_by_model, key="return"):
    for model, values in values_by_model.items():
        for seed, value in enumerate(values):
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([value], key=key))


def test_a_single_value_has_no_spread_whatever_the_ddof():
    assert math.isnan(describe([5.0], ["std", "sem"], ddof=0)["std"])  # numpy's population std says 0
    assert math.isnan(describe([5.0], ["std", "sem"], ddof=0)["sem"])
    assert describe([5.0, 7.0], ["std"], ddof=0)["std"] == 1.0


def test_a_one_seed_cell_prints_no_spread_not_a_zero_one(make_run, cli):
    _seeds(make_run, {"a": [1.0, 2.0, 3.0], "b": [5.0]})
    for stat in ("mean,std", "mean,sem", "median,iqr", "mean,minmax"):
        output = _table(cli, "--metric", "return", "--goal", "max", "--stat", stat, "--ddof", "0")
        line = next(line for line in output.splitlines() if line.startswith("b "))
        assert "±" not in line and "[" not in line, (stat, line)  # one seed says nothing of the spread
    document = json.loads(_table(cli, "--metric", "return", "--ddof", "0", "--format", "json"))
    assert [c["stats"]["std"] for c in document["cells"]] == [math.sqrt(2 / 3), None]


def test_a_one_seed_cell_has_no_iqr_in_csv_and_json_as_it_has_no_std(make_run, cli):
    """b's one seed gave iqr 0, iqr_lo = iqr_hi = 5, where its std is null: one seed says nothing of the
    spread; min and max stay, the value itself."""
    _seeds(make_run, {"a": [1.0, 2.0, 3.0], "b": [5.0]})
    csv = _table(cli, "--metric", "return", "--stat", "median,iqr", "--format", "csv").splitlines()
    assert csv[0] == "model,median,iqr,iqr_lo,iqr_hi,n,marks" and csv[2].startswith("b,5.0,,,,1,"), csv
    document = json.loads(_table(cli, "--metric", "return", "--stat", "median,iqr", "--format", "json"))
    assert document["cells"][1]["stats"] == {
        "n": 1,
        "median": 5.0,
        "iqr": None,
        "iqr_lo": None,
        "iqr_hi": None,
    }
    minmax = json.loads(_table(cli, "--metric", "return", "--stat", "mean,minmax", "--format", "json"))
    assert minmax["cells"][1]["stats"] == {"n": 1, "mean": 5.0, "min": 5.0, "max": 5.0}


def test_a_table_of_one_run_a_cell_bolds_the_best_value_without_a_test_or_a_degree_mark(make_run, cli):
    """As docs/statistics.md says (it said such a table shows `° best, but no test could compare it`)."""
    for model, values in {"a": (0.9, 0.7), "b": (0.5, 0.8)}.items():
        for dataset, value in zip("xy", values):
            make_run(f"{model}{dataset}", {"model": model, "dataset": dataset, "seed": 0}, curve([value]))
    shown = _table(cli, "--columns", "dataset", "--metric", "acc", "--goal", "max")
    assert "°" not in shown and "a        **0.900**#      0.700#\n" in shown, shown
    assert "Mean over n = 1 seed; per run: last. **…**: best (higher is better).\n" in shown, shown
    document = json.loads(
        _table(cli, "--columns", "dataset", "--metric", "acc", "--goal", "max", "--format", "json")
    )
    basis = document["cells"][0]["emphasis_basis"]["text"]
    assert basis.endswith("one run a cell: bold is the best value printed, as no test compares single values")


def test_the_small_sample_bootstrap_note_names_the_cells_that_have_an_interval(make_run, cli):
    _seeds(make_run, {"a": [1.0, 2.0, 3.0, 4.0], "b": [5.0]})
    output = _table(cli, "--metric", "return", "--goal", "max", "--stat", "median,bootstrap")
    assert "Bootstrap intervals from fewer than 10 values (here n = 4) cover less than 95%." in output


def test_the_small_sample_bootstrap_lint_leaves_out_single_values(make_run, cli):
    _seeds(make_run, {"a": [1.0, 2.0, 3.0, 4.0], "b": [5.0]})
    cli("collect", "runs")
    book = resultsbook.open("resultsbook.db")
    table = book.table(rows="model", metric="return", stats=("median", "bootstrap"), goals={"return": "max"})
    findings = lint_findings("t", table.result, TableFormat(center="median", spread="bootstrap"))
    texts = [f.text for f in findings if "bootstrap" in f.text]
    assert len(texts) == 1 and "(n = 4)" in texts[0], texts


def test_an_untested_bold_over_infinite_values_says_so_not_that_replicates_are_missing(make_run, cli):
    _seeds(make_run, {"a": [150.0, math.inf, 160.0, 155.0, 152.0], "b": [100.0, 102.0, 98.0, 101.0, 99.0]})
    document = json.loads(
        _table(cli, "--metric", "return", "--goal", "max", "--stat", "median,iqr", "--format", "json")
    )
    texts = [m["text"] for c in document["cells"] for m in c["marks"] if m["kind"] == "nonsig"]
    assert len(texts) == 1, texts
    assert "cannot be computed with infinite values" in texts[0], texts
    assert "two replicates" not in texts[0]


def test_an_infinite_mean_is_never_the_bold_best(make_run, cli):
    """A diverged seed made its model's mean inf, and inf was bold: the best of every column it is in."""
    _seeds(make_run, {"a": [150.0, math.inf, 160.0, 155.0, 152.0], "b": [100.0, 102.0, 98.0, 101.0, 99.0],
                      "c": [90.0, 91.0, 89.0, 92.0, 88.0]})  # fmt: skip
    document = json.loads(
        _table(cli, "--metric", "return", "--goal", "max", "--stat", "mean,std", "--format", "json")
    )
    by_model = {cell["row"]["model"]: cell for cell in document["cells"]}
    assert by_model["a"]["stats"]["mean"] == "inf"
    assert "emphasis" not in by_model["a"] and "infinite" in [m["kind"] for m in by_model["a"]["marks"]]
    assert by_model["b"].get("emphasis") == "best"
    markdown = _table(
        cli, "--metric", "return", "--goal", "max", "--stat", "mean,std", "--format", "markdown"
    )
    assert "| b       | **100 ± 2** |" in markdown and "|        inf∞ |" in markdown


def test_a_column_whose_only_rival_is_infinite_is_not_counted_among_the_tests(make_run, cli):
    """Walker held a's value and b's infinite one (c had no run there): nothing was bold and no test ran
    in it, yet the note said `α = 0.05 in each of 2 columns`, counting a test never made."""
    values = {("a", "hopper"): 120.0, ("b", "hopper"): -20.0, ("c", "hopper"): 80.0, ("a", "walker"): 120.0}
    values[("b", "walker")] = math.inf
    for (model, game), value in values.items():
        for seed in range(4):
            config = {"model": model, "game": game, "seed": seed}
            make_run(f"{model}{game}{seed}", config, curve([value + seed], key="return"))
    markdown = _table(cli, "--columns", "game", "--metric", "return", "--goal", "max", "--format", "markdown")
    assert "Welch's t-test against the runner-up, two-sided, α = 0.05)." in markdown, markdown


def test_a_column_whose_best_no_test_could_compare_is_not_counted_among_the_tests(make_run, cli):
    """x's best is a's single seed, `°` no test could compare it, yet the note said `α = 0.05 in each of 2
    columns, uncorrected`: one test was made, in y."""
    values = {("a", "x"): [0.9], ("b", "x"): [0.5, 0.6, 0.55], ("a", "y"): [0.81, 0.85, 0.9]}
    values[("b", "y")] = [0.5, 0.52, 0.51]
    for (model, dataset), seeds in values.items():
        for seed, value in enumerate(seeds):
            config = {"model": model, "dataset": dataset, "seed": seed}
            make_run(f"{model}{dataset}{seed}", config, curve([value]))
    shown = _table(cli, "--columns", "dataset", "--metric", "acc", "--goal", "max", "--format", "markdown")
    assert "° best, but no test could compare it with the runner-up (1 cell)" in shown, shown
    assert "(higher is better; Welch's t-test against the runner-up, two-sided, α = 0.05).\n" in shown, shown


def test_a_table_whose_only_rival_is_infinite_claims_no_bold(make_run, cli):
    """b's infinite mean ranks nowhere, so a is alone in its column and nothing is bold; the note still
    said `**…**: best (lower is better)`, of a table with nothing bold."""
    _seeds(make_run, {"a": [1.90, 1.91, 1.92], "b": [1.0, 1.1, math.inf]}, key="loss")
    lines = _table(cli, "--metric", "loss", "--goal", "min").splitlines()
    assert lines[2:4] == ["a        1.91 ± 0.01", "b               inf∞"], lines
    assert "Mean ± std (ddof = 1) over n = 3 seeds; per run: last." in lines, lines
    assert not any("best" in line for line in lines), lines


def test_a_bold_probability_of_improvement_says_it_is_not_tested(make_run, cli):
    scores = {"a": [0.9, 0.8, 0.85], "b": [0.5, 0.4, 0.45], "c": [0.1, 0.42, 0.6]}
    for model, values in scores.items():
        for game in ("pong", "breakout"):
            for seed, value in enumerate(values):
                make_run(f"{model}{game}{seed}", {"model": model, "game": game, "seed": seed}, curve([value]))
    aggregates = ("--tasks", "game", "--aggregates", "iqm,probability_of_improvement", "--versus", "c")
    document = json.loads(_table(cli, "--metric", "acc", "--goal", "max", *aggregates, "--format", "json"))
    texts = [
        m["text"]
        for c in document["cells"]
        if c["column"]["aggregate"] == "probability_of_improvement"
        for m in c["marks"]
        if m["kind"] == "nonsig"
    ]
    assert len(texts) == 1, texts
    assert "two replicates" not in texts[0]
    assert "no test compares probabilities of improvement" in texts[0], texts


def test_aggregates_over_tasks_with_an_infinite_run_have_no_interval_and_no_test(make_run, cli):
    scores = {"a": [0.9, math.inf, 0.85], "b": [0.5, 0.4, 0.45], "c": [0.1, 0.42, 0.6]}
    for model, values in scores.items():
        for game in ("pong", "breakout"):
            for seed, value in enumerate(values):
                logged = value if game == "pong" else values[0]
                make_run(
                    f"{model}{game}{seed}", {"model": model, "game": game, "seed": seed}, curve([logged])
                )
    aggregates = ("--tasks", "game", "--aggregates", "mean,iqm")
    document = json.loads(_table(cli, "--metric", "acc", "--goal", "max", *aggregates, "--format", "json"))
    infinite = [c for c in document["cells"] if c["row"]["model"] == "a"]
    assert [c["stats"].get("bootstrap_lo") for c in infinite] == [None, None]  # as over seeds: not computed
    texts = [m["text"] for c in infinite for m in c["marks"] if m["kind"] == "nonsig"]
    # the mean over tasks is infinite, so never bold; the IQM leaves the infinite run out, and is
    assert [c.get("emphasis") for c in infinite] == [None, "best"]
    assert len(texts) == 1 and "cannot be computed with infinite values" in texts[0], texts


def test_negative_values_round_half_away_from_zero_as_the_docs_say():
    from resultsbook.render.numformat import fmt_fixed

    assert [fmt_fixed(v, d) for v, d in ((-10.5, 0), (10.5, 0), (-2.675, 2), (-0.125, 2))] == [
        "-11",
        "11",
        "-2.68",
        "-0.13",
    ]


def test_with_ties_an_untested_cell_is_not_bold_as_not_significantly_worse(store, tmp_path):
    from conftest import write_native_run

    from resultsbook.query import MetricSpec, TableQuery, aggregate
    from resultsbook.query.select import parse_filter
    from resultsbook.render.layout import Labels, layout_table
    from resultsbook.sources.collect import CollectRequest, collect

    values = {
        "a": [100, 102, 98, 101, 99], "b": [5], "c": [80, 81, 79, 82, 78], "d": [99, 101, 100, 98, 102],
        "e": [95],
    }  # fmt: skip
    for method, runs in values.items():
        for seed, value in enumerate(runs):
            config = {"method": method, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{method}{seed}", config, [{"step": 1, "acc": value}])
    collect(store, [CollectRequest(str(tmp_path / "runs"))])

    def laid_out(methods: str):
        query = TableQuery(
            metrics=(MetricSpec("acc", direction="max"),),
            rows=("method",),
            filters=(parse_filter(f"method={methods}"),),
        )
        layout = layout_table(aggregate(store, query), TableFormat(ties=True), Labels())
        emphasis = {row[0]: cells[0].emphasis for row, cells in layout.body}
        return emphasis, [
            mark.text for marks in layout.marks.values() for mark in marks if mark.kind == "nonsig"
        ]

    emphasis, nonsig = laid_out("a,b,c,d")
    assert emphasis == {"a": "best", "b": None, "c": "second", "d": "best"}  # b's one seed was never tested
    assert nonsig == []
    emphasis, nonsig = laid_out("a,c,e")  # the runner-up cannot be tested: the best says so, as without ties
    assert emphasis == {"a": "best", "c": None, "e": "second"}
    assert nonsig == [
        "not shown to be better than e: Welch's t-test needs at least two replicates on each side"
    ]


def test_a_table_of_the_probability_of_improvement_alone_is_shown(make_run, cli):
    """`--aggregates probability_of_improvement` alone was an internal error (IndexError): the note
    named the aggregates other than the pairwise one, and there were none."""
    scores = {"a": [0.9, 0.8, 0.85], "b": [0.5, 0.4, 0.45], "c": [0.1, 0.42, 0.6]}
    for model, values in scores.items():
        for game in ("pong", "breakout"):
            for seed, value in enumerate(values):
                make_run(f"{model}{game}{seed}", {"model": model, "game": game, "seed": seed}, curve([value]))
    aggregates = ("--tasks", "game", "--aggregates", "probability_of_improvement", "--versus", "c")
    shown = _table(cli, "--metric", "acc", "--goal", "max", *aggregates)
    assert "\nacc over 2 games × 3 runs each (per run: last); P(X > c): probability that a run" in shown


def test_a_table_of_the_probability_of_improvement_alone_says_why_bold_and_not_that_versus_has_no_value(
    make_run, cli
):
    """The versus row was warned of as having no value of the metric (it has, and is the row compared
    against), and the bold best row had no sentence saying its direction and test."""
    scores = {"a": [0.9, 0.8, 0.85], "b": [0.5, 0.4, 0.45], "c": [0.1, 0.42, 0.6]}
    for model, values in scores.items():
        for game in ("pong", "breakout"):
            for seed, value in enumerate(values):
                make_run(f"{model}{game}{seed}", {"model": model, "game": game, "seed": seed}, curve([value]))
    aggregates = ("--tasks", "game", "--aggregates", "probability_of_improvement", "--versus", "c")
    cli("collect", "runs")
    shown = cli("table", "--rows", "model", "--metric", "acc", "--goal", "max", *aggregates)
    assert shown.exit_code == 0, shown.output
    assert "none of its" not in shown.output
    assert "– P(X > c) of c: the row the others are compared with\n" in shown.output
    assert (
        "(runs resampled within each game; 10,000 resamples, seed 0). **…**: best (probability of "
        "improvement: higher is better; not tested: no test compares probabilities of improvement, each "
        "against the same row).\n"
    ) in shown.output


def test_a_table_whose_only_rival_has_no_value_has_no_bold_sentence(make_run, cli):
    """at(5) past b's last step left a alone with a value and nothing bold, yet the note said `Bold:
    best (higher is better).`; with at(2) both have one, and it has the sentence."""
    for seed in range(3):
        make_run(f"a{seed}", {"model": "a", "seed": seed}, [{"step": 1, "acc": 0.5}, {"step": 5, "acc": 0.7}])
        make_run(f"b{seed}", {"model": "b", "seed": seed}, [{"step": 1, "acc": 0.4}, {"step": 2, "acc": 0.6}])
    args = ("--metric", "acc", "--goal", "max", "--format", "markdown")
    output = _table(cli, *args, "--reduce", "at(5)")
    assert "Mean ± std (ddof = 1) over n = 0–3 seeds; per run: at(5).\n" in output and "Bold" not in output
    assert "Bold: best (higher is better; Welch" in _table(cli, *args, "--reduce", "at(2)")
