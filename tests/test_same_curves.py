"""Seeds that logged one same curve are marked `≡`: the seed never reached the training, a run was
copied under another seed, or the method is deterministic. A spread of zero is not a stable method."""

from __future__ import annotations

import pytest
from conftest import compile_latex, curve

from resultsbook.query import MetricSpec, TableQuery, aggregate
from resultsbook.query.select import parse_filter
from resultsbook.render.latex import render_latex
from resultsbook.render.layout import Labels, TableFormat, layout_table
from resultsbook.sources.collect import CollectRequest, collect

SAME = [0.5, 0.61, 0.7, 0.74, 0.77]


def table(store, tmp_path, metric="acc", **kwargs):
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec(metric),), rows=("model",), min_replicates=1, **kwargs)
    return aggregate(store, query)


def marks_of(result, model):
    return {mark.kind: mark for mark in result.cell((model,), ()).marks}


def test_seeds_that_logged_one_same_curve_are_marked_and_named(make_run, store, tmp_path):
    for seed in range(5):
        make_run(f"a{seed}", {"model": "a", "seed": seed}, curve(SAME))
        make_run(f"b{seed}", {"model": "b", "seed": seed}, curve([v + seed / 100 for v in SAME]))
    result = table(store, tmp_path)
    same = marks_of(result, "a")["same"]
    assert same.text.startswith("seed 0, seed 1, seed 2 and 2 more logged the same curve of 'acc'")
    assert "a deterministic method" in same.text
    assert same.details == ("a0", "a1", "a2", "a3", "a4")
    assert "same" not in marks_of(result, "b")
    assert result.cell(("a",), ()).stats["std"] == 0.0


def test_a_curve_logged_alike_in_another_cell_or_outside_the_table_marks_nothing(make_run, store, tmp_path):
    make_run("a0", {"model": "a", "seed": 0}, curve(SAME))
    make_run("a1", {"model": "a", "seed": 1}, curve([0.5, 0.6, 0.7, 0.75, 0.8]))
    make_run("b0", {"model": "b", "seed": 1}, curve(SAME))  # a's seed 0 curve, in b's cell
    make_run("c0", {"model": "c", "seed": 2}, curve([0.5, 0.6, 0.7, 0.75, 0.8]))  # a's seed 1 curve
    every = table(store, tmp_path)
    assert all("same" not in marks_of(every, model) for model in ("a", "b", "c"))
    without_c = table(store, tmp_path, filters=(parse_filter("model!=c"),))
    assert all("same" not in marks_of(without_c, model) for model in ("a", "b"))


def test_two_of_three_seeds_alike_are_named_with_and(make_run, store, tmp_path):
    make_run("a0", {"model": "a", "seed": 0}, curve(SAME))
    make_run("a1", {"model": "a", "seed": 1}, curve(SAME))
    make_run("a2", {"model": "a", "seed": 2}, curve([0.5, 0.6, 0.7, 0.75, 0.8]))
    assert marks_of(table(store, tmp_path), "a")["same"].text.startswith(
        "seed 0 and seed 1 logged the same curve"
    )


@pytest.mark.parametrize(
    "values",
    [[0.9], [0.5, 0.6, 0.7, 0.8], [0.5, 0.5, 0.5, 0.5, 0.5], [0.9, 1.0, 1.0, 1.0, 1.0, 1.0]],
    ids=["final-value", "four-points", "constant", "two-values"],
)
def test_values_two_seeds_may_share_by_chance_are_not_marked(make_run, store, tmp_path, values):
    for seed in range(3):
        make_run(f"a{seed}", {"model": "a", "seed": seed}, curve(values))
    assert "same" not in marks_of(table(store, tmp_path), "a")


def test_one_seed_run_twice_is_a_duplicate_not_a_seed_that_changed_nothing(make_run, store, tmp_path):
    make_run("a0", {"model": "a", "seed": 0}, curve(SAME))
    make_run("a0-again", {"model": "a", "seed": 0}, curve(SAME))
    make_run("a1", {"model": "a", "seed": 1}, curve([0.5, 0.6, 0.7, 0.75, 0.8]))
    marks = marks_of(table(store, tmp_path), "a")
    assert "duplicate" in marks and "same" not in marks


def test_curves_alike_but_for_one_point_are_not_marked(make_run, store, tmp_path):
    make_run("a0", {"model": "a", "seed": 0}, curve(SAME))
    make_run("a1", {"model": "a", "seed": 1}, curve([0.5, 0.61, 0.7, 0.74, 0.7700000000000001]))
    assert "same" not in marks_of(table(store, tmp_path), "a")


def test_curves_with_the_same_summaries_in_another_order_are_not_marked(make_run, store, tmp_path):
    """n, last, min, max and mean alike (the stored summaries): only the points tell them apart."""
    make_run("a0", {"model": "a", "seed": 0}, curve(SAME))
    make_run("a1", {"model": "a", "seed": 1}, curve([0.5, 0.7, 0.61, 0.74, 0.77]))
    make_run("a2", {"model": "a", "seed": 2}, curve(SAME, every=2))
    assert "same" not in marks_of(table(store, tmp_path), "a")


def test_the_mark_is_typeset_and_explained_under_the_table(make_run, store, tmp_path):
    for seed in range(3):
        make_run(f"a{seed}", {"model": "a", "seed": seed}, curve(SAME))
    layout = layout_table(table(store, tmp_path), TableFormat(), Labels())
    latex = render_latex(layout, "pm")
    assert r"\equiv" in latex
    assert "the seed changed nothing" in latex
    compile_latex(tmp_path, latex)


def test_a_curve_figure_warns_of_a_line_whose_seeds_drew_one_same_curve(make_run, tmp_path):
    from resultsbook.outputs.build import build
    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    for seed in range(3):
        make_run(f"a{seed}", {"model": "a", "seed": seed}, curve(SAME))
        make_run(f"b{seed}", {"model": "b", "seed": seed}, curve([v + seed / 100 for v in SAME]))
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[figures.c]\nkind = "curve"\nmetric = "acc"\nhue = "model"\n'
        'outputs = ["c.png"]\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(spec.db) as store:
        collect(store, [CollectRequest(str(tmp_path / "runs"))])
        warnings = build(spec, store).warnings
    assert [w for w in warnings if "same curve" in w] == [
        "c: model=a: seed 0, seed 1 and seed 2 logged the same curve of 'acc', point for point to every "
        "bit: the seed changed nothing — a seed that never reached the training, a run copied, or a "
        "deterministic method"
    ]


def test_runs_without_a_seed_that_logged_one_same_curve_are_marked_as_a_copy(make_run, store, tmp_path):
    """Jan21/FAST-GNN-SAT's lightning_logs/version_13 copied into backup/: the byte-identical run was a
    fourth replicate of its cell (n = 3 became 4), with no mark: runs without a seed were never compared."""
    make_run("version_13", {"model": "a"}, curve(SAME))
    make_run("version_14", {"model": "a"}, curve([0.5, 0.6, 0.7, 0.75, 0.8]))
    make_run("backup/version_13", {"model": "a"}, curve(SAME))
    same = marks_of(table(store, tmp_path, replicate=()), "a")["same"]
    assert same.text == (
        "2 runs logged the same curve of 'acc', point for point to every bit: a run copied (its folder twice "
        "in the logs?), or a deterministic method"
    )
    assert len(same.details) == 2
