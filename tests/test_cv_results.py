"""scikit-learn's cv_results_ written with pandas: a run per candidate and fold, the folds the replicates."""

from __future__ import annotations

import numpy as np
import pytest

import resultsbook as rb
from resultsbook.adapters.records import RecordsAdapter

FOLDS = {  # (C, kernel): the test score of each of three folds
    (0.1, "rbf"): (0.9293492208982586, 0.9531737773152966, 0.9712897526501767),
    (1.0, "rbf"): (0.9458746610200973, 0.9626731115970384, 0.9727540500736377),
    (0.1, "linear"): (0.9640838927447187, 0.9659264931087289, 0.9700726179124183),
}


def write_cv_results(path, separator=";"):
    """Write a cv_results_ table as `pd.DataFrame(search.cv_results_).to_csv(path, sep=';')` does."""
    header = ["", "mean_fit_time", "std_fit_time", "param_C", "param_kernel", "params"]
    header += [f"split{k}_test_score" for k in range(3)] + [
        "mean_test_score",
        "std_test_score",
        "rank_test_score",
    ]
    lines = [separator.join(header)]
    ranks = {key: rank for rank, key in enumerate(sorted(FOLDS, key=lambda k: -np.mean(FOLDS[k])), 1)}
    for index, ((c, kernel), scores) in enumerate(FOLDS.items()):
        params = f"{{'C': {c}, 'kernel': '{kernel}'}}"
        params = f'"{params}"' if separator in params else params  # quoted, as pandas writes it
        cells = [str(index), "1.97", "0.15", str(c), kernel, params, *map(repr, scores)]
        cells += [repr(float(np.mean(scores))), repr(float(np.std(scores))), str(ranks[(c, kernel)])]
        lines.append(separator.join(cells))
    path.write_text("\n".join(lines) + "\n")


def test_each_fold_of_a_candidate_is_a_run_with_its_params_and_no_summary(tmp_path):
    path = tmp_path / "cv_results.csv"
    write_cv_results(path)
    result = RecordsAdapter().read(RecordsAdapter().source(str(path), [str(path)]))
    assert [p.message for p in result.problems] == []
    first = sorted((r for r in result.runs if r.params["kernel"] == "rbf" and r.params["C"] == 0.1), key=str)
    assert sorted(r.params["fold"] for r in first) == [0, 1, 2]
    assert {r.params["fold"]: r.summary for r in first} == {
        k: {"test_score": score} for k, score in enumerate(FOLDS[(0.1, "rbf")])
    }
    assert len(result.runs) == 9


@pytest.mark.parametrize("separator", [";", ","])
def test_a_table_over_folds_gives_sklearns_mean_and_population_std(tmp_path, cli, separator):
    write_cv_results(tmp_path / "cv_results.csv", separator)
    collected = cli("collect", ".", "--pattern", "**/cv_results.csv", "--adapter", "records")
    assert collected.exit_code == 0, collected.output
    book = rb.open(tmp_path / "resultsbook.db")
    table = book.table(rows="C", columns="kernel", metric="test_score", replicate="fold", ddof=0)
    frame = table.to_frame()
    for (c, kernel), scores in FOLDS.items():
        assert frame.loc[c, (kernel, "mean")] == float(np.mean(scores))
        assert frame.loc[c, (kernel, "std")] == float(np.std(scores))
        assert frame.loc[c, (kernel, "n")] == 3


def test_a_folder_holding_cv_results_is_answered_with_the_adapter_and_the_fold(tmp_path, cli):
    """Collected without an adapter, the error names scikit-learn's table and the whole command."""
    write_cv_results(tmp_path / "cv_results.csv")
    result = cli("collect", ".")
    assert result.exit_code != 0
    assert (
        "that are scikit-learn cv_results_ tables: read them with --pattern '**/cv_results.csv' "
        "--adapter records, a run per candidate and fold; a table counts the folds as replicates with "
        "--replicate fold" in result.output
    ), result.output


def test_cv_results_read_by_a_pattern_alone_names_the_records_adapter(tmp_path, cli):
    write_cv_results(tmp_path / "cv_results.csv", separator=",")
    result = cli("collect", ".", "--pattern", "**/cv_results.csv")
    assert (
        "a scikit-learn cv_results_ table (a row per candidate, its folds in split<k>_ columns)"
        in result.output
    )
    assert "read it with --adapter records, a run per candidate and fold" in result.output, result.output


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        (
            "mean_test_score",
            "its mean over the replicates, seeds or the folds of a cross-validation, is the table's",
        ),
        ("std_test_score", "--ddof 0 for the population std, as scikit-learn's std_test_score"),
        ("rank_test_score", "a rank is no metric to average"),
    ],
)
def test_asking_for_sklearns_summary_column_names_the_fold_metric_and_the_statistic(
    tmp_path, cli, asked, said
):
    write_cv_results(tmp_path / "cv_results.csv")
    cli("collect", ".", "--pattern", "**/cv_results.csv", "--adapter", "records")
    result = cli("table", "--rows", "C", "--metric", asked, "--replicate", "fold")
    assert f"no run logs a metric {asked!r}; did you mean 'test_score'? (" in result.output, result.output
    assert said in result.output, result.output


def test_the_python_api_names_the_statistic_as_its_keywords(tmp_path, cli):
    write_cv_results(tmp_path / "cv_results.csv")
    cli("collect", ".", "--pattern", "**/cv_results.csv", "--adapter", "records")
    with pytest.raises(
        rb.QueryError, match=r"stats=\('mean', 'std'\), with ddof=0 for the population std, as"
    ):
        rb.open(tmp_path / "resultsbook.db").table(rows="C", metric="mean_test_score")
