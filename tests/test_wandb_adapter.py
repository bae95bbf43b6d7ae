"""Weights & Biases run folders: the fixture written by wandb itself, and logs built record by record."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import struct
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from resultsbook.adapters import available_adapters
from resultsbook.adapters.base import Folder
from resultsbook.adapters.wandblog import BLOCK, scan_log
from resultsbook.adapters.wandbrun import WandbAdapter
from resultsbook.freshness.status import error_tail
from resultsbook.params import normalize_value
from resultsbook.sources.collect import CollectRequest, collect, find_sources
from resultsbook.sources.protowire import as_signed, iter_fields

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "wandb"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text())["runs"]


def read_folder(folder: Path):
    """Claim and read one run folder; return its run and problems."""
    adapter = WandbAdapter()
    files = frozenset(p.name for p in folder.iterdir() if p.is_file())
    dirs = tuple(sorted(p.name for p in folder.iterdir() if p.is_dir()))
    claim = adapter.claim(Folder(str(folder), files, dirs))
    assert claim is not None and len(claim.sources) == 1
    result = adapter.read(claim.sources[0])
    assert len(result.runs) == 1
    return result.runs[0], result.problems


# ---------------------------------------------------------------- a tiny writer of .wandb logs
def varint(number: int) -> bytes:
    number &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pb(number: int, value: Any) -> bytes:
    """Encode one field: ints as varints, str/bytes as length-delimited."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def item(key: str | Sequence[str], value: Any, raw: str | None = None) -> bytes:
    """A History/Config/SummaryItem: a dotted str is sent as `key`, a list as `nested_key`."""
    head = pb(1, key) if isinstance(key, str) else b"".join(pb(2, part) for part in key)
    return head + pb(16, raw if raw is not None else json.dumps(value))


def history(step: int, values: dict[str, Any], time: float | None = None) -> bytes:
    items = [item([*key.split("/")], value) for key, value in values.items()]
    items.append(item(["_step"], step))
    if time is not None:
        items.append(item(["_timestamp"], time))
    return pb(2, b"".join(pb(1, i) for i in items) + pb(2, pb(1, step) if step else b""))


def run_record(run_id: str = "abc123", config: dict[str, Any] | None = None, **text: Any) -> bytes:
    body = pb(1, run_id) + pb(3, text.get("project", "proj"))
    if config:
        body += pb(4, b"".join(pb(1, item(k, v)) for k, v in config.items()))
    if "name" in text:
        body += pb(8, text["name"])
    if "start" in text:
        body += pb(17, pb(1, int(text["start"])) + pb(2, 500_000_000))
    if "commit" in text:
        body += pb(21, pb(1, "git@example.org:lab/x.git") + pb(2, text["commit"]))
    return pb(17, body)


def exit_record(code: int | None = 0, runtime: int = 0) -> bytes:
    body = (pb(1, code) if code else b"") + (pb(2, runtime) if runtime else b"")
    return pb(18, body)


def frame(records: Sequence[bytes]) -> bytes:
    """Write records as W&B's writer does: header, 32 KiB blocks, FULL or FIRST/MIDDLE*/LAST chunks."""
    out = bytearray(b":W&B\xe1\xbe\x00")
    for number, body in enumerate(records, 1):
        data = pb(1, number) + body
        first = True
        while True:
            room = BLOCK - len(out) % BLOCK
            if room < 7:
                out += b"\x00" * room
                continue
            piece, data = data[: room - 7], data[room - 7 :]
            kind = (1 if first else 4) if not data else (2 if first else 3)
            out += struct.pack("<IHB", zlib.crc32(piece, zlib.crc32(bytes([kind]))), len(piece), kind) + piece
            first = False
            if not data:
                break
    return bytes(out)


def write_run(folder: Path, records: Sequence[bytes], run_id: str = "abc123") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"run-{run_id}.wandb").write_bytes(frame(records))
    return folder


# ---------------------------------------------------------------- the fixture written by wandb
@pytest.mark.parametrize("folder_name", sorted(EXPECTED))
def test_fixture_runs_agree_with_wandbs_own_reader(folder_name):
    expected = EXPECTED[folder_name]
    run, _ = read_folder(FIXTURE / "wandb" / folder_name)
    assert run.status == expected["status"]
    assert run.name == (expected["name"] or expected["run_id"])
    assert run.experiment == expected["project"]
    assert run.start_time == pytest.approx(expected["start_time"], abs=1e-6)
    assert dict(run.params) == {k: normalize_value(v) for k, v in expected["params"].items()}
    assert sorted(run.metrics) == sorted(expected["metrics"])
    for key, series in expected["metrics"].items():
        assert run.metrics[key].steps.tolist() == series["steps"]
        assert run.metrics[key].values.tolist() == series["values"]
    assert dict(run.summary) == expected["summary"]
    assert run.provenance["git"] == expected["git"]
    assert run.provenance["wandb"].get("exit_code") == expected["exit_code"]


def test_fixture_holds_each_kind_of_run():
    statuses = sorted(run["status"] for run in EXPECTED.values())
    assert statuses == ["failed", "finished", "finished", "interrupted", "running", "running"]
    assert any(not run["complete"] for run in EXPECTED.values())


def test_every_fixture_run_is_found_once_by_the_wandb_adapter():
    found = [(source.path, adapter.name) for source, adapter in find_sources(CollectRequest(str(FIXTURE)))]
    assert sorted(os.path.basename(path) for path, _ in found) == sorted(EXPECTED)
    assert {name for _, name in found} == {"wandb"}


def test_wall_times_and_end_time_come_from_timestamps():
    name = next(n for n, r in EXPECTED.items() if r["status"] == "finished" and n.startswith("offline"))
    run, _ = read_folder(FIXTURE / "wandb" / name)
    times = run.metrics["val/acc"].times
    assert times is not None and all(t >= run.start_time for t in times)
    assert run.end_time >= times[-1]


def test_media_logged_beside_metrics_are_not_metrics():
    name = next(n for n in EXPECTED if n.endswith("finish01"))
    run, problems = read_folder(FIXTURE / "wandb" / name)
    assert not [key for key in (*run.metrics, *run.summary) if key.startswith("weights")]
    assert problems == ()


def test_torn_copy_keeps_points_before_the_cut_and_says_so():
    name = next(n for n in EXPECTED if n.endswith("-torn"))
    run, problems = read_folder(FIXTURE / "wandb" / name)
    assert run.status == "running" and run.end_time is None
    assert len(run.metrics["val/acc"]) == EXPECTED[name]["metrics"]["val/acc"]["n"]
    assert [p.message for p in problems if "ends inside" in p.message]
    assert run.provenance["wandb"]["log_complete"] is False


def test_log_cut_anywhere_keeps_a_prefix_of_the_points(tmp_path):
    name = next(n for n in EXPECTED if n.endswith("finish01"))
    full = (FIXTURE / "wandb" / name / "run-finish01.wandb").read_bytes()
    steps = EXPECTED[name]["metrics"]["val/acc"]["steps"]
    folder = tmp_path / "offline-run-20250101_000000-finish01"
    folder.mkdir()
    for cut in range(0, len(full), 97):
        (folder / "run-finish01.wandb").write_bytes(full[:cut])
        run, _ = read_folder(folder)
        kept = run.metrics["val/acc"].steps.tolist() if "val/acc" in run.metrics else []
        assert kept == steps[: len(kept)]
        assert run.status == "running"


def _online_run_without_its_log(tmp_path):
    """Return the name of the fixture's online run and a copy of its folder without its .wandb log."""
    name = next(n for n in EXPECTED if n.endswith("online01"))
    folder = tmp_path / name
    shutil.copytree(FIXTURE / "wandb" / name, folder)
    (folder / "run-online01.wandb").unlink()
    return name, folder


def test_files_folder_fills_in_a_run_without_its_log(tmp_path):
    name, folder = _online_run_without_its_log(tmp_path)
    run, problems = read_folder(folder)
    assert problems == ()
    assert dict(run.params) == {k: normalize_value(v) for k, v in EXPECTED[name]["params"].items()}
    assert dict(run.summary) == EXPECTED[name]["summary"]
    assert run.provenance["git"] == EXPECTED[name]["git"]
    assert run.metrics == {} and run.status == "unknown"


def test_a_folder_without_its_log_is_named_by_the_run_id_in_its_name(tmp_path):
    # Tarun-AK/scaling@f72a9e5: run-20260226_154419-m7i0ap16/ committed without its .wandb log
    _, folder = _online_run_without_its_log(tmp_path)
    run, _ = read_folder(folder)
    assert run.name == "online01"
    assert run.provenance["wandb"]["run_id"] == "online01"


def test_files_folder_fills_in_a_log_cut_before_its_config(tmp_path):
    name = next(n for n in EXPECTED if n.endswith("online01"))
    folder = tmp_path / name
    shutil.copytree(FIXTURE / "wandb" / name, folder)
    log = folder / "run-online01.wandb"
    log.write_bytes(log.read_bytes()[:7])
    run, _ = read_folder(folder)
    assert run.params["optimizer.lr"] == EXPECTED[name]["params"]["optimizer.lr"]
    assert run.status == "running"
    assert run.start_time is not None  # from wandb-metadata.json's startedAt


def test_a_log_cut_short_of_the_summary_says_its_series_stop_early(tmp_path):
    # a run folder committed or copied while W&B was writing: the log stops, files/ has the end
    name = next(n for n in EXPECTED if n.endswith("online01"))
    folder = tmp_path / name
    shutil.copytree(FIXTURE / "wandb" / name, folder)
    log = folder / "run-online01.wandb"
    log.write_bytes(log.read_bytes()[: log.stat().st_size // 2])
    run, problems = read_folder(folder)
    last = run.metrics["val/acc"].steps[-1]
    assert last < 190
    cut = [p for p in problems if "cut short of the run" in p.message]
    assert len(cut) == 1 and cut[0].path == str(log)
    assert f"up to _step {last:g}" in cut[0].message and "at _step 190" in cut[0].message
    assert run.summary["val/acc"] == EXPECTED[name]["summary"]["val/acc"]


def test_a_whole_log_says_nothing_of_the_summary_file():
    name = next(n for n in EXPECTED if n.endswith("online01"))
    _, problems = read_folder(FIXTURE / "wandb" / name)
    assert not [p for p in problems if "cut short" in p.message]


# ---------------------------------------------------------------- logs built here
def test_exit_record_decides_finished_or_failed_and_its_absence_running(tmp_path):
    def status(*records: bytes) -> str:
        folder = write_run(tmp_path / f"run{len(list(tmp_path.iterdir()))}", [run_record(), *records])
        return read_folder(folder)[0].status

    assert status(exit_record(0)) == "finished"  # proto3 leaves the zero exit code out
    assert status(exit_record(1)) == "failed"
    assert status(exit_record(255)) == "interrupted"  # wandb's exit hook on a KeyboardInterrupt
    assert status(exit_record(-9)) == "failed"
    assert status() == "running"
    assert status(pb(23, b"")) == "interrupted"  # preempting, never exited


def test_a_failed_run_keeps_the_traceback_its_console_output_ends_with(tmp_path):
    # W&B logs the console (stderr included) in the .wandb log; failed runs of a stranger's tree
    # (github.com/0Chris5R/StanfordCS336-Own-Transformer @ 439c6c6d, wandb/) hold their traceback
    # there, and status said "no error recorded"
    crashed, _ = read_folder(FIXTURE / "wandb" / "offline-run-20261127_192050-crash001")
    error = crashed.provenance["error"]
    assert (error["type"], error["message"]) == ("ValueError", "diverged")
    assert error["traceback_tail"].startswith("Traceback (most recent call last):\n  File ")
    assert error["traceback_tail"].endswith('raise ValueError("diverged")\nValueError: diverged')
    finished, _ = read_folder(FIXTURE / "wandb" / "offline-run-20261127_192049-finish01")
    assert "error" not in finished.provenance

    def output(line: str, stdout: bool = False) -> bytes:
        return pb(13, (pb(1, 1) if stdout else b"") + pb(3, line))

    noise = [output(f"step {i}\n", stdout=True) for i in range(100)]
    lines = ["Traceback (most recent call last):\n", '  File "train.py", line 3, in <module>\n', "OSError\n"]
    folder = write_run(
        tmp_path / "run",
        [run_record(), output("warning: slow\n"), *map(output, lines), *noise, exit_record(1)],
    )
    error = read_folder(folder)[0].provenance["error"]
    assert error == {"type": "OSError", "message": "", "traceback_tail": "".join(lines).rstrip()}
    noted = [
        *lines[:2],
        "RuntimeError: compile failed\n",
        "\n",
        "You can suppress this exception:\n",
        "    x = 1\n",
    ]
    folder = write_run(tmp_path / "noted", [run_record(), *map(output, noted), exit_record(1)])
    error = read_folder(folder)[0].provenance["error"]
    assert (error["type"], error["message"]) == ("RuntimeError", "compile failed")  # then torch's notes
    stopped, _ = read_folder(FIXTURE / "wandb" / "offline-run-20261203_213313-ctrlc001")
    assert error_tail(stopped.provenance).endswith("^^^^^^^^^^^^^^^^^^^^^^^ | KeyboardInterrupt")  # said once
    plain = write_run(tmp_path / "plain", [run_record(), output("Killed\n"), exit_record(137)])
    assert read_folder(plain)[0].provenance["error"] == {
        "type": "exit code",
        "message": "137",
        "traceback_tail": "Killed",
    }


def test_negative_exit_code_is_decoded():
    assert as_signed(next(iter_fields(pb(1, -9)))[2], 32) == -9


def test_config_updates_and_removals_apply_in_order(tmp_path):
    config_update = pb(
        5, pb(1, item("lr", 0.5)) + pb(1, item(["opt", "beta"], 0.9)) + pb(2, item("drop", None))
    )
    records = [run_record(config={"lr": 0.1, "drop": 1, "_wandb": {"cli_version": "0.31.0"}}), config_update]
    run, problems = read_folder(write_run(tmp_path / "r", records))
    assert dict(run.params) == {"lr": 0.5, "opt.beta": 0.9}
    assert problems == ()


def test_flat_keys_and_objects_of_older_writers_are_joined_with_dots(tmp_path):
    row = pb(2, pb(1, item("val", {"acc": 0.5, "img": {"_type": "image-file"}})) + pb(1, item("_step", 3)))
    run, _ = read_folder(write_run(tmp_path / "r", [run_record(), row]))
    assert list(run.metrics) == ["val.acc"]
    assert run.metrics["val.acc"].steps.tolist() == [3]


def test_non_finite_and_text_values(tmp_path):
    rows = [
        pb(2, pb(1, item(["loss"], None, raw="NaN")) + pb(1, item(["_step"], 0))),
        pb(2, pb(1, item(["loss"], None, raw="Infinity")) + pb(1, item(["_step"], 1))),
        pb(2, pb(1, item(["loss"], 1.0)) + pb(1, item(["phase"], "warmup")) + pb(1, item(["_step"], 2))),
    ]
    run, problems = read_folder(write_run(tmp_path / "r", [run_record(), *rows]))
    values = run.metrics["loss"].values.tolist()
    assert math.isnan(values[0]) and values[1:] == [math.inf, 1.0]
    messages = [p.message for p in problems]
    assert any("'phase' are not numbers" in m for m in messages)
    assert any("NaN/Infinity" in m for m in messages)


def test_run_record_gives_identity_start_time_and_git(tmp_path):
    records = [run_record("xyz", name="bright-sun-3", project="paper", start=1_700_000_000, commit="c0ffee")]
    run, _ = read_folder(write_run(tmp_path / "r", [*records, exit_record(0, runtime=12)], run_id="xyz"))
    assert run.name == "bright-sun-3" and run.experiment == "paper"
    assert run.start_time == 1_700_000_000.5
    assert run.end_time == 1_700_000_012.5
    assert run.provenance["git"] == {"commit": "c0ffee", "remote": "git@example.org:lab/x.git"}


def test_record_split_over_blocks_is_joined(tmp_path):
    big = "x" * (BLOCK * 2)
    records = [run_record(config={"blob": big}), history(1, {"loss": 0.5}), exit_record(0)]
    data = frame(records)
    assert len(data) > 2 * BLOCK
    run, problems = read_folder(write_run(tmp_path / "r", records))
    assert problems == ()
    assert run.params["blob"] == big and run.metrics["loss"].values.tolist() == [0.5]


def test_crc_mismatch_is_reported_and_other_blocks_are_kept(tmp_path):
    records = [run_record()] + [history(step, {"loss": float(step)}) for step in range(1, 3000)]
    data = bytearray(frame(records))
    assert len(data) > 3 * BLOCK
    data[BLOCK + 100] ^= 0xFF  # inside the second block
    problems = []
    scan = scan_log(bytes(data), "run-x.wandb", problems)
    assert [p.message for p in problems if "CRC-32 mismatch" in p.message]
    assert scan.complete
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "run-abc123.wandb").write_bytes(bytes(data))
    run, _ = read_folder(folder)
    steps = run.metrics["loss"].steps.tolist()
    assert steps[0] == 1 and steps[-1] == 2999
    # only the rows with a chunk in the corrupt block are lost
    smallest = min(len(frame([r])) - 2 * 7 for r in records[1:])
    assert 2999 - (BLOCK // smallest + 2) <= len(steps) < 2999


def test_foreign_and_empty_files_are_problems_not_crashes(tmp_path):
    for content, words in [(b"", "is empty"), (b"PK\x03\x04" + b"\x00" * 40, "does not start")]:
        folder = tmp_path / f"r{len(content)}"
        folder.mkdir()
        (folder / "run-abc123.wandb").write_bytes(content)
        run, problems = read_folder(folder)
        assert run.status == "running" and run.name == "abc123"
        assert words in problems[0].message


def test_garbage_record_is_skipped(tmp_path):
    records = [run_record(), b"\x0f\xff", history(1, {"loss": 0.5}), exit_record(0)]
    run, problems = read_folder(write_run(tmp_path / "r", records))
    assert run.metrics["loss"].values.tolist() == [0.5] and run.status == "finished"
    assert "not valid protobuf" in problems[0].message


def test_legacy_config_yaml_with_desc_is_read(tmp_path):
    folder = tmp_path / "wandb" / "offline-run-20210216_154407-g9dvvkua"
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "config.yaml").write_text(
        "wandb_version: 1\n\n_wandb:\n  desc: null\n  value:\n    cli_version: 0.10.20\n"
        "lr:\n  desc: null\n  value: 0.01\nnet:\n  desc: null\n  value:\n    depth: 3\n"
    )
    run, _ = read_folder(folder)
    assert dict(run.params) == {"lr": 0.01, "net.depth": 3}


def test_latest_run_link_is_not_read_twice(tmp_path):
    records = [run_record(), history(1, {"loss": 0.5}), exit_record(0)]
    write_run(tmp_path / "wandb" / "run-20250101_000000-abc123", records)
    os.symlink("run-20250101_000000-abc123", tmp_path / "wandb" / "latest-run")
    found = list(find_sources(CollectRequest(str(tmp_path))))
    assert [os.path.basename(s.path) for s, _ in found] == ["run-20250101_000000-abc123"]


def test_latest_run_collected_by_its_link_is_the_run_it_points_to(tmp_path, store):
    records = [run_record(), history(1, {"loss": 0.5}), exit_record(0)]
    write_run(tmp_path / "wandb" / "run-20250101_000000-abc123", records)
    os.symlink("run-20250101_000000-abc123", tmp_path / "wandb" / "latest-run")
    by_link = collect(store, [CollectRequest(str(tmp_path / "wandb" / "latest-run"))])
    assert by_link.new == 1  # it found nothing: a walk of wandb/ skips the link, to read the run once
    by_parent = collect(store, [CollectRequest(str(tmp_path / "wandb"))])
    assert (by_parent.new, by_parent.unchanged) == (0, 1)  # the same run, not a second one


def test_wandb_adapter_claims_before_the_native_one():
    adapters = available_adapters()
    assert "wandb" in adapters
    assert adapters["wandb"].priority < adapters["native"].priority


# ---------------------------------------------------------------- through the command line
def test_collect_then_table_through_the_cli(cli):
    result = cli("collect", str(FIXTURE))
    assert result.exit_code == 0, result.output
    assert f"{len(EXPECTED)} new" in result.output
    result = cli(
        "table",
        "--rows",
        "model",
        "--columns",
        "dataset",
        "--metric",
        "val/acc",
        "--where",
        "status=finished",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    cells = json.loads(result.output)["cells"]
    finished = [r for r in EXPECTED.values() if r["status"] == "finished"]
    lasts = [r["metrics"]["val/acc"]["last"] for r in finished]
    assert len(cells) == 1 and cells[0]["row"] == {"model": "mlp"}
    assert cells[0]["stats"]["mean"] == pytest.approx(sum(lasts) / len(lasts))
    result = cli("runs")
    assert "failed" in result.output and "running" in result.output


def test_later_summary_events_replace_whole_keys_in_log_order(tmp_path):
    def summary(*items: bytes, removes: Sequence[bytes] = ()) -> bytes:
        return pb(3, b"".join(pb(1, i) for i in items) + b"".join(pb(2, r) for r in removes))

    records = [
        run_record(),
        summary(item("val", {"acc": 1, "f1": 2})),
        summary(item(["val", "acc"], 3)),
        summary(item("val", {"acc": 4, "f1": 5, "loss": 9})),
        summary(item(["val", "acc"], 6), removes=[item(["val", "loss"], None)]),
        summary(item("best", 0.5), removes=[item("best", None)]),  # removals follow updates
        summary(item("test", 7)),
    ]
    run, _ = read_folder(write_run(tmp_path / "r", records))
    assert dict(run.summary) == {"val.acc": 6.0, "val.f1": 5.0, "test": 7.0}


def test_a_summary_file_written_after_the_logs_last_summary_wins(tmp_path):
    def summary(*items: bytes) -> bytes:
        return pb(3, b"".join(pb(1, i) for i in items))

    records = [run_record(), *(history(s, {"acc": s / 10}) for s in range(5))]
    records.append(summary(item("acc", 0.4), item("best", 0.4), item("_step", 4)))
    folder = write_run(tmp_path / "run-20250101_000000-abc123", records)
    (folder / "files").mkdir()
    (folder / "files" / "wandb-summary.json").write_text('{"acc": 0.9, "_step": 9}')
    run, _ = read_folder(folder)
    assert dict(run.summary) == {"acc": 0.9, "best": 0.4}
    (folder / "files" / "wandb-summary.json").write_text('{"acc": 0.1, "other": 2, "_step": 4}')
    run, _ = read_folder(folder)
    assert dict(run.summary) == {"acc": 0.4, "best": 0.4, "other": 2.0}  # the log wins a tie


def test_mixed_tree_gives_each_run_to_its_own_adapter(tmp_path):
    from conftest import curve, write_native_run

    shutil.copytree(FIXTURE / "wandb", tmp_path / "project" / "wandb")
    write_native_run(tmp_path / "native" / "run1", {"model": "mlp", "seed": 9}, curve([0.5, 0.6]))
    found = sorted(
        (adapter.name, os.path.basename(s.path)) for s, adapter in find_sources(CollectRequest(str(tmp_path)))
    )
    assert found == sorted([("native", "run1"), *(("wandb", name) for name in EXPECTED)])


def chunk_offsets(data: bytes) -> list[int]:
    """Return where each chunk of a one-block .wandb log starts (after the 7-byte file header)."""
    offsets, position = [], 7
    while position + 7 <= len(data) and data[position : position + 7] != bytes(7):
        offsets.append(position)
        position += 7 + struct.unpack_from("<H", data, position + 4)[0]
    return offsets


@pytest.mark.parametrize(
    ("where", "message"),
    [(9, "CRC-32 mismatch"), (6, "chunk type 254 is unknown")],  # a payload byte; the type byte (1)
)
def test_a_corrupt_chunk_is_named_by_byte_and_the_records_before_it_kept(tmp_path, where, message):
    folder = tmp_path / "run"
    shutil.copytree(FIXTURE / "wandb" / "offline-run-20261127_192049-finish01", folder)
    path = folder / "run-finish01.wandb"
    data = bytearray(path.read_bytes())
    offsets = chunk_offsets(bytes(data))
    assert len(data) < BLOCK and len(offsets) == 74  # one block, as wandb wrote this short run
    damaged = offsets[37]
    data[damaged + where] ^= 0xFF
    path.write_bytes(bytes(data))
    run, problems = read_folder(folder)
    assert [p.describe() for p in problems] == [
        f"{path}: {message} at byte {damaged} (corrupt data) — kept: the records before it and in the following blocks"
    ]
    expected = EXPECTED["offline-run-20261127_192049-finish01"]["metrics"]["train.loss"]["steps"]
    assert run.metrics["train.loss"].steps.tolist() == expected[:9]  # the rest of the block is lost


def test_metrics_are_stepped_by_the_step_metric_they_were_defined_against():
    # Hugging Face's WandbCallback plots every metric against train/global_step; W&B's _step counts
    # log calls (a real GRPO run: _step 50 at global step 12), so a curve's steps were log-call counts
    fixture = FIXTURE.parent / "wandb_step_metric"
    (folder,) = (fixture / "wandb").iterdir()
    run, problems = read_folder(folder)
    want = json.loads((fixture / "expected.json").read_text())["steps"]
    assert {key: [int(step) for step in run.metrics[key].steps] for key in want} == want
    assert list(problems) == []  # train/epoch, logged in a training and an evaluation row at step 6, agrees


def test_a_run_resumed_in_several_folders_is_one_replicate_of_a_table(tmp_path, cli):
    # Tarun-AK/scaling@f72a9e5: wandb.init(id="rtklwwa6", resume=...) wrote three folders of one run,
    # the later two holding only the summary carried over; counted apart, n = 3 and a spread of zero
    config = {"hidden_dim": 512}
    trained = [run_record("rtk1", config, start=1_772_403_675), history(1, {"loss": 5.5})]
    ended = [history(2, {"loss": 5.0}), exit_record(0)]
    write_run(tmp_path / "wandb" / "run-20260301_172114-rtk1", [*trained, *ended], "rtk1")
    for when, stamp in (("20260307_161513", 1_772_918_113), ("20260308_194529", 1_773_013_529)):
        resumed = write_run(
            tmp_path / "wandb" / f"run-{when}-rtk1",
            [run_record("rtk1", config, start=stamp), exit_record(0)],
            "rtk1",
        )
        (resumed / "files").mkdir()
        (resumed / "files" / "wandb-summary.json").write_text('{"loss": 5.0, "_step": 2}')
    other = [run_record("oth2", config, start=1_772_500_000), history(1, {"loss": 6.0}), exit_record(0)]
    write_run(tmp_path / "wandb" / "run-20260302_100000-oth2", other, "oth2")
    assert cli("collect", "wandb").exit_code == 0
    result = cli("table", "--rows", "hidden_dim", "--metric", "loss", "--format", "json")
    assert result.exit_code == 0, result.output
    cell = json.loads(result.output)["cells"][0]
    assert cell["stats"]["n"] == 2 and cell["stats"]["mean"] == pytest.approx(5.5)
    result = cli("table", "--rows", "hidden_dim", "--metric", "loss")
    assert "Note: 1 cell(s) hold a W&B run resumed in several folders" in result.output
    assert "rtk1 (3 folders; kept: run-20260308_194529-rtk1)" in result.output
    (tmp_path / "resultsbook.toml").write_text(
        '[tables.t]\nmetric = "loss"\ngoal = "min"\nrows = ["hidden_dim"]\nmin_replicates = 2\n'
        'outputs = ["t.md"]\n'
    )
    strict = cli("build", "--strict")
    assert strict.exit_code == 0, strict.output  # counted once, as it should be: nothing to fix
    assert "Note: t: 1 cell(s) hold a W&B run resumed in several folders (same run id)" in strict.output
    result = cli("explain", "t")
    assert (
        "  ! rtk1 is one W&B run resumed in 3 folders, counted once, from run-20260308_194529-rtk1; its other "
        "folders are not counted here: run-20260301_172114-rtk1, run-20260307_161513-rtk1\n"
    ) in result.output


def _tracked_cleanrl_tree(tmp_path: Path) -> Path:
    """Two CleanRL runs (tests/fixtures/cleanrl, written by torch's SummaryWriter) run with `--track`:
    beside each `runs/<run_name>/` the W&B run that synced it. Its log's shape is that of
    HyLora/CACLAvsCleanRL@10576e8, wandb/run-20251105_181221-swwj8mgr (wandb 0.22.3): the arguments as
    config, the scalars at W&B's own `_step` (a row each, `global_step` among them) and a TBRecord naming
    the log dir as the script gave it (`runs/Pendulum-v1__ppo-run__1__1762362740`)."""
    from trackers import copy_fixture, expected

    root = copy_fixture("cleanrl", tmp_path)
    for seed, (folder, item_) in enumerate(expected("cleanrl").items(), start=1):
        rows = [  # keys as TensorBoard tags, whole: `charts/episodic_return`
            pb(
                2,
                b"".join(
                    pb(1, i)
                    for i in (
                        item("charts/episodic_return", value),
                        item("global_step", step),
                        item(["_step"], row),
                    )
                ),
            )
            for row, (step, value) in enumerate(item_["charts/episodic_return"])
        ]
        code = 0 if seed == 1 else 255  # the second stopped by Ctrl-C
        run_id = f"trk{seed}"
        records = [
            run_record(run_id, item_["arguments"], name=os.path.basename(folder), start=1_796_395_500 + seed),
            pb(9, pb(1, folder) + pb(2, 1)),  # TBRecord: log_dir, save
            *rows,
            exit_record(code),
        ]
        write_run(root / "wandb" / f"run-20261205_23000{seed}-{run_id}", records, run_id)
    return root


def test_a_w_and_b_run_that_synced_a_tensorboard_folder_names_it(tmp_path):
    root = _tracked_cleanrl_tree(tmp_path)
    run, problems = read_folder(root / "wandb" / "run-20261205_230001-trk1")
    assert not problems
    assert run.provenance["wandb"]["tensorboard"] == ["runs/CartPole-v1__ppo__1__1700000001"]


def test_a_cleanrl_run_tracked_with_w_and_b_counts_once_with_the_status_w_and_b_recorded(tmp_path, cli):
    """A CleanRL `--track` run is read twice, from `runs/<run_name>/` and from the W&B run that synced
    it: the table of HyLora/CACLAvsCleanRL@10576e8 said `0.235310 ± 0.000000#†§ ... over n = 2 runs`
    of one training, `several runs share seed 1`, `curves end at different steps (865 to 198656)`."""
    _tracked_cleanrl_tree(tmp_path)
    assert cli("collect", "cleanrl").exit_code == 0
    query = ("table", "--rows", "exp_name", "--metric", "charts/episodic_return")
    result = cli(*query, "--format", "json")
    assert result.exit_code == 0, result.output
    (cell,) = json.loads(result.output)["cells"]
    assert cell["stats"]["n"] == 2 and cell["stats"]["mean"] == pytest.approx(41.5)
    result = cli(*query)
    assert (
        "Note: 1 cell(s) hold a training logged twice, to a TensorBoard folder and to the W&B run that "
        "synced it (sync_tensorboard, CleanRL's --track), counted once, from the TensorBoard folder (ppo: "
        "trk1 (2 folders; kept: CartPole-v1__ppo__1__1700000001), trk2 (2 folders; kept: "
        "CartPole-v1__ppo__2__1700000002)): counted apart they would be two replicates of one training"
    ) in result.output
    assert "several runs share" not in result.output and "end at different steps" not in result.output
    # the event files record no end: the W&B run that synced them says the second was stopped
    assert "Warning: table: ppo: includes 1 interrupted run(s)" in result.output
    (tmp_path / "resultsbook.toml").write_text(
        '[tables.t]\nmetric = "charts/episodic_return"\ngoal = "max"\nrows = ["exp_name"]\n'
        'outputs = ["t.md"]\n'
    )
    result = cli("explain", "t")
    assert re.search(r"cleanrl/runs/CartPole-v1__ppo__2__1700000002\s+42\n", result.output)
    assert re.search(r"CartPole-v1__ppo__2__1700000002\s+2\s+interrupted\s", result.output)
    assert (
        "  ! trk1 is one training logged to a TensorBoard folder and the W&B run that synced it, counted "
        "once, from CartPole-v1__ppo__1__1700000001; its other folders are not counted here: "
        "run-20261205_230001-trk1\n"
    ) in result.output


def test_status_names_the_w_and_b_run_that_says_why_a_synced_folder_logged_nothing(tmp_path, cli):
    """HyLora/CACLAvsCleanRL@10576e8 holds 8 `runs/Pendulum-v1__ppo-run__1__*/` folders of the
    hyperparameters text alone (714 bytes), each beside the W&B run that synced it and failed with a
    traceback (`KeyError: 'final_observation'`): `status` called each folder "a run stopped before its
    first log" apart from the failure it was."""
    root = _tracked_cleanrl_tree(tmp_path)
    event_file = next((root / "runs" / "CartPole-v1__ppo__2__1700000002").glob("*tfevents*"))
    data, pos = event_file.read_bytes(), 0
    while b"hyperparameters" not in data[pos : pos + 12 + struct.unpack("<Q", data[pos : pos + 8])[0]]:
        pos += 16 + struct.unpack("<Q", data[pos : pos + 8])[0]
    event_file.write_bytes(data[: pos + 16 + struct.unpack("<Q", data[pos : pos + 8])[0]])  # its params alone
    assert cli("collect", "cleanrl").exit_code == 0
    result = cli("status")
    assert (
        "logged no metric, only its params; the W&B run that synced this folder, "
        "cleanrl/wandb/run-20261205_230002-trk2, is interrupted, which says why\n"
    ) in result.output


def test_a_latest_run_folder_that_is_no_link_is_read_when_no_sibling_holds_its_run(tmp_path, store):
    # Tarun-AK/scaling@f72a9e5 commits wandb/latest-run/ as a folder, a copy of run-…-efr29yl1/ beside it;
    # a tree holding that copy alone (a zip of the project) found no run at all
    records = [run_record("abc123"), history(1, {"loss": 0.5}), exit_record(0)]
    write_run(tmp_path / "alone" / "wandb" / "latest-run", records)
    assert collect(store, [CollectRequest(str(tmp_path / "alone"))]).new == 1
    write_run(tmp_path / "both" / "wandb" / "run-20250101_000000-abc123", records)
    write_run(tmp_path / "both" / "wandb" / "latest-run", records)
    found = list(find_sources(CollectRequest(str(tmp_path / "both"))))
    assert [os.path.basename(s.path) for s, _ in found] == ["run-20250101_000000-abc123"]


def test_collecting_a_run_folders_files_names_the_run_folder_to_collect(tmp_path, cli):
    """7vik/nn-modularity@8cdb9e4: `collect wandb/run-20250126_220632-ktx43zjs/files` (one folder too
    deep) was told to read requirements.txt with --pattern '**/requirements.txt', as a log."""
    run = write_run(tmp_path / "wandb" / "run-20250126_220632-ktx43zjs", [run_record("ktx43zjs")], "ktx43zjs")
    (run / "files" / "media" / "graph").mkdir(parents=True)
    (run / "files" / "requirements.txt").write_text("torch==2.5.1\n")
    (run / "files" / "wandb-metadata.json").write_text('{"program": "main.py"}')
    for given in (f"{run.name}/files", f"{run.name}/files/media/graph"):
        result = cli("collect", f"wandb/{given}", "--db", "rb.db")
        assert result.exit_code == 1
        assert (
            f"no runs found under wandb/{given}; it is inside the W&B run folder wandb/{run.name}, which "
            "holds its log and files/: collect that folder" in result.output
        )
        assert "--pattern" not in result.output
    assert cli("collect", f"wandb/{run.name}", "--db", "rb.db").exit_code == 0


def test_a_log_torn_in_its_last_row_after_the_summary_of_that_row_says_its_series_stop_early(tmp_path):
    """7vik/nn-modularity@8cdb9e4 transformer/wandb/run-20241024_082905-lo14fiq5: the log ends inside
    its last history row (one spanning blocks), after the summary written at that row's _step 110; the
    series stop at 109 (test_loss 0.0077, the summary's 0.0062) and nothing said the run went on."""

    def summary(*items: bytes) -> bytes:
        return pb(3, b"".join(pb(1, i) for i in items))

    records = [run_record(), *(history(s, {"loss": 1 / (s + 1)}) for s in range(5))]
    records.append(summary(item("loss", 0.05), item("_step", 5)))
    records.append(history(5, {"loss": 0.05, "mask": "x" * 70_000}))  # spans blocks: the cut tears it
    folder = write_run(tmp_path / "run-20241024_082905-abc123", records)
    log = folder / "run-abc123.wandb"
    log.write_bytes(log.read_bytes()[: 2 * BLOCK])
    os.utime(log, (time.time() - 7200,) * 2)  # as the repository's copy: unwritten for hours
    run, problems = read_folder(folder)
    assert run.metrics["loss"].steps.tolist() == [0, 1, 2, 3, 4] and run.summary["loss"] == 0.05
    cut = [p.message for p in problems if "cut short of the run" in p.message]
    assert cut == [
        "holds the run up to _step 4, but the log's own last summary has it at _step 5: the log was cut short "
        "of the run (copied or committed while W&B was writing it?), so each series stops early and its last "
        "point is not the run's last value"
    ]
    # a run still writing its log (written now, no exit record): the torn-record line says so, no copy guessed
    os.utime(log)
    _, problems = read_folder(folder)
    cut = [p.message for p in problems if "cut short of the run" in p.message]
    assert cut == [
        "holds the run up to _step 4, but the log's own last summary has it at _step 5: the log was cut short "
        "of the run, so each series stops early and its last point is not the run's last value"
    ]


def test_collecting_a_run_folders_summary_file_reads_the_run(tmp_path, cli):
    """7vik/nn-modularity@8cdb9e4: `collect wandb/run-…-ktx43zjs/files/wandb-summary.json` was read by the
    records adapter as 5 runs, one per summary key (`run=0,task=_step` among them)."""
    run = write_run(
        tmp_path / "wandb" / "run-20250126_220632-ktx43zjs",
        [run_record("ktx43zjs"), history(0, {"acc": 0.6})],
        "ktx43zjs",
    )
    (run / "files").mkdir()
    (run / "files" / "wandb-summary.json").write_text('{"acc": 0.6, "loss": 0.1, "_step": 0, "_runtime": 7}')
    given = f"wandb/{run.name}/files/wandb-summary.json"
    assert cli("collect", given, "--db", "rb.db").output.startswith(f"Collected {given}: 1 new")
    assert cli("collect", f"wandb/{run.name}", "--db", "rb.db").output.startswith(
        f"Collected wandb/{run.name}: 0 new, 0 updated, 1 unchanged"
    )
    runs = json.loads(cli("runs", "--db", "rb.db", "--format", "json").output)["runs"]
    assert [(r["adapter"], r["name"], r["source"]) for r in runs] == [
        ("wandb", "ktx43zjs", f"wandb/{run.name}")
    ]
    (run / "logs").mkdir()
    (run / "logs" / "debug.log").write_text("2025-01-26 22:06:32,123 INFO MainThread:1 Current SDK version\n")
    for other in ("files/wandb-summary.json", "logs/debug.log"):  # the run's, as its folder is
        assert (
            "0 new, 0 updated, 1 unchanged"
            in cli("collect", f"wandb/{run.name}/{other}", "--db", "rb.db").output
        )
    (tmp_path / "wandb" / "debug.log").write_text("2025-01-26 22:06:32,123 INFO MainThread:1 Current SDK\n")
    debug = cli("collect", "wandb/debug.log", "--db", "rb.db")
    assert debug.exit_code == 2 and debug.output == (
        "Error: no adapter reads wandb/debug.log; it is W&B's debug log, which holds no metrics: collect the "
        "folder of its runs, wandb\n"
    )


def test_show_and_diff_take_a_runs_own_folder_name(tmp_path, cli):
    """7vik/nn-modularity@8cdb9e4: every run of a method shares one display name; `show
    run-20250126_220632-ktx43zjs`, the folder W&B names the run by, said no run has that id or name."""
    for folder, run_id in (
        ("run-20250126_220632-ktx43zjs", "ktx43zjs"),
        ("run-20250126_235311-z4k1ciks", "z4k1ciks"),
    ):
        write_run(
            tmp_path / "wandb" / folder, [run_record(run_id, name="probe"), history(0, {"acc": 0.6})], run_id
        )
    assert cli("collect", "wandb", "--db", "rb.db").exit_code == 0
    shown = cli("show", "run-20250126_220632-ktx43zjs", "--db", "rb.db")
    assert shown.exit_code == 0 and "source: wandb/run-20250126_220632-ktx43zjs (wandb)" in shown.output
    diff = cli("diff", "run-20250126_220632-ktx43zjs", "run-20250126_235311-z4k1ciks", "--db", "rb.db")
    assert diff.exit_code == 0 and "wandb.run_id" in diff.output


def test_a_run_given_no_config_takes_its_params_from_its_command_line(tmp_path):
    """`wandb.init(project=...)` in a script that parses its settings with argparse: W&B records them
    only as the run's args, and a table had no seed nor lr to tell its runs apart. Written by wandb
    itself (tests/fixtures/wandb_args/make_fixture.py)."""
    fixture = Path(__file__).resolve().parent / "fixtures" / "wandb_args"
    args = json.loads((fixture / "expected.json").read_text())["args"]
    folder = next((fixture / "wandb").glob("offline-run-*-argsonly"))
    run, problems = read_folder(folder)
    assert run.provenance["args"] == args
    assert dict(run.params) == {"model": "resnet", "lr": 0.01, "seed": 3, "fp16": True, "hidden_sizes": [64, 128]}
    assert [p.kept for p in problems] == ["the command line's options as params"]
    assert "its params come from the command line" in problems[0].message


def test_a_run_with_a_config_keeps_its_config_alone_as_params(tmp_path):
    """The command line fills in no param beside a config: `--lr 0.5 --extra 1` would add `extra` and
    clash with the config's own names for the same settings."""
    name, folder = _online_run_without_its_log(tmp_path)
    metadata = folder / "files" / "wandb-metadata.json"
    document = json.loads(metadata.read_text())
    metadata.write_text(json.dumps({**document, "args": ["--lr", "0.5", "--extra", "1"]}))
    run, problems = read_folder(folder)
    assert run.provenance["args"] == ["--lr", "0.5", "--extra", "1"]
    assert dict(run.params) == {k: normalize_value(v) for k, v in EXPECTED[name]["params"].items()}
    assert problems == ()


def test_a_resumed_run_is_reduced_over_the_points_of_all_its_folders(tmp_path, cli):
    """wandb 0.31 offline (tests/fixtures/wandb_resumed): a first job peaks at 0.9 + seed / 100 at step 10
    and fails; the resumed job logs 0.6 at steps 20-39. W&B's history of the run is both; `--reduce max`
    read the latest folder alone (0.600 ± 0.000) while a Note said it counted that folder."""
    shutil.copytree(FIXTURE.parent / "wandb_resumed" / "wandb", tmp_path / "wandb")
    assert "4 new" in cli("collect", "wandb").output

    def cell(reduce: str) -> dict:
        shown = cli("table", "--rows", "method", "--metric", "val_acc", "--reduce", reduce, "--format", "json")
        assert shown.exit_code == 0, shown.output
        return json.loads(shown.stdout)["cells"][0]

    best = cell("max")
    assert best["stats"]["n"] == 2 and best["stats"]["mean"] == pytest.approx(0.905)
    assert [mark["kind"] for mark in best["marks"]] == ["few"]  # its latest folder finished: none failed
    assert cell("last")["stats"]["mean"] == pytest.approx(0.6)
    assert cell("at(10)")["stats"]["mean"] == pytest.approx(0.905)
    means = [(19 * 0.5 + 0.9 + seed / 100 + 20 * 0.6) / 40 for seed in (0, 1)]
    assert cell("mean")["stats"]["mean"] == pytest.approx(sum(means) / 2)
    note = cli("table", "--rows", "method", "--metric", "val_acc", "--reduce", "max").output
    assert "resume0 (2 folders; over the points of all of them)" in note, note
    derived = cli("table", "--rows", "method", "--metric", "err", "--derived", "err=1 - val_acc", "--reduce", "min",
                  "--format", "json")  # fmt: skip
    assert json.loads(derived.stdout)["cells"][0]["stats"]["mean"] == pytest.approx(1 - 0.905)  # as max of val_acc


def test_a_run_resumed_without_its_config_keeps_the_params_of_its_earlier_folder(tmp_path, cli):
    """wandb 0.31 offline (tests/fixtures/wandb_resumed_crash): `wandb.init(id=..., resume="allow")` without
    `config=` logs no config in its folder; W&B keeps the run's. The resumed folder, holding `test_acc`,
    had no `lr`: `table --rows lr` refused the metric, and `--reduce max` left out the first folder's points."""
    shutil.copytree(FIXTURE.parent / "wandb_resumed_crash" / "wandb", tmp_path / "wandb")
    collected = cli("collect", "wandb")
    assert "4 new" in collected.output
    assert "its params are the config of its earlier folder offline-run-" in collected.output
    for metric, reduce, mean in (("test_acc", "last", 0.905), ("loss", "max", 1.0), ("loss", "min", 0.2)):
        shown = cli("table", "--rows", "lr", "--metric", metric, "--reduce", reduce, "--format", "json")
        assert shown.exit_code == 0, shown.output
        cell = json.loads(shown.stdout)["cells"][0]
        assert cell["row"] == {"lr": 0.01} and cell["stats"]["n"] == 2, cell
        assert cell["stats"]["mean"] == pytest.approx(mean)
    listed = cli("runs", "--where", "lr=0.01", "--format", "csv")
    assert listed.stdout.count("crash0") == 2 and listed.stdout.count("crash1") == 2, listed.output


def test_the_crashed_first_folder_of_a_resumed_run_is_neither_left_out_nor_running(tmp_path, cli):
    """wandb 0.31 offline (tests/fixtures/wandb_resumed_crash): a first job killed by `os._exit` has no exit
    record, so its folder reads as running. Its run was resumed and finished, and counts from the later
    folder; `table` still warned that 2 runs had no value and were left out, and `status` listed the first
    folders as running under "Runs needing attention"."""
    shutil.copytree(FIXTURE.parent / "wandb_resumed_crash" / "wandb", tmp_path / "wandb")
    assert "4 new" in cli("collect", "wandb").output
    shown = cli("table", "--rows", "lr", "--metric", "test_acc")
    assert shown.exit_code == 0 and "0.905" in shown.stdout, shown.output
    assert "left out" not in shown.stderr and "ran but have no value" not in shown.stderr, shown.stderr
    status = cli("status")
    assert "Runs needing attention" not in status.output, status.output
    assert "none failed, was interrupted or is still running" in status.output, status.output
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "wandb"\n[tables.t]\nmetric = "test_acc"\nrows = ["lr"]\nseeds = [0, 1]\noutputs = []\n'
    )
    status = cli("status")
    assert "running" not in status.output and "complete" in status.output, status.output


def test_a_filter_on_status_keeps_the_earlier_folders_of_a_resumed_run(tmp_path, cli):
    """wandb 0.31 offline (tests/fixtures/wandb_resumed_crash): a filter selects a resumed run as a whole,
    as its latest folder says. `--where status=finished` kept the finished later folder alone: `max` of
    `loss` fell from 1.0 to 0.2 and `at(2)` had no value, and the API's runs lost the first folders."""
    from resultsbook.api.book import open_book

    shutil.copytree(FIXTURE.parent / "wandb_resumed_crash" / "wandb", tmp_path / "wandb")
    assert "4 new" in cli("collect", "wandb").output
    for reduce, mean in (("max", 1.0), ("at(2)", 0.8)):
        shown = cli(
            "table", "--rows", "lr", "--metric", "loss", "--reduce", reduce,
            "--where", "status=finished", "--format", "json",
        )  # fmt: skip
        assert shown.exit_code == 0, shown.output
        cell = json.loads(shown.stdout)["cells"][0]
        assert cell["stats"]["n"] == 2 and cell["stats"]["mean"] == pytest.approx(mean), cell
    # a listing of folders keeps each as its own status says: the rows agree with the filter shown
    listed = open_book(tmp_path / "resultsbook.db").runs(where={"status": "finished"})
    assert set(listed["status"]) == {"finished"}, listed
    earlier = cli("runs", "--where", "status=running", "--json")  # the first folders, each a crash
    assert earlier.exit_code == 0, earlier.output
    assert [run["status"] for run in json.loads(earlier.stdout)["runs"]] == ["running", "running"]


def test_a_run_of_another_project_with_the_same_id_lends_no_config(tmp_path, cli):
    """wandb 0.31 offline (tests/fixtures/wandb_same_id_projects): a run id is a run's only within its
    project. Project p2's eval-only run `s0`, given no config, took lr=0.1 from project p1's `s0`, and
    its 0.5 replaced p1's 0.7 in the lr=0.1 cell; `crashed`'s run `crash0`, resumed without config=,
    took lr=0.5 from the later folder of project `other`'s `crash0`."""
    shutil.copytree(FIXTURE.parent / "wandb_same_id_projects" / "wandb", tmp_path / "wandb")
    collected = cli("collect", "wandb")
    assert "5 new" in collected.output
    assert collected.output.count("its params are the config of its earlier folder") == 1, collected.output
    assert "earlier folder offline-run-20261207_181551-crash0" in collected.output, collected.output
    shown = cli("table", "--rows", "lr", "--metric", "test_acc", "--format", "json")
    assert shown.exit_code == 0, shown.output
    cells = {cell["row"]["lr"]: cell["stats"] for cell in json.loads(shown.stdout)["cells"]}
    assert sorted(cells) == [0.01, 0.1], cells
    assert cells[0.1]["mean"] == pytest.approx(0.7) and cells[0.1]["n"] == 1, cells
    assert cells[0.01]["mean"] == pytest.approx(0.9) and cells[0.01]["n"] == 1, cells
    listed = cli("runs", "--where", "experiment=p2", "--format", "json")
    assert [run["params"] for run in json.loads(listed.stdout)["runs"]] == [{}], listed.output


def test_a_crashed_run_is_left_out_and_running_though_another_project_resumed_its_id(tmp_path, cli):
    """wandb 0.31 offline (tests/fixtures/wandb_same_id_projects): project `other`'s run `crash0` died
    and was never resumed; project `crashed`'s run `crash0` was. The resumed run of the other project
    hid it: `status` said none was running, and `table` no longer warned that lr=0.5 was left out."""
    shutil.copytree(FIXTURE.parent / "wandb_same_id_projects" / "wandb", tmp_path / "wandb")
    for path in (tmp_path / "wandb").rglob("*"):  # written now: a run the fixture's age made look dead
        os.utime(path)
    assert "5 new" in cli("collect", "wandb").output
    shown = cli("table", "--rows", "lr", "--metric", "test_acc")
    assert shown.exit_code == 0, shown.output
    warned = "1 selected run(s) (1 of them failed, interrupted or running) have no value of 'test_acc'"
    assert warned in shown.stderr and "(0.5: 1)" in shown.stderr, shown.stderr
    status = cli("status")
    assert "Runs needing attention" in status.output, status.output
    assert status.output.count("running     crash0") == 1, status.output
    assert "wandb/offline-run-20261207_181607-crash0" in status.output, status.output


def test_the_earlier_folder_of_a_resumed_run_is_read_once_for_its_config(monkeypatch):
    """wandb 0.31 offline (tests/fixtures/wandb_resumed_crash): the folder of a run resumed without config=
    read the whole log of its earlier folder again for each later folder of a run resumed many times. It
    is read whole once (`run.config.update` may come at any step: stopping at the first row lost it)."""
    from resultsbook.adapters import wandbrun

    runs = FIXTURE.parent / "wandb_resumed_crash" / "wandb"
    first, later = sorted(runs.glob("offline-run-*-crash0"))
    log = str(first / "run-crash0.wandb")
    whole = sum(1 for _ in wandbrun.LogReader(log, []).records())
    yielded: list[int] = []
    records = wandbrun.LogReader.records

    def counted(self: wandbrun.LogReader) -> Any:
        for n, raw in enumerate(records(self), 1):
            if self.path == log:
                yielded.append(n)
            yield raw

    monkeypatch.setattr(wandbrun.LogReader, "records", counted)
    if hasattr(wandbrun, "_config_of_version"):  # another test may have read the folder
        wandbrun._config_of_version.cache_clear()
    for _ in range(2):
        run, _problems = read_folder(later)
        assert dict(run.params) == {"lr": 0.01, "seed": 0}
    assert yielded == list(range(1, whole + 1)), (yielded, whole)  # the whole log, once for both reads


def test_a_run_resumed_with_part_of_its_config_keeps_the_keys_of_its_earlier_folders(tmp_path, cli):
    """wandb 0.31 offline (tests/fixtures/wandb_resumed_partial): `wandb.init(id=..., resume="allow",
    config={"epochs": 20, "seed": 1})` logs only the config it is given; W&B merges it into the run's.
    The second folder kept no `lr`, and the third, resumed without config=, took the second's config
    alone: its `test_acc` was left out of `table --rows lr`."""
    shutil.copytree(FIXTURE.parent / "wandb_resumed_partial" / "wandb", tmp_path / "wandb")
    collected = cli("collect", "wandb")
    assert "3 new" in collected.output
    assert "the run's config lacks lr (resumed by id with part of its config)" in collected.output
    listed = json.loads(cli("runs", "--format", "json").stdout)["runs"]
    params = {run["source"].rsplit("/", 1)[-1]: run["params"] for run in listed}
    first, second, third = (params[name] for name in sorted(params))
    assert first == {"lr": 0.1, "seed": 0}, params
    assert second == third == {"lr": 0.1, "seed": 1, "epochs": 20}, params  # its own seed wins
    shown = cli("table", "--rows", "lr", "--metric", "test_acc", "--format", "json")
    assert shown.exit_code == 0, shown.output
    cells = json.loads(shown.stdout)["cells"]
    assert [(cell["row"], cell["stats"]["n"]) for cell in cells] == [({"lr": 0.1}, 1)], cells
    assert cells[0]["stats"]["mean"] == pytest.approx(0.9)
    assert "left out" not in shown.stderr, shown.stderr


def test_a_run_killed_before_its_log_held_a_record_is_said_killed_with_its_debug_log_config(tmp_path, cli):
    """wandb 0.31 offline (tests/fixtures/wandb_killed_early): a run killed in its first seconds leaves a
    7-byte header-only log. It read as a run with no params, running, with 0 problems, forever; its
    config is in logs/debug.log. While its folder is fresh it is a run starting: no problem."""
    shutil.copytree(FIXTURE.parent / "wandb_killed_early" / "wandb", tmp_path / "wandb")
    files = [path for path in (tmp_path / "wandb").rglob("*") if path.is_file()]
    for path in files:
        os.utime(path)  # written now: a run starting
    assert "1 new, 0 updated, 0 unchanged, 0 problems" in cli("collect", "wandb").output
    hours_ago = time.time() - 7200
    for path in files:
        os.utime(path, (hours_ago, hours_ago))
    collected = cli("collect", "wandb")
    assert (
        "run-dluhjprg.wandb: its log holds no record: W&B was killed before writing any (run-dluhjprg.wandb "
        "is 7 bytes, nothing written for over 60 min); run it again, or `forget` it — kept: its params from "
        "logs/debug.log"
    ) in collected.output, collected.output
    shown = cli("show", "dluhjprg").output
    assert "lr = 0.1" in shown and "seed = 0" in shown and "wandb.config_from = logs/debug.log" in shown, shown


def test_config_keys_that_flatten_to_one_param_are_said_with_the_value_kept(tmp_path, cli):
    """wandb 0.31 offline (tests/fixtures/wandb_config_clash): `config={"model": {"depth": 3},
    "model.depth": 4}` gave the one param model.depth = 4, and 3 was lost with 0 problems."""
    shutil.copytree(FIXTURE.parent / "wandb_config_clash" / "wandb", tmp_path / "wandb")
    collected = cli("collect", "wandb")
    assert (
        "run-0vi4ck2r.wandb: config['model']['depth'] = 3 and config['model.depth'] = 4 both flatten to the "
        "param model.depth: rename one of them — kept: model.depth = 4, of config['model.depth'] (the later)"
    ) in collected.output, collected.output
    assert "1 problem" in collected.output, collected.output


def test_a_run_killed_before_its_log_held_a_record_is_tied_to_the_folder_that_resumed_it(tmp_path, cli):
    """wandb 0.31 offline (tests/fixtures/wandb_killed_early_resumed): the first folder of `preempt0`, killed
    before its log held a record, named no project, so it was no folder of the run its second folder
    resumed: that one, resumed without config=, had no params, and `table --rows lr` left it out."""
    shutil.copytree(FIXTURE.parent / "wandb_killed_early_resumed" / "wandb", tmp_path / "wandb")
    collected = cli("collect", "wandb")
    assert (
        "its params are the config of its earlier folder offline-run-20261208_040820-preempt0"
    ) in collected.output, collected.output
    runs = json.loads(cli("runs", "--format", "json").stdout)["runs"]
    assert [(run["experiment"], run["params"]) for run in runs] == [("p", {"lr": 0.1, "seed": 0})] * 2, runs
    shown = cli("table", "--rows", "lr", "--metric", "val/acc", "--format", "json")
    assert shown.exit_code == 0, shown.output
    cell = json.loads(shown.stdout)["cells"][0]
    assert cell["stats"]["n"] == 1 and cell["stats"]["mean"] == pytest.approx(0.5), cell
    assert "left out" not in shown.stderr, shown.stderr


def test_a_run_killed_before_its_log_held_a_record_and_resumed_is_not_dead(tmp_path, cli):
    """wandb 0.31 offline (tests/fixtures/wandb_killed_early_resumed): the first folder of `preempt0`,
    killed before its log held a record, has no start time; its run was resumed and finished, yet
    `status` listed that folder as dead under "Runs needing attention"."""
    shutil.copytree(FIXTURE.parent / "wandb_killed_early_resumed" / "wandb", tmp_path / "wandb")
    hours_ago = time.time() - 7200
    for path in (tmp_path / "wandb").rglob("*"):
        os.utime(path, (hours_ago, hours_ago))
    assert "2 new" in cli("collect", "wandb").output
    status = cli("status")
    assert "Runs needing attention" not in status.output, status.output
