"""The scripting surface: a versioned --json envelope on every reporting command, exit codes of their
own for internal errors, colour rules, progress on a terminal only, shell completion of names, and
the rule for which commands collect first."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bad_inputs import GOOD as SPEC
from conftest import write_native_run


def write_run(root: Path, model: str, dataset: str, seed: int) -> None:
    metrics = [{"step": step, "test/acc": (0.8 if model == "logreg" else 0.9) + seed / 100} for step in (1, 2)]
    config = {"model": model, "dataset": dataset, "seed": seed}
    write_native_run(root / "runs" / f"{model}_{dataset}_{seed}", config, metrics, {"status": "finished"})


@pytest.fixture
def project(tmp_path: Path, cli) -> Path:
    for model in ("logreg", "mlp"):
        for dataset in ("moons", "circles"):
            for seed in range(3):
                write_run(tmp_path, model, dataset, seed)
    (tmp_path / "resultsbook.toml").write_text(SPEC)
    assert cli("build").exit_code == 0
    return tmp_path


ENVELOPES = {
    "collect": (["collect", "runs", "--json"], {"new", "updated", "unchanged", "missing", "problems"}),
    "build": (["build", "--json"], {"collected", "written", "unchanged", "failed", "findings", "remarks", "strict"}),
    "check": (["check", "--json"], {"strict", "outputs", "failed", "findings"}),
    "status": (["status", "--json"], {"complete", "cells", "empty_tables", "empty_cells", "runs", "findings"}),
    "explain": (["explain", "table1", "mlp / moons", "--json"], {"number", "cells"}),
    "show": (["show", "mlp_moons_0", "--json"], {"run", "problems"}),
    "diff": (["diff", "mlp_moons_0", "mlp_moons_1", "--json"], {"first", "second", "differences"}),
    "problems": (["problems", "--json"], {"problems"}),
    "forget": (["forget", "runs", "--dry-run", "--json"], {"sources", "runs", "dry_run", "notes"}),
    "runs": (["runs", "--json", "--metric", "test/acc"], {"runs"}),
    "table": (["table", "--rows", "model", "--metric", "test/acc", "--json"], {"cells", "stats", "rows"}),
}


@pytest.mark.parametrize("command", sorted(ENVELOPES))
def test_every_reporting_command_prints_a_versioned_envelope(project: Path, cli, command: str) -> None:
    arguments, keys = ENVELOPES[command]
    result = cli(*arguments)
    document = json.loads(result.stdout)
    # the table's envelope is the table document itself (version 3: with the printed highlighting)
    version = 3 if command == "table" else 1
    assert (document["format"], document["version"]) == (f"resultsbook.{command}", version)
    assert document["ok"] is (result.exit_code == 0)
    assert document["error"] is None
    assert keys <= set(document), keys - set(document)


@pytest.mark.parametrize(
    ("arguments", "version"),
    [(["table", "--rows", "model", "--metric", "nope", "--json"], 3), (["show", "nope", "--json"], 1)],
)
def test_a_failure_envelope_has_the_version_of_its_commands_success(project: Path, cli, arguments, version) -> None:
    document = json.loads(cli(*arguments).stdout)
    assert (document["format"], document["version"], document["ok"]) == (f"resultsbook.{arguments[0]}", version, False)


def test_json_documents_hold_what_the_text_shows(project: Path, cli) -> None:
    runs = json.loads(cli("runs", "--json", "--metric", "test/acc").stdout)["runs"]
    assert {run["name"]: run["metrics"]["test/acc"]["last"] for run in runs}["mlp_moons_2"] == pytest.approx(0.92)
    explained = json.loads(cli("explain", "table1", "mlp / moons", "--json").stdout)["cells"]
    assert [cell["n"] for cell in explained] == [3]
    assert sorted(run["replicate"]["seed"] for run in explained[0]["runs"]) == [0, 1, 2]
    differences = json.loads(cli("diff", "mlp_moons_0", "mlp_moons_1", "--json").stdout)["differences"]
    assert {"key": "seed", "kind": "param", "first": 0, "second": 1} in differences
    number = json.loads(cli("explain", "gain", "--json").stdout)["number"]
    assert number["macro"] == "gain" and len(number["cells"]) == 2


def test_status_json_gives_a_cell_no_run_reached_the_commands_its_other_cells_have(project: Path, cli) -> None:
    """A script launching what `status --json` lists read `commands` of incomplete cells, and had none
    for a configuration never run."""
    for seed in range(3):
        shutil.rmtree(project / "runs" / f"mlp_moons_{seed}")
    shutil.rmtree(project / "runs" / "logreg_circles_2")
    assert cli("collect").exit_code == 0
    document = json.loads(cli("status", "--json").stdout)
    short = next(cell for cell in document["cells"] if cell["missing"])
    hole = document["empty_cells"][0]
    assert {"table", "cell", "expected", "missing", "unnamed", "commands"} <= set(hole) & set(short)
    assert short["commands"] == ["python train.py --model logreg --seed 2"]
    assert hole["commands"] == [f"python train.py --model mlp --seed {seed}" for seed in range(3)]


def test_runs_chooses_its_columns_and_shows_metric_summaries(project: Path, cli) -> None:
    result = cli(
        "runs", "--columns", "name,seed", "--metric", "test/acc:max", "--where", "model=mlp", "--where", "dataset=moons"
    )
    assert result.output.splitlines() == [
        "name         seed    test/acc:max",
        "-----------  ------  --------------",
        "mlp_moons_0  0       0.9",
        "mlp_moons_1  1       0.91",
        "mlp_moons_2  2       0.92",
        "3 run(s)",
    ]


def test_an_internal_error_saves_its_traceback_and_exits_70(project: Path, cli, monkeypatch) -> None:
    import resultsbook.query as query

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(query, "aggregate", broken)
    result = cli("table", "--rows", "model", "--metric", "test/acc")
    assert result.exit_code == 70
    [line] = result.stderr.splitlines()
    assert line.startswith("Internal error: ZeroDivisionError: boom — a bug in resultsbook; the traceback is in ")
    saved = Path(line.split("the traceback is in ")[1].split(" (rerun")[0])
    text = saved.read_text()
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError: boom" in text
    saved.unlink()
    document = json.loads(cli("table", "--rows", "model", "--metric", "test/acc", "--json").stdout)
    assert (document["ok"], document["error"]["kind"], document["error"]["exit_code"]) == (False, "internal", 70)
    Path(document["error"]["traceback_file"]).unlink()
    shown = cli("table", "--rows", "model", "--metric", "test/acc", "--debug")
    assert shown.exit_code == 70
    assert "Traceback (most recent call last)" in shown.stderr
    assert shown.stderr.splitlines()[-1].startswith("Internal error: ZeroDivisionError: boom")


def test_status_and_explain_read_the_store_as_it_is_unless_asked_to_collect(project: Path, cli) -> None:
    write_run(project, "mlp", "moons", 3)
    assert "(n = 3," in cli("explain", "table1", "mlp / moons").output
    assert "(n = 4," in cli("explain", "table1", "mlp / moons", "--collect").output
    write_run(project, "mlp", "circles", 3)
    assert "MLP" not in cli("status").output and "circles: 3 of 4" in cli("status").output.lower()
    assert cli("status", "--collect").exit_code == 1  # seed 3 is still missing elsewhere


def test_colour_follows_the_flag_then_no_color(project: Path, cli, monkeypatch) -> None:
    table = ["table", "--rows", "model", "--metric", "test/acc"]
    assert "\x1b[1m" in cli("--color", "always", *table).output
    assert "\x1b[1m" in cli(*table, "--color", "always").output  # global flags work after the command too
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[1m" in cli(*table, "--color", "always").output  # an explicit flag wins over NO_COLOR
    assert "\x1b" not in cli(*table).output


def _on_a_terminal(folder: Path, *arguments: str, env: dict[str, str] | None = None) -> str:
    """Run resultsbook with stdout and stderr on a pseudo-terminal; return everything it wrote."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", "from resultsbook.cli import main; main()", *arguments],
        cwd=folder, stdin=follower, stdout=follower, stderr=follower, env={**os.environ, **(env or {})},
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")


def test_progress_shows_on_a_terminal_and_never_in_a_pipe(project: Path) -> None:
    on_terminal = _on_a_terminal(project, "build", "--no-collect")
    assert "Building" in on_terminal
    assert "Writing the report" in _on_a_terminal(project, "report", "--no-collect")
    piped = subprocess.run(
        [sys.executable, "-c", "from resultsbook.cli import main; main()", "build", "--no-collect"],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Building" not in piped.stdout + piped.stderr


def test_no_color_is_respected_on_a_terminal(project: Path) -> None:
    table = ("table", "--rows", "model", "--metric", "test/acc")
    assert "\x1b[1m" in _on_a_terminal(project, *table)
    assert "\x1b[1m" not in _on_a_terminal(project, *table, env={"NO_COLOR": "1"})


def _complete(folder: Path, words: str) -> list[str]:
    env = {
        **os.environ,
        "_RESULTSBOOK_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = subprocess.run(
        [sys.executable, "-c", "from resultsbook.cli import main; main()"],
        cwd=folder, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


def test_shell_completion_offers_tables_metrics_params_and_runs(project: Path) -> None:
    assert _complete(project, "resultsbook build --table ta") == ["table1"]
    assert _complete(project, "resultsbook table ta") == ["table1"]
    assert _complete(project, "resultsbook table --metric te") == ["test/acc"]
    assert _complete(project, "resultsbook table --rows model,da") == ["model,dataset"]
    assert _complete(project, "resultsbook table --rows model --rows da") == ["dataset"]  # refused when run
    assert _complete(project, "resultsbook show mlp_moons_") == ["mlp_moons_0", "mlp_moons_1", "mlp_moons_2"]
    assert _complete(project, "resultsbook explain ga") == ["gain"]
    assert _complete(project / "runs", "resultsbook table --metric x --db nowhere.db --metric ") == []


@pytest.mark.parametrize(
    "arguments",
    [
        ["runs"],
        ["explain", "table1"],
        ["table", "--rows", "model", "--metric", "test/acc"],
        ["status"],
        ["problems", "--json"],
    ],
)
def test_a_reader_gone_ends_every_command_with_141_and_nothing_on_stderr(project: Path, arguments) -> None:
    reading, writing = os.pipe()
    os.close(reading)  # the reader went away before the first line (`resultsbook runs | head -0`)
    try:
        process = subprocess.run(
            [sys.executable, "-m", "resultsbook", *arguments],
            cwd=project, stdout=writing, stderr=subprocess.PIPE, text=True, check=False, timeout=120,
        )  # fmt: skip
    finally:
        os.close(writing)
    assert (process.returncode, process.stderr) == (141, "")


def test_a_command_started_with_stdout_closed_is_no_internal_error(project: Path) -> None:
    """`resultsbook runs --json >&-` (a cron line): Python has no sys.stdout at all; the flush made for a
    gone reader raised AttributeError, an internal error with exit 70, where the command had exited 0."""
    process = subprocess.run(
        [sys.executable, "-m", "resultsbook", "runs", "--json"],
        cwd=project, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False, timeout=120,
        preexec_fn=lambda: os.close(1),  # the child's own stdout, closed before it starts
    )  # fmt: skip
    assert "Internal error" not in process.stderr and process.returncode in (0, 141), process.stderr
