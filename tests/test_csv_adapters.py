"""CSV/TSV step logs, wide per-seed CSVs and files holding many runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from resultsbook.adapters.csvlog import CsvAdapter
from resultsbook.adapters.records import RecordsAdapter
from resultsbook.adapters.wide import WideAdapter


def read_csv(path: Path, **options):
    adapter = CsvAdapter(**options)
    result = adapter.read(adapter.source_for_file(str(path)))
    return result.runs[0], [p.message for p in result.problems]


def test_headerless_csv_with_column_names(tmp_path):
    path = tmp_path / "env.csv"
    path.write_text("1,1000,-413.5\n2,2000,-923.7\n3,3000,12.25\n")
    run, problems = read_csv(path, columns=["epoch", "step", "return"])
    assert problems == []
    assert list(run.metrics["return"].steps) == [1000, 2000, 3000]
    assert list(run.metrics["return"].values) == [-413.5, -923.7, 12.25]
    assert list(run.metrics["epoch"].values) == [1, 2, 3]


def test_headerless_csv_without_names_is_read_and_explained(tmp_path):
    path = tmp_path / "env.csv"
    path.write_text("1,5\n2,6\n")
    run, problems = read_csv(path)
    assert sorted(run.metrics) == ["col0", "col1"]
    assert problems == ["has no header line and no column names were given (fix: --columns a,b,c)"]


def test_stray_header_rows_and_torn_last_row(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,loss,acc\n1,0.9,0.1\nstep,loss,acc\n2,0.8,0.2\n3,0.7")
    run, problems = read_csv(path)
    assert list(run.metrics["loss"].steps) == [1, 2]
    assert problems == [
        "last line (5) is cut off (a run still writing?)",
        "repeats its header 1 time(s) (first at line 3)",
    ]


def test_sparse_rows_and_tsv(tmp_path):
    path = tmp_path / "metrics.tsv"
    path.write_text("epoch\ttrain_loss\tval_acc\n0\t1.0\t\n1\t0.5\t0.7\n2\tnan\t\n")
    run, problems = read_csv(path)
    assert list(run.metrics["val_acc"].steps) == [1]
    assert np.isnan(run.metrics["train_loss"].values[2])
    assert problems == ["metric 'train_loss' has 1 NaN/Infinity value(s)"]


def test_wide_csv_gives_one_run_per_seed(tmp_path):
    path = tmp_path / "test_rew.csv"
    path.write_text(
        "env_step,rew,rew:shaded,rew:seed_0_a/x.csv,rew:seed_1_b/x.csv\n0,1.5,0.5,1,2\n10,3,1,2.5,3.5\n"
    )
    adapter = WideAdapter()
    result = adapter.read(adapter.source_for_file(str(path), forced=True))
    assert [r.params for r in result.runs] == [{"seed": 0}, {"seed": 1}]
    assert list(result.runs[1].metrics["rew"].values) == [2, 3.5]
    assert list(result.runs[1].metrics["rew"].steps) == [0, 10]


def test_records_file_with_curves_and_finals(tmp_path):
    path = tmp_path / "runs.json"
    path.write_text(
        json.dumps(
            [
                {"algorithm": "A", "dataset": "d", "run_index": 0, "curve": [1, 2, 3], "regret": 0.5},
                {"algorithm": "A", "dataset": "d", "run_index": 1, "curve": [2, 3, 4], "regret": 0.25},
            ]
        )
    )
    adapter = RecordsAdapter(rename="run_index:seed")
    result = adapter.read(adapter.source_for_file(str(path)))
    assert [r.params for r in result.runs] == [
        {"algorithm": "A", "dataset": "d", "seed": 0},
        {"algorithm": "A", "dataset": "d", "seed": 1},
    ]
    assert list(result.runs[1].metrics["curve"].values) == [2, 3, 4]
    assert result.runs[1].summary == {"regret": 0.25}


def test_records_one_per_run_and_step(tmp_path):
    path = tmp_path / "log.jsonl"
    rows = [
        {"model": m, "seed": s, "step": t, "acc": 0.1 * t + s} for m in "ab" for s in (0, 1) for t in (1, 2)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    adapter = RecordsAdapter()
    result = adapter.read(adapter.source_for_file(str(path)))
    assert len(result.runs) == 4
    assert list(result.runs[0].metrics["acc"].steps) == [1, 2]


def test_records_with_identical_params_are_kept_apart_and_reported(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps([{"m": "a", "acc": 0.5}, {"m": "a", "acc": 0.6}]))
    adapter = RecordsAdapter()
    result = adapter.read(adapter.source_for_file(str(path)))
    assert [r.summary["acc"] for r in result.runs] == [0.5, 0.6]
    assert "same params" in result.problems[0].message


def test_ragged_rows_are_dropped_and_reported_not_fatal(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,loss,acc\n1,0.9\n2,0.8,0.2,extra\n3,0.7,0.3\n4,0.6\n")
    run, problems = read_csv(path)
    assert list(run.metrics["loss"].values) == [0.7]
    assert list(run.metrics["acc"].steps) == [3]
    assert problems == ["3 lines have another number of cells than the 3 columns (the first: line 2)"]
