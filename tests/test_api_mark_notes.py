"""A notebook shows what a table's marks say, as `resultsbook table` warns of them on stderr: the
footnote under the table names only the kind of mark (`† averages runs whose configurations differ`),
and without the line naming the param and the fix a notebook user had to know to call
`table.marks()` to learn that the "seed" of CORL's runs is `run_index` (`replicate='run_index'`)."""

from __future__ import annotations

import html
import json

import pytest
from conftest import REALDATA

import resultsbook as rb

DATASETS = ["door-cloned-v1", "pen-cloned-v1", "hammer-cloned-v1", "relocate-cloned-v1"]
RUN_INDEX_LINE = (
    "table: AWAC / door-cloned-v1 and 3 more cell(s): averages runs that differ in run_index (4 values, "
    "one per run: 0, 1, 2, …); run_index has a value of its own in every run and no run has 'seed': if "
    "run_index numbers the seeds, count the replicates by it (replicate='run_index'); if it is only a "
    "run's name, as a folder is, declare it run-specific; if it is a measurement (a time, a count), read "
    "it as a metric (options={'metrics': 'run_index'}, records and onefile)"
)


@pytest.fixture
def corl_book(tmp_path):
    """Runs in the shape of CORL's offline-to-online results (corl-team/CORL @ eeeeef26, as
    ../shared/realdata/corl-offline-to-online/finetune_per_seed.json holds them): one JSON list of runs,
    each with `algorithm`, `dataset` and its seed as `run_index`. IQL lacks one seed per dataset."""
    runs = [
        {
            "algorithm": algorithm,
            "dataset": dataset,
            "run_index": k,
            "last_online": 10.0 * k + i,
            "regret": 0.1 * k,
        }
        for algorithm in ("AWAC", "IQL")
        for i, dataset in enumerate(DATASETS)
        for k in range(4)
        if not (algorithm == "IQL" and k == i)
    ]
    (tmp_path / "finetune_per_seed.json").write_text(json.dumps(runs))
    rb.collect(tmp_path, db=tmp_path / "corl.db", pattern="finetune_per_seed.json")
    with rb.open(tmp_path / "corl.db") as book:
        yield book


def test_the_notebook_says_which_param_a_marked_cell_mixes_and_the_argument_that_fixes_it(corl_book):
    table = corl_book.table(rows="algorithm", columns="dataset", metric="last_online")
    assert table.mark_notes == (
        "table: 8 cells: averages runs whose configurations differ; e.g. "
        + RUN_INDEX_LINE.removeprefix("table: ")
        + " (table.marks() lists every cell)",
        "table: IQL / door-cloned-v1 and 3 more cell(s): n = 3 of 4 runs, the most any cell has",
    )
    shown = html.unescape(table._repr_html_())
    assert "replicate='run_index'" in shown and "(table.marks() lists every cell)" in shown
    assert "--" not in "".join(table.mark_notes)  # Python's words, not the command line's flags


def test_the_notebook_names_the_seeds_a_cell_lacks(corl_book):
    table = corl_book.table(rows="algorithm", columns="dataset", metric="last_online", replicate="run_index")
    line = (
        "table: 4 cells: fewer replicates than expected; e.g. IQL / door-cloned-v1: n = 3 of 4 replicates, "
        "the most any cell has (missing run_index 0) (table.marks() lists every cell)"
    )
    assert table.mark_notes == (line,)
    assert line in html.unescape(table._repr_html_())


def test_corls_published_runs_in_a_notebook_name_run_index_as_their_seed(tmp_path):
    if not REALDATA.is_dir():
        pytest.skip(f"{REALDATA} is absent: the real published results are not available here")
    path = REALDATA / "corl-offline-to-online"
    rb.collect(path, db=tmp_path / "corl.db", pattern="finetune_per_seed.json")
    with rb.open(tmp_path / "corl.db") as book:
        table = book.table(
            rows="algorithm", columns="dataset", metric="last_online", where="dataset~^antmaze-u"
        )
        assert table.mark_notes[0].startswith(
            "table: AWAC / antmaze-umaze-diverse-v2 and 11 more cell(s): averages runs that differ in run_index"
        )
        assert "replicate='run_index'" in html.unescape(table._repr_html_())


def test_the_notebook_says_how_to_give_a_metric_its_goal_as_resultsbook_table_does(corl_book, cli, tmp_path):
    table = corl_book.table(rows="algorithm", columns="dataset", metric="last_online", replicate="run_index")
    line = "'last_online' has no goal, so no cell of it is bold; give it with goals={'last_online': 'max'} (or 'min')"
    assert table.guesses == (line,)
    assert line in html.unescape(table._repr_html_())
    assert not corl_book.table(rows="algorithm", metric="last_online", goals={"last_online": "max"}).guesses
    result = cli("table", "--db", str(tmp_path / "corl.db"), "--rows", "algorithm", "--metric", "last_online")
    assert result.output.endswith(
        "Note: 'last_online' has no goal, so no cell of it is bold; give it with --goal last_online=max (or =min)\n"
    )


def test_the_notebook_says_where_the_statistics_it_does_not_show_are(corl_book):
    table = corl_book.table(
        rows="algorithm", metric="regret", replicate="run_index", stats=["mean", "std", "sem"]
    )
    line = (
        "stats sem: a table shows the centre and one spread per cell; to_frame() holds every statistic asked"
    )
    assert table.notes == (line,)
    assert "sem" in table.to_frame().columns
    assert line in html.unescape(table._repr_html_())
    assert corl_book.table(rows="algorithm", metric="regret", replicate="run_index").notes == ()
