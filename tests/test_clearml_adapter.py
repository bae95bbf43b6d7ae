"""ClearML offline sessions, read without ClearML, agree with what the tasks logged.

The fixture in tests/fixtures/clearml/ was written by ClearML itself (make_fixture.py there; the version
is in expected.json): `Task.set_offline(True)`, then tasks of a small sweep, each in a process of its
own, leave `~/.clearml/cache/offline/offline-<id>/` (task.json, metrics.jsonl, log.jsonl) and, once
closed, `offline-<id>.zip` beside it. What a reader without ClearML must not get wrong: task.json holds
no status and no times (the zip, the log's traceback and the events' timestamps tell them), the
hyperparameter sections (`Args/lr`), and the zip of a task that raised, made before its last metrics
were written.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from resultsbook.sources.collect import CollectRequest, find_sources, read_source

FIXTURE = ROOT / "tests" / "fixtures" / "clearml"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text())["sessions"]
STATUS = {"ok": "finished", "raise": "failed", "killed": "running"}


def copy_cache(tmp_path: Path, written: float | None = None) -> Path:
    """Copy the fixture's offline cache; the session never zipped is given `written` as its mtimes."""
    cache = tmp_path / "offline"
    shutil.copytree(FIXTURE / "offline", cache)
    for name, session in EXPECTED.items():
        if not session["zipped"]:
            stamp = time.time() if written is None else written
            for path in (cache / name).iterdir():
                os.utime(path, (stamp, stamp))
    return cache


def read_runs(path: Path, **request):
    """Read every ClearML source under `path`: ({run key: (run, source path)}, [problems])."""
    runs, problems = {}, []
    for source, adapter in find_sources(CollectRequest(str(path), **request)):
        assert adapter.name == "clearml"
        result = read_source(adapter, source)
        runs.update((run.key, (run, source.path)) for run in result.runs)
        problems.extend(result.problems)
    return runs, problems


def test_sessions_agree_with_what_the_tasks_logged(tmp_path):
    """One run per session of the cache (a zipped one read from its folder, never twice): name, project,
    argparse's `Args/lr` as `lr` (and `Args/seed` as `seed`, the replicate key), other sections' as `model.batch_size`, typed; curves `title/series` stepped by iteration, status from the zip and the log,
    the commit ClearML recorded, times from the events."""
    runs, problems = read_runs(copy_cache(tmp_path))
    assert problems == []
    assert sorted(runs) == sorted(EXPECTED)
    assert any(s["task_json_empty"] and s["zipped"] for s in EXPECTED.values())  # read from its zip
    for key, session in EXPECTED.items():
        run, path = runs[key]
        assert os.path.basename(path) == key  # the folder, not the zip beside it
        assert run.name == session["name"]
        assert run.experiment == session["project"] == "moons"
        assert run.status == STATUS[session["mode"]], key
        assert (
            run.params["lr"] == session["lr"] and run.params["seed"] == session["seed"]
        )  # Args/lr, Args/seed
        assert run.params["model.batch_size"] == 32 and run.params["model.optimizer"] == "adam"
        assert run.params["model.layers"] == "[64, 64]"  # a list ClearML keeps as text stays that text
        loss = run.metrics["loss/train"]
        steps = [0, 10] if session["mode"] == "raise" else [0, 10, 20]
        assert list(loss.steps) == steps
        assert loss.values[0] == pytest.approx(1.0 + session["seed"] * 0.01 + session["lr"])
        assert ("accuracy/val" in run.metrics) == (session["mode"] != "raise")
        assert run.provenance.get("git", {}).get("commit") == (session["commit"] or None)
        if session["commit"]:
            assert run.provenance["git"]["dirty"] is True
            assert "+# an uncommitted change" in run.provenance["git"]["diff"]
        elif session["commit"] == "":  # ClearML found no commit: its `diff` is the whole script
            assert "# an uncommitted change" in run.provenance["script"] and "git" not in run.provenance
        first, last = session["event_ms"]
        assert run.start_time == first / 1000
        assert run.end_time == (None if session["mode"] == "killed" else last / 1000)
        if session["mode"] == "raise":
            assert run.provenance["fail_trace"].endswith("RuntimeError: CUDA out of memory")


def test_a_session_never_zipped_and_long_unwritten_is_failed_in_one_line(tmp_path):
    """The task killed before it closed (`os._exit`): no zip; once its files are older than
    stale_after it is failed, said in one line naming the session and the zip it lacks."""
    runs, problems = read_runs(copy_cache(tmp_path, written=time.time() - 3600))
    (killed,) = [k for k, s in EXPECTED.items() if s["mode"] == "killed"]
    assert runs[killed][0].status == "failed"
    (problem,) = problems
    assert problem.path.endswith(killed) and "\n" not in problem.message
    assert f"never zipped to {killed}.zip" in problem.message
    assert problem.kept == "the run, as failed, with the metrics it logged"


def test_zips_alone_are_read_and_a_zip_made_before_the_last_metrics_says_so(tmp_path):
    """A folder of `offline-<id>.zip` only (copied off the machine): one run per zip, as from the folder;
    ClearML zipped the task that raised before its metrics.jsonl was written, which is said."""
    zips = tmp_path / "zips"
    zips.mkdir()
    for zipped in (FIXTURE / "offline").glob("offline-*.zip"):
        shutil.copy(zipped, zips / zipped.name)
    runs, problems = read_runs(zips)
    folders, _ = read_runs(copy_cache(tmp_path))
    closed = {k for k, s in EXPECTED.items() if s["zipped"]}
    assert sorted(runs) == sorted(closed)
    without = {k for k in closed if "metrics.jsonl" not in EXPECTED[k]["zip_members"]}
    assert without == {k for k, s in EXPECTED.items() if s["mode"] == "raise"}  # what ClearML did
    assert [(Path(p.path).name, p.message.split(" (")[0]) for p in problems] == [
        (f"{k}.zip", "holds no metrics.jsonl") for k in sorted(without)
    ]  # and the folder beside the zip is read with them: the first test
    for key in closed:
        run, from_folder = runs[key][0], folders[key][0]
        assert (run.name, run.status, dict(run.params)) == (
            from_folder.name,
            from_folder.status,
            dict(from_folder.params),
        )
        if key not in without:
            assert {m: list(s.values) for m, s in run.metrics.items()} == {
                m: list(s.values) for m, s in from_folder.metrics.items()
            }


def _session_zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_a_zip_with_a_member_outside_the_session_or_too_large_is_refused_in_one_line(tmp_path, monkeypatch):
    """The zip's shape is ClearML's (clearml/clearml task.py, `Task._at_exit`: the session folder's
    files, named relative to it); one naming `../x` or unpacking past the limits is refused whole."""
    task = (next((FIXTURE / "offline").glob("offline-*/task.json"))).read_bytes()
    _session_zip(tmp_path / f"offline-{'a' * 32}.zip", {"task.json": task, "../escape.txt": b"x"})
    _session_zip(tmp_path / f"offline-{'b' * 32}.zip", {"task.json": task + b" " * 4096})
    monkeypatch.setenv("RESULTSBOOK_MAX_CONFIG_SIZE", "4KiB")
    runs, problems = read_runs(tmp_path)
    assert runs == {}
    messages = {Path(p.path).name[8:9]: p.message for p in problems}
    assert messages["a"] == "holds a member named '../escape.txt', outside the archive: refused as a whole"
    assert (
        messages["b"].startswith("member task.json unpacks to 5.0 KiB, over the 4 KiB limit for ")
        and "RESULTSBOOK_MAX_CONFIG_SIZE" in messages["b"]
    )
    assert all("\n" not in m for m in messages.values())


def test_collect_of_the_home_folder_names_the_hidden_cache(tmp_path, cli):
    """ClearML writes sessions under `~/.clearml/cache/offline`, a hidden folder the walk skips: a
    collect of the home folder says which folder to collect instead of 'no runs found' alone."""
    (tmp_path / "home" / ".clearml" / "cache").mkdir(parents=True)
    copy_cache(tmp_path / "home" / ".clearml" / "cache")
    result = cli("collect", "home")
    cache = os.path.join("home", ".clearml", "cache", "offline")
    assert result.exit_code != 0
    (line,) = [line for line in result.output.splitlines() if "no runs found" in line]
    assert (
        f"ClearML keeps offline sessions in {cache}, a hidden folder the walk does not enter: collect {cache} (a run per session)"
        in line
    )
    result = cli("collect", cache)
    assert result.exit_code == 0 and f"{len(EXPECTED)} new" in result.output


def test_argparse_arguments_keep_their_own_names_and_seeds_count_the_replicates(tmp_path, cli):
    """`Args/seed` is `seed`: a table counts each config's three seeds without --replicate (with
    `Args.seed` it averaged them as configurations that differ, and said to pass --replicate); an
    argument also in the `General` section (`task.connect(dict)` without a name) keeps its section."""
    cache = copy_cache(tmp_path)
    assert cli("collect", str(cache)).exit_code == 0
    result = cli("table", "--rows", "lr", "--metric", "loss/val", "--where", "status=finished")
    assert result.exit_code == 0, result.output
    assert "over n = 3 seeds" in result.output and "Args.seed" not in result.output
    from resultsbook.adapters.clearml_offline import _params

    both = {"Args": {"seed": {"value": "1"}, "lr": {"value": "0.1"}}, "General": {"seed": {"value": "7"}}}
    assert _params(both) == {"Args.seed": 1, "lr": 0.1, "General.seed": 7}


def test_an_empty_task_json_without_a_zip_and_a_zip_of_another_name(tmp_path):
    """ClearML rewrites task.json whole at every change (one closed session of the fixture was left
    with it empty, its zip holding it): a session caught with it empty and no zip is said in one line,
    not as invalid JSON; a zip renamed (the ClearML docs show `<hex>.zip`) is read with --adapter clearml,
    which the Comet reader names when it is given the zip unasked."""
    killed = next(k for k, s in EXPECTED.items() if s["mode"] == "killed")
    cache = copy_cache(tmp_path)
    (cache / killed / "task.json").write_text("")
    runs, problems = read_runs(cache)
    assert killed not in runs and len(runs) == len(EXPECTED) - 1
    (problem,) = problems
    assert problem.path.endswith(os.path.join(killed, "task.json")) and problem.message.startswith("is empty")
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    zipped = next(k for k, s in EXPECTED.items() if s["mode"] == "ok" and s["zipped"])
    shutil.copy(cache / f"{zipped}.zip", renamed / f"{zipped[8:]}.zip")
    # unasked, the Comet reader takes a zip named by 32 hex digits (a Comet experiment key) and names ClearML
    ((source, comet),) = find_sources(CollectRequest(str(renamed)))
    (problem,) = read_source(comet, source).problems
    assert comet.name == "comet" and problem.message.endswith(
        ": a ClearML offline session, read with adapter='clearml'"
    )
    runs, problems = read_runs(renamed, adapter="clearml")
    assert list(runs) == [zipped] and problems == []


def test_a_single_value_is_a_final_value_and_a_connected_dict_keeps_its_names(tmp_path):
    """`logger.report_single_value("test_acc", 0.75)` is the scalar `Summary/test_acc` at iteration
    -2**31 (clearml/logger.py, `Logger.report_single_value`); `task.connect({"seed": 5, "lr": 0.3})`
    is the section `General`. The lines are those ClearML 2.1.12 wrote for that script, offline."""
    session = tmp_path / ("offline-" + "f" * 32)
    session.mkdir()
    task = {
        "id": session.name, "name": "single", "project_name": "p",
        "hyperparams": {"General": {
            "lr": {"description": "", "name": "lr", "section": "General", "type": "float", "value": "0.3"},
            "seed": {"description": "", "name": "seed", "section": "General", "type": "int", "value": "5"},
        }},
    }  # fmt: skip
    (session / "task.json").write_text(json.dumps(task))
    (session / "metrics.jsonl").write_text(
        f'[{{"timestamp": 1796522822587, "type": "training_stats_scalar", "task": "{session.name}", "iter": '
        '-2147483648, "metric": "Summary", "variant": "test_acc", "value": 0.75, "method": "get"}, '
        f'{{"timestamp": 1796522822588, "type": "training_stats_scalar", "task": "{session.name}", "iter": 3, '
        '"metric": "val/acc", "variant": "top1", "value": 0.5, "method": "get"}]\n'
    )
    _session_zip(tmp_path / f"{session.name}.zip", {p.name: p.read_bytes() for p in session.iterdir()})
    runs, problems = read_runs(tmp_path)
    run = runs[session.name][0]
    assert problems == [] and run.status == "finished"
    assert dict(run.params) == {"lr": 0.3, "seed": 5}
    assert dict(run.summary) == {"test_acc": 0.75} and "Summary/test_acc" not in run.metrics
    assert list(run.metrics) == ["val/acc/top1"] and list(run.metrics["val/acc/top1"].steps) == [3]
    assert run.start_time == 1796522822.587 and run.end_time == 1796522822.588


def _log_line(level: str, msg: str, stamp: int) -> str:
    return json.dumps([{"timestamp": stamp, "type": "log", "level": level, "msg": msg}]) + "\n"


def test_a_handled_traceback_followed_by_more_output_leaves_the_run_finished(tmp_path):
    """`traceback.print_exc()` in a retry loop logs a traceback at level "error" and the run goes on:
    a zipped session whose log holds one but does not end with it finished (it was marked failed); the
    fixture's task that raised, whose log ends with its traceback, stays failed."""
    task = json.loads((FIXTURE / "offline" / next(iter(EXPECTED)) / "task.json").read_text())
    session = tmp_path / ("offline-" + "e" * 32)
    session.mkdir()
    (session / "task.json").write_text(json.dumps({**task, "id": session.name}))
    trace = 'Traceback (most recent call last):\n  File "train.py", line 9, in <module>\nOSError: timed out'
    (session / "log.jsonl").write_text(
        _log_line("info", "epoch 1", 1796522400000)
        + _log_line("error", trace, 1796522401000)
        + _log_line("info", "retrying: epoch 2", 1796522402000)
    )
    _session_zip(tmp_path / f"{session.name}.zip", {p.name: p.read_bytes() for p in session.iterdir()})
    (raised,) = [k for k, s in EXPECTED.items() if s["mode"] == "raise"]
    shutil.copytree(FIXTURE / "offline" / raised, tmp_path / raised)
    shutil.copy(FIXTURE / "offline" / f"{raised}.zip", tmp_path)
    runs, _ = read_runs(tmp_path)
    handled = runs[session.name][0]
    assert handled.status == "finished" and "fail_trace" not in handled.provenance
    assert runs[raised][0].status == "failed"
    assert runs[raised][0].provenance["fail_trace"].endswith("RuntimeError: CUDA out of memory")


def test_a_zip_member_read_past_its_limit_refuses_the_zip_in_one_line(tmp_path, monkeypatch):
    """A member whose header under-reports its size: Python's zipfile stops at the size said and then
    fails its CRC (refused as no readable zip); a reader that gave more than the limit had its text kept
    cut there (and the cut last metrics line skipped as being written): the zip is refused instead."""
    task = (next((FIXTURE / "offline").glob("offline-*/task.json"))).read_bytes()
    metrics = b'[{"timestamp": 1, "type": "training_stats_scalar", "iter": 0, "metric": "m", "variant": "v", "value": 1}]\n'
    lying = tmp_path / f"offline-{'c' * 32}.zip"
    _session_zip(lying, {"task.json": task, "metrics.jsonl": metrics * 100})
    data = bytearray(lying.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local and central headers
        for at in [i for i in range(len(data)) if data.startswith(signature, i)][1:]:  # metrics.jsonl's
            data[at + offset : at + offset + 4] = (100).to_bytes(4, "little")
    lying.write_bytes(bytes(data))
    runs, problems = read_runs(tmp_path)
    assert runs == {} and [p.message.split(" (")[0] for p in problems] == ["is not a whole zip archive"]
    lying.unlink()
    _session_zip(tmp_path / f"offline-{'d' * 32}.zip", {"task.json": task, "metrics.jsonl": metrics})
    opened = zipfile.ZipFile.open

    def past_the_header(self, info, *args, **kwargs):
        name = info if isinstance(info, str) else info.filename
        return io.BytesIO(metrics * 100) if name == "metrics.jsonl" else opened(self, info, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", past_the_header)
    monkeypatch.setenv("RESULTSBOOK_MAX_DOCUMENT_SIZE", "4KiB")
    runs, problems = read_runs(tmp_path)
    assert runs == {}
    (problem,) = problems
    assert problem.message == (
        "member metrics.jsonl unpacks to over the 4 KiB limit for logs read whole (JSON documents, SQLite "
        "pages) (raise RESULTSBOOK_MAX_DOCUMENT_SIZE): refused as a whole"
    )
    assert problem.kept == "nothing from this zip"


def test_a_task_json_whose_folder_cannot_be_listed_is_no_source(tmp_path, monkeypatch):
    """A task.json named by a path pattern in a folder that cannot be listed (permissions, gone since)
    raised out of the walk; it is no source, as for the other adapters."""
    from resultsbook.adapters.clearml_offline import ClearmlAdapter
    from resultsbook.sources import fs

    session = tmp_path / ("offline-" + "a" * 32)
    session.mkdir()
    (session / "task.json").write_text("{}")

    def unlistable(path):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(fs, "listdir", unlistable)
    assert ClearmlAdapter().source_for_file(str(session / "task.json")) is None
    assert ClearmlAdapter().source_for_file(str(tmp_path / "gone" / "task.json")) is None
