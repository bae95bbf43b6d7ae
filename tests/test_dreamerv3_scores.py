"""DreamerV3's published score files: `scores/<benchmark>-<method>.json.gz`, a gzip-compressed JSON
list of one record per task, method and seed whose curve is two lists, `xs` (environment steps) and
`ys` (episode scores). The shape is that of danijar/dreamerv3 @ e3f02248693a79dc8b0ebd62c93683888ddaccfe,
scores/dmc_proprio-dreamerv3.json.gz (written by the authors' plotting scripts, which are not
published; scores/view.py reads them as `{task, method, seed, xs, ys}`)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from resultsbook.adapters.records import RecordsAdapter


def scores_record(task: str, method: str, seed: int, ys: list[float]) -> dict:
    return {
        "task": task,
        "method": method,
        "seed": seed,
        "xs": [10000.0 * (i + 1) for i in range(len(ys))],
        "ys": ys,
    }


def write_scores(path: Path, records: list[dict]) -> Path:
    path.write_bytes(gzip.compress(json.dumps(records).encode()))
    return path


def read_records(path: Path, **options):
    adapter = RecordsAdapter(**options)
    return adapter.read(adapter.source_for_file(str(path)))


def test_a_scores_file_steps_each_curve_by_its_xs(tmp_path):
    """Each record's `ys` was a curve stepped 0, 1, 2 ... and `xs` a metric of its own: a table's
    at(490000) found nothing, a figure's x axis ran to 48 instead of 490k environment steps."""
    path = tmp_path / "dmc_proprio-dreamerv3.json"
    path.write_text(
        json.dumps(
            [
                scores_record("dmc_acrobot_swingup", "dreamerv3", 0, [0.0, 74.9, 52.7]),
                scores_record("dmc_acrobot_swingup", "dreamerv3", 1, [0.0, 10.5, 101.6]),
            ]
        )
    )
    result = read_records(path)
    assert result.problems == ()
    assert [run.params for run in result.runs] == [
        {"method": "dreamerv3", "seed": 0, "task": "dmc_acrobot_swingup"},
        {"method": "dreamerv3", "seed": 1, "task": "dmc_acrobot_swingup"},
    ]
    curves = result.runs[1].metrics
    assert sorted(curves) == ["ys"]  # xs are the steps, no metric
    assert curves["ys"].steps.tolist() == [10000, 20000, 30000]
    assert curves["ys"].values.tolist() == [0.0, 10.5, 101.6]


def test_a_step_option_naming_a_list_steps_the_curves_and_says_which_it_could_not(tmp_path):
    """`-o step=frames` where each record holds its steps as a list read nothing from it: the curves
    kept their positions as steps. A curve of another length than the steps is said, in one line."""
    path = tmp_path / "curves.json"
    path.write_text(
        json.dumps(
            [{"algo": "ppo", "seed": 0, "frames": [100, 200], "return": [1.0, 2.0], "loss": [3.0, 2.0, 1.0]}]
        )
    )
    result = read_records(path, step="frames")
    curves = result.runs[0].metrics
    assert curves["return"].steps.tolist() == [100, 200]
    assert curves["loss"].steps.tolist() == [0, 1, 2]
    assert [p.message for p in result.problems] == [
        "curve 'loss' of record 1 has 3 point(s) but the step list 'frames' 2: stepped by its positions "
        "0, 1, ... there"
    ]


def test_a_compressed_scores_file_says_to_decompress_it_then_reads_a_run_per_task_and_seed(tmp_path, cli):
    """`collect scores/dmc_proprio-dreamerv3.json.gz` said `no adapter reads …; name one with --adapter`,
    and `--adapter records` said the same: no adapter reads a compressed file, and none was the fix."""
    (tmp_path / "scores").mkdir()
    gz = write_scores(
        tmp_path / "scores" / "dmc_proprio-dreamerv3.json.gz",
        [
            scores_record("dmc_walker_walk", "dreamerv3", seed, [100.0 + seed, 900.0 + seed])
            for seed in range(3)
        ],
    )
    for args in ([], ["--adapter", "records"]):
        result = cli("collect", "scores/dmc_proprio-dreamerv3.json.gz", *args)
        assert result.exit_code != 0
        assert result.output.strip().splitlines()[-1] == (
            "Error: no adapter reads scores/dmc_proprio-dreamerv3.json.gz; it is compressed: decompress it "
            "(gunzip -k scores/dmc_proprio-dreamerv3.json.gz) and collect scores/dmc_proprio-dreamerv3.json"
        )
    folder = cli("collect", "scores")
    assert folder.exit_code == 1
    assert (
        "it holds 1 .json.gz file(s) (e.g. dmc_proprio-dreamerv3.json.gz), compressed, which no adapter reads: "
        "decompress them (gunzip -k scores/dmc_proprio-dreamerv3.json.gz, and so on) and collect the .json "
        "files they become"
    ) in folder.output
    (tmp_path / "scores" / "dmc_proprio-dreamerv3.json").write_bytes(gzip.decompress(gz.read_bytes()))
    read = cli("collect", "scores/dmc_proprio-dreamerv3.json", "-o", "rename=ys:episode/score")
    assert read.exit_code == 0 and "3 new" in read.output, read.output
    table = cli(
        "table", "--rows", "method", "--columns", "task", "--metric", "episode/score", "--reduce", "at(20000)"
    )
    assert "901 ± 1" in table.output, table.output
    assert "n = 3 seeds" in table.output, table.output
