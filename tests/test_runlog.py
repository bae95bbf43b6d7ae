"""The run logger: folders, metrics lines, run.json, status on every way out, ranks, seeds."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading

import pytest
from runlog_helpers import RANK_VARIABLES, read_info, run_folders, run_script, script_env

import resultsbook
from resultsbook.adapters.base import Folder
from resultsbook.adapters.native import NativeAdapter
from resultsbook.runlog import lifecycle
from resultsbook.runlog.seeding import take_pending_seed


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No launcher rank, a private fingerprint cache, and no seed or run left behind for the next test."""
    for name in RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RESULTSBOOK_CACHE_DIR", str(tmp_path / "cache"))
    yield
    take_pending_seed()
    for run in lifecycle.open_runs():
        run.close_with(None)


def read_back(folder):
    """Read a run folder with the native adapter, as collect does."""
    adapter = NativeAdapter()
    claim = adapter.claim(Folder(str(folder), frozenset(p.name for p in folder.iterdir()), ()))
    result = adapter.read(claim.sources[0])
    return result.runs[0], [p.message for p in result.problems]


def test_a_run_writes_the_native_format_that_collect_reads(tmp_path):
    config = {"model": "mlp", "optimizer": {"lr": 0.1}, "seed": 3}
    with resultsbook.Run(tmp_path / "runs", config=config, code_dir=tmp_path) as run:
        for step in range(1, 4):
            run.log(step, {"val/acc": 0.5 + step / 10}, loss=1.0 / step)
        run.summary(test_acc=0.91)
    record, problems = read_back(tmp_path / "runs" / run.name)
    assert problems == []
    assert record.status == "finished"
    assert record.params == {"model": "mlp", "optimizer.lr": 0.1, "seed": 3}
    assert list(record.metrics["loss"].steps) == [1, 2, 3]
    assert list(record.metrics["val/acc"].values) == pytest.approx([0.6, 0.7, 0.8])
    assert record.metrics["loss"].times is not None
    assert record.summary == {"test_acc": 0.91}
    assert record.start_time <= record.end_time
    assert record.provenance["python"] == sys.version.split()[0]
    assert record.provenance["packages"]["pytest"] == pytest.__version__


def test_folder_names_are_readable_and_unique(tmp_path):
    config = {"model": "mlp", "dataset": "moons", "seed": 0, "layers": [16, 16], "debug": False}
    runs = [resultsbook.Run(tmp_path, config=config, code_dir=tmp_path) for _ in range(3)]
    for run in runs:
        run.close()
    names = [run.name for run in runs]
    assert len(set(names)) == 3
    assert all(name.startswith("mlp_moons_seed0-") for name in names)
    named = resultsbook.Run(tmp_path, config=config, name="base line/v2", code_dir=tmp_path)
    named.close()
    assert named.name.startswith("base_line_v2-")


def test_unique_false_replaces_the_previous_run_of_the_same_name(tmp_path):
    for loss in (9.0, 1.0):
        with resultsbook.Run(
            tmp_path, config={"seed": 0}, name="same", unique=False, code_dir=tmp_path
        ) as run:
            run.log(1, loss=loss)
    assert [p.name for p in tmp_path.iterdir() if p.is_dir() and p.name != "cache"] == ["same"]
    record, _ = read_back(tmp_path / "same")
    assert list(record.metrics["loss"].values) == [1.0]


def test_unique_false_runs_whose_names_clean_up_alike_keep_folders_of_their_own(tmp_path):
    """Names of another script (`中文_seed0`, `日本語_seed0`) all became `seed0`, and names alike in
    their first 80 characters one folder: with `unique=False` each run replaced the other's files, and
    collect found one run of three. A rerun of the same config still replaces its own."""
    long = "transformer_d512_h8_l6_dropout0.1_warmup4000_labelsmoothing0.1_dataset-wmt14-en-de"
    names = [("中文_seed0", {"dataset": "中文"}), ("日本語_seed0", {"dataset": "日本語"})]
    names += [(f"{long}_lr{lr}_seed0", {"lr": lr}) for lr in (0.001, 0.0003)]
    for _ in range(2):  # a rerun of every run
        for name, config in names:
            with resultsbook.Run(tmp_path, config=config, name=name, unique=False, code_dir=tmp_path) as run:
                run.log(1, loss=1.0)
    folders = sorted(p.name for p in tmp_path.iterdir() if p.is_dir() and p.name != "cache")
    assert len(folders) == 4 and "中文_seed0" in folders and "日本語_seed0" in folders, folders
    configs = [json.loads((tmp_path / folder / "config.json").read_text()) for folder in folders]
    assert sorted(config["lr"] for config in configs if "lr" in config) == [0.0003, 0.001]
    unnamed = [{"data": "/datasets/imagenet/train-" + "x" * 20 + tag, "seed": 0} for tag in "ab"]
    for config in [*unnamed, *unnamed]:  # the path, too long for the name, is what tells them apart
        with resultsbook.Run(tmp_path / "u", config=config, unique=False, code_dir=tmp_path) as run:
            run.update_config(n_params=1234)  # a config completed as the run goes is the same run's
            run.log(1, loss=1.0)
    assert len([p for p in (tmp_path / "u").iterdir() if p.is_dir() and p.name != "cache"]) == 2
    for name in ("a b", "a_b", "a b", "a_b", "a/b"):  # a name already clean is no exception, in any order
        with resultsbook.Run(tmp_path / "c", {"seed": 0}, name=name, unique=False, code_dir=tmp_path) as run:
            run.log(1, loss=1.0)
    assert len([p for p in (tmp_path / "c").iterdir() if p.is_dir() and p.name != "cache"]) == 3
    long = "実験" * 40  # 240 bytes cleaned up as it is: a folder name allows 255
    with resultsbook.Run(tmp_path / "j", {"seed": 0}, name=long, code_dir=tmp_path) as run:
        run.log(1, loss=1.0)
    config = {"model": f"<Net object at 0x{id(tmp_path):x}>", "a": 1, "b": 2, "c": 3, "d": 4}
    for _ in range(2):  # an object's address in a config differs each run: the same config all the same
        config["model"] = f"<Net object at 0x{id(object()):x}>"
        with resultsbook.Run(tmp_path / "o", config=config, unique=False, code_dir=tmp_path) as run:
            run.log(1, loss=1.0)
    assert len([p for p in (tmp_path / "o").iterdir() if p.is_dir() and p.name != "cache"]) == 1


_HOLDER = """
import sys, resultsbook
from resultsbook.runlog import run as run_module

mark = run_module._mark_identity


def paused(folder, identity):  # the folder is taken, its identity not written yet: the race's window
    print("claimed", flush=True)
    sys.stdin.readline()
    mark(folder, identity)


if sys.argv[2] == "pause":
    run_module._mark_identity = paused
config = {"model": "mlp", "dataset": "moons", "opt": "sgd", "seed": 0, "lr": float(sys.argv[1])}
with resultsbook.Run("runs", config=config, unique=False, flush_every=0) as run:
    run.log(1, loss=float(sys.argv[1]))
    print("running", flush=True)
    sys.stdin.readline()
    run.summary(test_acc=float(sys.argv[1]))
"""


def _holder(tmp_path, lr, pause):
    """Start a process whose `unique=False` run (model mlp ... lr) holds its folder until told on stdin."""
    (tmp_path / "holder.py").write_text(_HOLDER)
    command = [sys.executable, str(tmp_path / "holder.py"), str(lr), "pause" if pause else "run"]
    return subprocess.Popen(
        command,
        cwd=tmp_path,
        env=script_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _tell(process):
    process.stdin.write("go\n")
    process.stdin.flush()


def _sweep_config(lr):
    return {"model": "mlp", "dataset": "moons", "opt": "sgd", "seed": 0, "lr": lr}


def test_a_unique_false_run_refuses_the_folder_a_live_run_of_its_name_writes(tmp_path):
    """A second terminal (or a requeued job) starting the run of the same name while the first still
    wrote took its folder: one run with the second's curve and the first's summary, 0 problems."""
    holder = _holder(tmp_path, 0.1, pause=False)
    try:
        assert holder.stdout.readline() == "running\n"
        folder = tmp_path / "runs" / "mlp_moons_sgd_seed0"
        with pytest.raises(RuntimeError) as refused:
            resultsbook.Run(tmp_path / "runs", config=_sweep_config(0.1), unique=False, code_dir=tmp_path)
        assert str(refused.value) == (
            f"run folder {folder} is being written by a run of the same name (process {holder.pid} on "
            f"{socket.gethostname()}); let it end or stop it, or give this run another name= (or unique=True)"
        )
        _tell(holder)
    finally:
        holder.communicate(timeout=60)
    record, _ = read_back(folder)
    assert list(record.metrics["loss"].values) == [0.1]
    assert read_info(folder)["summary"] == {"test_acc": 0.1} and read_info(folder)["status"] == "finished"
    with resultsbook.Run(
        tmp_path / "runs", config=_sweep_config(0.1), unique=False, code_dir=tmp_path
    ) as run:
        run.log(1, loss=0.5)  # once that run ended, a rerun replaces it
    assert list(read_back(folder)[0].metrics["loss"].values) == [0.5]


def test_a_unique_false_run_of_a_name_still_open_in_this_process_is_refused_in_those_words(tmp_path):
    """A nested run of the same name (or one in another thread) was refused as written by another
    process, with this process's own pid, and told to let it end or stop it."""
    expected = (
        f"run folder {tmp_path / 'x'} belongs to a run of the same name still open in this same process; "
        "close it first, or give this run another name= (or unique=True)"
    )
    with resultsbook.Run(tmp_path, config={"lr": 0.1}, name="x", unique=False, code_dir=tmp_path):
        with pytest.raises(RuntimeError) as nested:
            resultsbook.Run(tmp_path, config={"lr": 0.2}, name="x", unique=False, code_dir=tmp_path)
        assert str(nested.value) == expected
        refused: list[str] = []

        def other_thread():
            try:
                resultsbook.Run(tmp_path, config={"lr": 0.3}, name="x", unique=False, code_dir=tmp_path)
            except RuntimeError as error:
                refused.append(str(error))

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert refused == [expected]
    assert json.loads((tmp_path / "x" / "config.json").read_text()) == {"lr": 0.1}


def test_unique_false_runs_started_at_once_keep_folders_of_their_own(tmp_path):
    """Sweep jobs started at one moment, configs differing only in lr (not in the folder name): both
    found the folder free of another config, and one run's points went into the other's folder."""
    holder = _holder(tmp_path, 0.1, pause=True)
    try:
        assert holder.stdout.readline() == "claimed\n"
        threading.Timer(0.3, _tell, (holder,)).start()  # it goes on while this run starts
        with resultsbook.Run(
            tmp_path / "runs", config=_sweep_config(0.2), unique=False, code_dir=tmp_path
        ) as run:
            run.log(1, loss=0.2)
        assert holder.stdout.readline() == "running\n"
        _tell(holder)
    finally:
        holder.communicate(timeout=60)
    identity = json.dumps(_sweep_config(0.2), sort_keys=True)
    digested = f"mlp_moons_sgd_seed0-{hashlib.sha1(identity.encode()).hexdigest()[:8]}"
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["mlp_moons_sgd_seed0", digested]
    for name, lr in (("mlp_moons_sgd_seed0", 0.1), (digested, 0.2)):
        record, _ = read_back(tmp_path / "runs" / name)
        assert list(record.metrics["loss"].values) == [lr], name
        assert json.loads((tmp_path / "runs" / name / "config.json").read_text())["lr"] == lr


def test_a_unique_false_run_is_rerun_while_processes_it_forked_live_on(tmp_path):
    """Data loader workers forked during a run share its claim on the folder: once the run ended, a
    rerun of its name in the same script was refused while they lived."""
    read, write = os.pipe()
    with resultsbook.Run(tmp_path, config={"seed": 0}, name="forky", unique=False, code_dir=tmp_path) as run:
        run.log(1, loss=1.0)
        worker = os.fork()
        if worker == 0:  # a worker: lives until the test is done
            os.close(write)
            os.read(read, 1)
            os._exit(0)
    try:
        with resultsbook.Run(
            tmp_path, config={"seed": 0}, name="forky", unique=False, code_dir=tmp_path
        ) as run:
            run.log(1, loss=2.0)
    finally:
        os.close(write)
        os.close(read)
        os.waitpid(worker, 0)
    assert list(read_back(tmp_path / "forky")[0].metrics["loss"].values) == [2.0]


_KILLED = """
import os, signal, time, resultsbook
run = resultsbook.Run("runs", config={"seed": 0}, name="forky", unique=False)
run.log(1, loss=1.0)
worker = os.fork()
if worker == 0:  # a data loader worker: lives on after the run's process is killed
    time.sleep(120)
    os._exit(0)
print(os.getpid(), worker, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_rerun_beside_a_killed_runs_living_worker_names_the_killed_process(tmp_path, monkeypatch):
    """After kill -9 of a run whose forked worker lived on, a rerun was refused as written by
    `another process`, no pid, though the docs said the lock dropped at kill -9."""
    (tmp_path / "killed.py").write_text(_KILLED)
    killed = subprocess.Popen(
        [sys.executable, "killed.py"],
        cwd=tmp_path,
        env=script_env(tmp_path),
        stdout=subprocess.PIPE,
        text=True,
    )
    pid, worker = map(int, killed.stdout.readline().split())
    try:
        assert killed.wait(timeout=60) == -signal.SIGKILL
        monkeypatch.setattr("resultsbook.runlog.claim._WAIT_S", 0.2)
        with pytest.raises(RuntimeError) as refused:
            resultsbook.Run(
                tmp_path / "runs", config={"seed": 0}, name="forky", unique=False, code_dir=tmp_path
            )
    finally:
        os.kill(worker, signal.SIGKILL)
        killed.stdout.close()
    folder = tmp_path / "runs" / "forky"
    assert str(refused.value) == (
        f"run folder {folder} is held by a process that process {pid} started (a data loader worker?), living "
        f"on after {pid}, the run signed in its claim, ended; stop it (`fuser -v {folder / '.resultsbook-lock'}` "
        "names it: the lock does not), or give this run another name= (or unique=True)"
    )


def test_metric_lines_are_whole_and_on_disk_after_a_flush_while_running(tmp_path):
    run = resultsbook.Run(tmp_path, config={"seed": 0}, flush_every=3600, code_dir=tmp_path)
    run.log(1, loss=0.5)
    run.log(2, loss=0.25)
    metrics = tmp_path / run.name / "metrics.jsonl"
    assert metrics.read_text() == ""  # buffered: logging a point writes nothing yet
    run.flush()
    text = metrics.read_text()
    assert text.endswith("\n") and [json.loads(line)["loss"] for line in text.splitlines()] == [0.5, 0.25]
    record, _ = read_back(tmp_path / run.name)
    assert record.status == "running"
    run.close()


def test_numpy_values_nan_and_steps_left_out(tmp_path):
    np = pytest.importorskip("numpy")
    with resultsbook.Run(tmp_path, config={}, code_dir=tmp_path) as run:
        run.log(np.int64(5), loss=np.float32(0.5), acc=float("nan"))
        run.log(loss=0.25)  # the step after the last one
        run.log(inf=float("inf"))
    record, problems = read_back(tmp_path / run.name)
    assert list(record.metrics["loss"].steps) == [5, 6]
    assert list(record.metrics["inf"].steps) == [7]
    assert np.isnan(record.metrics["acc"].values[0]) and np.isinf(record.metrics["inf"].values[0])
    assert any("NaN/Infinity" in message for message in problems)


def test_numpy_values_in_a_config_are_the_numbers_and_lists_they_hold(tmp_path):
    """A notebook sweep (`for lr in np.logspace(..., dtype=np.float32)`, `for seed in np.arange(2)`) wrote
    config.json as {"lr": "0.001", "seed": "0"}: text params, one setting split in two table rows."""
    np = pytest.importorskip("numpy")
    config = {
        "lr": np.float32(0.001), "seed": np.int64(3), "wd": np.float64(0.25), "amp": np.bool_(True),
        "shape": np.array([64, 64], dtype=np.int32), "betas": np.array([0.9, 0.999], dtype=np.float32),
        "half": np.float16(0.1), "name": np.str_("mlp"),
    }  # fmt: skip
    with resultsbook.Run(tmp_path, config=config, code_dir=tmp_path) as run:
        run.log(0, loss=1.0)
    written = json.loads((tmp_path / run.name / "config.json").read_text())
    assert written == {
        "lr": 0.001, "seed": 3, "wd": 0.25, "amp": True, "shape": [64, 64], "betas": [0.9, 0.999],
        "half": 0.1, "name": "mlp",
    }  # fmt: skip
    record, _ = read_back(tmp_path / run.name)
    assert record.params["lr"] == 0.001 and record.params["seed"] == 3 and record.params["amp"] is True


def test_a_value_that_is_not_a_number_warns_once_and_is_left_out(tmp_path):
    with resultsbook.Run(tmp_path, config={}, code_dir=tmp_path) as run:
        with pytest.warns(RuntimeWarning, match="'note' = 'hello' is not a number"):
            run.log(1, loss=1.0, note="hello")
        run.log(2, loss=0.5, note="again")  # no second warning (filterwarnings = error would fail)
    record, _ = read_back(tmp_path / run.name)
    assert set(record.metrics) == {"loss"}


def test_the_mapping_may_come_first_with_step_as_a_keyword_as_wandb_log_takes_it(tmp_path):
    """`run.log({"loss": 0.3}, step=10)`, as wandb.log and MLflow's log_metrics take it, raised
    `TypeError: Run.log() got multiple values for argument 'step'` at the first step: the run failed."""
    with resultsbook.Run(tmp_path, config={}, code_dir=tmp_path) as run:
        run.log({"loss": 1.0}, step=10)
        run.log({"loss": 0.5}, 20)
        run.log(30, {"loss": 0.25})
        run.log(step=40, metrics={"loss": 0.125})
        run.log(metrics={"loss": 0.0625})
        with pytest.raises(TypeError, match=r"got the step twice: 50 and step=51"):
            run.log(50, {"loss": 0.0}, step=51)
        with pytest.raises(TypeError, match=r"takes a step and a mapping of metrics.*given 0.3 where"):
            run.log(60, 0.3)
    record, _ = read_back(tmp_path / run.name)
    assert list(record.metrics["loss"].steps) == [10, 20, 30, 40, 41]
    assert list(record.metrics["loss"].values) == [1.0, 0.5, 0.25, 0.125, 0.0625]
    assert run.status == "finished"


def test_nested_metrics_are_recorded_under_dotted_keys_as_the_reader_names_them(tmp_path):
    with resultsbook.Run(tmp_path, config={}, code_dir=tmp_path) as run:
        run.log(1, {"eval": {"acc": 0.9, "f1": {"macro": 0.8}}}, loss=0.5)
        run.summary({"test": {"acc": 0.85}})
    record, _ = read_back(tmp_path / run.name)
    assert set(record.metrics) == {"eval.acc", "eval.f1.macro", "loss"}
    assert record.summary == {"test.acc": 0.85}


def test_a_value_that_is_not_a_number_is_warned_of_at_the_scripts_own_line(tmp_path):
    with (
        resultsbook.Run(tmp_path, config={}, code_dir=tmp_path) as run,
        pytest.warns(RuntimeWarning, match="'phase' = 'train' is not a number") as warned,
    ):
        run.log({"loss": 1.0, "phase": "train"}, step=1)
    assert warned[0].filename == __file__  # not resultsbook/runlog/run.py


def test_time_and_step_are_not_metric_names(tmp_path):
    with (
        resultsbook.Run(tmp_path, config={}, code_dir=tmp_path) as run,
        pytest.raises(ValueError, match="time"),
    ):
        run.log(1, time=3.0)


def test_an_exception_in_the_with_block_ends_the_run_failed_with_its_traceback(tmp_path):
    with pytest.raises(ZeroDivisionError), resultsbook.Run(tmp_path, config={}, code_dir=tmp_path) as run:
        run.log(1, loss=1.0)
        _ = 1 / 0
    info = read_info(tmp_path / run.name)
    assert info["status"] == "failed"
    assert info["error"]["type"] == "ZeroDivisionError"
    assert info["error"]["message"] == "division by zero"
    assert "_ = 1 / 0" in info["error"]["traceback_tail"]
    assert "end_time" in info


def test_ctrl_c_in_the_with_block_ends_the_run_interrupted(tmp_path):
    with pytest.raises(KeyboardInterrupt), resultsbook.Run(tmp_path, config={}, code_dir=tmp_path) as run:
        raise KeyboardInterrupt
    assert read_info(tmp_path / run.name)["status"] == "interrupted"


def test_the_sigterm_handler_is_installed_only_while_a_run_is_open(tmp_path):
    before, hook = signal.getsignal(signal.SIGTERM), sys.excepthook
    with resultsbook.Run(tmp_path, config={}, code_dir=tmp_path):
        assert signal.getsignal(signal.SIGTERM) is not before
        assert sys.excepthook is not hook
    assert signal.getsignal(signal.SIGTERM) is before
    assert sys.excepthook is hook


def test_a_script_that_never_closes_its_run_ends_finished(tmp_path):
    result = run_script(
        tmp_path,
        """
        import resultsbook
        run = resultsbook.Run("runs", config={"seed": 1})
        run.log(1, loss=0.5)
        """,
    )
    assert result.returncode == 0, result.stderr
    [folder] = run_folders(tmp_path / "runs")
    assert read_info(folder)["status"] == "finished"
    assert (folder / "metrics.jsonl").read_text().count("\n") == 1


def test_an_uncaught_exception_without_a_with_block_ends_the_run_failed(tmp_path):
    result = run_script(
        tmp_path,
        """
        import resultsbook
        run = resultsbook.Run("runs", config={"seed": 1})
        run.log(1, loss=0.5)
        raise RuntimeError("diverged")
        """,
    )
    assert result.returncode == 1 and "RuntimeError: diverged" in result.stderr  # the usual traceback too
    [folder] = run_folders(tmp_path / "runs")
    info = read_info(folder)
    assert (info["status"], info["error"]["type"], info["error"]["message"]) == (
        "failed",
        "RuntimeError",
        "diverged",
    )
    assert 'raise RuntimeError("diverged")' in info["error"]["traceback_tail"]


def test_sigterm_ends_the_run_interrupted_and_the_process_still_dies_of_it(tmp_path):
    result = run_script(
        tmp_path,
        """
        import os, signal, resultsbook
        with resultsbook.Run("runs", config={"seed": 1}) as run:
            for step in range(1, 4):
                run.log(step, loss=1.0 / step)
            os.kill(os.getpid(), signal.SIGTERM)
            print("still alive")
        """,
    )
    assert result.returncode == -signal.SIGTERM
    assert "still alive" not in result.stdout
    [folder] = run_folders(tmp_path / "runs")
    info = read_info(folder)
    assert info["status"] == "interrupted" and info["error"]["type"] == "SIGTERM"
    assert (folder / "metrics.jsonl").read_text().count("\n") == 3


@pytest.mark.parametrize("when", ["make_run_folder", "capture_environment"])
def test_a_sigterm_while_the_run_starts_ends_it_interrupted(tmp_path, when):
    """A scheduler's SIGTERM landing while Run() started (its folder just made, or the environment
    being read) left an empty folder that collect and status never named."""
    result = run_script(
        tmp_path,
        f"""
        import os, signal, resultsbook
        from resultsbook.runlog import run as run_module

        step = run_module.{when}
        def stopped(*args):
            made = step(*args)
            os.kill(os.getpid(), signal.SIGTERM)  # the scheduler's SIGTERM, amid the start
            return made
        run_module.{when} = stopped
        with resultsbook.Run("runs", config={{"seed": 1}}) as run:
            run.log(1, loss=1.0)
        print("still alive")
        """,
    )
    assert result.returncode == -signal.SIGTERM and "still alive" not in result.stdout
    [folder] = run_folders(tmp_path / "runs")
    info = read_info(folder)
    assert info["status"] == "interrupted" and info["error"]["type"] == "SIGTERM"
    assert json.loads((folder / "config.json").read_text()) == {"seed": 1}
    record, problems = read_back(folder)
    assert record.status == "interrupted" and not record.metrics, problems


def test_sigterm_calls_the_handler_that_was_there_before(tmp_path):
    result = run_script(
        tmp_path,
        """
        import os, signal, resultsbook
        signal.signal(signal.SIGTERM, lambda *_: print("own handler ran"))
        run = resultsbook.Run("runs", config={})
        os.kill(os.getpid(), signal.SIGTERM)
        print("went on")
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["own", "handler", "ran", "went", "on"]
    [folder] = run_folders(tmp_path / "runs")
    assert read_info(folder)["status"] == "interrupted"


def test_only_rank_zero_writes_unless_all_ranks(tmp_path, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    quiet = resultsbook.Run(tmp_path / "runs", config={"seed": 0}, code_dir=tmp_path)
    quiet.log(1, loss=1.0)
    quiet.summary(acc=1.0)
    assert quiet.track_data(__file__) is None
    quiet.close()
    assert not quiet.active and quiet.folder is None and not (tmp_path / "runs").exists()
    loud = resultsbook.Run(tmp_path / "runs", config={"seed": 0}, all_ranks=True, code_dir=tmp_path)
    loud.close()
    assert loud.name.startswith("seed0_rank1-")
    info = read_info(tmp_path / "runs" / loud.name)
    assert (info["rank"], info["world_size"]) == (1, 2)


def test_slurm_rank_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_PROCID", "3")
    run = resultsbook.Run(tmp_path / "runs", config={}, code_dir=tmp_path)
    run.close()
    assert not run.active


def test_seed_everything_before_a_run_goes_into_its_config(tmp_path):
    seeded = resultsbook.seed_everything(7)
    first = random.random()
    random.seed(7)
    assert random.random() == first
    with resultsbook.Run(tmp_path, config={"model": "mlp"}, code_dir=tmp_path) as run:
        pass
    assert json.loads((tmp_path / run.name / "config.json").read_text()) == {"model": "mlp", "seed": 7}
    assert read_info(tmp_path / run.name)["seed_everything"] == {"seed": 7, "libraries": seeded}
    with resultsbook.Run(tmp_path, config={}, code_dir=tmp_path) as later:
        pass
    assert "seed" not in later.config  # the seed was taken by the run it was meant for


def test_seed_everything_during_a_run_updates_its_config(tmp_path):
    np = pytest.importorskip("numpy")
    with resultsbook.Run(tmp_path, config={"model": "mlp"}, code_dir=tmp_path) as run:
        resultsbook.seed_everything(11)
        drawn = np.random.rand()
    np.random.seed(11)
    assert np.random.rand() == drawn
    assert json.loads((tmp_path / run.name / "config.json").read_text())["seed"] == 11


def test_a_seed_that_contradicts_the_config_is_warned_about_and_both_kept(tmp_path):
    resultsbook.seed_everything(5)
    with pytest.warns(RuntimeWarning, match="seed = 3"):
        run = resultsbook.Run(tmp_path, config={"seed": 3}, code_dir=tmp_path)
    run.close()
    assert run.config["seed"] == 3
    assert read_info(tmp_path / run.name)["seed_everything"]["seed"] == 5


def test_config_from_a_dataclass_or_namespace(tmp_path):
    import argparse
    import dataclasses

    @dataclasses.dataclass
    class Config:
        lr: float = 0.1
        name: str = "x"

    for config in (Config(), argparse.Namespace(lr=0.1, name="x")):
        with resultsbook.Run(tmp_path, config=config, code_dir=tmp_path) as run:
            pass
        assert run.config == {"lr": 0.1, "name": "x"}
    with pytest.raises(TypeError, match="mapping, a dataclass"):
        resultsbook.Run(tmp_path, config=42)


def test_logging_after_the_run_ended_warns_once(tmp_path):
    with resultsbook.Run(tmp_path, config={}, code_dir=tmp_path) as run:
        run.log(1, loss=1.0)
    with pytest.warns(RuntimeWarning, match="after the run ended is not recorded"):
        run.log(2, loss=0.5)
    run.log(3, loss=0.25)  # once is enough (filterwarnings = error would fail a second warning)
    record, _ = read_back(tmp_path / run.name)
    assert list(record.metrics["loss"].steps) == [1]


def test_a_closed_run_can_be_reopened_and_ends_again(tmp_path):
    run = resultsbook.Run(tmp_path, config={}, code_dir=tmp_path)
    run.log(1, loss=1.0)
    run.close()
    run.reopen()
    assert read_info(tmp_path / run.name)["status"] == "running"
    run.log(2, test_loss=0.5)
    run.close()
    record, _ = read_back(tmp_path / run.name)
    assert record.status == "finished" and set(record.metrics) == {"loss", "test_loss"}


def test_a_unique_false_run_is_not_reopened_into_a_rerun_of_its_name(tmp_path):
    """trainer.test() after fit(), once a rerun of the name replaced the folder: the test metrics of
    the lr 0.1 model went into the lr 0.2 run's folder, beside its curve and config."""
    first = resultsbook.Run(tmp_path, config={"lr": 0.1}, name="x", unique=False, code_dir=tmp_path)
    first.log(1, loss=1.0)
    first.close()
    first.reopen()  # its own folder still: continued
    first.close()
    with resultsbook.Run(tmp_path, config={"lr": 0.2}, name="x", unique=False, code_dir=tmp_path) as rerun:
        rerun.log(1, loss=2.0)
    with pytest.raises(RuntimeError) as refused:
        first.reopen()
    assert str(refused.value) == (
        f"run folder {tmp_path / 'x'} cannot be reopened: another run of the same name was written there "
        "since this one closed; give the runs other names= (or unique=True) to keep both"
    )
    record, _ = read_back(tmp_path / "x")
    assert set(record.metrics) == {"loss"} and list(record.metrics["loss"].values) == [2.0]
    assert record.params == {"lr": 0.2} and record.status == "finished"


def test_importing_resultsbook_loads_neither_numpy_nor_the_logger():
    heavy = "('numpy', 'pandas', 'resultsbook.runlog')"
    code = f"import sys, resultsbook; print(sorted(m for m in {heavy} if m in sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
