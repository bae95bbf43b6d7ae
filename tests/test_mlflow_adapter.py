"""MLflow's file store and SQLite store, read without MLflow, agree with what MLflow's client reads.

The fixtures in tests/fixtures/mlflow/ were written by MLflow itself (make_fixture.py there), and
expected.json holds what `MlflowClient.search_runs` and `get_metric_history` returned for them.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from resultsbook.adapters.mlflow_files import parse_flat_yaml
from resultsbook.params import parse_scalar
from resultsbook.sources.collect import CollectRequest, collect, find_sources, read_source

FIXTURES = ROOT / "tests" / "fixtures" / "mlflow"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
STORES = {"filestore": FIXTURES / "filestore", "sqlite": FIXTURES / "sqlite"}
# MLflow's RunStatus names -> resultsbook's vocabulary (what the adapter promises, see its module)
STATUS = {"FINISHED": "finished", "FAILED": "failed", "RUNNING": "running", "KILLED": "interrupted"}
LARGEST = 1.7976931348623157e308


def read_runs(path: Path, **options):
    """Read every MLflow source under `path`: ({run key: run}, [problems])."""
    runs, problems = {}, []
    for source, adapter in find_sources(CollectRequest(str(path), options=options)):
        assert adapter.name == "mlflow"
        result = read_source(adapter, source)
        runs.update((run.key, run) for run in result.runs)
        problems.extend(result.problems)
    return runs, problems


def as_float(value) -> float:
    """Decode a value of expected.json: NaN/inf are strings; MLflow's SQL client returns ±max double."""
    number = float(value)
    return math.copysign(math.inf, number) if abs(number) == LARGEST else number


def mlflow_latest_by_step(history) -> dict[float, float]:
    """Return MLflow's value for each step: the point that is last by (timestamp, value)."""
    latest: dict[float, tuple] = {}
    for step, value, timestamp in history:
        key = (timestamp, as_float(value))
        if step not in latest or key > latest[step]:  # NaN compares False: the first NaN stays
            latest[step] = key
    return {step: key[1] for step, key in sorted(latest.items())}


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def active(store: str) -> list[dict]:
    return [
        run
        for run in EXPECTED[store]
        if run["lifecycle_stage"] == "active" and run["experiment_stage"] == "active"
    ]


@pytest.mark.parametrize("store", STORES)
def test_runs_params_status_and_metrics_agree_with_mlflow_client(store):
    runs, _ = read_runs(STORES[store])
    expected_runs = active(store)
    assert sorted(runs) == sorted(run["run_id"] for run in expected_runs)
    for expected in expected_runs:
        run = runs[expected["run_id"]]
        assert run.name == expected["name"]
        assert run.experiment == expected["experiment"]
        assert run.status == STATUS[expected["status"]]
        assert run.params == {key: parse_scalar(value) for key, value in expected["params"].items()}
        assert run.start_time == expected["start_time"] / 1000
        assert run.end_time == (None if expected["end_time"] is None else expected["end_time"] / 1000)
        assert set(run.metrics) == set(expected["metrics"])
        for key, latest in expected["metrics"].items():
            series = run.metrics[key]
            by_step = mlflow_latest_by_step(expected["history"][key])
            assert list(series.steps) == list(by_step)
            assert all(same(a, b) for a, b in zip(series.values, by_step.values()))
            assert same(float(series.values[-1]), as_float(latest))  # search_runs' "latest" value
        assert run.provenance.get("git", {}).get("commit") == expected["tags"].get("mlflow.source.git.commit")


@pytest.mark.parametrize("store", STORES)
def test_crashed_run_stays_running_without_end_time(store):
    runs, _ = read_runs(STORES[store])
    crashed = [run for run in runs.values() if run.name == "mlp-seed3-crashed"]
    assert [(run.status, run.end_time) for run in crashed] == [("running", None)]
    assert len(crashed[0].metrics["train/loss"]) == 2


@pytest.mark.parametrize("store", STORES)
def test_deleted_runs_are_skipped_and_reported_unless_kept(store):
    runs, problems = read_runs(STORES[store])
    deleted = {run["run_id"] for run in EXPECTED[store]} - {run["run_id"] for run in active(store)}
    assert deleted and not deleted & set(runs)
    assert any("deleted in MLflow" in problem.message for problem in problems)
    kept, _ = read_runs(STORES[store], deleted="keep")
    visible = deleted & set(kept)  # the file store's deleted experiment sits in .trash, never walked
    assert visible
    assert all(kept[key].provenance["mlflow"]["lifecycle_stage"] == "deleted" for key in visible)


def test_an_unknown_deleted_option_is_refused_with_the_choices():
    from resultsbook.errors import AdapterError

    with pytest.raises(AdapterError, match="skip, keep"):
        read_runs(STORES["sqlite"], deleted="maybe")


@pytest.mark.parametrize(
    "module, name", [("mlflow_runs", "MlflowAdapter"), ("mlflow_tracking", "MlflowTrackingAdapter")]
)
def test_both_mlflow_adapters_refuse_an_unknown_deleted_option_in_one_line(module, name):
    import importlib

    from resultsbook.errors import AdapterError

    adapter = getattr(importlib.import_module(f"resultsbook.adapters.{module}"), name)
    assert adapter(deleted=" KEEP ").keep_deleted and not adapter().keep_deleted
    with pytest.raises(AdapterError) as refused:
        adapter(deleted="Maybe")
    assert str(refused.value) == "option deleted='maybe' is not one of skip, keep; use one of them"


def test_sqlite_infinities_are_decoded_where_mlflow_client_returns_the_largest_double():
    runs, _ = read_runs(STORES["sqlite"])
    (diverged,) = [run for run in runs.values() if run.name == "mlp-seed2-diverged"]
    assert list(diverged.metrics["train/loss"].values[1:2]) == [math.inf]
    assert list(diverged.metrics["grad_norm"].values[1:2]) == [-math.inf]
    assert math.isnan(diverged.metrics["train/loss"].values[-1])


def test_file_and_sqlite_stores_hold_the_same_runs():
    file_runs, _ = read_runs(STORES["filestore"])
    sql_runs, _ = read_runs(STORES["sqlite"])

    def summary(runs):
        return sorted(
            (
                r.name,
                r.experiment,
                r.status,
                sorted(r.params.items()),
                {k: len(s) for k, s in r.metrics.items()},
            )
            for r in runs.values()
        )

    assert summary(file_runs) == summary(sql_runs)


def copy_filestore(tmp_path: Path) -> Path:
    target = tmp_path / "mlruns"
    shutil.copytree(STORES["filestore"] / "mlruns", target)
    return target


def run_folder(root: Path, name: str) -> Path:
    for meta in root.glob("*/*/meta.yaml"):
        if f"run_name: {name}\n" in meta.read_text():
            return meta.parent
    raise AssertionError(f"no run {name}")


def test_cut_off_last_metric_line_keeps_the_lines_before_it(tmp_path):
    root = copy_filestore(tmp_path)
    folder = run_folder(root, "mlp-seed0")
    with open(folder / "metrics" / "val_acc", "a") as handle:
        handle.write("1700000004000 0.9")  # a writer caught mid-line: the step is still missing
    runs, problems = read_runs(root)
    (run,) = [r for r in runs.values() if r.name == "mlp-seed0"]
    assert list(run.metrics["val_acc"].values) == [0.2, 0.5, 0.7, 0.8]
    assert any("cut off" in p.message and p.path.endswith("val_acc") for p in problems)


def test_a_bad_line_costs_only_itself(tmp_path):
    root = copy_filestore(tmp_path)
    folder = run_folder(root, "mlp-seed0")
    with open(folder / "metrics" / "val_acc", "a") as handle:
        handle.write("1700000004000 oops 40\n1700000005000 0.85 50\n")
    runs, problems = read_runs(root)
    (run,) = [r for r in runs.values() if r.name == "mlp-seed0"]
    assert list(run.metrics["val_acc"].values) == [0.2, 0.5, 0.7, 0.8, 0.85]
    assert list(run.metrics["train/loss"].values) == [2.3, 1.1, 0.7, 0.5]
    bad_lines = [p for p in problems if "timestamp value step" in p.message]
    assert [(p.path, p.message) for p in bad_lines] == [
        (str(folder / "metrics" / "val_acc"), "line 5 is not `timestamp value step`")
    ]


def test_meta_yaml_caught_while_mlflow_rewrites_it_is_reported_not_fatal(tmp_path):
    root = copy_filestore(tmp_path)
    folder = run_folder(root, "mlp-seed1")
    (folder / "meta.yaml").write_text("")
    runs, problems = read_runs(root)
    assert "mlp-seed1" not in {r.name for r in runs.values()}
    assert len(runs) == len(active("filestore")) - 1
    assert any(p.path.endswith("meta.yaml") and "empty" in p.message for p in problems)


def test_old_two_field_metric_lines_read_as_step_zero(tmp_path):
    root = copy_filestore(tmp_path)
    folder = run_folder(root, "cnn")
    (folder / "metrics" / "old_metric").write_text("1700000000000 0.25\n")
    runs, _ = read_runs(root)
    (run,) = [r for r in runs.values() if r.name == "cnn"]
    assert (list(run.metrics["old_metric"].steps), list(run.metrics["old_metric"].values)) == ([0], [0.25])


def test_changing_one_run_rereads_only_its_folder(tmp_path, store):
    root = copy_filestore(tmp_path)
    first = collect(store, [CollectRequest(str(root))])
    assert first.new == len(active("filestore"))
    with open(run_folder(root, "mlp-seed3-crashed") / "metrics" / "val_acc", "a") as handle:
        handle.write("1700000302000 0.6 20\n")
    report = collect(store, [CollectRequest(str(root))])
    assert (report.sources_read, report.updated) == (1, 1)


def test_artifact_tree_of_a_sqlite_store_is_not_a_file_store(tmp_path):
    artifacts = tmp_path / "mlruns" / "1" / ("a" * 32) / "artifacts"
    artifacts.mkdir(parents=True)
    (artifacts / "model.pkl").write_bytes(b"")
    assert list(find_sources(CollectRequest(str(tmp_path)))) == []


@pytest.mark.parametrize("kind", ["filestore", "sqlite"])
def test_a_tensorboard_folder_logged_as_an_mlflow_artifact_is_no_run_of_its_own(tmp_path, kind):
    """`mlflow.log_artifacts(tb_dir, "tensorboard")` beside the metrics: each run's copy of its event file
    under mlruns/<experiment>/<run id>/artifacts/ was collected as one more run without params, and a
    `rows = ["metric"]` table averaged 6 "runs" for 3 seeds, unmarked."""
    shutil.copytree(STORES[kind], tmp_path / kind)
    events = next((ROOT / "tests" / "fixtures" / "tensorboard" / "logs" / "tbx_seed1").glob("events.*"))
    run_ids = [run["run_id"] for run in active(kind)][:2]
    for run_id in run_ids:  # where MLflow keeps a run's artifacts, file store or SQL backend alike
        folder = next(tmp_path.glob(f"{kind}/**/mlruns/*/{run_id}"), None) or (
            tmp_path / kind / "mlruns" / "1" / run_id
        )
        (folder / "artifacts" / "tensorboard").mkdir(parents=True)
        shutil.copy(events, folder / "artifacts" / "tensorboard")
        (folder / ".DS_Store").write_bytes(b"")  # macOS Finder's, beside them
    found = [adapter.name for _, adapter in find_sources(CollectRequest(str(tmp_path / kind)))]
    assert found and set(found) == {"mlflow"}, found
    inside = next(tmp_path.glob(f"{kind}/**/{run_ids[0]}/artifacts/tensorboard"))
    assert [adapter.name for _, adapter in find_sources(CollectRequest(str(inside)))] == ["tensorboard"]


def test_a_projects_own_run_folders_named_by_hex_ids_keep_their_artifacts_folders(tmp_path):
    """Run folders named `uuid4().hex` with their TensorBoard logs in `artifacts/tb` (no MLflow): every
    `<32 hex>/artifacts/` was skipped as MLflow's, and the collect found no run."""
    events = next((ROOT / "tests" / "fixtures" / "tensorboard" / "logs" / "tbx_seed1").glob("events.*"))
    for seed in range(2):
        logs = tmp_path / "experiments" / f"{seed + 1:032x}" / "artifacts" / "tb"
        logs.mkdir(parents=True)
        shutil.copy(events, logs)
    found = [adapter.name for _, adapter in find_sources(CollectRequest(str(tmp_path / "experiments")))]
    assert found == ["tensorboard", "tensorboard"]


def test_database_written_since_by_mlflow_is_reread_with_its_write_ahead_log(tmp_path, store):
    database = tmp_path / "mlflow.db"
    shutil.copy(STORES["sqlite"] / "mlflow.db", database)
    collect(store, [CollectRequest(str(tmp_path))])
    writer = sqlite3.connect(database)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")  # keep the new rows in the -wal file
    writer.execute(
        "UPDATE runs SET status = 'FINISHED', end_time = 1700000400000 WHERE name = 'mlp-seed3-crashed'"
    )
    writer.commit()
    assert os.path.exists(f"{database}-wal")
    report = collect(store, [CollectRequest(str(tmp_path))])
    writer.close()
    assert (report.sources_read, report.updated) == (1, 1)
    (run,) = [r for r in store.runs() if r.name == "mlp-seed3-crashed"]
    assert (run.status, run.end_time) == ("finished", 1700000400.0)


def test_a_database_that_is_not_mlflow_is_reported(tmp_path):
    sqlite3.connect(tmp_path / "mlflow.db").execute("CREATE TABLE other (x)").connection.close()
    runs, problems = read_runs(tmp_path)
    assert runs == {}
    assert [p.message for p in problems] == [
        "is not an MLflow database (no table experiments, metrics, params, runs, tags)"
    ]


def test_resultsbook_store_is_never_read_as_an_mlflow_database(tmp_path, store):
    collect(store, [CollectRequest(str(STORES["sqlite"]))])
    sources = list(find_sources(CollectRequest(str(tmp_path), adapter="mlflow")))
    assert [os.path.basename(source.path) for source, _ in sources] == []


def test_meta_yaml_fast_path_reads_what_yaml_reads():
    import yaml

    for meta in STORES["filestore"].glob("mlruns/**/meta.yaml"):
        text = meta.read_text()
        assert parse_flat_yaml(text) == yaml.safe_load(text)
    # a value folded over two lines is left to the YAML parser
    assert parse_flat_yaml("run_name: a very long\n  name\nstatus: 3\n") is None


def test_meta_yaml_values_with_inner_and_trailing_blanks_read_as_yaml_reads_them():
    import yaml

    text = "run_name: a b  c  \nsource_name: x\nuser_id: 'it''s' \nstatus: 3  \ntags: []\n"
    assert parse_flat_yaml(text) == yaml.safe_load(text)
    assert parse_flat_yaml(text)["run_name"] == "a b  c"
    # a carriage return or another blank at a line's end is left to the YAML parser
    assert parse_flat_yaml("run_name: a \r\nstatus: 3\n") is None


def test_collect_then_table_over_both_stores(cli):
    collected = cli("collect", str(FIXTURES))
    assert collected.exit_code == 0, collected.output
    result = cli(
        "table",
        "--rows",
        "model",
        "--metric",
        "val_acc",
        "--where",
        "experiment=sweep",
        "--stat",
        "n,mean",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    finals = [
        as_float(run["metrics"]["val_acc"])
        for store in STORES
        for run in active(store)
        if run["experiment"] == "sweep"
    ]
    header, row = result.stdout.strip().splitlines()[-2:]
    cells = dict(zip(header.split(","), row.split(",")))
    assert cells["model"] == "mlp"
    assert int(cells["n"]) == len(finals)
    assert float(cells["mean"]) == pytest.approx(sum(finals) / len(finals))


# ---------------------------------------------------------------- the listed read: one open and read a file
def both_ways(root: Path) -> list[tuple]:
    """Read every run folder under `root` from its listing and file by file: (listed, file by file)."""
    from resultsbook.adapters.mlflow_files import read_run_folder

    pairs = []
    for source, adapter in find_sources(CollectRequest(str(root))):
        assert source.path in adapter._plain, f"{source.path} was not listed as plain files"
        pairs.append(tuple(read_run_folder(source, False, None, listed) for listed in (True, False)))
    return pairs


def same_run(a, b) -> bool:
    fields = ("key", "name", "params", "status", "start_time", "end_time", "experiment", "provenance")
    if any(getattr(a, name) != getattr(b, name) for name in fields) or list(a.metrics) != list(b.metrics):
        return False
    for key, series in a.metrics.items():
        other = b.metrics[key]
        for mine, theirs in (
            (series.steps, other.steps),
            (series.values, other.values),
            (series.times, other.times),
        ):
            if mine is None or theirs is None:
                if mine is not theirs:
                    return False
            elif (
                mine.dtype != theirs.dtype
                or not np.array_equal(mine, theirs, equal_nan=True)
                or not np.array_equal(np.signbit(mine), np.signbit(theirs))  # -0.0 is not 0.0
            ):
                return False
    return True


def assert_read_alike(root: Path) -> list[str]:
    """Both ways read the same runs, values and problems; return the problems' messages."""
    messages = []
    for listed, by_file in both_ways(root):
        assert [p.describe() for p in listed.problems] == [p.describe() for p in by_file.problems]
        assert len(listed.runs) == len(by_file.runs)
        assert all(same_run(a, b) for a, b in zip(listed.runs, by_file.runs))
        messages.extend(p.message for p in listed.problems)
    return messages


def test_a_run_read_from_its_listing_is_the_run_read_file_by_file():
    assert_read_alike(STORES["filestore"])


@pytest.mark.parametrize(
    "damage, expected",
    [
        (
            "1700000004000 0.9",
            "last line (5) is cut off (a run still writing?); if the file is complete, end its last line with a newline",
        ),
        (
            "1700000004000 0.9 40\n1700000005000 0.95",
            "last line (6) is cut off (a run still writing?); if the file is complete, end its last line with a newline",
        ),
        ("1700000004000 oops 40\n", "line 5 is not `timestamp value step`"),
        ("1700000004000 0.9 40 7\n1700000005000 0.95\n", "line 5 is not `timestamp value step`"),
        ("1700000004000\t0.9 40\r\n", None),
        ("1700000004000 nan 40\n1700000005000 -inf 50\n", "metric 'val_acc' has 2 NaN/Infinity value(s)"),
        ("1700000004000 -0 40\n", None),
        ("1700000004000 1e400 40\n", "metric 'val_acc' has 1 NaN/Infinity value(s)"),
        ("1700000004000 0.\xe9 40\n", "line 5 has bytes that are not UTF-8 (at column 17)"),
        ("1700000004000 0.9 40\n\n1700000005000 0.95 40\n", "metric 'val_acc' logs 1 step(s) more than once"),
        ("1700000004000 0.9 -40\n", "metric 'val_acc' has 1 point(s) at negative steps (the first: -40)"),
    ],
)
def test_damaged_metric_lines_read_from_the_listing_as_file_by_file(tmp_path, damage, expected):
    root = copy_filestore(tmp_path)
    with open(run_folder(root, "mlp-seed0") / "metrics" / "val_acc", "ab") as handle:
        handle.write(damage.encode("latin-1"))
    messages = assert_read_alike(root)
    assert expected is None or expected in messages


def test_old_two_field_lines_and_a_metric_over_the_record_limit_read_from_the_listing_as_file_by_file(
    tmp_path, monkeypatch
):
    root = copy_filestore(tmp_path)
    folder = run_folder(root, "cnn")
    (folder / "metrics" / "old_metric").write_text("1700000000000 0.25\n")
    (folder / "metrics" / "long").write_text("".join(f"17000000{i:05d} 0.{i} {i}\n" for i in range(400)))
    (folder / "metrics" / "empty").write_text("")
    monkeypatch.setenv("RESULTSBOOK_MAX_RECORD_SIZE", "1KiB")  # `long` is streamed, not read whole
    assert_read_alike(root)
    (run,) = [r for r in read_runs(root)[0].values() if r.name == "cnn"]
    assert (list(run.metrics["old_metric"].steps), len(run.metrics["long"])) == ([0], 400)
    assert "empty" not in run.metrics


def test_metric_numbers_parsed_in_one_go_are_what_float_reads():
    from resultsbook.adapters.mlflow_files import parse_metric_block

    for path in STORES["filestore"].glob("mlruns/*/*/metrics/**/*"):
        if path.is_file():
            data = path.read_bytes()
            expected = [float(token) for token in data.split()]
            table = parse_metric_block(data)
            assert table is not None and len(table) == data.count(b"\n")
            assert np.array_equal(table.ravel(), expected, equal_nan=True), path
    numbers = "-0 0.1 5e-324 2e-324 1e-400 1.7976931348623157e308 9007199254740993 12345678901234567890123 1E+3 -0.0"
    randoms = np.random.default_rng(0).standard_normal(300) * 10.0 ** np.arange(-150, 150)
    numbers += " " + " ".join(repr(float(value)) for value in randoms)
    spelled = numbers + " nan -inf inf Infinity +1 .5 1. 00012 1_0"  # not JSON: parsed by float()
    for text in (numbers, spelled):
        tokens = text.split()
        tokens += tokens[: 3 - len(tokens) % 3] if len(tokens) % 3 else []
        table = parse_metric_block(
            "".join(" ".join(tokens[i : i + 3]) + "\n" for i in range(0, len(tokens), 3)).encode()
        )
        expected = np.array([float(token) for token in tokens])
        assert table is not None
        assert np.array_equal(table.ravel(), expected, equal_nan=True)
        assert np.array_equal(np.signbit(table.ravel()), np.signbit(expected))  # -0 stays -0.0


@pytest.mark.parametrize(
    "lines",
    [b"1 2 3 4\n5 6\n", b"1  2 3\n", b" 1 2 3\n", b"1 2 3 \n", b"1\t2 3\n", b"1 2 3\r\n", b"\n", b"1 2 3\n\n",
     b"1 2 oops\n", b"1 2 3\x1f\n", "1 2 \u0663\n".encode()],
)  # fmt: skip
def test_metric_lines_not_three_numbers_each_are_left_to_the_line_by_line_reader(lines):
    from resultsbook.adapters.mlflow_files import parse_metric_block

    assert parse_metric_block(lines) is None


def test_a_value_file_swapped_for_a_fifo_after_the_listing_is_refused_without_waiting(tmp_path):
    root = copy_filestore(tmp_path)
    ((source, adapter),) = [
        found
        for found in find_sources(CollectRequest(str(root)))
        if found[0].path == str(run_folder(root, "cnn"))
    ]
    param = run_folder(root, "cnn") / "params" / "model"
    param.unlink()
    os.mkfifo(param)  # after the listing: the open descriptor is what refuses it
    result = read_source(adapter, source)
    assert "model" not in result.runs[0].params and result.runs[0].params
    assert (str(param), "is a FIFO (named pipe), not a regular file; it was not read") in [
        (p.path, p.message) for p in result.problems
    ]


def test_a_run_folder_holding_a_link_is_read_file_by_file_following_it(tmp_path):
    root = copy_filestore(tmp_path)
    folder = run_folder(root, "cnn")
    (tmp_path / "elsewhere").write_text("0.5")
    (folder / "params" / "linked").symlink_to(tmp_path / "elsewhere")
    sources = {source.path: adapter for source, adapter in find_sources(CollectRequest(str(root)))}
    assert str(folder) not in next(iter(sources.values()))._plain
    runs, problems = read_runs(root)
    (run,) = [r for r in runs.values() if r.name == "cnn"]
    assert run.params["linked"] == 0.5
    assert not [p for p in problems if "linked" in p.path]


def test_a_run_folder_that_gains_a_link_is_no_longer_read_from_its_listing(tmp_path):
    root = copy_filestore(tmp_path)
    folder = run_folder(root, "cnn")
    ((_, adapter),) = [
        found for found in find_sources(CollectRequest(str(root))) if found[0].path == str(folder)
    ]
    assert str(folder) in adapter._plain
    (folder / "params" / "linked").symlink_to(folder / "params" / "model")
    source = adapter.source_for_file(str(folder / "meta.yaml"))  # claimed again, as a watch does
    assert str(folder) not in adapter._plain
    assert adapter.read(source).runs[0].params["linked"] == adapter.read(source).runs[0].params["model"]


def log_metric_meanwhile(monkeypatch, database: Path) -> None:
    """Log one more point of a run, as MLflow's SQL store does (metrics and latest_metrics in one
    transaction), from another connection, after the adapter counted the points and before it reads them."""
    from resultsbook.adapters import mlflow_sqlite

    original = mlflow_sqlite._points_table

    def write_then_read(*args, **kwargs):
        with sqlite3.connect(database) as writer:
            run_uuid, key, step = writer.execute(
                'SELECT run_uuid, "key", max(step) FROM metrics GROUP BY run_uuid, "key" LIMIT 1'
            ).fetchone()
            point = (key, 0.5, 1700000900000, run_uuid, step + 1, 0)
            writer.execute(
                'INSERT INTO metrics ("key", value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)',
                point,
            )
            writer.execute(
                'UPDATE latest_metrics SET value = ?, timestamp = ?, step = ? WHERE "key" = ? AND run_uuid = ?',
                (0.5, 1700000900000, step + 1, key, run_uuid),
            )
        writer.close()
        return original(*args, **kwargs)

    monkeypatch.setattr(mlflow_sqlite, "_points_table", write_then_read)


def test_a_point_logged_while_the_database_is_read_waits_for_the_next_collect(tmp_path, monkeypatch):
    database = tmp_path / "mlflow.db"
    shutil.copy(STORES["sqlite"] / "mlflow.db", database)
    with sqlite3.connect(database) as writer:
        writer.execute("PRAGMA journal_mode = WAL")  # as a database MLflow writes while it is read
    writer.close()
    before, usual = read_runs(tmp_path)
    log_metric_meanwhile(monkeypatch, database)
    during, problems = read_runs(tmp_path)
    assert problems == usual and metric_points(during) == metric_points(before)  # one snapshot: not yet
    monkeypatch.undo()
    after, _ = read_runs(tmp_path)
    assert sum(metric_points(after).values()) == sum(metric_points(before).values()) + 1


def test_metrics_that_change_between_two_queries_are_reported_not_misaligned(tmp_path, monkeypatch):
    """Only without a read snapshot (e.g. MySQL tables of an engine without transactions) can the
    points change between the query that counts them and the one that reads them."""
    from resultsbook.adapters.mlflow_sqlite import SqlBackend

    database = tmp_path / "mlflow.db"
    shutil.copy(STORES["sqlite"] / "mlflow.db", database)
    _, usual = read_runs(tmp_path)  # the deleted runs it always reports
    monkeypatch.setattr(SqlBackend, "begin_snapshot", lambda self: None)
    monkeypatch.setattr(SqlBackend, "end_snapshot", lambda self: None)
    log_metric_meanwhile(monkeypatch, database)
    runs, problems = read_runs(tmp_path)
    assert [p.describe() for p in problems if p not in usual] == [
        f"{database}: metrics changed while being read — kept: no metric values; collect again"
    ]
    assert runs and all(run.metrics == {} for run in runs.values())


def metric_points(runs) -> dict:
    return {(key, name): len(series) for key, run in runs.items() for name, series in run.metrics.items()}


def test_a_scheduled_run_is_queued_not_running_and_one_that_logged_is_running(tmp_path, cli):
    """scheduled/mlruns was written by MLflow 3.17.2 (make_scheduled_store.py): seeds 0 and 1 FINISHED,
    seed 2 SCHEDULED (RunStatus 2, a job not started) without metrics, seed 3 SCHEDULED with `acc`
    logged. A SCHEDULED run was read as `running`: the table said `seed 2 running, no value yet` and
    `status` `seed 2 still running, no value yet`, listing it as running since its folder's last write.
    It is `queued`; one that logged metrics has started: `running`, its value counted as one."""
    from resultsbook.adapters.mlflow_runs import mlflow_status

    assert mlflow_status("SCHEDULED") == mlflow_status(2) == mlflow_status("2") == "queued"  # SQL, file
    # copied as written now (a checkout over an hour old would make the running seed 3 look dead)
    shutil.copytree(FIXTURES / "scheduled" / "mlruns", tmp_path / "mlruns", copy_function=shutil.copy)
    runs, problems = read_runs(tmp_path / "mlruns")
    assert problems == []
    assert sorted((run.name, run.status) for run in runs.values()) == [
        ("cnn-s0", "finished"), ("cnn-s1", "finished"), ("cnn-s2", "queued"), ("cnn-s3", "running")
    ]  # fmt: skip
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "mlruns"\n\n[tables.t1]\nmetric = "acc"\ngoal = "max"\nrows = ["model"]\n'
        'replicates = 4\nseeds = [0, 1, 2, 3]\noutputs = ["t1.md"]\n'
    )
    built = cli("build").output
    assert "cnn: n = 3 of 4 seeds asked for (seed 2 queued, not started yet)" in built
    assert "running, no value yet" not in built
    lines = cli("status").output.splitlines()
    assert (
        "  cnn: 3 of 4, seed 2 queued, not started yet; counted from runs that did not finish: seed 3 (running)"
        in lines
    )
    queued = next(
        index for index, line in enumerate(lines) if line.startswith("  queued      cnn-s2  (mlruns/")
    )
    assert lines[queued + 1] == "              MLflow's SCHEDULED: not started yet"


STEPLESS = (
    "metric 'val_acc' logs its 4 points all at step 0 (log_metric without step=) — kept: them in the "
    "order logged (by timestamp), at steps 0 to 3: the x-axis is that order, not training steps"
)


def test_a_metric_logged_without_steps_is_a_curve_in_time_not_its_last_point(tmp_path):
    # MLflow 3's log_metric(k, v) without step= writes every point at step 0 (`timestamp value 0`)
    root = copy_filestore(tmp_path)
    folder = run_folder(root, "cnn")
    (folder / "metrics" / "val_acc").write_text(
        "1700000000000 0.5 0\n1700000001000 0.8 0\n1700000003000 0.7 0\n1700000002000 0.9 0\n"
    )
    runs, problems = read_runs(root)
    (run,) = [r for r in runs.values() if r.name == "cnn"]
    series = run.metrics["val_acc"]
    assert (list(series.steps), list(series.values)) == ([0, 1, 2, 3], [0.5, 0.8, 0.9, 0.7])
    assert max(series.values) == 0.9
    assert f"{folder / 'metrics'}: {STEPLESS}" in [p.describe() for p in problems]


def test_a_metric_logged_without_steps_from_a_server_is_ordered_by_timestamp():
    from resultsbook.adapters.mlflow_rest import read_run

    history = [
        {"key": "val_acc", "value": value, "timestamp": time, "step": 0}
        for value, time in [(0.5, 1000), (0.8, 2000), (0.7, 4000), (0.9, 3000)]
    ]
    run = {"info": {"run_id": "a" * 32, "status": "FINISHED"}, "data": {}}
    problems: list = []
    record = read_run(None, run, None, "server/#0/" + "a" * 32, problems, {"val_acc": history})
    assert list(record.metrics["val_acc"].values) == [0.5, 0.8, 0.9, 0.7]
    assert [p.describe() for p in problems] == [f"server/#0/{'a' * 32}: {STEPLESS}"]


def test_a_step_logged_four_times_is_one_step_with_three_extra_points_and_the_latest_timestamp_kept(tmp_path):
    root = copy_filestore(tmp_path)
    folder = run_folder(root, "cnn")
    (folder / "metrics" / "val_acc").write_text(
        "1700000000000 0.5 1\n1700000003000 0.7 1\n1700000001000 0.8 1\n1700000002000 0.9 1\n"
        "1700000004000 0.6 2\n"
    )
    runs, problems = read_runs(root)
    (run,) = [r for r in runs.values() if r.name == "cnn"]
    assert list(run.metrics["val_acc"].values) == [0.7, 0.6]
    assert (
        f"{folder / 'metrics'}: metric 'val_acc' logs 1 step(s) more than once (3 extra points) — kept: "
        "the value with the latest timestamp at each step, as MLflow keeps"
    ) in [p.describe() for p in problems]
