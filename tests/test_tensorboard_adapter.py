"""TensorBoard event files, read without TensorFlow or tensorboard, agree with tensorboard's own reader.

The fixtures in tests/fixtures/tensorboard/logs/ were written by tensorboardX and tensorboard
(make_fixture.py there); expected.json holds what tensorboard's EventAccumulator and tbparse read.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import struct
from pathlib import Path

import pytest
from conftest import ROOT

from resultsbook.adapters import tb_events, tensorboard_events, tfrecord
from resultsbook.adapters.tb_events import metric_key
from resultsbook.adapters.tb_proto import parse_simple_scalar, tensor_scalar
from resultsbook.adapters.tensorboard_events import TensorboardAdapter
from resultsbook.params import normalize_value
from resultsbook.sources.collect import CollectRequest, collect, find_sources, read_source

FIXTURES = ROOT / "tests" / "fixtures" / "tensorboard"
LOGS = FIXTURES / "logs"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
FOLDERS = EXPECTED["folders"]
# copies of tbx_seed0 damaged on purpose: compared with the original, not with EventAccumulator alone
DAMAGED = ("corrupt",)


def read_runs(path: Path):
    """Read every TensorBoard source under `path`: ({folder relative to path: run}, [problems])."""
    runs, problems = {}, []
    for source, adapter in find_sources(CollectRequest(str(path))):
        assert adapter.name == "tensorboard"
        result = read_source(adapter, source)
        (run,) = result.runs
        runs[os.path.relpath(source.path, path).replace(os.sep, "/")] = run
        problems.extend(result.problems)
    return runs, problems


def number(value) -> float:
    return float(value)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def event_accumulator_points(folder: str) -> dict[str, list]:
    """Return a folder's scalar points by tag, as EventAccumulator read them (tensors included)."""
    entry = FOLDERS[folder]
    points = {tag: values for tag, values in entry["scalars"].items()}
    points.update({tag: tensor["points"] for tag, tensor in entry["tensor_scalars"].items()})
    return points


def is_hparams_session(folder: str) -> bool:
    return bool(FOLDERS[folder].get("tbparse_hparams")) and "/" in folder


def has_run_above(folder: str) -> bool:
    parent = os.path.dirname(folder)
    return bool(parent) and (parent in FOLDERS or has_run_above(parent))


def expected_run(folder: str) -> tuple[dict[str, list], dict]:
    """Return the points and hparams a run folder should have: its own, and those of folders below."""
    points = event_accumulator_points(folder)
    hparams = dict(FOLDERS[folder].get("tbparse_hparams", {}))
    for sub in FOLDERS:
        if not sub.startswith(folder + "/"):
            continue
        relative = "" if is_hparams_session(sub) else sub[len(folder) + 1 :]
        points.update(
            {metric_key(relative, tag): values for tag, values in event_accumulator_points(sub).items()}
        )
        hparams.update(FOLDERS[sub].get("tbparse_hparams", {}))
    return points, hparams


def last_per_step(points: list) -> tuple[list[int], list[float], list[float]]:
    """Return steps, values and times with the last point logged at each step, ordered by step."""
    by_step = {}
    for step, value, wall_time in points:
        by_step[step] = (number(value), wall_time)
    steps = sorted(by_step)
    return steps, [by_step[s][0] for s in steps], [by_step[s][1] for s in steps]


def test_one_run_per_folder_with_event_files_hparams_sessions_joining_their_run():
    runs, _ = read_runs(LOGS)
    tops = sorted(f for f in FOLDERS if not has_run_above(f))
    assert sorted(runs) == tops
    assert len(runs) < len(FOLDERS)  # tensorboardX's add_hparams sub-folders did fold


@pytest.fixture(params=["record by record", "whole file at once"])
def decoding(request, monkeypatch):
    """Run a test with either decoding path (files below _VECTOR_MINIMUM records use the first)."""
    minimum = 10**9 if request.param == "record by record" else 1
    monkeypatch.setattr(tb_events, "_VECTOR_MINIMUM", minimum)
    return request.param


def test_scalars_and_params_agree_with_event_accumulator_and_tbparse(decoding):
    runs, _ = read_runs(LOGS)
    for folder, run in runs.items():
        if folder in DAMAGED:
            continue
        points, hparams = expected_run(folder)
        if "lightning" in folder:  # its hp_metric = -1 at step 0 is Lightning's placeholder, no measurement
            assert points.pop("hp_metric") == [[0, -1.0, 1700000000.0]]
        assert set(run.metrics) == set(points), folder
        for tag, expected in points.items():
            steps, values, times = last_per_step(expected)
            series = run.metrics[tag]
            assert list(series.steps) == steps, (folder, tag)
            assert all(same(a, b) for a, b in zip(series.values, values)), (folder, tag)
            assert list(series.times) == times, (folder, tag)
        for tag, last in FOLDERS[folder].get("tbparse_last", {}).items():
            if tag not in points:
                continue
            assert same(float(run.metrics[tag].values[-1]), number(last)), (folder, tag)
        if "lightning" not in folder:
            assert run.params == {key: normalize_value(value) for key, value in hparams.items()}
        assert run.status == "unknown"  # event files record no status; add_hparams' SUCCESS is undated


def test_add_scalars_series_become_metrics_of_their_run():
    runs, _ = read_runs(LOGS / "add_scalars")
    assert sorted(runs["."].metrics) == ["loss/train", "loss/val", "lr"]
    expected = FOLDERS["add_scalars/loss/val"]["scalars"]["loss"]
    assert runs["."].metrics["loss/val"].values.tolist() == [point[1] for point in expected]
    assert metric_key("loss_train", "loss") == "loss/train"  # torch names the folder main_tag_tag
    assert metric_key("eval", "acc") == "eval/acc"


def test_lightning_hparams_yaml_with_python_tags_gives_the_params():
    runs, problems = read_runs(LOGS / "lightning_logs")
    run = runs["version_0"]
    assert run.name == "lightning_logs/version_0" and run.experiment == "lightning_logs"
    # hparams.yaml holds `channels: !!python/tuple [16, 32]`; the event files hold "(16, 32)"
    assert run.params == {
        "lr": 0.01,
        "max_epochs": 3,
        "model.channels": "[16, 32]",
        "model.name": "cnn",
        "seed": 7,
    }
    tbparse = FOLDERS["lightning_logs/version_0"]["tbparse_hparams"]
    assert {key.replace("/", ".") for key in tbparse} == set(run.params)
    assert "hp_metric" not in run.metrics  # the placeholder Lightning logs beside the hparams
    assert problems == []


def test_a_lightning_version_without_its_hparams_yaml_names_its_params_as_the_yaml_would(tmp_path):
    # the event files' hparams are flattened with "/" (model/channels): a version whose hparams.yaml was
    # not kept had params no run beside it has, and a table by model.name left it out
    folder = tmp_path / "lightning_logs" / "version_1"
    shutil.copytree(LOGS / "lightning_logs" / "version_0", folder)
    (folder / "hparams.yaml").unlink()
    runs, problems = read_runs(tmp_path)
    params = runs["lightning_logs/version_1"].params
    assert set(params) == {"lr", "max_epochs", "model.channels", "model.name", "seed"}
    assert params["model.name"] == "cnn" and params["model.channels"] == "(16, 32)" and problems == []
    # a class is written as str() gives it; the yaml names it as !!python/name:models.GCN does
    session = {"model/model_class": "<class 'models.GCN'>", "lr": 0.1}
    assert tensorboard_events._lightning_session_params(session) == {
        "model.model_class": "models.GCN",
        "lr": 0.1,
    }


def test_unsafe_yaml_tags_are_read_as_data_never_run(tmp_path):
    folder = tmp_path / "version_3"
    shutil.copytree(LOGS / "lightning_logs" / "version_0", folder)
    (folder / "hparams.yaml").write_text(
        "args: !!python/object:argparse.Namespace {lr: 0.5}\n"
        "dtype: !!python/object/apply:os.system [echo pwned]\n"
        "act: !!python/name:torch.nn.ReLU ''\n"
    )
    runs, problems = read_runs(tmp_path)
    params = runs["version_3"].params
    assert params["args.lr"] == 0.5
    assert params["dtype"] == '["echo pwned"]'
    assert params["act"] == "torch.nn.ReLU"  # named, never imported
    assert problems == []


def test_truncated_last_record_keeps_the_records_before_it(decoding):
    runs, problems = read_runs(LOGS)
    truncated = runs["truncated"]
    assert len(truncated.metrics["val/acc"]) == len(FOLDERS["truncated"]["scalars"]["val/acc"])
    assert len(truncated.metrics["val/acc"]) == len(FOLDERS["tbx_seed0"]["scalars"]["val/acc"]) - 1
    (cut,) = [p for p in problems if "cut off" in p.message]
    assert "/truncated/" in cut.path and "complete record(s) before it" in cut.kept


def test_damaged_record_is_skipped_and_the_rest_kept(decoding):
    runs, problems = read_runs(LOGS)
    corrupt, original = runs["corrupt"], runs["tbx_seed0"]
    (damaged,) = [p for p in problems if "CRC mismatch" in p.message]
    assert "/corrupt/" in damaged.path
    # the 4th record (train/loss at step 20) is lost; every other point is kept
    assert original.metrics["train/loss"].steps.tolist() == [0, 10, 20]
    assert corrupt.metrics["train/loss"].steps.tolist() == [0, 10]
    assert corrupt.metrics["val/acc"].values.tolist() == original.metrics["val/acc"].values.tolist()
    # EventAccumulator stops at the damaged record and loses val/acc altogether
    assert "val/acc" not in FOLDERS["corrupt"]["scalars"]


def test_damaged_length_stops_framing_and_says_so(tmp_path):
    (source,) = (LOGS / "tbx_seed0").glob("events.out.tfevents.*")
    data = bytearray(source.read_bytes())
    offsets = record_offsets(bytes(data))
    data[offsets[2]] ^= 0x01  # the length of the 3rd record
    problems = []
    records = list(tfrecord.iter_records("f", bytes(data), problems))
    assert len(records) == 2
    assert ["damaged length" in p.message for p in problems] == [True]


def record_offsets(data: bytes) -> list[int]:
    offsets, position = [], 0
    while position < len(data):
        offsets.append(position)
        position += 16 + struct.unpack_from("<Q", data, position)[0]
    return offsets


def test_pure_python_crc32c_is_the_fallback_and_agrees(monkeypatch):
    assert tfrecord.crc32c_python(b"123456789") == 0xE3069283
    generator = random.Random(7)
    for size in (0, 1, 8, 33, 1000):
        data = bytes(generator.randrange(256) for _ in range(size))
        assert tfrecord.crc32c_python(data) == tfrecord.crc32c(data)
    monkeypatch.setattr(tfrecord, "crc32c", tfrecord.crc32c_python)
    runs, problems = read_runs(LOGS / "truncated")
    assert len(runs["."].metrics["train/loss"]) == 3 and len(problems) == 1


def test_session_log_start_drops_the_points_it_restarts_from(decoding):
    runs, _ = read_runs(LOGS)
    points = FOLDERS["session_restart"]["scalars"]["loss"]
    assert runs["session_restart"].metrics["loss"].steps.tolist() == [p[0] for p in points]


def test_growing_event_file_is_reread(tmp_path, store):
    folder = tmp_path / "run"
    shutil.copytree(LOGS / "tbx_seed0", folder)
    collect(store, [CollectRequest(str(tmp_path))])
    (event_file,) = folder.glob("events.out.tfevents.*")
    with open(event_file, "ab") as handle:
        handle.write(frame(scalar_event(3.0, 30, "val/acc", 0.9)))
    report = collect(store, [CollectRequest(str(tmp_path))])
    assert (report.sources_read, report.updated) == (1, 1)
    (run,) = store.runs()
    assert store.series("val/acc")[run.id][0].tolist() == [0, 10, 20, 30]


# ---- hand-encoded events for the encodings the fixtures' writers do not produce


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, wire: int, payload: bytes | int) -> bytes:
    key = varint(number << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def scalar_event(wall_time: float, step: int, tag: str, value: float) -> bytes:
    summary_value = field(1, 2, tag.encode()) + field(2, 5, struct.pack("<f", value))
    return (
        field(1, 1, struct.pack("<d", wall_time))
        + field(2, 0, step)
        + field(5, 2, field(1, 2, summary_value))
    )


def frame(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    crc = tfrecord.masked_crc32c
    return length + struct.pack("<I", crc(length)) + data + struct.pack("<I", crc(data))


def test_a_lightning_validate_after_fit_is_the_final_value_not_a_point(tmp_path):
    # as in metrics.csv: trainer.validate() logs at the step after the fit's last validation
    folder = tmp_path / "lightning_logs" / "version_0"
    folder.mkdir(parents=True)
    points = [(step, "train_loss", 1.0 / step) for step in (1, 3, 5, 7, 9, 11)]
    points += [(step, tag, value) for step, epoch, acc in ((3, 0, 0.6), (7, 1, 0.7), (11, 2, 0.8), (12, 3, 0.99))
               for tag, value in (("epoch", epoch), ("val_acc", acc))]  # fmt: skip
    events = b"".join(
        frame(scalar_event(1.0 + step, step, tag, value)) for step, tag, value in sorted(points)
    )
    (folder / "events.out.tfevents.1.host").write_bytes(events)
    runs, problems = read_runs(tmp_path)
    run = runs["lightning_logs/version_0"]
    assert run.metrics["val_acc"].steps.tolist() == [3, 7, 11] and run.summary == {
        "val_acc": pytest.approx(0.99)
    }
    assert len(run.metrics["train_loss"]) == 6
    assert [p.kept for p in problems] == ["as the final value of val_acc, not a point of their curves"]


@pytest.mark.parametrize("hparams_yaml", [True, False])
def test_lightning_s_hp_metric_placeholder_is_no_metric_but_a_logged_hp_metric_is(
    tmp_path, cli, hparams_yaml
):
    # TensorBoardLogger logs hp_metric = -1 at step 0 with the hparams: a table of it was -1.00 ± 0.00
    for version, own in (("version_0", []), ("version_1", [(5, 0.7), (9, 0.8)])):
        folder = tmp_path / "lightning_logs" / version
        folder.mkdir(parents=True)
        points = [(0, "hp_metric", -1.0)] + [(step, "hp_metric", value) for step, value in own]
        points += [(step, "val_acc", 0.5 + step / 100) for step in (5, 9)]
        events = b"".join(frame(scalar_event(1.0 + step, step, tag, value)) for step, tag, value in points)
        (folder / "events.out.tfevents.1.host").write_bytes(events)
        if hparams_yaml:
            (folder / "hparams.yaml").write_text("lr: 0.1\n")
    runs, problems = read_runs(tmp_path)
    assert "hp_metric" not in runs["lightning_logs/version_0"].metrics and problems == []
    logged = runs["lightning_logs/version_1"].metrics["hp_metric"]
    assert logged.steps.tolist() == [5, 9] and logged.values.tolist() == pytest.approx([0.7, 0.8])
    cli("collect", str(tmp_path / "lightning_logs"))
    table = cli(
        "table", "--rows", "lr" if hparams_yaml else "name", "--metric", "hp_metric", "--stat", "mean"
    )
    assert "-1" not in table.output and "0.80" in table.output


def test_simple_scalar_fast_path_agrees_with_the_general_reader():
    for step in (0, 1, 127, 128, 300_000):
        event = scalar_event(1.5, step, "loss", 0.25)
        assert parse_simple_scalar(event) == (1.5, step, b"loss", 0.25)
    # a negative step, or metadata on the value, take the general path
    assert parse_simple_scalar(scalar_event(1.5, -1, "loss", 0.25)) is None


def test_negative_steps_and_tensor_encodings(tmp_path):
    def tensor(dtype: int, *fields: bytes) -> bytes:
        return field(1, 0, dtype) + b"".join(fields)

    assert tensor_scalar(tensor(1, field(4, 2, struct.pack("<f", 0.5)))) == 0.5
    assert tensor_scalar(tensor(2, field(6, 2, struct.pack("<d", 0.1)))) == 0.1
    assert tensor_scalar(tensor(3, field(7, 0, -4))) == -4.0  # unpacked int_val, negative
    assert tensor_scalar(tensor(19, field(13, 2, varint(0x3C00)))) == 1.0  # half 1.0
    assert tensor_scalar(tensor(14, field(4, 2, struct.pack("<H", 0x3F80)))) == 1.0  # bfloat16 1.0
    assert tensor_scalar(tensor(1, field(5, 2, struct.pack("<ff", 1, 2)))) is None  # two elements
    shape = field(2, 2, field(1, 0, 3))  # one dimension of size 3
    assert tensor_scalar(tensor(1, field(2, 2, shape), field(5, 2, struct.pack("<f", 1)))) is None
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "events.out.tfevents.1.host").write_bytes(frame(scalar_event(1.0, -1, "loss", 2.0)))
    runs, _ = read_runs(tmp_path)
    assert runs["run"].metrics["loss"].steps.tolist() == [-1]


def test_both_decoding_paths_read_a_large_mixed_file_alike(tmp_path, monkeypatch):
    steps = [0, 1, 127, 128, 300, 2**21, 2**28, 2**35, -5, 7, 8]
    records = [frame(field(1, 1, struct.pack("<d", 1.0)) + field(3, 2, b"brain.Event:2"))]
    for index in range(120):
        step = steps[index % len(steps)]
        tag = ["loss", "acc", "x" * 200, "lr"][index % 4]  # a 200-byte tag needs two length bytes
        records.append(frame(scalar_event(10.0 + index, step, tag, index / 7)))
        if index == 60:
            session_start = (
                field(1, 1, struct.pack("<d", 5.0)) + field(2, 0, 300) + field(7, 2, field(1, 0, 1))
            )
            records.append(frame(session_start))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "events.out.tfevents.1.host").write_bytes(b"".join(records))
    read = {}
    for minimum in (10**9, 1):
        monkeypatch.setattr(tb_events, "_VECTOR_MINIMUM", minimum)
        runs, _ = read_runs(tmp_path)
        read[minimum] = {
            key: (series.steps.tolist(), series.values.tolist(), series.times.tolist())
            for key, series in runs["run"].metrics.items()
        }
    assert read[1] == read[10**9]
    assert sorted(read[1]) == ["acc", "loss", "lr", "x" * 200]
    assert max(read[1]["loss"][0]) == 2**35


def test_dated_session_end_gives_the_status():
    def session_end(status: int, end_time: float) -> bytes:
        content = field(4, 2, field(1, 0, status) + field(2, 1, struct.pack("<d", end_time)))
        metadata = field(1, 2, field(1, 2, b"hparams") + field(2, 2, content))
        value = field(1, 2, b"_hparams_/session_end_info") + field(9, 2, metadata)
        return field(1, 1, struct.pack("<d", end_time)) + field(5, 2, field(1, 2, value))

    adapter = TensorboardAdapter()
    for status, expected in ((1, "finished"), (2, "failed"), (3, "running")):
        data = frame(scalar_event(10.0, 1, "loss", 1.0)) + frame(session_end(status, 20.0))
        run = read_bytes(adapter, data)
        assert (run.status, run.end_time) == (expected, 20.0)


def read_bytes(adapter: TensorboardAdapter, data: bytes):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.out.tfevents.1.host"
        path.write_bytes(data)
        (run,) = adapter.read(adapter.source(folder, [str(path)])).runs
    return run


@pytest.mark.parametrize("name", ["events.out.tfevents.1.host.profile-empty", "events.out.tfevents.1.host"])
def test_empty_event_files_give_a_run_without_metrics(tmp_path, name):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / name).write_bytes(b"")
    runs, problems = read_runs(tmp_path)
    assert runs["run"].metrics == {} and problems == []


def damaged_copy(tmp_path: Path, damage) -> tuple[Path, list[int]]:
    """Copy tbx_seed0 with its event file damaged by `damage(data, offsets)`; return the file and offsets."""
    folder = tmp_path / "run"
    shutil.copytree(LOGS / "tbx_seed0", folder)
    (event_file,) = folder.glob("events.out.tfevents.*")
    data = bytearray(event_file.read_bytes())
    offsets = record_offsets(bytes(data))
    damage(data, offsets)
    event_file.write_bytes(bytes(data))
    return event_file, offsets


def test_a_record_with_damaged_data_is_named_by_number_and_byte(tmp_path, decoding):
    path, offsets = damaged_copy(tmp_path, lambda data, offsets: data.__setitem__(offsets[3] + 14, 0xFF))
    runs, problems = read_runs(tmp_path)
    assert [p.describe() for p in problems] == [
        f"{path}: record 4 (byte {offsets[3]}) is damaged (CRC mismatch) — kept: every other record"
    ]
    assert runs["run"].metrics["train/loss"].steps.tolist() == [0, 10]  # the 4th record, step 20, is lost


def test_a_damaged_length_checksum_over_an_intact_record_keeps_the_record(tmp_path, decoding):
    path, offsets = damaged_copy(
        tmp_path, lambda data, offsets: data.__setitem__(offsets[3] + 8, data[offsets[3] + 8] ^ 1)
    )
    runs, problems = read_runs(tmp_path)
    assert [p.describe() for p in problems] == [
        f"{path}: record 4 (byte {offsets[3]}) has a damaged length checksum, but its data checksum holds "
        "— kept: the record"
    ]
    assert runs["run"].metrics["train/loss"].steps.tolist() == [0, 10, 20]


def test_a_damaged_length_keeps_the_records_before_it_and_says_the_rest_cannot_be_framed(tmp_path, decoding):
    path, offsets = damaged_copy(
        tmp_path, lambda data, offsets: data.__setitem__(offsets[2], data[offsets[2]] ^ 1)
    )
    _, problems = read_runs(tmp_path)
    assert [p.describe() for p in problems] == [
        f"{path}: record 3 (byte {offsets[2]}) has a damaged length (CRC mismatch) "
        "— kept: the 2 record(s) before it; the rest of the file cannot be framed"
    ]


def test_cleanrl_s_hyperparameters_text_table_gives_the_run_its_params(tmp_path, cli):
    """CleanRL keeps a run's arguments only as `add_text("hyperparameters", "|param|value|...")`
    (tests/fixtures/cleanrl, written by torch's SummaryWriter): text was skipped, so its runs had no
    params, and `--rows exp_name` answered "did you mean 'name'?"."""
    from trackers import copy_fixture, expected, read_tree

    root = copy_fixture("cleanrl", tmp_path)
    found = read_tree(root)
    want = expected("cleanrl")
    assert sorted(found) == sorted(want)
    for source, item in want.items():
        run, problems, adapter = found[source]
        assert (adapter, problems) == ("tensorboard", [])
        assert run.params == {key: normalize_value(value) for key, value in item["arguments"].items()}
        returns = run.metrics["charts/episodic_return"]
        assert [[int(s), v] for s, v in zip(returns.steps, returns.values)] == item["charts/episodic_return"]
    cli("collect", str(root / "runs"), "--db", "c.db")
    table = cli(
        "table",
        "--db",
        "c.db",
        "--rows",
        "exp_name",
        "--metric",
        "charts/episodic_return",
        "--format",
        "json",
    )
    assert table.exit_code == 0, table.output
    (cell,) = json.loads(table.output)["cells"]
    assert cell["row"] == {"exp_name": "ppo"} and cell["stats"]["n"] == 2


def test_a_text_summary_that_is_no_table_of_params_gives_none():
    from resultsbook.adapters.tb_events import markdown_params

    assert markdown_params("|param|value|\n|-|-|\n|lr|0.1|\n|name|a b|\n") == {"lr": 0.1, "name": "a b"}
    assert markdown_params("loss went down") is None
    assert markdown_params("|a|b|c|\n|-|-|-|\n|1|2|3|\n") is None  # three columns: not param | value


def text_event(wall_time: float, tag: str, text: str) -> bytes:
    """An Event holding a text summary as torch's and tensorboardX's `add_text` write it."""
    metadata = field(1, 2, field(1, 2, b"text"))  # plugin_data.plugin_name
    shape = field(2, 2, field(1, 0, 1))  # one dimension of size 1
    tensor = field(1, 0, 7) + shape + field(8, 2, text.encode())  # DT_STRING, string_val
    summary_value = field(1, 2, tag.encode()) + field(9, 2, metadata) + field(8, 2, tensor)
    return field(1, 1, struct.pack("<d", wall_time)) + field(5, 2, field(1, 2, summary_value))


def hf_trainer_run(folder: Path, learning_rate: float, seed: int, accuracy: float) -> None:
    """Write the event file of a Hugging Face Trainer run as its TensorBoardCallback does: the
    TrainingArguments as JSON text (`add_text("args", args.to_json_string())`), the model's config,
    then the scalars."""
    args = {
        "output_dir": "results",
        "logging_dir": f"results/runs/Dec07_20-00-0{seed}_host",
        "run_name": f"results/seed{seed}",  # output_dir unless set: where, not how
        "learning_rate": learning_rate,
        "num_train_epochs": 3.0,
        "per_device_train_batch_size": 8,
        "seed": seed,
        "report_to": ["tensorboard"],
        "lr_scheduler_kwargs": {},
        "fsdp_config": {"min_num_params": 0, "xla": False},
    }
    folder.mkdir(parents=True)
    with open(folder / "events.out.tfevents.1765137600.host.1.0", "wb") as handle:
        handle.write(frame(text_event(1.0, "args/text_summary", json.dumps(args, indent=2))))
        handle.write(frame(text_event(1.0, "model_config/text_summary", json.dumps({"model_type": "bert"}))))
        for step in (100, 200):
            handle.write(frame(scalar_event(2.0, step, "eval/accuracy", accuracy)))


def test_hf_trainer_s_args_text_gives_the_run_its_params(tmp_path, cli):
    """The Trainer's TensorBoardCallback keeps the TrainingArguments only as the JSON text `args`: it
    was skipped, so runs of different learning rates were averaged into one cell."""
    for i, (learning_rate, accuracy) in enumerate([(5e-06, 0.25), (5e-06, 0.5), (5e-05, 0.75), (5e-05, 1.0)]):
        hf_trainer_run(tmp_path / "runs" / f"run{i}", learning_rate, i, accuracy)
    runs, problems = read_runs(tmp_path / "runs")
    assert problems == []
    assert runs["run0"].params == {
        "learning_rate": 5e-06,
        "num_train_epochs": 3,
        "per_device_train_batch_size": 8,
        "seed": 0,
        "report_to": '["tensorboard"]',
        "lr_scheduler_kwargs": "{}",
        "fsdp_config.min_num_params": 0,
        "fsdp_config.xla": False,
    }
    cli("collect", "runs", "--db", "c.db")
    table = cli("table", "--db", "c.db", "--rows", "learning_rate", "--metric", "eval/accuracy")
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[2:4] == ["5e-06                 0.4 ± 0.2#", "5e-05            **0.9 ± 0.2**#°"]
    assert "over n = 2 seeds" in table.output and "†" not in table.output


def test_best_of_a_test_metric_read_on_a_training_loss_logged_one_interval_earlier_is_said(tmp_path, cli):
    """Mqtth3w/pixel-level-segmentation-in-pets-unipr logs with torch's SummaryWriter the training loss
    of epoch e at step e * 230 and the test IoU of the same epoch at (e + 1) * 230: best(IoU) read the
    training loss of the next epoch (0.0971, not the 0.0990 the repository reports), without a word."""
    for index, name in enumerate(("UNet_Adam_dice", "UNet_Adam_CE", "UNet_RSMprop_dice")):
        folder = tmp_path / "runs" / name
        folder.mkdir(parents=True)
        events = []
        for epoch in range(6):
            now = 1737909841.0 + 100 * epoch
            events.append(scalar_event(now, epoch * 230, "Training loss", 0.5 - epoch / 20))
            iou = 0.6 + epoch / 50 - (epoch == 5) / 10 + index / 100  # best at epoch 4, step 1150
            events.append(scalar_event(now + 10, (epoch + 1) * 230, "IoU (avg on test)", iou))
            test_loss = 0.4 - epoch / 20
            events.append(scalar_event(now + 10, (epoch + 1) * 230, "Test loss (avg on test)", test_loss))
        (folder / f"events.out.tfevents.{1737909841 + index}.wn44.4432.0").write_bytes(
            b"".join(frame(event) for event in events)
        )
    cli("collect", "runs")
    table = ("table", "--rows", "name", "--reduce", "best(IoU (avg on test), max)")
    warned = cli(*table, "--metric", "Training loss").stderr
    assert (
        "Warning: best(IoU (avg on test), max) reads Training loss at the step where IoU (avg on test) is best, "
        "but in 3 of 3 runs Training loss is logged one interval (230 steps) before IoU (avg on test)'s steps "
        "(e.g. UNet_Adam_CE: at 0…1150, IoU (avg on test) at 230…1380): if both are logged once a round (an "
        "epoch's training and its test), the value read is another round's\n"
    ) in warned
    assert "reads Test loss" not in cli(*table, "--metric", "Test loss (avg on test)").stderr  # same steps


def test_the_embeddings_add_embedding_writes_beside_the_runs_are_not_offered_as_logs_to_collect(
    tmp_path, cli
):
    """Dipeshtamboli/tensorboard-logs: torch's add_embedding writes <step>/<tag>/tensors.tsv and
    metadata.tsv into a run's folder; collect advised reading them as runs with --pattern '**/tensors.tsv'."""
    for name in ("fashion_mnist_experiment_1", "only_funcs"):
        folder = tmp_path / "runs" / name
        projector = folder / "00000" / "default"
        projector.mkdir(parents=True)
        (folder / "events.out.tfevents.1663724565.host.9402.0").write_bytes(
            frame(scalar_event(1663724565.0, 0, "training loss", 0.5))
        )
        (folder / "projector_config.pbtxt").write_text('embeddings {\n  tensor_name: "default:00000"\n}\n')
        (projector / "tensors.tsv").write_text("0.1\t0.2\n0.3\t0.4\n")
        (projector / "metadata.tsv").write_text("boot\ncoat\n")
    result = cli("collect", "runs")
    assert result.output.startswith("Collected runs: 2 new")
    assert "not read" not in result.output + result.stderr


def test_hparams_sessions_of_different_hparams_in_one_writer_are_runs_of_their_own(tmp_path, cli):
    """torch's documented example, `with SummaryWriter() as w: for i in range(5): w.add_hparams(...)`,
    writes each session into runs/<date>_<host>/<time>/: TensorBoard shows five runs, collect made one
    with the last session's hparams and a problem for each other value."""
    folder = tmp_path / "runs" / "Dec05_16-00-00_vm"
    folder.mkdir(parents=True)
    version = field(1, 1, struct.pack("<d", 1795807682.0)) + field(3, 2, b"brain.Event:2")
    (folder / "events.out.tfevents.1795807682.vm.1.0").write_bytes(frame(version))
    for seed in (0, 1):
        session = next(path for path in (LOGS / f"tbx_seed{seed}").iterdir() if path.is_dir())
        shutil.copytree(session, folder / session.name)
    result = cli("collect", "runs")
    assert result.output.startswith("Collected runs: 2 new") and "problem" not in result.stderr
    table = cli("table", "--rows", "seed", "--metric", "hparam/final_acc", "--digits", "2").output
    assert ["0", "0.80#"] in [line.split() for line in table.splitlines()]
    assert ["1", "0.79#"] in [line.split() for line in table.splitlines()]

    shutil.copy(next((LOGS / "tbx_seed0").glob("events.*")), folder)  # and scalars of the writer itself
    result = cli("collect", "runs")
    assert (
        "runs/Dec05_16-00-00_vm: its own scalars (train/loss, val/acc) sit beside 2 hparams sessions of "
        "different hparams, each read as a run of its own; they belong to none of them (log each training "
        "with its own SummaryWriter, add_hparams in its folder) — kept: them as run 'Dec05_16-00-00_vm', "
        "without params\n"
    ) in result.stderr
    assert cli("runs").output.count("Dec05_16-00-00_vm") == 3


def keras_event_file(path: Path, start: float, epochs: range, loss: float) -> None:
    """Write an event file as TF1-era Keras' TensorBoard callback does at each fit: a file version
    record, then epoch_loss, epoch_val_loss and batch_loss, stepped by epoch from `epochs.start`."""
    records = [field(1, 1, struct.pack("<d", start)) + field(3, 2, b"brain.Event:2")]
    for epoch in epochs:
        for tag, value in (("batch_loss", loss + 0.1), ("epoch_loss", loss), ("epoch_val_loss", loss + 0.5)):
            records.append(scalar_event(start + 1 + epoch, epoch, tag, value - epoch / 100))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(frame(record) for record in records))


def test_a_log_dir_reused_by_several_fits_is_one_run_per_training(tmp_path, cli):
    """The shape of alakhirnayan/Image-Categorization-and-Tensorboard-log-test-on-mnist-Dataset
    @ efed972f, logs/Cats-vs-dogs-CNN/ (5.ipynb builds its TensorBoard callback once, before its loop
    over 27 models): one event file per `model.fit`, each stepping its epochs from 0 again. Written by
    TensorFlow 1.x's Keras, installed neither here nor in CI. Collect read them as one run keeping the
    last value of each step (its final values were the last training's), with only 'logs N step(s)
    more than once' to say so."""
    folder = tmp_path / "logs" / "Cats-vs-dogs-CNN"
    keras_event_file(
        folder / "events.out.tfevents.1540179936.NAYAN", 1540179936, range(2), 8.0
    )  # stopped early
    keras_event_file(folder / "events.out.tfevents.1540179982.NAYAN", 1540179982, range(4), 7.0)
    keras_event_file(folder / "events.out.tfevents.1540269347.NAYAN", 1540269347, range(4), 3.0)
    result = cli("collect", str(tmp_path / "logs"))
    assert result.output.startswith("Collected") and " 3 new," in result.output
    assert (
        f"{folder.relative_to(tmp_path).as_posix()}: its 3 event files hold 3 trainings, each starting its steps "
        "over (a log_dir reused by another fit, or a script run again) — kept: each as a run of its own, "
        "Cats-vs-dogs-CNN/1540179936 to Cats-vs-dogs-CNN/1540269347; -o trainings=one reads them as one run\n"
    ) in result.stderr.replace(str(tmp_path) + os.sep, "")
    assert "more than once" not in result.stderr
    table = cli("table", "--rows", "name", "--metric", "epoch_val_loss", "--digits", "2").output
    rows = [line.split() for line in table.splitlines()]
    assert ["Cats-vs-dogs-CNN/1540179936", "8.49#"] in rows  # each training's own last epoch
    assert ["Cats-vs-dogs-CNN/1540179982", "7.47#"] in rows
    assert ["Cats-vs-dogs-CNN/1540269347", "3.47#"] in rows
    (run,) = [r for r in read_runs_of(folder) if r.name == "Cats-vs-dogs-CNN/1540179936"]
    assert run.metrics["epoch_loss"].steps.tolist() == [0, 1] and run.start_time == 1540179936

    result = cli("collect", str(tmp_path / "logs"), "-o", "trainings=one")
    assert ": 1 new, 0 updated, 0 unchanged, 3 missing," in result.output, result.output
    runs = read_runs_of(folder, trainings="one")
    assert [r.name for r in runs] == ["Cats-vs-dogs-CNN"] and len(runs[0].metrics["epoch_loss"]) == 4


def read_runs_of(folder: Path, **options) -> list:
    """Read one folder of event files with the tensorboard adapter: its runs."""
    files = tuple(str(path) for path in sorted(folder.iterdir()) if path.is_file())
    return list(TensorboardAdapter(**options).read(TensorboardAdapter().source(str(folder), files)).runs)


def test_event_files_that_go_on_from_a_later_step_or_overlap_in_time_are_one_training(tmp_path):
    """Files that are not a new training stay one run: a training resumed from epoch 2 (Keras'
    `initial_epoch`, tensorboardX's fixture `restarted/` resumes so too), two writers of one training
    whose points interleave in time, and Keras' `.profile-empty` file, which holds no scalar (the
    shape of TF 2.2's `tensorboard/train/` listed by deep-projects' dvc-cc-sample-pcam README)."""
    resumed = tmp_path / "resumed"
    keras_event_file(resumed / "events.out.tfevents.1600000000.host", 1600000000, range(3), 1.0)
    keras_event_file(resumed / "events.out.tfevents.1600000100.host", 1600000100, range(2, 5), 1.0)
    twice = tmp_path / "two_writers"
    keras_event_file(twice / "events.out.tfevents.1600000000.host.1.0", 1600000000, range(3), 1.0)
    keras_event_file(twice / "events.out.tfevents.1600000001.host.2.0", 1600000001, range(3), 2.0)
    profiled = tmp_path / "profiled"
    keras_event_file(profiled / "events.out.tfevents.1600000000.host.1.0.v2", 1600000000, range(3), 1.0)
    version = field(1, 1, struct.pack("<d", 1600000001.0)) + field(3, 2, b"brain.Event:2")
    (profiled / "events.out.tfevents.1600000001.host.profile-empty").write_bytes(frame(version))
    for folder, steps in ((resumed, [0, 1, 2, 3, 4]), (twice, [0, 1, 2]), (profiled, [0, 1, 2])):
        (run,) = read_runs_of(folder)
        assert run.name == folder.name and run.metrics["epoch_loss"].steps.tolist() == steps


def tf2_event_file(path: Path, start: float, epochs: range, loss: float) -> None:
    """Write an event file as TF2's `tf.summary.scalar` does for Keras' TensorBoard callback: a file
    version record, then `epoch_loss` per epoch as a float32 tensor (raw `tensor_content`), the
    `scalars` plugin metadata on its first value only."""
    records = [field(1, 1, struct.pack("<d", start)) + field(3, 2, b"brain.Event:2")]
    for epoch in epochs:
        metadata = field(9, 2, field(1, 2, field(1, 2, b"scalars"))) if epoch == epochs.start else b""
        tensor = field(1, 0, 1) + field(2, 2, b"") + field(4, 2, struct.pack("<f", loss - epoch / 100))
        value = field(1, 2, b"epoch_loss") + metadata + field(8, 2, tensor)
        records.append(
            field(1, 1, struct.pack("<d", start + 1 + epoch))
            + field(2, 0, epoch)
            + field(5, 2, field(1, 2, value))
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(frame(record) for record in records))


def keras_fit(log_dir: Path, start: int, pid: int, number: int, loss: float, epochs: int = 3) -> None:
    """Write what one `model.fit` with Keras' TensorBoard callback writes into `log_dir`: train/ at
    set_model, validation/ at the first validation, both named `<time>.<host>.<pid>.<n>.v2`."""
    train = log_dir / "train" / f"events.out.tfevents.{start}.host.{pid}.{number}.v2"
    tf2_event_file(train, start, range(epochs), loss)
    validation = log_dir / "validation" / f"events.out.tfevents.{start + 5}.host.{pid}.{number + 1}.v2"
    tf2_event_file(validation, start + 5, range(epochs), loss + 1)


def test_a_keras_fit_s_train_and_validation_folders_are_one_run(tmp_path, cli):
    """Keras' TensorBoard callback (keras-team/keras @ 08995a40, keras/src/callbacks/tensorboard.py,
    `set_model`: `os.path.join(log_dir, "train")`, `"validation"`) writes a fit's training and
    validation epoch metrics, both tagged `epoch_loss`, into two folders below the log_dir
    (TensorFlow's tutorial: `logs/fit/<date>-<time>/`). TensorFlow is installed neither here nor in
    CI. Collect made them two runs named 'train' and 'validation', so every fit's were named alike
    and a table of epoch_loss averaged training and validation losses as replicates of one cell."""
    keras_fit(tmp_path / "logs" / "fit" / "20220106-123415", 1641490455, 22914, 625, 1.0)
    keras_fit(tmp_path / "logs" / "fit" / "20220106-130000", 1641494000, 23001, 625, 2.0)
    result = cli("collect", str(tmp_path / "logs"))
    assert " 2 new, 0 updated, 0 unchanged, 0 problems" in result.output and not result.stderr
    table = cli("table", "--rows", "name", "--metric", "validation/epoch_loss", "--digits", "2").output
    rows = [line.split() for line in table.splitlines()]
    assert ["20220106-123415", "1.98#"] in rows and ["20220106-130000", "2.98#"] in rows
    runs = read_log_dir(tmp_path / "logs" / "fit" / "20220106-123415")
    assert [sorted(run.metrics) for run in runs] == [["train/epoch_loss", "validation/epoch_loss"]]
    assert runs[0].metrics["train/epoch_loss"].values.tolist() == pytest.approx([1.0, 0.99, 0.98])


def read_log_dir(log_dir: Path, **options) -> list:
    """Read a log_dir split into sub-folders (Keras' train/ and validation/) as collect claims it."""
    adapter = TensorboardAdapter(**options)
    dirs = tuple(sorted(path.name for path in log_dir.iterdir() if path.is_dir()))
    claim = adapter.claim(tensorboard_events.Folder(str(log_dir), frozenset(), dirs))
    assert claim is not None
    (source,) = claim.sources
    return list(adapter.read(source).runs)


def test_a_keras_log_dir_reused_by_several_fits_pairs_each_training_with_its_validation(tmp_path, cli):
    """A Keras TensorBoard callback passed to several fits (and a script run again) with one log_dir:
    each fit writes a file into train/ and one into validation/, its epochs from 0 again (keras-team/
    keras @ 08995a40, keras/src/callbacks/tensorboard.py: writers reset in `set_model`, closed in
    `on_train_end`). Collect made one 'train' and one 'validation' run, each the last fit's curve."""
    log_dir = tmp_path / "logs"
    keras_fit(log_dir, 1700000000, 100, 0, 1.0)
    keras_fit(log_dir, 1700000100, 100, 2, 2.0)  # the next fit of the loop, same process
    keras_fit(log_dir, 1700000500, 200, 0, 3.0)  # the script run again
    result = cli("collect", str(log_dir))
    assert " 3 new, " in result.output
    assert (
        "  logs: its 6 event files hold 3 trainings, each starting its steps over (a log_dir reused by "
        "another fit, or a script run again) — kept: each, with its validation/, as a run of its own, "
        "logs/1700000000 to logs/1700000500; -o trainings=one reads them as one run\n"
    ) in result.stderr
    table = cli("table", "--rows", "name", "--metric", "validation/epoch_loss", "--digits", "2").output
    rows = [line.split() for line in table.splitlines()]
    assert ["logs/1700000000", "1.98#"] in rows and ["logs/1700000100", "2.98#"] in rows
    assert ["logs/1700000500", "3.98#"] in rows
    (joined_run,) = read_log_dir(log_dir, trainings="one")
    assert joined_run.metrics["validation/epoch_loss"].values.tolist() == pytest.approx([4.0, 3.99, 3.98])


def test_keras_trainings_whose_validation_cannot_be_told_are_runs_of_their_own_and_said(tmp_path):
    """A validation file of a process no training file is of (validation/ copied from another run)
    cannot be paired: each training and each validation is a run of its own, and one problem line
    says so and what to do (keras-team/keras @ 08995a40, keras/src/callbacks/tensorboard.py)."""
    log_dir = tmp_path / "logs"
    keras_fit(log_dir, 1700000000, 100, 0, 1.0)
    keras_fit(log_dir, 1700000100, 100, 2, 2.0)
    stray = log_dir / "validation" / "events.out.tfevents.1700000105.host.100.3.v2"
    stray.rename(stray.with_name("events.out.tfevents.1700000105.other.300.3.v2"))
    adapter = TensorboardAdapter()
    dirs = ("train", "validation")
    (source,) = adapter.claim(tensorboard_events.Folder(str(log_dir), frozenset(), dirs)).sources
    result = adapter.read(source)
    assert [run.name for run in result.runs] == [
        "logs/train/1700000000",
        "logs/train/1700000100",
        "logs/validation/1700000005",
        "logs/validation/1700000105",
    ]
    assert [problem.describe() for problem in result.problems] == [
        f"{log_dir}: its train/ holds 2 trainings and validation/ 2, whose file times and process ids do "
        "not tell which of them go together — kept: each as a run of its own, logs/train/1700000000 to "
        "logs/validation/1700000105, not paired (give each training its own log_dir); -o trainings=one "
        "reads them as one run"
    ]


def test_a_keras_log_dir_holding_a_csvlogger_log_keeps_it_as_a_run(tmp_path, cli):
    """`CSVLogger("logs/training.log")` beside `TensorBoard(log_dir="logs")` (keras-team/keras
    @ 08995a40, keras/src/callbacks/csv_logger.py and tensorboard.py): the log_dir is the keras_csv
    adapter's run, so its train/ and validation/ stay runs of their own; none is left unread."""
    keras_fit(tmp_path / "logs", 1641490455, 22914, 625, 1.0)
    (tmp_path / "logs" / "training.log").write_text("epoch,loss,val_loss\n0,1.0,2.0\n1,0.99,1.99\n")
    result = cli("collect", str(tmp_path / "logs"))
    assert " 3 new, " in result.output
    names = [line.split()[1] for line in cli("runs").output.splitlines()[2:] if len(line.split()) == 3]
    assert sorted(names) == ["logs/training.log", "train", "validation"]


def fairseq_training(logdir: Path, start: int, pid: int, updates: range, loss: float) -> None:
    """Write what one fairseq-train writes with --tensorboard-logdir (facebookresearch/fairseq
    @ 6fd87485, fairseq/logging/progress_bar.py, `TensorboardProgressBarWrapper._writer`: a
    SummaryWriter per tag in `<logdir>/<tag>`): train_inner/ every log interval, then train/ and
    valid/ at the end of each epoch (here: every 100 updates), all stepped by num_updates."""
    points: dict[str, list[tuple[float, int, float]]] = {"train_inner": [], "train": [], "valid": []}
    for update in updates:
        points["train_inner"].append((start + update, update, loss - update / 1000))
        if update % 100 == 0:
            points["train"].append((start + update + 0.5, update, loss - update / 1000))
            points["valid"].append((start + update + 0.7, update, loss + 1 - update / 1000))
    for tag, logged in points.items():
        name = f"events.out.tfevents.{int(logged[0][0])}.host.{pid}.{len(tag)}"
        (logdir / tag).mkdir(parents=True, exist_ok=True)
        (logdir / tag / name).write_bytes(
            b"".join(frame(scalar_event(t, step, "loss", v)) for t, step, v in logged)
        )


def test_fairseq_s_tensorboard_logdir_is_one_run_per_training_with_its_valid(tmp_path, cli):
    """fairseq-train's --tensorboard-logdir writes train_inner/, train/ and valid/ (facebookresearch/
    fairseq @ 6fd87485, fairseq/logging/progress_bar.py); fairseq is installed neither here nor in
    CI. Collect made three runs named 'train_inner', 'train' and 'valid'; a script run again into
    the same logdir was joined into them. A training resumed from its checkpoint (num_updates going
    on) is the same training."""
    fairseq_training(tmp_path / "tb", 1700000000, 100, range(10, 210, 10), 5.0)
    fairseq_training(tmp_path / "tb", 1700001000, 101, range(210, 310, 10), 5.0)  # resumed
    (run,) = read_log_dir(tmp_path / "tb")
    assert sorted(run.metrics) == ["train/loss", "train_inner/loss", "valid/loss"]
    assert run.name == "tb" and run.metrics["valid/loss"].steps.tolist() == [100, 200, 300]
    fairseq_training(tmp_path / "tb", 1700002000, 102, range(10, 110, 10), 7.0)  # run again from scratch
    result = cli("collect", str(tmp_path / "tb"))
    assert " 2 new, " in result.output
    assert (
        "tb: its 9 event files hold 2 trainings, each starting its steps over (a log_dir reused by another "
        "fit, or a script run again) — kept: each, with its train/ and valid/, as a run of its own, "
        "tb/1700000010 to tb/1700002010; -o trainings=one reads them as one run\n"
    ) in result.stderr
    table = cli("table", "--rows", "name", "--metric", "valid/loss", "--digits", "2").output
    rows = [line.split() for line in table.splitlines()]
    cells = {row[0]: row[1].strip("*#°") for row in rows if len(row) == 2}  # loss: lower is bold
    assert cells["tb/1700000010"] == "5.70" and cells["tb/1700002010"] == "7.90"


RERUNS = ROOT / "tests" / "fixtures" / "tensorboard_reruns" / "logs"


def training_names(folder: str) -> list[str]:
    """Name the trainings of a fixture folder as collect does: `<folder>/<time in its file's name>`."""
    return sorted(f"{folder}/{path.name.split('.')[3]}" for path in (RERUNS / folder).glob("events.*"))


def test_a_script_run_again_with_add_scalars_or_add_hparams_is_a_run_per_training(tmp_path, cli):
    """tensorboardX 2.6.5 (fixtures/tensorboard_reruns): a script run twice with one SummaryWriter
    folder writes an event file per run into it and, beside it, one into each `add_scalars` folder
    (`loss/train/`) or an `add_hparams` session (`<time>/`). Collect split only folders without
    sub-folders: both runs were one, the last value of each step kept (min of val/acc 0.5, not
    0.1), with 'logs 5 step(s) more than once' only (nothing for one seed run twice), and each
    hparams session was a run of its own with lr but no val/acc, the curves a run without lr."""
    for folder in ("add_scalars", "add_hparams", "same_values"):
        shutil.copytree(RERUNS / folder, tmp_path / "logs" / folder)
    result = cli("collect", "logs")
    assert result.output.startswith("Collected logs: 6 new,") and "more than once" not in result.stderr
    for folder, files, below in (
        ("add_scalars", 6, "loss/train/ and loss/val/"),
        ("add_hparams", 4, "add_hparams session"),
        ("same_values", 6, "loss/train/ and loss/val/"),
    ):
        first, last = training_names(folder)
        assert (
            f"  logs/{folder}: its {files} event files hold 2 trainings, each starting its steps over (a "
            f"log_dir reused by another fit, or a script run again) — kept: each, with its {below}, as a "
            f"run of its own, {first} to {last}; -o trainings=one reads them as one run\n"
        ) in result.stderr
    by_min = ("--metric", "val/acc", "--metric", "loss/train", "--reduce", "min", "--digits", "2")
    table = cli("table", "--rows", "name", *by_min)
    rows = [line.replace("*", "").replace("#", "").split() for line in table.output.splitlines()]
    first, last = training_names("add_scalars")
    assert [first, "0.10", "0.10"] in rows and [last, "0.50", "0.50"] in rows
    assert [[name, "0.10", "0.10"] in rows for name in training_names("same_values")] == [True, True]
    by_lr = ("--rows", "lr", "--metric", "val/acc", "--metric", "hparam/final", "--digits", "2")
    table = cli("table", "--rows", "name", *by_lr)
    rows = [line.replace("*", "").replace("#", "").split() for line in table.output.splitlines()]
    first, last = training_names("add_hparams")
    assert [first, "0.1", "0.14", "0.14"] in rows and [last, "0.5", "0.54", "0.54"] in rows


def test_steps_that_start_over_inside_one_file_stay_one_run_and_are_said(tmp_path, cli):
    """tensorboardX 2.6.5 (fixtures/tensorboard_reruns/logs/two_phase): one writer logs pretraining at
    steps 0..9, then fine-tuning from step 0 again, into one event file. It is one run, as TensorBoard
    shows it, and collect says where the steps start over and what `last` then is. Splitting such a
    file at each restart made a normal run many: a final evaluation logged at step 0 again, or a batch
    index as the step, cut one training into runs of a point or an epoch each."""
    shutil.copytree(RERUNS / "two_phase", tmp_path / "logs" / "two_phase")
    result = cli("collect", "logs")
    assert result.output.startswith("Collected logs: 1 new,"), result.output
    assert "its steps start over" in result.stderr and "`last` is the value at the highest step" in result.stderr

    final_eval = tmp_path / "final_eval"
    final_eval.mkdir()
    records = [scalar_event(1700000000 + s, s, "train/loss", 1.0 / (s + 1)) for s in range(5)]
    records += [scalar_event(1700000000 + s, s, "val/acc", 0.5 + s / 10) for s in range(5)]
    records += [scalar_event(1700000010, 0, "val/acc", 0.77), scalar_event(1700000010, 0, "test/acc", 0.75)]
    (final_eval / "events.out.tfevents.1700000000.host").write_bytes(b"".join(frame(r) for r in records))
    (run,) = read_runs_of(final_eval)
    assert set(run.metrics) == {"train/loss", "val/acc", "test/acc"}

    batches = tmp_path / "batches"
    batches.mkdir()
    records = [scalar_event(1700000000 + 3 * e + b, b, "loss", 1.0 - e / 10) for e in range(4) for b in range(3)]
    (batches / "events.out.tfevents.1700000000.host").write_bytes(b"".join(frame(r) for r in records))
    (run,) = read_runs_of(batches)
    assert run.name == "batches" and run.metrics["loss"].steps.tolist() == [0, 1, 2]


def test_steps_that_start_over_in_a_file_read_as_one_run_say_what_last_is(tmp_path, cli):
    """Read as one run (-o trainings=one, a Lightning version_N), the fixture `two_phase/` (one
    writer: pretraining at steps 0..9, fine-tuning from step 0 to 4) keeps each step's last value:
    its last is pretraining's step 9, and collect said only 'logs 5 step(s) more than once'."""
    shutil.copytree(RERUNS / "two_phase", tmp_path / "logs" / "two_phase")
    result = cli("collect", "logs", "-o", "trainings=one")
    assert result.output.startswith("Collected logs: 1 new,")
    (file,) = (RERUNS / "two_phase").glob("events.*")
    said = re.escape(
        f"  logs/two_phase: its steps start over ({file.name}: 'val/acc' goes back from step 9 to 0 at "
        "its point 11, "
    )
    rest = re.escape(
        " UTC), read as one run: each step's last value is kept, and `last` is the value at the highest "
        "step, not the one logged last (if one writer logged a second training, give each training its "
        "own log_dir) — kept: one run\n"
    )
    assert re.search(said + r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d" + rest, result.stderr), result.stderr
