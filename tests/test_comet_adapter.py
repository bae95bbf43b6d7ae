"""Comet ML offline archives, read without comet_ml, agree with what the scripts logged.

The fixture in tests/fixtures/comet/ was written by comet_ml 3.58.8 itself, offline and without an API
key (make_fixture.py there): `OfflineExperiment(project_name="sweep", offline_directory=...)` writes
`<experiment key>.zip` at `end()`, holding `experiment.json` and `messages.json` (JSON Lines of typed
messages). expected.json holds what each script logged. The traps of a reader: Comet logs `curr_step`
and `curr_epoch` as params at every step, `process duration` as a metric, a nested param as
`model|width`, and a killed process leaves an empty zip.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from resultsbook.sources.collect import CollectRequest, find_sources, read_source

FIXTURE = ROOT / "tests" / "fixtures" / "comet"
ARCHIVES = FIXTURE / "comet_offline"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text())
FINISHED = "a1000000000000000000000000000000.zip"


def read_runs(path: Path, **request):
    """Read every Comet source under `path` with no option: ({run key: run}, [problems])."""
    runs, problems = {}, []
    for source, adapter in find_sources(CollectRequest(str(path), **request)):
        assert adapter.name == "comet"
        result = read_source(adapter, source)
        runs.update((run.key, run) for run in result.runs)
        problems.extend(result.problems)
    return runs, problems


def test_archives_agree_with_what_the_scripts_logged(tmp_path):
    """Every archive Comet wrote: params as logged (no curr_step/curr_epoch, `model|width` as
    model.width), curves at their steps with the epoch they were logged with, the final value logged
    without a step at Comet's current step, name, project, commit; finished, or failed with the
    error when the script raised."""
    shutil.copytree(ARCHIVES, tmp_path / "comet_offline")
    runs, problems = read_runs(tmp_path)
    assert set(runs) == {key for key, run in EXPECTED.items() if run["ended"] != "kill"}
    for key, run in runs.items():
        expected = EXPECTED[key]
        assert run.name == expected["name"]
        assert run.experiment == expected["project"] == "sweep"
        assert dict(run.params) == expected["params"]
        assert run.provenance["git"] == {"commit": expected["commit"], "branch": "refs/heads/main"}
        assert "hasNestedParams" not in run.provenance["comet"].get("others", {})
        assert run.provenance["comet"]["key"] == key
        assert run.start_time is not None and run.end_time is not None and run.start_time <= run.end_time
        for name, points in expected["metrics"].items():
            series = run.metrics[name]
            assert series.steps.tolist() == [float(step) for step, _, _ in points]
            assert series.values.tolist() == pytest.approx([value for _, _, value in points])
        last = expected["metrics"]["val_acc"][-1]
        assert run.metrics["epoch"].steps.tolist() == [float(s) for s, _, _ in expected["metrics"]["val_acc"]]
        assert run.metrics["epoch"].values[-1] == last[1]
        assert "process duration" not in run.metrics
        if expected["ended"] == "end":
            assert run.status == "finished"
            assert run.metrics["test_acc"].values.tolist() == pytest.approx([expected["finals"]["test_acc"]])
            assert run.metrics["test_acc"].steps.tolist() == [float(last[0])]
        else:
            assert run.status == "failed"
            assert "RuntimeError('CUDA out of memory')" in run.provenance["error"]["message"]
    killed = [key for key, run in EXPECTED.items() if run["ended"] == "kill"]
    (problem,) = problems
    assert problem.describe().startswith(
        f"{tmp_path / 'comet_offline' / (killed[0] + '.zip')}: is an empty zip: Comet creates the archive at "
        "start and fills it at end(), so the run never reached end(): it was killed (SIGKILL, out of memory, "
        "a lost node), or is still running; what it logged is in the messages.json Comet keeps in a tmp* "
        "folder of the temp directory of the machine that ran it (unless cleaned since): collect that folder "
        "with "
    )  # then --adapter comet on the command line, adapter='comet' in Python
    assert problem.describe().endswith(" — kept: nothing from this archive")


def test_a_folder_of_comet_archives_is_collected_without_options(tmp_path, cli):
    """`collect comet_offline` finds the archives by their names alone, and the table is over the seeds."""
    shutil.copytree(ARCHIVES, tmp_path / "comet_offline")
    result = cli("collect", "comet_offline")
    assert result.exit_code == 0, result.output
    assert "7 new" in result.output
    table = cli("table", "--rows", "lr", "--metric", "val_acc", "--where", "status=finished",
                "--stat", "n,mean", "--format", "csv")  # fmt: skip
    assert table.exit_code == 0, table.output
    rows = {row["lr"]: row for row in csv.DictReader(io.StringIO(table.stdout))}
    finals = [
        run["metrics"]["val_acc"][-1][2]
        for run in EXPECTED.values()
        if run["ended"] == "end" and run["params"]["lr"] == 0.1
    ]
    assert int(rows["0.1"]["n"]) == len(finals) == 3
    assert float(rows["0.1"]["mean"]) == pytest.approx(np.mean(finals))
    listed = cli("adapters")
    assert any(line.startswith("comet: ") for line in listed.output.splitlines())


def test_a_cut_off_archive_is_named_in_one_line(tmp_path):
    """An archive copied while Comet wrote it (or cut short by a full disk): one line, no run."""
    data = (ARCHIVES / FINISHED).read_bytes()
    (tmp_path / FINISHED).write_bytes(data[: len(data) // 2])
    runs, problems = read_runs(tmp_path)
    assert runs == {}
    assert len(problems) == 1
    assert problems[0].path == str(tmp_path / FINISHED)
    assert problems[0].message.startswith("is not a whole zip archive (")
    assert "collect again once it is whole, or copy it again" in problems[0].message
    assert "\n" not in problems[0].describe()


def test_a_member_whose_bytes_do_not_match_its_crc_is_named_in_one_line(tmp_path):
    """A flipped byte inside messages.json (a bad disk, a bad copy): zipfile's CRC check fails on read."""
    data = bytearray((ARCHIVES / FINISHED).read_bytes())
    with zipfile.ZipFile(ARCHIVES / FINISHED) as archive:
        info = archive.getinfo("messages.json")
    assert info.compress_type == zipfile.ZIP_STORED  # Comet stores the members: their bytes are as-is
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 10] ^= 0x01
    (tmp_path / FINISHED).write_bytes(bytes(data))
    runs, problems = read_runs(tmp_path)
    assert runs == {}
    assert [p.message.split(":")[0] for p in problems] == [
        "is not a whole zip archive (Bad CRC-32 for file 'messages.json')"
    ]


@pytest.mark.parametrize("member", ["../experiment.json", "/etc/experiment.json", "a/../../messages.json"])
def test_a_member_named_outside_the_archive_is_refused(tmp_path, member):
    """A member name with `..` or an absolute path is refused in one line (the archive is never unpacked,
    but a name like that is no archive Comet wrote)."""
    path = tmp_path / FINISHED
    shutil.copy(ARCHIVES / FINISHED, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(member, "{}")
    runs, problems = read_runs(tmp_path)
    assert runs == {}
    assert [p.describe() for p in problems] == [
        f"{path}: holds a member named {member!r}, outside the archive; it was not read — kept: nothing from "
        "this archive; an archive Comet wrote has no such name"
    ]


def test_a_member_over_the_size_limit_is_not_unpacked(tmp_path, monkeypatch):
    """messages.json of a long run may be large: over RESULTSBOOK_MAX_DOCUMENT_SIZE it is refused in
    one line naming the member and the setting that raises the limit."""
    source = zipfile.ZipFile(ARCHIVES / FINISHED)
    with zipfile.ZipFile(tmp_path / FINISHED, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("experiment.json", source.read("experiment.json"))
        archive.writestr("messages.json", source.read("messages.json") * 100)  # ~350 KiB, packed to a few
    assert (tmp_path / FINISHED).stat().st_size < 64 << 10
    monkeypatch.setenv("RESULTSBOOK_MAX_DOCUMENT_SIZE", "64KiB")
    runs, problems = read_runs(tmp_path)
    assert runs == {}
    assert len(problems) == 1
    assert problems[0].message.startswith("member messages.json unpacks to ")
    assert "RESULTSBOOK_MAX_DOCUMENT_SIZE=" in problems[0].message


def test_a_zip_of_another_tool_is_said_in_one_line_and_others_are_not_claimed(tmp_path):
    """A zip named like a key that holds no messages.json is not taken for an experiment; a zip named
    otherwise (data.zip) is not claimed at all."""
    with zipfile.ZipFile(tmp_path / ("f" * 32 + ".zip"), "w") as archive:
        archive.writestr("weights.bin", b"\0")
    with zipfile.ZipFile(tmp_path / "data.zip", "w") as archive:
        archive.writestr("experiment.json", "{}")
    runs, problems = read_runs(tmp_path)
    assert runs == {}
    assert [p.message for p in problems] == [
        "is not a Comet offline archive (no experiment.json or messages.json; it holds weights.bin)"
    ]


def test_a_metric_named_epoch_is_kept_as_logged(tmp_path):
    """A script that logs its own `epoch` metric keeps it; the epochs of other points do not overwrite it."""
    source = zipfile.ZipFile(ARCHIVES / FINISHED)
    lines = source.read("messages.json").decode().splitlines()
    lines.append(
        json.dumps(
            {
                "type": "metric_msg",
                "payload": {"metric": {"metricName": "epoch", "metricValue": 7, "step": 300, "epoch": 2}},
            }
        )
    )
    with zipfile.ZipFile(tmp_path / FINISHED, "w") as archive:
        archive.writestr("experiment.json", source.read("experiment.json"))
        archive.writestr("messages.json", "\n".join(lines) + "\n")
    runs, problems = read_runs(tmp_path)
    assert problems == []
    (run,) = runs.values()
    assert run.metrics["epoch"].steps.tolist() == [300.0]
    assert run.metrics["epoch"].values.tolist() == [7.0]


def test_comet_s_default_offline_folder_is_walked_though_hidden(tmp_path, cli):
    """Without offline_directory, Comet writes to `.cometml-runs` in the working folder (comet_ml
    3.58.8, config/config_constants.py DEFAULT_OFFLINE_DATA_DIRECTORY): `collect .` skipped it as a
    hidden folder and said "no runs found under .". Other hidden folders stay skipped."""
    shutil.copytree(ARCHIVES, tmp_path / ".cometml-runs")
    shutil.copytree(ARCHIVES, tmp_path / ".cache")
    result = cli("collect", ".")
    assert result.exit_code == 0, result.output
    assert "7 new" in result.output
    assert ".cache" not in result.output


def test_system_metrics_of_comet_s_defaults_are_not_results(tmp_path):
    """An OfflineExperiment with its default options (comet_ml 3.58.8: log_env_cpu, log_env_disk... on)
    logs `sys.*` metrics at no step beside the script's own, a NaN as the text "NaN", and the script's
    code as an extra member named by a temporary file: only `loss` is a curve, its NaN kept and said."""
    messages = [
        {"type": "metric_msg", "payload": {"local_timestamp": 1796522653974, "message_id": 7,
         "metric": {"epoch": None, "metricName": "sys.cpu.percent.avg", "metricValue": 0.0, "step": None}}},
        {"type": "metric_msg", "payload": {"local_timestamp": 1796522653974, "message_id": 9,
         "metric": {"epoch": None, "metricName": "sys.ram.used", "metricValue": 1146757120, "step": None}}},
        {"type": "parameter_msg", "payload": {"local_timestamp": 1796522653975, "message_id": 14,
         "param": {"paramName": "lr", "paramValue": 0.01, "source": "manual", "step": None}}},
        {"type": "parameter_msg", "payload": {"local_timestamp": 1796522653975, "message_id": 16,
         "param": {"paramName": "curr_step", "paramValue": 0, "source": "auto-logged", "step": 0}}},
        {"type": "metric_msg", "payload": {"local_timestamp": 1796522653975, "message_id": 17,
         "metric": {"epoch": None, "metricName": "loss", "metricValue": 1.0, "step": 0}}},
        {"type": "metric_msg", "payload": {"local_timestamp": 1796522654181, "message_id": 19,
         "metric": {"epoch": None, "metricName": "sys.disk.root.used", "metricValue": 45330100224, "step": 0}}},
        {"type": "metric_msg", "payload": {"local_timestamp": 1796522654976, "message_id": 22,
         "metric": {"epoch": None, "metricName": "loss", "metricValue": "NaN", "step": 1}}},
        {"type": "metric_msg", "payload": {"local_timestamp": 1796522655976, "message_id": 24,
         "metric": {"epoch": None, "metricName": "loss", "metricValue": 0.3333333333333333, "step": 2}}},
        {"type": "standard_output", "payload": {"message_id": 25, "output": "epoch 2\n", "stderr": False}},
    ]  # fmt: skip
    metadata = {"offline_id": "facd5d34f1834754b81a72b7d79f7f8b", "project_name": "demo",
                "start_time": 1796522653000, "stop_time": 1796522657000, "tags": [],
                "customer_error_reported": False, "customer_error_message": None}  # fmt: skip
    path = tmp_path / "facd5d34f1834754b81a72b7d79f7f8b.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tmp8g9ag4gn", "import comet_ml\n")
        archive.writestr("experiment.json", json.dumps(metadata))
        archive.writestr("messages.json", "".join(json.dumps(m) + "\n" for m in messages))
    runs, problems = read_runs(tmp_path)
    (run,) = runs.values()
    assert sorted(run.metrics) == ["loss"]
    assert dict(run.params) == {"lr": 0.01}
    assert run.metrics["loss"].steps.tolist() == [0.0, 1.0, 2.0]
    assert np.isnan(run.metrics["loss"].values[1])
    assert run.status == "finished" and run.experiment == "demo" and run.name == metadata["offline_id"]
    assert [p.message for p in problems] == ["metric 'loss' has 1 NaN/Infinity value(s)"]


def test_an_unzipped_archive_is_read_as_the_archive(tmp_path, cli):
    """A user who unzips an archive to look inside gets a folder of experiment.json and messages.json:
    `collect .` said it held 2 .json files to read with `--adapter onefile` (which would take Comet's
    start_time for a result); it is the same run as the archive's."""
    with zipfile.ZipFile(ARCHIVES / FINISHED) as archive:
        archive.extractall(tmp_path / "run1")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "messages.json").write_text("{}\n")  # no experiment.json beside it: not Comet's
    runs, problems = read_runs(tmp_path)
    assert problems == []
    (run,) = runs.values()
    expected = EXPECTED[FINISHED.removesuffix(".zip")]
    assert run.name == expected["name"] and dict(run.params) == expected["params"]
    assert run.metrics["val_acc"].values.tolist() == pytest.approx(
        [v for _, _, v in expected["metrics"]["val_acc"]]
    )
    result = cli("collect", ".")
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output


def test_an_archive_unzipped_beside_itself_is_one_run(tmp_path, cli):
    """A user who unzips `<key>.zip` into `<key>/` beside it to look inside has one experiment, not
    two: a table counted its seed twice; the folder is read, once (as ClearML's session beside its zip)."""
    shutil.copy(ARCHIVES / FINISHED, tmp_path / FINISHED)
    with zipfile.ZipFile(ARCHIVES / FINISHED) as archive:
        archive.extractall(tmp_path / FINISHED.removesuffix(".zip"))
    sources = find_sources(CollectRequest(str(tmp_path)))
    assert [Path(source.path).name for source, _ in sources] == [FINISHED.removesuffix(".zip")]
    runs, problems = read_runs(tmp_path)
    assert problems == [] and list(runs) == [FINISHED.removesuffix(".zip")]
    result = cli("collect", ".")
    assert result.exit_code == 0 and "1 new" in result.output, result.output


def test_a_collect_that_finds_only_renamed_archives_names_the_adapter(tmp_path, cli):
    """Archives renamed after the runs (run-lr0.01-s0.zip) are no experiment keys, so nothing claims
    them: the empty collect said only "name the format with --adapter"; it now names comet, and that
    reads them."""
    for index, name in enumerate(sorted(p.name for p in ARCHIVES.iterdir())[:2]):
        shutil.copy(ARCHIVES / name, tmp_path / f"run-{index}.zip")
    (tmp_path / "data.zip").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip of something else
    empty = cli("collect", ".")
    assert empty.exit_code == 1
    assert (
        "it holds 3 .zip file(s), and run-0.zip is a Comet offline archive under a name that is no "
        "experiment key (renamed?): read them with --adapter comet, a run per archive"
    ) in " ".join(empty.output.split())
    named = cli("collect", ".", "--adapter", "comet")
    assert "2 new" in named.output


def test_the_scratch_folder_of_a_killed_run_is_read_with_the_adapter_named(tmp_path, cli):
    """A run killed before end() left its messages.json in Comet's scratch folder (experiment.tmpdir,
    /tmp/tmp*; killed_scratch/ of the fixture): the empty collect told to read it with --adapter onefile;
    it names comet, which reads what was logged, the run `running` (killed and live look the same)."""
    scratch = tmp_path / "tmp" / "tmpab12cd"
    scratch.mkdir(parents=True)
    shutil.copy(FIXTURE / "killed_scratch" / "messages.json", scratch)
    empty = cli("collect", "tmp")
    assert empty.exit_code == 1
    assert (
        "it holds 1 messages.json file(s), and tmpab12cd/messages.json is what a Comet run that never "
        "reached end() (killed, or still running) logged, left in its scratch folder: read it with "
        "--adapter comet"
    ) in " ".join(empty.output.split())
    runs, problems = read_runs(tmp_path / "tmp", adapter="comet")
    assert problems == []
    (run,) = runs.values()
    expected = next(run for run in EXPECTED.values() if run["ended"] == "kill")
    assert run.name == expected["name"] and dict(run.params) == expected["params"]
    assert run.status == "running"
    for name, points in expected["metrics"].items():
        assert run.metrics[name].steps.tolist() == [float(step) for step, _, _ in points]
        assert run.metrics[name].values.tolist() == pytest.approx([value for _, _, value in points])
    assert run.provenance["git"]["commit"] == expected["commit"]


def test_an_experiment_resumed_offline_is_one_run_of_both_archives(tmp_path, cli):
    """`ExistingOfflineExperiment(previous_experiment=key)` writes `<key>-<suffix>.zip` beside `<key>.zip`
    (tests/fixtures/comet_resumed, by comet_ml 3.58.8); Comet merges them on upload. Each was a run: a
    second job that logged no params fell out of the table, leaving the first job's stale value, and
    one that logged them again was a second replicate of its seed."""
    shutil.copytree(
        ROOT / "tests" / "fixtures" / "comet_resumed" / "comet_offline", tmp_path / "comet_offline"
    )
    result = cli("collect", "comet_offline")
    assert result.exit_code == 0 and "2 new" in result.output and "0 problems" in result.output, result.output
    runs = {
        run.params["seed"]: run
        for source, adapter in find_sources(CollectRequest(str(tmp_path / "comet_offline")))
        for run in read_source(adapter, source).runs
    }
    assert sorted(runs) == [0, 1]
    for seed, run in runs.items():
        assert run.params == {"method": "adam", "seed": seed} and run.status == "finished"
        assert list(run.metrics["acc"].steps) == list(range(10))
        assert run.metrics["acc"].values[-1] == pytest.approx(0.9 + seed / 100)
    forced = cli("collect", "comet_offline", "--adapter", "comet", "--db", "forced.db")
    assert "2 new" in forced.output, forced.output  # named, the adapter groups the archives alike
    table = cli("table", "--rows", "method", "--metric", "acc", "--stat", "mean,n", "--format", "csv")
    assert table.stdout.splitlines()[1].startswith("adam,0.905,2,"), table.output  # both seeds, each once


def test_a_resumption_that_counts_its_steps_from_the_start_again_is_placed_after_the_first(tmp_path):
    """Comet's log_metric without step= numbers a resumed archive's points from 0 again: joined by step,
    they took the first job's places (mean 0.46 for 0.51, min at a first-job step)."""
    from resultsbook.adapters.comet import resumed_run
    from resultsbook.models import ReadResult, RunRecord, Series

    def part(start: float, values: list[float]) -> ReadResult:
        steps = np.arange(len(values))
        return ReadResult((RunRecord(key="k", name="k", metrics={"acc": Series(steps, np.array(values))},
                                     start_time=start),), ())  # fmt: skip

    result = resumed_run([part(1.0, [0.5, 0.6, 0.7, 0.8, 0.9]), part(2.0, [0.2, 0.2, 0.2])], "k.zip")
    (run,) = result.runs
    assert run.metrics["acc"].steps.tolist() == list(range(8))
    assert run.metrics["acc"].values.tolist() == [0.5, 0.6, 0.7, 0.8, 0.9, 0.2, 0.2, 0.2]
    assert [p.kept for p in result.problems] == ["its points after the earlier archive's, steps moved on"]
