"""Guild AI run folders, written by Guild itself (tests/fixtures/guild, guildai 0.9.0), and hand-made
ones of the shapes of Guild's own samples (guildai/guildai @ dfbefedb, guild/tests/samples/filter-runs/)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from trackers import FIXTURES, copy_fixture, expected, last_values, read_tree, same_number

# `guild compare` status -> resultsbook status
STATUS = {"completed": "finished", "error": "failed", "terminated": "interrupted"}


@pytest.fixture
def home(tmp_path):
    return copy_fixture("guild", tmp_path) / "home"


def test_a_guild_home_collects_one_run_per_run_folder_as_guild_compare_shows_it(home):
    """Before, `collect` of a guild home found nothing ("no runs found under ..."): every file Guild
    writes is in the hidden .guild/ folder the walk skips."""
    found = read_tree(home)
    compare = expected("guild")["compare"]
    assert sorted(source.split("/")[1][:8] for source in found) == sorted(compare)
    for source, (run, problems, adapter) in found.items():
        row = compare[source.split("/")[1][:8]]
        assert adapter == "guild" and problems == []
        assert run.status == STATUS[row["status"]]
        assert run.name == row["label"]
        assert run.experiment == row["operation"] == "train.py"
        assert run.params == {"layers": int(row["layers"]), "lr": float(row["lr"]), "mode": row["mode"],
                              "seed": int(row["seed"])}  # fmt: skip
        values = last_values(run)
        assert same_number(values["loss"], float(row["loss"]))
        assert same_number(values["val_acc"], float(row["val_acc"]))
        assert len(run.metrics["loss"]) == 3 and list(run.metrics["loss"].steps) == [0, 1, 2]


def test_the_deleted_run_in_trash_is_no_run(home):
    (deleted,) = os.listdir(home / "trash" / "runs")
    assert not any(deleted in source for source in read_tree(home))
    assert all(source.startswith("runs/") for source in read_tree(home))


def test_times_git_seed_and_the_termination_are_read(home):
    runs = {run.name: run for run, _, _ in read_tree(home / "runs").values()}
    stopped = runs["stopped"]
    attrs = home / "runs" / stopped.provenance["guild_id"] / ".guild" / "attrs"
    assert stopped.start_time == int((attrs / "started").read_text()) / 1e6
    assert stopped.end_time == int((attrs / "stopped").read_text()) / 1e6
    assert stopped.provenance["error"] == "terminated by SIGTERM (15)"
    sha = (attrs / "vcs_commit").read_text().strip()[len("git:") :].rstrip("*")
    assert stopped.provenance["git"] == {"commit": sha, "dirty": True}  # the script was edited before it
    assert runs["layers=2 lr=0.1 mode=ok seed=0"].provenance["git"] == {"commit": sha, "dirty": False}
    # Guild's own random_seed is not the script's seed flag: a param only when the script has it as a flag
    assert runs["layers=2 lr=0.1 mode=fail seed=0"].provenance["error"] == "exited with status 3"
    assert stopped.params["seed"] == 0 and stopped.provenance["random_seed"] == int((attrs / "random_seed").read_text())


def guild_run(root: Path, run_id: str, attrs: dict[str, str], markers: dict[str, str] | None = None) -> Path:
    """A run folder of the shape of guild/tests/samples/filter-runs/<id>/.guild/ (guildai/guildai @
    dfbefedb): attrs written as Guild writes them, some without a newline at the end (exit_status, id)."""
    folder = root / "runs" / run_id
    (folder / ".guild" / "attrs").mkdir(parents=True)
    for name, text in attrs.items():
        (folder / ".guild" / "attrs" / name).write_text(text)
    (folder / ".guild" / "opref").write_text("guildfile:/prj 4fd46a5f '' train\n")
    for name, text in (markers or {}).items():
        (folder / ".guild" / name).write_text(text)
    return folder


RUN_A = "2dc1529ba06c46fda486395a61475dbe"
RUN_B = "79ca9e64e4d7453f999a6bbd1e7c03f0"


def test_attrs_without_a_final_newline_and_a_negative_exit_status_are_read(tmp_path):
    guild_run(tmp_path, RUN_A, {"flags": "noise: 0.1\nx: 1.1\n", "exit_status": "-16", "id": RUN_A,
                                "started": "1662041973883753\n", "stopped": "1662041974186402\n",
                                "tags": "- red\n- green"})  # fmt: skip
    ((run, problems, adapter),) = read_tree(tmp_path).values()
    assert (adapter, problems) == ("guild", [])
    assert run.params == {"noise": 0.1, "x": 1.1} and run.status == "interrupted"
    assert run.provenance["exit_status"] == -16 and run.provenance["tags"] == ["red", "green"]
    assert run.name == RUN_A[:8] and run.experiment == "train"
    assert run.end_time - run.start_time == pytest.approx(0.302649)


def test_a_run_without_exit_status_is_running_while_its_lock_lives_else_failed_in_one_line(tmp_path):
    started = {"flags": "x: 1\n", "started": "1662041973883753\n", "host": f"{socket.gethostname()}\n"}
    guild_run(tmp_path, RUN_A, started, {"LOCK": str(os.getpid())})
    guild_run(tmp_path, RUN_B, started)
    found = {source.split("/")[1]: item for source, item in read_tree(tmp_path).items()}
    assert found[RUN_A][0].status == "running" and found[RUN_A][1] == []
    run, problems, _ = found[RUN_B]
    assert run.status == "failed" and run.provenance["guild_status"] == "error"
    assert [(p.path, p.message, p.kept) for p in problems] == [
        (
            str(tmp_path / "runs" / RUN_B / ".guild" / "attrs" / "exit_status"),
            "is missing and it holds no LOCK: the run stopped without Guild recording its end (killed, out of "
            "memory or node lost), as `guild runs` says error",
            "the run, as failed, with the scalars it printed",
        )
    ]


def test_an_exit_status_that_is_there_but_empty_or_not_a_number_is_no_crash_said_once(tmp_path):
    """An exit_status file cut empty (a disk full when Guild wrote it) or holding text was read as a
    missing one: the run "stopped without Guild recording its end", which it did record."""
    guild_run(tmp_path, RUN_A, {"flags": "x: 1\n", "exit_status": ""})
    guild_run(tmp_path, RUN_B, {"flags": "x: 2\n", "exit_status": "done\n"})
    found = {source.split("/")[1]: item for source, item in read_tree(tmp_path).items()}
    attrs = tmp_path / "runs" / RUN_A / ".guild" / "attrs"
    assert found[RUN_A][0].status == "unknown"
    assert [(p.path, p.message, p.kept) for p in found[RUN_A][1]] == [
        (str(attrs / "exit_status"), "is empty", "no exit_status")
    ]
    assert found[RUN_B][0].status == "unknown"
    assert [p.message for p in found[RUN_B][1]] == [
        "holds 'done', not an exit status (an integer, as Guild writes it: 0 when the run completed); "
        "put the run's exit code there"
    ]


def test_pending_and_staged_runs_are_runs_to_come(tmp_path):
    """A PENDING or STAGED run has not started (Guild's `Run.status`, guildai @ dfbefedb): it was read
    as `running`, counted as a seed still running; it is `queued`."""
    guild_run(tmp_path, RUN_A, {"flags": "x: 1\n"}, {"PENDING": ""})
    guild_run(tmp_path, RUN_B, {"flags": "x: 2\n"}, {"STAGED": ""})
    found = {source.split("/")[1]: run for source, (run, _, _) in read_tree(tmp_path).items()}
    assert found[RUN_A].status == found[RUN_B].status == "queued"
    assert (found[RUN_A].provenance["guild_status"], found[RUN_B].provenance["guild_status"]) == ("pending", "staged")


def test_event_files_the_script_wrote_in_the_run_folder_are_the_runs_curves_not_runs_of_their_own(tmp_path):
    (written,) = (FIXTURES / "tensorboard" / "logs" / "tbx_seed0").glob("events.out.tfevents.*")
    folder = guild_run(tmp_path, RUN_A, {"flags": "x: 1\n", "exit_status": "0\n"})
    (folder / "logs").mkdir()
    (folder / "logs" / written.name).write_bytes(written.read_bytes())
    found = read_tree(tmp_path)
    assert list(found) == [f"runs/{RUN_A}"]
    run, problems, adapter = found[f"runs/{RUN_A}"]
    assert adapter == "guild" and problems == [] and run.status == "finished"
    assert {"logs/train/loss", "logs/val/acc"} <= set(run.metrics)


def test_collect_of_a_guild_home_needs_no_option_and_the_adapter_is_listed(home, cli):
    result = cli("collect", str(home), "--db", "g.db")
    assert result.exit_code == 0 and "5 new" in result.output
    listed = cli("adapters")
    assert "guild" in listed.output
    table = cli("table", "--db", "g.db", "--rows", "lr", "--metric", "val_acc", "--where", "mode=ok", "--format", "json")
    assert [cell["stats"]["n"] for cell in json.loads(table.output)["cells"]] == [1, 2]


def test_status_says_a_pending_run_has_not_started_rather_than_that_it_stopped_writing(tmp_path, cli):
    """A PENDING run (a batch's trial or a queue's run not started yet: `op_util.set_run_pending`,
    guildai @ dfbefedb) was `dead` in status: "running, but no write for 1556.5 days"."""
    folder = guild_run(tmp_path, RUN_A, {"flags": "x: 1\n", "initialized": "1662041972636392\n"}, {"PENDING": ""})
    old = 1662041972.0
    for path in [*folder.rglob("*"), folder]:
        os.utime(path, (old, old))
    assert cli("collect", "runs", "--db", "g.db").exit_code == 0
    result = cli("status", "--db", "g.db")
    lines = result.output.splitlines()
    assert lines[lines.index(f"  queued      {RUN_A[:8]}  (runs/{RUN_A})") + 1].strip() == (
        "Guild's PENDING: not started yet"
    )
    assert "dead" not in result.output and "running" not in result.output


def test_the_folder_of_guild_run_with_run_dir_is_a_run_whatever_its_name(tmp_path):
    """`guild run hello --run-dir <dir>` writes .guild/attrs, opref and output into a folder of any
    name (guildai/guildai @ dfbefedb, guild/tests/uat/alt-run-dir.md); before, only folders named by
    a 32-hex run id were claimed, and the collect found nothing."""
    folder = tmp_path / "dev" / "try1"
    (folder / ".guild" / "attrs").mkdir(parents=True)
    (folder / ".guild" / "attrs" / "flags").write_text("lr: 0.3\n")
    (folder / ".guild" / "attrs" / "exit_status").write_text("0\n")
    (folder / ".guild" / "attrs" / "id").write_text(RUN_A)
    (folder / ".guild" / "opref").write_text("script:/prj '' '' train.py\n")
    (tmp_path / "project" / ".guild" / "runs").mkdir(parents=True)  # a Guild home in a project: no run
    found = read_tree(tmp_path)
    assert list(found) == ["dev/try1"]
    run, problems, adapter = found["dev/try1"]
    assert (adapter, problems, run.status, run.params, run.name) == ("guild", [], "finished", {"lr": 0.3}, RUN_A[:8])


def test_a_batch_run_is_no_run_its_trials_are(tmp_path):
    """A batch run (`guild run train.py lr=uniform[0.01:0.1] --max-trials 2`, guildai 0.9.0) holds
    .guild/proto (the trial operation, `batch_util.is_batch`), empty flags and no scalars; it was a run
    of its own, failed when the optimizer failed."""
    batch = guild_run(tmp_path, RUN_A, {"flags": "{}\n", "exit_status": "1\n"})
    (batch / ".guild" / "proto" / ".guild" / "attrs").mkdir(parents=True)
    guild_run(tmp_path, RUN_B, {"flags": "lr: 0.05\n", "exit_status": "0\n"})
    assert list(read_tree(tmp_path)) == [f"runs/{RUN_B}"]


def test_an_empty_collect_of_a_project_names_the_guild_home_of_its_virtualenv(tmp_path, cli):
    """Guild's home is the `.guild` of the active virtualenv (guild/config.py, guildai @ dfbefedb):
    collecting the project found nothing, with no word of it."""
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    guild_run(tmp_path / "venv" / ".guild", RUN_A, {"flags": "x: 1\n", "exit_status": "0\n"})
    result = cli("collect", ".", "--db", "g.db")
    assert result.exit_code == 1
    assert (
        "its Guild AI runs are in venv/.guild/runs/, in a hidden folder collect does not walk into: "
        "resultsbook collect ./venv/.guild --db g.db (the Guild home) reads them, a run per run folder"
    ) in result.stderr
    assert "1 new" in cli("collect", "venv/.guild", "--db", "g.db").output


def test_a_run_whose_locked_process_dies_is_read_again_and_failed_though_no_file_changed(tmp_path, cli):
    """Guild deletes LOCK and writes exit_status when its run ends (guild/op.py, guildai @ dfbefedb);
    a process killed with -9 leaves both as they were, so only the clock tells."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = f"{socket.gethostname()}\n"
        guild_run(tmp_path, RUN_A, {"flags": "x: 1\n", "host": host}, {"LOCK": str(process.pid)})
        assert "1 new" in cli("collect", "runs", "--db", "g.db").output
        assert "running" in cli("runs", "--db", "g.db").output
    finally:
        process.kill()
        process.wait()
    again = cli("collect", "runs", "--db", "g.db")
    assert "1 updated" in again.output and f"its process {process.pid} is gone" in again.stderr
    assert "failed" in cli("runs", "--db", "g.db").output


def test_an_opref_that_is_no_regular_file_is_named_in_one_line(home):
    """A `.guild/opref` that is a FIFO (or a link to /dev/zero) lost the run's operation without a word."""
    run = next((home / "runs").iterdir())
    (run / ".guild" / "opref").unlink()
    os.mkfifo(run / ".guild" / "opref")
    found = read_tree(home)
    (read, problems, _) = next(value for source, value in found.items() if run.name in source)
    assert read.experiment is None
    assert [(os.path.basename(p.path), p.message, p.kept) for p in problems] == [
        ("opref", "is a FIFO (named pipe), not a regular file; it was not read", "the run without its operation")
    ]
