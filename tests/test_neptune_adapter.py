"""Neptune's offline run folders (neptune 1.x), read without Neptune, hold what each script logged.

The fixture in tests/fixtures/neptune/ was written by neptune 1.14.0.post2 itself in offline mode
(make_fixture.py there): `project/.neptune/offline/run__<id>__<pid>__<key>/` with `data-1.log` (the disk
queue of operations, neptune/core/components/queue/disk_queue.py), `last_put_version` and
`metadata.json`. expected.json holds what each script logged. Neptune reads offline runs back only by
syncing them to its server, so the comparison is with the scripts' own values.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from resultsbook.adapters.neptune_offline import NeptuneAdapter
from resultsbook.sources.collect import CollectRequest, find_sources, read_source

FIXTURE = ROOT / "tests" / "fixtures" / "neptune"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text())["runs"]


def read_runs(path: Path, **request):
    """Read every source under `path` with no option: ({run folder name: run}, [problems], {adapters})."""
    runs, problems, adapters = {}, [], set()
    for source, adapter in find_sources(CollectRequest(str(path), **request)):
        adapters.add(adapter.name)
        result = read_source(adapter, source)
        for run in result.runs:
            runs[os.path.basename(source.path)] = run
        problems.extend(result.problems)
    return runs, problems, adapters


@pytest.fixture
def project(tmp_path):
    """A copy of the fixture's project folder, which holds `.neptune/` as Neptune left it."""
    shutil.copytree(FIXTURE / "project", tmp_path / "project")
    return tmp_path / "project"


def test_a_folder_holding_dot_neptune_is_collected_without_options(project):
    """`collect .` in the folder a script ran in finds every run below its hidden .neptune/offline/
    (the walk skips other hidden folders), each run folder one run of the neptune adapter."""
    runs, _, adapters = read_runs(project)
    assert adapters == {"neptune"}
    assert sorted(runs) == sorted(EXPECTED)


def test_params_series_and_final_values_are_what_the_script_logged(project):
    """run["parameters"] = {...} gives params named without the namespace, nested keys dotted
    (model.width), typed as Neptune typed them; append(v, step=s) gives a series at those steps; a
    number assigned elsewhere (run["eval/best_acc"] = acc) is a final value, not a param."""
    runs, _, _ = read_runs(project)
    for folder, expected in EXPECTED.items():
        run = runs[folder]
        assert run.name == expected["name"]
        assert dict(run.params) == expected["params"], folder
        for key, points in expected.get("series", {}).items():
            series = run.metrics[key]
            assert list(series.steps) == [step for step, _ in points]
            assert list(series.values) == pytest.approx([value for _, value in points])
        assert dict(run.summary) == pytest.approx(expected.get("values", {}))
        if "tags" in expected:
            assert run.provenance["neptune"]["tags"] == expected["tags"]
        assert run.provenance["neptune"]["version"] == "1.14.0.post2"
        assert run.start_time is not None and run.end_time is not None


def test_status_failed_from_sys_failed_running_from_an_unflushed_queue_else_unknown(project):
    """A script that raised without run.stop(): Neptune's exit hook logs the traceback and sets
    sys/failed, so the run is failed with the exception's message. A run copied while it logged: the
    log holds fewer operations than last_put_version counts, so it is running, and collect says so in
    one line. A stopped run: Neptune writes nothing when a run stops, so its status is unknown."""
    runs, problems, _ = read_runs(project)
    for folder, expected in EXPECTED.items():
        run = runs[folder]
        if expected["failed"]:
            assert run.status == "failed"
            assert run.provenance["error"]["message"] == expected["error"]
        elif expected.get("being_written"):
            assert run.status == "running"
        else:
            assert run.status == "unknown"
    (live,) = [folder for folder, expected in EXPECTED.items() if expected.get("being_written")]
    assert [(os.path.basename(os.path.dirname(p.path)), p.message) for p in problems] == [
        (
            live,
            "counts 72 operations queued, but the run's data logs hold 49: the run is still writing them, "
            "or its process was killed before Neptune flushed them",
        )
    ]


def _run_folder(tmp_path: Path, lines: list[dict], put: int | None = None) -> Path:
    folder = tmp_path / ".neptune" / "offline" / "run__0b1c__100__abcd1234"
    folder.mkdir(parents=True)
    text = "".join(json.dumps(line) + "\n" for line in lines)
    (folder / "data-1.log").write_text(text)
    (folder / "last_put_version").write_text(str(put if put is not None else len(lines)))
    (folder / "metadata.json").write_text(json.dumps({"mode": "offline", "containerId": "0b1c"}))
    return folder


def _op(version: int, obj: dict) -> dict:
    return {"obj": obj, "version": version, "at": 1796522066.0 + version}


def test_an_unknown_operation_is_said_once_and_the_others_are_kept(tmp_path):
    """An operation type this reader does not know (a later Neptune's) is a problem naming it, not a
    crash; the operations around it are kept. Shape: neptune/internal/operation.py @ neptune 1.14.0."""
    _run_folder(
        tmp_path,
        [
            _op(1, {"type": "AssignFloat", "path": ["parameters", "lr"], "value": 0.1}),
            _op(2, {"type": "AssignSomethingNew", "path": ["x"], "value": 1}),
            _op(
                3,
                {
                    "type": "LogFloats",
                    "path": ["train", "loss"],
                    "values": [{"value": 0.5, "step": 4, "ts": 1.0}],
                },
            ),
            _op(4, {"type": "UploadFile", "path": ["model"], "ext": "pt", "file_path": "m.pt"}),
        ],
    )
    runs, problems, _ = read_runs(tmp_path)
    (run,) = runs.values()
    assert dict(run.params) == {"lr": 0.1}
    assert list(run.metrics["train/loss"].steps) == [4.0]
    assert [p.message for p in problems] == [
        "1 operation(s) of a type this reader does not know (the first: 'AssignSomethingNew'); if Neptune "
        "wrote them, report it to resultsbook with the line"
    ]
    assert problems[0].path.endswith("data-1.log:2")


def test_tags_removed_and_attributes_deleted_are_gone(tmp_path):
    """run["sys/tags"].remove(...) and del run["parameters/x"] are replayed, as the server applies them."""
    _run_folder(
        tmp_path,
        [
            _op(1, {"type": "AssignString", "path": ["sys", "name"], "value": "r"}),
            _op(2, {"type": "AddStrings", "path": ["sys", "tags"], "values": ["a", "b"]}),
            _op(3, {"type": "RemoveStrings", "path": ["sys", "tags"], "values": ["a"]}),
            _op(4, {"type": "AssignInt", "path": ["parameters", "x"], "value": 3}),
            _op(5, {"type": "AssignInt", "path": ["parameters", "y"], "value": 4}),
            _op(6, {"type": "DeleteAttribute", "path": ["parameters", "x"]}),
        ],
    )
    runs, problems, _ = read_runs(tmp_path)
    (run,) = runs.values()
    assert (run.name, dict(run.params), run.provenance["neptune"]["tags"]) == ("r", {"y": 4}, ["b"])
    assert problems == []


def test_a_log_cut_inside_its_last_operation_keeps_the_whole_ones(tmp_path):
    """A copy taken while Neptune's writer flushed mid-line ends without a newline: the lines before
    it are kept and the cut is said; last_put_version counts more, so the run is running."""
    folder = _run_folder(
        tmp_path,
        [
            _op(v, {"type": "LogFloats", "path": ["loss"], "values": [{"value": 1.0 / v, "step": v}]})
            for v in (1, 2)
        ],
        put=3,
    )
    with open(folder / "data-1.log", "a") as handle:
        handle.write('{"obj": {"type": "LogFloats", "path": ["loss"], "values": [{"val')
    runs, problems, _ = read_runs(tmp_path)
    (run,) = runs.values()
    assert list(run.metrics["loss"].steps) == [1.0, 2.0]
    assert run.status == "running"
    assert any("last line (3) is cut off" in p.message for p in problems)


def test_the_adapter_is_listed_and_a_run_folder_is_claimed_by_its_names():
    """`resultsbook adapters` lists it; a folder with data-1.log alone, or beside another tool's
    metadata.json, is not claimed."""
    from resultsbook.adapters import available_adapters
    from resultsbook.adapters.base import Folder

    assert available_adapters()["neptune"] is NeptuneAdapter
    adapter = NeptuneAdapter()
    assert adapter.claim(Folder("/x", frozenset({"data-1.log"}), ())) is None
    assert adapter.claim(Folder("/x", frozenset({"data-1.log", "metadata.json"}), ())) is None
    claim = adapter.claim(Folder("/x", frozenset({"data-1.log", "data-9.log", "last_put_version"}), ()))
    assert claim is not None and claim.sources[0].files == (
        "/x/data-1.log",
        "/x/data-9.log",
        "/x/last_put_version",
    )


def test_a_model_container_is_said_and_an_async_queue_missing_its_first_file_is_said(tmp_path):
    """neptune.init_model() offline writes model__<id>/, no run: said in one line. An async queue whose
    first file Neptune removed after its server acknowledged it starts at data-<N>.log, N > 1: the
    missing params are said, not silently absent. Shape: neptune/core/components/queue/disk_queue.py
    (_clean_log_files_up_to) and internal/operation_processors/utils.py @ neptune 1.14.0."""
    model = tmp_path / "offline" / "model__0c2d__1__k"
    model.mkdir(parents=True)
    (model / "data-1.log").write_text(
        json.dumps(_op(1, {"type": "AssignString", "path": ["x"], "value": "y"})) + "\n"
    )
    (model / "last_put_version").write_text("1")
    (model / "metadata.json").write_text(json.dumps({"mode": "offline", "containerType": "model"}))
    queue = tmp_path / "async" / "run__0b1d__2__k"
    queue.mkdir(parents=True)
    (queue / "data-41.log").write_text(
        json.dumps(_op(41, {"type": "LogFloats", "path": ["loss"], "values": [{"value": 0.5, "step": 40}]}))
        + "\n"
    )
    (queue / "last_put_version").write_text("41")
    (queue / "metadata.json").write_text(json.dumps({"mode": "async", "containerType": "run"}))
    runs, problems, _ = read_runs(tmp_path)
    assert list(runs) == ["run__0b1d__2__k"]
    assert list(runs["run__0b1d__2__k"].metrics["loss"].steps) == [40.0]
    assert sorted(p.message for p in problems) == [
        "is a Neptune model (metadata.json: containerType), not a run: it holds no run's logs",
        "the run's queue starts at operation 41: Neptune removed the 40 before it once its server had them "
        "(async mode), so the params and points logged first are on the server, not here",
    ]


def test_a_lightning_neptune_logger_run_has_its_hyperparams_as_params_and_its_status(tmp_path):
    """Lightning's NeptuneLogger assigns log_hyperparams to training/hyperparams/..., appends metrics to
    training/<name> and writes training/status at finalize: its hyperparams are params (not final
    values), its metrics series, and "success" is finished. Shape: Lightning-AI/pytorch-lightning @
    bd8c2eabdf54500dd616e126b2f5992768570bde, src/lightning/pytorch/loggers/neptune.py (log_hyperparams,
    log_metrics, finalize, _INTEGRATION_VERSION_KEY)."""
    lines = [
        _op(
            1,
            {
                "type": "AssignString",
                "path": ["source_code", "integrations", "pytorch-lightning"],
                "value": "2.5.0",
            },
        ),
        _op(2, {"type": "AssignFloat", "path": ["training", "hyperparams", "lr"], "value": 0.001}),
        _op(3, {"type": "AssignInt", "path": ["training", "hyperparams", "batch_size"], "value": 32}),
        _op(
            4, {"type": "LogFloats", "path": ["training", "val_acc"], "values": [{"value": 0.8, "step": 99}]}
        ),
        _op(5, {"type": "AssignFloat", "path": ["training", "model", "best_model_score"], "value": 0.8}),
        _op(6, {"type": "AssignString", "path": ["training", "status"], "value": "success"}),
    ]
    _run_folder(tmp_path, lines)
    runs, problems, _ = read_runs(tmp_path)
    (run,) = runs.values()
    assert dict(run.params) == {"lr": 0.001, "batch_size": 32}
    assert dict(run.summary) == {"training/model/best_model_score": 0.8}
    assert list(run.metrics["training/val_acc"].steps) == [99.0]
    assert run.status == "finished"
    assert problems == []


def test_a_file_of_a_run_folder_named_alone_collects_its_run(project, cli):
    """`collect .neptune/offline/run__<id>/metadata.json` reads the run, as its folder does (it was read
    by the records adapter: `holds no list of records`, no run)."""
    folder = next(name for name, expected in EXPECTED.items() if expected["failed"])
    result = cli("collect", str(project / ".neptune" / "offline" / folder / "metadata.json"))
    assert result.exit_code == 0, result.output
    assert ": 1 new, 0 updated, 0 unchanged, 0 problems" in result.output


def test_a_dot_neptune_emptied_by_neptune_sync_says_where_the_runs_went(tmp_path, cli, monkeypatch):
    """`neptune sync` sends each offline run to the server and removes its folder: collecting what is
    left says so, not `name the format with --adapter`. Shape: neptune/cli/containers.py @ neptune 1.14.0
    (sync, then remove_directory_structure)."""
    (tmp_path / "project" / ".neptune" / "offline").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "project")
    result = cli("collect", ".")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: no runs found under .; .neptune holds no Neptune run folder (offline/run__<id>/ with its "
        "data-1.log): `neptune sync` sends a run to Neptune's server and removes its folder, and a run in "
        "mode 'debug' or 'disabled' writes none; collect the .neptune/ of the machine that trained, before "
        "syncing it; the store was left as it was"
    )


def test_a_run_given_no_name_is_named_by_its_id_and_a_datetime_is_utc(tmp_path):
    """init_run() without name= writes sys/name "Untitled" for every run: the run is named by its
    custom run id, else its id, so runs are told apart. An assigned datetime (milliseconds) is an ISO
    time in UTC, whatever the reading machine's zone. Shape: neptune/internal/init/parameters.py
    (DEFAULT_NAME) and neptune/internal/operation.py (AssignDatetime.to_dict) @ neptune 1.14.0."""
    _run_folder(
        tmp_path,
        [
            _op(1, {"type": "AssignString", "path": ["sys", "name"], "value": "Untitled"}),
            _op(2, {"type": "AssignDatetime", "path": ["data", "snapshot"], "value": 1704067200000}),
        ],
    )
    runs, _, _ = read_runs(tmp_path)
    (run,) = runs.values()
    assert run.name == "0b1c"
    assert run.params["data.snapshot"] == "2024-01-01T00:00:00+00:00"


def test_a_last_put_version_that_is_no_regular_file_is_named_in_one_line(project):
    """A `last_put_version` that is a FIFO (or a link to /dev/zero) left the run's status unsaid."""
    folder = next((project / ".neptune" / "offline").iterdir())
    (folder / "last_put_version").unlink()
    os.mkfifo(folder / "last_put_version")
    runs, problems, _ = read_runs(folder.parent)
    assert folder.name in runs
    assert [(os.path.basename(p.path), p.message, p.kept) for p in problems] == [
        (
            "last_put_version",
            "is a FIFO (named pipe), not a regular file; it was not read",
            "the run, without telling whether it was still written",
        )
    ]


def _line(obj: dict) -> str:
    return json.dumps(_op(2, obj))


@pytest.mark.parametrize(
    "bad",
    [
        _line({"type": "AssignDatetime", "path": ["data", "snapshot"], "value": 1e300}),
        '{"obj": {"type": "AssignDatetime", "path": ["data", "snapshot"], "value": Infinity}, "version": 2}',
        "[" * 200_000 + "]" * 200_000,
        '{"obj": {"type": "AssignString", "path": ["data", "name"], "value": "x"}, "version": Infinity}',
        _line({"type": "AssignFloat", "path": ["eval", "acc"], "value": "n/a"}),
        _line({"type": "AssignInt", "path": ["parameters", "seed"], "value": True}),
        _line({"type": "AssignString", "path": [], "value": "x"}),
        _line({"type": "LogFloats", "path": [], "values": [{"value": 1.0, "step": 0}]}),
        _line({"type": "LogFloats", "path": ["loss"], "values": [{"value": 0.3, "step": 9}, {"step": 10}]}),
    ],
    ids=["datetime-1e300", "datetime-inf", "nested", "version-inf", "float-n/a", "int-bool", "empty-path", "empty-log-path",
         "half-a-point"],
)  # fmt: skip
def test_an_operation_line_with_a_bad_value_is_one_skipped_line_and_the_run_keeps_the_rest(tmp_path, bad):
    """A datetime past any calendar, a float that is no number, a path with no name, a line nested
    deeper than JSON's parser goes: that line is skipped and said with the file and its number, and
    every other operation of the run is kept (it lost the whole run)."""
    folder = _run_folder(
        tmp_path,
        [
            _op(1, {"type": "AssignFloat", "path": ["parameters", "lr"], "value": 0.1}),
            _op(3, {"type": "LogFloats", "path": ["loss"], "values": [{"value": 0.5, "step": 1}]}),
        ],
    )
    first, rest = (folder / "data-1.log").read_text().split("\n", 1)
    (folder / "data-1.log").write_text(f"{first}\n{bad}\n{rest}")
    runs, problems, _ = read_runs(tmp_path)
    (run,) = runs.values()
    assert dict(run.params) == {"lr": 0.1}
    assert (list(run.metrics["loss"].steps), dict(run.summary)) == ([1.0], {})
    assert run.status == "unknown" and run.end_time == 1796522069.0
    assert [(p.path, p.message, p.kept) for p in problems] == [
        (str(folder / "data-1.log"), "line 2 is not an operation Neptune wrote: skipped", "the other lines")
    ]


def test_a_seed_assigned_at_the_top_of_the_run_is_its_seed_param(tmp_path):
    """run["seed"] = 3 outside `parameters/` (as scripts log it beside run["parameters"] = cfg) is the
    run's seed, a param, so that seeds of one config are replicates, not final values that a table never
    groups by; `random_seed` too. A `seed` under a param namespace wins, the top-level one then stays a
    final value. Shape: AssignInt at path ["seed"], neptune/internal/operation.py @ neptune 1.14.0
    (written by hand: neptune is not installed here)."""
    _run_folder(
        tmp_path,
        [
            _op(1, {"type": "AssignFloat", "path": ["parameters", "lr"], "value": 0.1}),
            _op(2, {"type": "AssignInt", "path": ["seed"], "value": 3}),
            _op(3, {"type": "AssignInt", "path": ["random_seed"], "value": 7}),
            _op(4, {"type": "AssignFloat", "path": ["test", "acc"], "value": 0.91}),
        ],
    )
    runs, problems, _ = read_runs(tmp_path)
    (run,) = runs.values()
    assert dict(run.params) == {"lr": 0.1, "seed": 3, "random_seed": 7}
    assert dict(run.summary) == {"test/acc": 0.91}
    assert problems == []


def test_a_seed_under_parameters_wins_over_one_at_the_top(tmp_path):
    """Both `parameters/seed` and a top-level `seed`: the namespace's is the param, the other a value."""
    _run_folder(
        tmp_path,
        [
            _op(1, {"type": "AssignInt", "path": ["parameters", "seed"], "value": 1}),
            _op(2, {"type": "AssignInt", "path": ["seed"], "value": 2}),
        ],
    )
    runs, _, _ = read_runs(tmp_path)
    (run,) = runs.values()
    assert (dict(run.params), dict(run.summary)) == ({"seed": 1}, {"seed": 2.0})
