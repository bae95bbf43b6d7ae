"""`status` names what is missing before the deadline; `explain` lists exactly the runs behind a cell."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time

import pytest
from conftest import ROOT, write_native_run

QUICKSTART = ROOT / "examples" / "quickstart"


@pytest.fixture
def project(tmp_path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns("runs", "*.db*", "results"))
    subprocess.run([sys.executable, "train.py"], cwd=project, check=True, capture_output=True)
    spec = (project / "resultsbook.toml").read_text()
    spec = spec.replace(
        "replicates = 5\n",
        'replicates = 5\ncommand = "python train.py --models {model} --datasets {dataset} --seeds {seed}"\n',
    )
    (project / "resultsbook.toml").write_text(spec)
    monkeypatch.chdir(project)
    return project


def run_cli(*args):
    from click.testing import CliRunner

    from resultsbook.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_status_names_exactly_the_deleted_seeds(project):
    assert run_cli("build").exit_code == 0
    complete = run_cli("status")
    assert complete.exit_code == 0
    assert complete.output.splitlines()[:2] == [
        "table1: 4 of 4 cells complete",
        "final_loss: 4 of 4 cells complete",
    ]
    shutil.rmtree(project / "runs" / "mlp_moons_seed3")
    shutil.rmtree(project / "runs" / "logreg_circles_seed1")
    run_cli("collect", "runs")
    result = run_cli("status", "--commands")
    assert result.exit_code == 1
    assert result.output.splitlines()[:5] == [
        "table1: 2 of 4 cells complete",
        "  Logistic regression / Circles: 4 of 5, missing seed 1",
        "    python train.py --models logreg --datasets circles --seeds 1",
        "  MLP (16 hidden) / Moons: 4 of 5, missing seed 3",
        "    python train.py --models mlp --datasets moons --seeds 3",
    ]


def extra_seeds(project, seeds=(5, 6)):
    """Train the quickstart's four configurations again with seeds the spec does not plan."""
    args = [sys.executable, "train.py", "--seeds", *map(str, seeds)]
    subprocess.run(args, cwd=project, check=True, capture_output=True)


def test_cells_with_more_seeds_than_replicates_asks_for_are_named_and_status_says_7_of_5(project):
    extra_seeds(project)
    built = run_cli("build")
    surplus = (
        "table1: Logistic regression / Circles and 3 more cell(s): n = 7, more than the 5 seeds asked for: "
        "all 7 are averaged (ask for 7, or filter the others out with where)"
    )
    assert built.exit_code == 0 and f"Warning: {surplus}" in built.output
    assert run_cli("build", "--strict").exit_code == 1  # camera-ready: the plan and the cells disagree
    status = run_cli("status", "--all")
    assert "  Logistic regression / Circles: 7 of 5" in status.output.splitlines()
    assert f"Warning: {surplus}" in status.output
    table = run_cli(
        "table", "--rows", "model", "--columns", "dataset", "--metric", "test/acc", "--replicates", "5"
    )
    assert (
        "Warning: table: Logistic regression / Circles and 3 more cell(s): n = 7, more than the 5"
        in table.output
    )
    exact = run_cli(
        "table", "--rows", "model", "--columns", "dataset", "--metric", "test/acc", "--replicates", "7"
    )
    assert "more than" not in exact.output
    unplanned = run_cli("table", "--rows", "model", "--columns", "dataset", "--metric", "test/acc")
    assert "more than" not in unplanned.output  # nothing asked: the most any cell has is the plan
    import resultsbook as rb

    with rb.open(project) as book:
        notes = book.spec_table("table1").notes
        assert notes[-1].startswith(
            "Logistic regression / Circles and 3 more cell(s): n = 7, more than the 5"
        )
        assert not any("more than" in note for note in book.table(rows="model", metric="test/acc").notes)
    assert run_cli("report", "--no-collect").exit_code == 0
    page = (project / "resultsbook-report.html").read_text()
    assert "Logistic regression / Circles and 3 more cell(s): n = 7, more than the 5 seeds asked for" in page


def test_cells_averaging_seeds_the_spec_does_not_list_are_named(project):
    spec = project / "resultsbook.toml"
    spec.write_text(spec.read_text().replace("replicates = 5\n", "seeds = [0, 1, 2, 3, 4]\n"))
    extra_seeds(project, (6,))
    subprocess.run(
        [sys.executable, "train.py", "--models", "mlp", "--datasets", "moons", "--seeds", "5"],
        cwd=project, check=True, capture_output=True,
    )  # fmt: skip
    built = run_cli("build", "-v")
    assert (
        "Warning: table1: MLP (16 hidden) / Moons: averages seeds 5, 6, which the table's list of seeds "
        "does not name (n = 7): list them, or filter them out with where"
    ) in built.output
    for cell in ("Logistic regression / Circles", "Logistic regression / Moons", "MLP (16 hidden) / Circles"):
        assert (  # -v lists each cell of a warning they share word for word
            f"Warning: table1: {cell}: averages seed 6, which the table's list of seeds does not name (n = 6)"
        ) in built.output
    assert (
        "Warning: table1: Logistic regression / Circles and 2 more cell(s): averages seed 6, which the "
        "table's list of seeds does not name (n = 6)"
    ) in run_cli("build").output
    spec.write_text(spec.read_text().replace("seeds = [0, 1, 2, 3, 4]\n", "seeds = [0, 1, 2, 3, 4, 5, 6]\n"))
    assert "does not name" not in run_cli("build").output


def test_a_cell_lacking_listed_seeds_is_short_of_them_though_other_seeds_make_its_count(project):
    """`seeds = [0, 1, 2, 3, 4]` and a cell that ran seeds 0, 1, 2, 5, 6 printed unmarked, its note
    `n = 5 seeds`, and status called it complete: only a warning named the seeds the list lacks."""
    spec = project / "resultsbook.toml"
    spec.write_text(spec.read_text().replace("replicates = 5\n", "seeds = [0, 1, 2, 3, 4]\n"))
    extra_seeds(project)
    for seed in (3, 4):
        shutil.rmtree(project / "runs" / f"mlp_moons_seed{seed}")
    built = run_cli("build")
    assert (
        "Warning: table1: MLP (16 hidden) / Moons: n = 5 of the 5 seeds listed (missing seed 3, seed 4)"
        in built.output
    ), built.output
    (row,) = [line for line in (project / "paper" / "results" / "table1.md").read_text().splitlines()
              if line.startswith("| MLP (16 hidden)")]  # fmt: skip
    assert "\\*" in row.split("|")[-2], row  # the Moons column: marked short of seeds
    status = run_cli("status", "--commands")
    assert status.exit_code == 1
    assert "  MLP (16 hidden) / Moons: 5 of 5, missing seed 3, seed 4" in status.output.splitlines()
    assert "    python train.py --models mlp --datasets moons --seeds 3" in status.output.splitlines()


def test_a_seed_that_ran_but_gave_no_value_is_not_called_missing(tmp_path, monkeypatch):
    """A seed whose loss went NaN was `missing seed 1`, as if it had never run: status offered the
    command that launches it, and the table's mark said the same."""
    for seed in range(3):
        loss = [1.0, 0.5, float("nan") if seed == 1 else 0.25]
        metrics = [{"step": step, "loss": value, "acc": 0.5 + step / 10} for step, value in enumerate(loss)]
        write_native_run(tmp_path / "runs" / f"s{seed}", {"model": "a", "seed": seed}, metrics)
    write_native_run(tmp_path / "runs" / "s3", {"model": "a", "seed": 3}, [{"step": 0, "loss": float("nan")}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetrics = ["loss", "acc"]\nrows = ["model"]\ngoal = "min"\n'
        'seeds = [0, 1, 2, 3, 4]\ncommand = "python train.py --seed {seed}"\noutputs = []\n'
    )
    monkeypatch.chdir(tmp_path)
    run_cli("collect")
    status = run_cli("status", "--commands")
    assert status.output.splitlines()[1:5] == [
        "  a / loss: 2 of 5, missing seed 4; seed 1 and seed 3 ran but have no value",
        "    python train.py --seed 1",
        "    python train.py --seed 3",
        "    python train.py --seed 4",
    ]
    assert (
        "Warning: t: a / loss: n = 2 of the 5 seeds listed (missing seed 4; seed 1 and seed 3 ran but have "
        "no value)"
    ) in status.output
    import resultsbook as rb

    with rb.open(tmp_path) as book:
        frame = book.spec_table("t").status()
    # seed 3 ran and never logged acc: it ran but has no value of acc either, and is not one to launch
    assert frame["missing"].tolist() == [[1, 3, 4], [3, 4]] and frame["valueless"].tolist() == [[1, 3], [3]]


def test_a_seed_that_logged_nan_is_named_as_one_that_never_logged_when_replicates_are_asked_for(
    tmp_path, monkeypatch
):
    """With `replicates = 4` and a cell of 6 seeds, no plan names the seeds: a seed that never logged
    acc was `seed 0 ran but has no value`, but one that logged NaN was `missing 1 unnamed`."""
    for method, seeds in (("nan", 4), ("nolog", 4), ("full", 6)):
        for seed in range(seeds):
            acc = float("nan") if (method, seed) == ("nan", 0) else 0.8 + seed / 100
            point = {"step": 1, "loss": 0.1} | ({} if (method, seed) == ("nolog", 0) else {"acc": acc})
            write_native_run(tmp_path / "runs" / f"{method}{seed}", {"method": method, "seed": seed}, [point])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["method"]\n'
        "replicates = 4\noutputs = []\n"
    )
    monkeypatch.chdir(tmp_path)
    run_cli("collect")
    status = run_cli("status")
    assert "  nan: 3 of 4, seed 0 ran but has no value" in status.output.splitlines()
    assert "nan and 1 more cell(s): n = 3 of 4 seeds asked for (seed 0 ran but has no value)" in status.output
    import resultsbook as rb

    with rb.open(tmp_path) as book:
        frame = book.spec_table("t").status().set_index("method")
    assert frame.loc["nan", ["missing", "valueless", "unnamed"]].tolist() == [[0], [0], 0]


def test_status_lists_failed_running_and_dead_runs(project):
    common = {"model": "mlp", "dataset": "moons"}
    error = {"type": "ValueError", "message": "loss is NaN", "traceback": "File train.py, line 9\n  step()\n"}
    write_native_run(
        project / "runs" / "crashed",
        {**common, "seed": 7},
        [{"step": 1, "test/acc": 0.5}],
        {"status": "failed", "error": error},
    )
    write_native_run(
        project / "runs" / "alive",
        {**common, "seed": 8},
        [{"step": 1, "test/acc": 0.5}],
        {"status": "running"},
    )
    hung = write_native_run(
        project / "runs" / "hung",
        {**common, "seed": 9},
        [{"step": 1, "test/acc": 0.5}],
        {"status": "running"},
    )
    old = time.time() - 3 * 3600
    for path in hung.iterdir():
        os.utime(path, (old, old))
    run_cli("collect", "runs")
    output = run_cli("status", "--stale-after", "2h").output
    attention = output.split("Runs needing attention:\n")[1].splitlines()
    assert attention[0].split() == ["dead", "hung", "(runs/hung)"]
    assert attention[1].strip() == "running, but no write for 3.0 h"
    assert attention[2].split() == ["failed", "crashed", "(runs/crashed)"]
    assert attention[3].strip() == "File train.py, line 9 | step() | ValueError: loss is NaN"
    assert attention[4].split() == ["running", "alive", "(runs/alive)"]


def test_build_names_a_counted_running_run_whose_logs_went_silent(project):
    """A run killed with SIGKILL never writes its end: its cells were marked ‡ "includes 1 running
    run(s)" at every build, as if it were still training; only `status` said it looks dead."""
    common = {"model": "mlp", "dataset": "moons"}
    write_native_run(
        project / "runs" / "alive",
        {**common, "seed": 8},
        [{"step": 1, "test/acc": 0.5}],
        {"status": "running"},
    )
    hung = write_native_run(
        project / "runs" / "hung",
        {**common, "seed": 9},
        [{"step": 1, "test/acc": 0.5}],
        {"status": "running"},
    )
    old = time.time() - 3 * 3600
    for path in hung.iterdir():
        os.utime(path, (old, old))
    result = run_cli("build")
    notes = [line for line in result.stderr.splitlines() if "looks dead" in line or "alive" in line]
    assert notes == [
        "Note: table1: hung (runs/hung) is counted as running, but no write for 3.0 h: it looks dead (killed, "
        'out of memory or node lost); rerun it, or count finished runs alone with status = ["finished"] in the table'
    ]
    import resultsbook as rb

    remarks = rb.build(tables="table1").remarks  # a notebook's build says it too
    assert [remark for remark in remarks if "looks dead" in remark] == [notes[0].removeprefix("Note: ")]
    shutil.rmtree(hung)  # and when its folder went since the last collect
    gone = [remark for remark in rb.build(tables="table1").remarks if "looks dead" in remark]
    assert gone[0].startswith(
        "table1: hung (runs/hung) is counted as running, but its files are gone: it looks dead"
    )


def test_status_of_a_cloned_run_that_never_ended_says_when_it_logged_last(tmp_path, monkeypatch):
    # a stranger's tree (github.com/aorvieto/VerySimpleTransformer @ e31370e, wandb/) committed W&B
    # logs of March 2023 without their end: after a clone, status said only "last write 4 min ago"
    monkeypatch.chdir(tmp_path)
    killed = next((ROOT / "tests" / "fixtures" / "wandb" / "wandb").glob("*-killed01"))
    shutil.copytree(killed, tmp_path / "wandb" / killed.name, copy_function=shutil.copy)  # as a clone
    assert run_cli("collect", "wandb", "--db", "logs.db").exit_code == 0
    lines = run_cli("status", "--db", "logs.db").stdout.splitlines()
    assert lines[1].split()[0] == "running"
    assert re.fullmatch(
        r"last write \d+ s ago, but its last point was logged [\d.]+ (days|h) ago "
        r"\(a copy or a clone dates files when it is made\)",
        lines[2].strip(),
    ), lines[2]


def test_status_without_a_spec_lists_the_runs_of_the_store_that_need_attention(tmp_path, monkeypatch):
    # a stranger's tree (github.com/0Chris5R/StanfordCS336-Own-Transformer @ 439c6c6d, wandb/) has
    # failed and never-ended runs; status said only "no resultsbook.toml here ...; create one"
    monkeypatch.chdir(tmp_path)
    write_native_run(
        tmp_path / "runs" / "done", {"lr": 0.1}, [{"step": 1, "loss": 0.5}], {"status": "finished"}
    )
    error = {"type": "ValueError", "message": "loss is NaN"}
    write_native_run(tmp_path / "runs" / "crashed", {"lr": 9.0}, [], {"status": "failed", "error": error})
    hung = write_native_run(tmp_path / "runs" / "hung", {"lr": 0.2}, [], {"status": "running"})
    old = time.time() - 3 * 3600
    for path in hung.iterdir():
        os.utime(path, (old, old))
    assert run_cli("collect", "runs", "--db", "logs.db").exit_code == 0
    result = run_cli("status", "--db", "logs.db")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Runs needing attention:",
        "  dead        hung  (runs/hung)",
        "              running, but no write for 3.0 h",
        "  failed      crashed  (runs/crashed)",
        "              ValueError: loss is NaN",
    ]
    assert result.stderr == (
        "Note: no resultsbook.toml here or in any parent folder: these are the runs of logs.db that need "
        "attention; a spec's tables would also count each cell's replicates (see `resultsbook table`)\n"
    )
    document = json.loads(run_cli("status", "--db", "logs.db", "--json").stdout)
    assert document["ok"] is False and document["cells"] == []
    assert [run["name"] for run in document["runs"]] == ["hung", "crashed"]
    shutil.rmtree(tmp_path / "runs" / "crashed")
    shutil.rmtree(tmp_path / "runs" / "hung")
    run_cli("collect", "runs", "--db", "logs.db")
    calm = run_cli("status", "--db", "logs.db")
    assert calm.exit_code == 0 and calm.stdout == "1 run: none failed, was interrupted or is still running\n"


def test_status_without_a_spec_names_the_runs_that_logged_no_metric(tmp_path, monkeypatch):
    # five Lightning version folders of a public tree hold hparams.yaml alone (crashed before their
    # first log): status said "27 runs: none failed, was interrupted or is still running", exit 0
    monkeypatch.chdir(tmp_path)
    for version, metrics in ((0, "epoch,step,val_acc\n0,9,0.9\n"), (1, None)):
        folder = tmp_path / "lightning_logs" / f"version_{version}"
        folder.mkdir(parents=True)
        (folder / "hparams.yaml").write_text("lr: 0.1\n")
        if metrics:
            (folder / "metrics.csv").write_text(metrics)
    assert run_cli("collect", "lightning_logs", "--db", "logs.db").exit_code == 0
    result = run_cli("status", "--db", "logs.db")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Runs needing attention:",
        "  no metrics  lightning_logs/version_1  (lightning_logs/version_1)",
        "              logged no metric, only its params; resultsbook problems --db logs.db says what collect found "
        "in its logs",  # the store it was given: another one holds no problem of these runs
    ]


def test_status_does_not_send_to_problems_a_run_whose_logs_collect_found_nothing_wrong_in(
    tmp_path, monkeypatch
):
    # Lightning version folders of a public tree whose event file holds its header alone, no
    # hparams.yaml: status said "only its params; resultsbook problems says…", and problems said none
    from resultsbook.adapters.tfrecord import masked_crc32c

    monkeypatch.chdir(tmp_path)
    header = b"\x09" + struct.pack("<d", 1.0) + b"\x1a\x0dbrain.Event:2"  # Event(wall_time, file_version)
    length = struct.pack("<Q", len(header))
    record = (
        length + struct.pack("<I", masked_crc32c(length)) + header + struct.pack("<I", masked_crc32c(header))
    )
    for version in (10, 2):
        (tmp_path / "lightning_logs" / f"version_{version}").mkdir(parents=True)
        (tmp_path / "lightning_logs" / f"version_{version}" / "events.out.tfevents.1.host").write_bytes(
            record
        )
    assert run_cli("collect", "lightning_logs", "--db", "logs.db").exit_code == 0
    assert run_cli("problems", "--db", "logs.db").stdout == "No problems.\n"
    result = run_cli("status", "--db", "logs.db")
    assert result.exit_code == 1
    detail = "logged no metric and no params; collect found nothing wrong in its logs: a run stopped before its first log"
    assert result.stdout.splitlines()[
        1:
    ] == [  # version_2 before version_10, as `resultsbook runs` lists them
        "  no metrics  lightning_logs/version_2  (lightning_logs/version_2)",
        f"              {detail}",
        "  no metrics  lightning_logs/version_10  (lightning_logs/version_10)",
        f"              {detail}",
    ]


def test_explain_lists_exactly_the_runs_averaged(project):
    run_cli("build")
    result = run_cli("explain", "paper/results/table1.tex", "MLP / Moons")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("table1 / MLP (16 hidden) / Moons: ")
    assert "(n = 5, per run: best(val/acc, max))" in lines[0]
    names = [line.split()[1] for line in lines[3:8]]
    assert names == [f"mlp_moons_seed{seed}" for seed in range(5)]
    document = json.loads(
        run_cli(
            "table",
            "--rows",
            "model",
            "--columns",
            "dataset",
            "--metric",
            "test/acc",
            "--reduce",
            "best(val/acc)",
            "--scale",
            "100",
            "--format",
            "json",
        ).output
    )
    cell = next(
        c for c in document["cells"] if c["row"] == {"model": "mlp"} and c["column"] == {"dataset": "moons"}
    )
    values = [float(line.split()[-1]) for line in lines[3:8]]
    assert values == pytest.approx([run["value"] for run in cell["runs"]])
    assert run_cli("explain", "table1", "model=logreg,dataset=circles").output.startswith(
        "table1 / Logistic regression / Circles: "
    )
    missing = run_cli("explain", "table1", "transformer")
    assert missing.exit_code == 2 and "no cell of table 'table1' matches 'transformer'" in missing.output


def test_status_shows_the_traceback_tail_of_a_script_that_crashed(tmp_path, monkeypatch):
    """A script using resultsbook.Run that raises half-way: collect marks it failed with its metrics
    up to the crash, and status shows the end of its traceback."""
    project = tmp_path / "crash"
    project.mkdir()
    (project / "train.py").write_text(
        "import resultsbook\n"
        "with resultsbook.Run('runs/', config={'model': 'mlp', 'seed': 0}) as run:\n"
        "    for step in range(10):\n"
        "        run.log(step, loss=1.0 / (step + 1))\n"
        "        if step == 5:\n"
        "            raise ValueError('loss exploded')\n"
    )
    (project / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "loss"\nrows = ["model"]\noutputs = ["t.md"]\n'
    )
    crashed = subprocess.run([sys.executable, "train.py"], cwd=project, capture_output=True, text=True)
    assert crashed.returncode == 1
    monkeypatch.chdir(project)
    assert run_cli("build").exit_code == 0
    [run] = json.loads(run_cli("runs", "--format", "json").output)["runs"]
    assert run["status"] == "failed"
    output = run_cli("status").output
    assert "Runs needing attention:" in output
    assert "raise ValueError('loss exploded') | ValueError: loss exploded\n" in output
    points = run_cli("show", run["run_id"]).output.split("metrics:")[1]
    assert points.split()[points.split().index("loss") + 1] == "6"  # steps 0..5, up to the crash


def test_explain_a_number_quoted_in_the_text(project):
    run_cli("build")
    by_name = run_cli("explain", "gain_circles").output.splitlines()
    assert by_name[0].startswith("\\gainCircles (gain_circles, difference) = ")
    assert by_name[1] == "  = table1/mlp/circles minus table1/logreg/circles"
    cells = [line for line in by_name if line.startswith("table1 / ")]
    assert [line.split(":")[0] for line in cells] == [
        "table1 / MLP (16 hidden) / Circles",
        "table1 / Logistic regression / Circles",
    ]
    assert (
        run_cli("explain", "paper/results/numbers.tex", "\\gainCircles").output
        == run_cli("explain", "gain_circles").output
    )
    seeds = run_cli("explain", "n_seeds").output.splitlines()
    assert seeds[0] == "\\nSeeds (n_seeds, count) = 5" and len(seeds) == 22  # the 20 runs counted
    assert seeds[1] == "  = the number of distinct seed values over the runs"
    key = run_cli("explain", "table1/mlp/circles").output
    assert key.startswith("table1 / MLP (16 hidden) / Circles: ")


def test_explain_a_cell_as_the_paper_quotes_it_or_check_names_it(project):
    run_cli("build")
    key = run_cli("explain", "table1/mlp/circles").output
    assert run_cli("explain", "\\rbvalue{table1/mlp/circles}").output == key
    assert run_cli("explain", " \\rbvalue[std]{table1/mlp/circles} ").output == key
    assert run_cli("explain", "paper/results/numbers.tex", "\\rbvalue{table1/mlp/circles}").output == key
    typo = run_cli("explain", "\\rbvalue{table1/mlp/circels}")
    assert typo.exit_code == 2
    assert typo.output.endswith("did you mean 'model=mlp,dataset=circles'?\n")
    table_typo = run_cli("explain", "tabel1/mlp/circles")
    assert table_typo.exit_code == 2
    assert table_typo.output.endswith("did you mean 'table1/mlp/circles'?\n")


def test_status_names_no_missing_seed_when_each_run_drew_its_own(tmp_path, monkeypatch):
    """Seeds drawn at random per run (Sacred) are no plan: status counts the runs short, names none."""
    for model, seeds in {"a": [104770530, 132581753, 912], "b": [55]}.items():
        for seed in seeds:
            write_native_run(
                tmp_path / f"runs/{model}{seed}", {"model": model, "seed": seed}, [{"step": 1, "acc": 0.5}]
            )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nrows = ["model"]\nmetric = "acc"\noutputs = []\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0, run_cli("build").output
    result = run_cli("status")
    assert result.output.splitlines()[:2] == [
        "t: 1 of 2 cells complete",
        "  b: 1 of 3, missing 2 unnamed (set seeds = [...] in the spec)",
    ]


def test_status_names_no_seed_of_the_spec_missing_from_runs_that_have_no_seed(tmp_path, monkeypatch):
    """7vik/nn-modularity's W&B runs log no config: with `seeds = [0, 1, 2]`, as status advised, a cell of
    2 runs read `2 of 3, missing seed 0, seed 1, seed 2`, three missing of three while two were there."""
    for run, model in (("a0", "a"), ("a1", "a"), ("a2", "a"), ("b0", "b"), ("b1", "b")):
        write_native_run(tmp_path / f"runs/{run}", {"model": model}, [{"step": 1, "acc": 0.5}])
    spec = '[[sources]]\npath = "runs"\n\n[tables.t]\nrows = ["model"]\nmetric = "acc"\noutputs = []\n'
    monkeypatch.chdir(tmp_path)
    for seeds in ("", "seeds = [0, 1, 2]\n"):
        (tmp_path / "resultsbook.toml").write_text(spec + seeds)
        assert run_cli("build").exit_code == 0, run_cli("build").output
        assert run_cli("status").output.splitlines()[:2] == [
            "t: 1 of 2 cells complete",
            "  b: 2 of 3, missing 1 unnamed (its runs hold no replicate key to name them by)",
        ]


def test_a_cell_averaging_a_copy_of_one_seeds_run_says_so_as_the_tables_n_counts_it(project):
    # a backup copy of one run left under runs/: the table averages seed 3 twice, n = 6
    shutil.copytree(project / "runs" / "mlp_moons_seed3", project / "runs" / "old" / "mlp_moons_seed3")
    run_cli("collect", "runs")
    result = run_cli("status")
    assert result.output.splitlines()[:2] == [
        "table1: 4 of 4 cells complete",
        "  MLP (16 hidden) / Moons: 5 of 5 (n = 6: seed 3 twice)",
    ]
    cells = json.loads(run_cli("status", "--json").output)["cells"]
    cell = next(cell for cell in cells if cell["cell"] == "MLP (16 hidden) / Moons")
    assert (cell["found"], cell["expected"], cell["repeated"], cell["averaged"]) == (
        5,
        5,
        ["seed 3 twice"],
        6,
    )
    shutil.rmtree(next((project / "runs").glob("mlp_moons_seed4*")))  # and a seed missing beside it
    run_cli("collect", "runs")
    assert (
        "  MLP (16 hidden) / Moons: 4 of 5 (n = 5: seed 3 twice), missing seed 4" in run_cli("status").output
    )


def test_a_complete_cell_names_no_missing_seed_when_another_ran_an_extra_one(project):
    subprocess.run(
        [sys.executable, "train.py", "--seeds", "5", "--models", "mlp", "--datasets", "moons"],
        cwd=project,
        check=True,
        capture_output=True,
    )
    run_cli("collect", "runs")
    result = run_cli("status", "--all")
    lines = result.output.splitlines()
    assert lines[:5] == [  # table1 asks for replicates = 5: seed 5 is an extra, not a gap
        "table1: 4 of 4 cells complete",
        "  Logistic regression / Circles: 5 of 5",
        "  Logistic regression / Moons: 5 of 5",
        "  MLP (16 hidden) / Circles: 5 of 5",
        "  MLP (16 hidden) / Moons: 6 of 5",  # more than asked: counted against the 5, and warned of
    ]
    assert "  Circles / Logistic regression: 5 of 6, missing seed 5" in lines  # final_loss: the most seen
    assert "Warning: table1: MLP (16 hidden) / Moons: n = 6, more than the 5 seeds asked for" in result.output


def test_status_of_a_table_over_tasks_counts_each_rows_runs_on_every_task(tmp_path, monkeypatch):
    for method, seeds in (("a", (0, 1)), ("b", (0, 1, 2))):
        for game in ("pong", "qbert"):
            for seed in seeds:
                if (method, game, seed) == ("b", "qbert", 1):
                    continue  # one run never finished
                config = {"method": method, "game": game, "seed": seed}
                write_native_run(
                    tmp_path / "runs" / f"{method}_{game}_{seed}", config, [{"step": 1, "score": seed}]
                )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "score"\ngoal = "max"\nrows = ["method"]\n'
        'tasks = ["game"]\naggregates = ["mean", "iqm"]\noutputs = []\n'
        'command = "python train.py --method {method} --game {game} --seed {seed}"\n'
    )
    monkeypatch.chdir(tmp_path)
    run_cli("collect", "runs")
    result = run_cli("status", "--all", "--commands")
    assert result.exit_code == 1
    assert result.output.splitlines()[:4] == [
        "t: 1 of 2 cells complete",
        "  a: 4 of 4 (2 seeds × 2 games)",
        "  b: 5 of 6 (3 seeds × 2 games), missing (game=qbert, seed=1)",
        "    python train.py --method b --game qbert --seed 1",
    ]
    import resultsbook as rb

    with rb.open() as book:
        frame = book.spec_table("t").status()
    assert list(frame.columns) == [
        "method", "found", "expected", "missing", "valueless", "running", "queued", "unfinished", "unnamed",
        "mixed", "no_run",
    ]  # fmt: skip
    assert frame["missing"].tolist() == [[], [{"game": "qbert", "seed": 1}]]
    spec = tmp_path / "resultsbook.toml"
    spec.write_text(spec.read_text().replace('tasks = ["game"]', 'tasks = ["game"]\nseeds = [0, 1, 2]'))
    listed = run_cli("status", "--all").output.splitlines()
    assert listed[1:3] == [
        "  a: 4 of 6 (3 seeds × 2 games), missing (game=pong, seed=2), (game=qbert, seed=2)",
        "  b: 5 of 6 (3 seeds × 2 games), missing (game=qbert, seed=1)",
    ]
    cells = json.loads(run_cli("status", "--json").stdout)["cells"]
    assert [cell["counted"] for cell in cells] == ["3 seeds × 2 games", "3 seeds × 2 games"]


def test_status_over_tasks_names_a_task_with_no_run_once_and_lists_a_few_missing_runs(tmp_path, monkeypatch):
    """CQL not run on ant, over D4RL's envs × datasets: its status line listed every missing (env,
    dataset, seed) triple, 80 of them, 3,375 characters."""
    for env in ("ant", "hopper"):
        for dataset in ("d1", "d2", "d3"):
            for seed in range(10):
                for method in ("a", "b"):
                    if method == "b" and (env == "ant" or (dataset == "d1" and seed > 0)):
                        continue
                    config = {"method": method, "env": env, "dataset": dataset, "seed": seed}
                    write_native_run(tmp_path / "runs" / f"{method}_{env}_{dataset}_{seed}", config,
                                     [{"step": 1, "score": seed}])  # fmt: skip
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "score"\ngoal = "max"\nrows = ["method"]\n'
        'tasks = ["env", "dataset"]\naggregates = ["mean"]\noutputs = []\n'
    )
    monkeypatch.chdir(tmp_path)
    run_cli("collect", "runs")
    lines = run_cli("status").output.splitlines()
    triples = ", ".join(f"(env=hopper, dataset=d1, seed={seed})" for seed in range(1, 9))
    assert lines[:2] == [
        "t: 1 of 2 cells complete",
        f"  b: 21 of 60 (10 seeds × 6 tasks), no run on env=ant (3 datasets); missing {triples}, … and 1 more "
        "(--json lists them all)",
    ]
    (cell,) = json.loads(run_cli("status", "--json").stdout)["cells"][1:]
    assert len(cell["missing"]) == 39 and cell["no_run"] == ["env=ant (3 datasets)"]


def _failed_and_nan_on_tasks(tmp_path):
    """Write b's runs over four envs: seeds 0-1 on e0, failed runs with no score on e1, NaN on e2;
    a has both seeds everywhere."""
    for method in ("a", "b"):
        for env in ("e0", "e1", "e2", "e3"):
            for seed in (0, 1):
                config = {"method": method, "env": env, "seed": seed}
                folder = tmp_path / "runs" / f"{method}_{env}_{seed}"
                if method == "a" or env == "e0":
                    write_native_run(folder, config, [{"step": 1, "score": seed}])
                elif env == "e1":
                    write_native_run(folder, config, [{"step": 1, "loss": 1.0}], {"status": "failed"})
                elif env == "e2":
                    write_native_run(folder, config, [{"step": 1, "score": float("nan")}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "score"\ngoal = "max"\nrows = ["method"]\n'
        'tasks = ["env"]\naggregates = ["mean"]\noutputs = []\n'
    )


def test_status_over_tasks_names_the_seeds_of_a_task_whose_run_failed_not_the_task(tmp_path, monkeypatch):
    """b's runs on e1 failed before they logged a score, and its status line said `no run on env e1`,
    as for e3, which b never ran."""
    _failed_and_nan_on_tasks(tmp_path)
    monkeypatch.chdir(tmp_path)
    run_cli("collect", "runs")
    lines = run_cli("status").output.splitlines()
    assert lines[1] == (
        "  b: 2 of 8 (2 seeds × 4 envs), no run on env e3; missing (env=e1, seed=0), (env=e1, seed=1), "
        "(env=e2, seed=0), (env=e2, seed=1)"
    )


@pytest.mark.parametrize("texts", [("e1", "e2"), ("e1",)])
def test_status_over_tasks_counts_a_listed_seed_logged_as_text(tmp_path, monkeypatch, texts):
    """a's seed 3 was logged as the text '3' where seeds = [0, 1, 2, 3]: the table counted it (n = 8),
    and status said `a: 6 of 8 ..., missing (env=e1, seed=3), (env=e2, seed=3)` (`7 of 8` where e2's
    run logged the number 3)."""
    for method in ("a", "b"):
        for env in ("e1", "e2"):
            for seed in range(4):
                text = (method, seed) == ("a", 3) and env in texts
                config = {"method": method, "env": env, "seed": "3" if text else seed}
                write_native_run(tmp_path / "runs" / f"{method}_{env}_{seed}", config,
                                 [{"step": 1, "score": seed}])  # fmt: skip
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "score"\ngoal = "max"\nrows = ["method"]\n'
        'tasks = ["env"]\nseeds = [0, 1, 2, 3]\naggregates = ["mean"]\noutputs = []\n'
    )
    monkeypatch.chdir(tmp_path)
    run_cli("collect", "runs")
    assert run_cli("status").output.splitlines()[0] == "t: 2 of 2 cells complete"


def test_status_over_tasks_counts_runs_per_task_when_each_run_draws_its_seed(tmp_path, monkeypatch):
    """Spinning Up's seeds are drawn per run (siddinkar/RainbowPolicyGradientPaper@9a626a2): no seed
    is on two envs, and status said `36 of 216 (36 seeds × 6 envs), missing (env=Ant-v2, seed=435),
    ...`, every other env's seed, unbounded."""
    seeds = iter(range(100, 200, 7))
    for method, games in (("a", {"pong": 2, "qbert": 2}), ("b", {"pong": 3, "qbert": 2})):
        for game, count in games.items():
            for _ in range(count):
                seed = next(seeds)
                config = {"method": method, "game": game, "seed": seed}
                write_native_run(
                    tmp_path / "runs" / f"{method}_{game}_s{seed}", config, [{"step": 1, "score": 1}]
                )
    assert _status_over_tasks(tmp_path, monkeypatch, "game")[:3] == [
        "t: 1 of 2 cells complete",
        "  a: 4 of 4 (2 seeds × 2 games)",
        "  b: 5 of 6 (3 seeds × 2 games), missing 1 unnamed (set seeds = [...] in the spec)",
    ]


def test_status_over_tasks_named_by_a_dotted_key_counts_its_values(tmp_path, monkeypatch):
    for game in ("pong", "qbert"):
        for seed in (0, 1):
            config = {"method": "a", "env": {"id": game}, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{game}{seed}", config, [{"step": 1, "score": 1}])
    assert (
        _status_over_tasks(tmp_path, monkeypatch, "env.id")[1] == "  a: 4 of 4 (2 seeds × 2 values of env.id)"
    )


def _status_over_tasks(tmp_path, monkeypatch, tasks: str) -> list[str]:
    """Collect tmp_path/runs for a table of `score` by method over `tasks`; return `status --all`'s lines."""
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "score"\ngoal = "max"\nrows = ["method"]\n'
        f'tasks = ["{tasks}"]\naggregates = ["mean"]\noutputs = []\n'
    )
    monkeypatch.chdir(tmp_path)
    run_cli("collect", "runs")
    return run_cli("status", "--all").output.splitlines()


def test_status_of_a_table_over_tasks_without_seeds_counts_one_run_a_task(tmp_path, monkeypatch):
    for game in ("pong", "qbert", "seaquest"):
        if game != "seaquest":
            write_native_run(
                tmp_path / "runs" / game, {"method": "a", "game": game}, [{"step": 1, "score": 1}]
            )
    write_native_run(tmp_path / "runs" / "b", {"method": "b", "game": "seaquest"}, [{"step": 1, "score": 2}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "score"\nrows = ["method"]\n'
        'tasks = ["game"]\naggregates = ["mean"]\noutputs = []\n'
    )
    monkeypatch.chdir(tmp_path)
    run_cli("collect", "runs")
    lines = run_cli("status", "--all").output.splitlines()
    assert lines[1:3] == [
        "  a: 2 of 3 (3 games), missing game seaquest",
        "  b: 1 of 3 (3 games), missing game pong, game qbert",
    ]


def test_status_counts_each_run_of_a_cell_without_seeds(tmp_path, monkeypatch):
    # Tarun-AK/scaling@f72a9e5: W&B runs of a hidden_dim sweep record no seed; a cell of 2 runs was
    # "1 of 2, missing 1 unnamed" while the table said n = 2
    for name, width, loss in (("a", 128, 5.0), ("b", 128, 5.1), ("c", 256, 4.9)):
        write_native_run(tmp_path / "runs" / name, {"hidden_dim": width}, [{"step": 1, "loss": loss}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "loss"\nrows = ["hidden_dim"]\noutputs = []\n'
    )
    monkeypatch.chdir(tmp_path)
    run_cli("collect", "runs")
    lines = run_cli("status", "--all").output.splitlines()
    assert lines[0] == "t: 1 of 2 cells complete"
    assert "  256: 1 of 2, missing 1 unnamed (its runs hold no replicate key to name them by)" in lines
    assert "  128: 2 of 2" in lines


def test_explain_of_a_whole_label_is_that_cell_not_also_one_it_is_part_of(tmp_path, monkeypatch):
    """'cnn / cifar10' named cnn / cifar100 as well (its text is part of that label): explain showed
    two numbers and their runs for the one asked."""
    for dataset in ("cifar10", "cifar100"):
        for seed in (0, 1):
            write_native_run(tmp_path / "runs" / f"{dataset}_{seed}", {"model": "cnn", "dataset": dataset,
                             "seed": seed}, [{"step": 1, "acc": 0.5 + seed / 10}])  # fmt: skip
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.acc]\nmetric = "acc"\nrows = ["model"]\ncolumns = ["dataset"]\n'
        'outputs = ["acc.tex"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0
    for query in ("cnn / cifar10", "CNN / CIFAR10", "dataset=cifar10"):
        shown = [
            line for line in run_cli("explain", "acc", query).output.splitlines() if line.startswith("acc /")
        ]
        assert [line.split(":")[0] for line in shown] == ["acc / cnn / cifar10"], query
    partial = run_cli("explain", "acc", "cifar1").output.splitlines()
    assert [line.split(":")[0] for line in partial if line.startswith("acc /")] == [
        "acc / cnn / cifar10",
        "acc / cnn / cifar100",
    ]


def test_explain_of_a_cell_as_its_column_header_reads_it(tmp_path, monkeypatch):
    """A column of numbers is headed `in_channels = 1` (a bare `1` named nothing): a cell copied from
    the table as `conv / in_channels = 1` was no cell, though its row and header said it."""
    for channels in (1, 3):
        for seed in (0, 1):
            config = {"model": "conv", "in_channels": channels, "seed": seed}
            write_native_run(
                tmp_path / "runs" / f"c{channels}_{seed}", config, [{"step": 1, "acc": channels / 10}]
            )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.acc]\nmetric = "acc"\nrows = ["model"]\n'
        'columns = ["in_channels"]\noutputs = ["acc.md"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0
    assert "in\\_channels = 1" in (tmp_path / "acc.md").read_text()
    for query in ("conv / in_channels = 1", "CONV/IN_CHANNELS=1", "conv / 1", "in_channels=1"):
        shown = [
            line for line in run_cli("explain", "acc", query).output.splitlines() if line.startswith("acc /")
        ]
        assert [line.split(":")[0] for line in shown] == ["acc / conv / 1"], query


def test_explain_of_a_cell_whose_metric_has_a_slash_in_its_name(tmp_path, monkeypatch):
    """SB3's `rollout/ep_rew_mean` as a column: `explain main "PPO / rollout/ep_rew_mean"` said no cell
    matched it, then 'did you mean' the very label it was given."""
    for seed in (0, 1):
        write_native_run(tmp_path / "runs" / f"s{seed}", {"algo": "PPO", "seed": seed},
                         [{"step": 1, "rollout/ep_rew_mean": 5.0 + seed, "rollout/ep_len_mean": 9.0}])  # fmt: skip
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.main]\nmetrics = ["rollout/ep_rew_mean", "rollout/ep_len_mean"]\n'
        'rows = ["algo"]\noutputs = ["main.tex"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0
    for query in (
        "PPO / rollout/ep_rew_mean",
        "ppo/rollout/ep_rew_mean",
        "algo=PPO,metric=rollout/ep_rew_mean",
    ):
        result = run_cli("explain", "main", query)
        assert result.exit_code == 0, (query, result.output)
        shown = [line.split(":")[0] for line in result.output.splitlines() if line.startswith("main /")]
        assert shown == ["main / PPO / rollout/ep_rew_mean"], query


def gain_sweep(tmp_path, monkeypatch):
    """Build ML-PWS's gain sweep in small: `<estimator>_gain=20.0/result.csv`, its table `mi`."""
    for estimator in ("pws", "mlpws"):
        folder = tmp_path / "sweep" / f"{estimator}_gain=20.0"
        folder.mkdir(parents=True)
        (folder / "result.csv").write_text(f"step,mean\n50,{len(estimator)}\n")
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "sweep"\npattern = "{estimator}_gain={gain}/result.csv"\n'
        '[tables.mi]\nmetric = "mean"\nrows = ["gain"]\ncolumns = ["estimator"]\noutputs = ["mi.tex"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0


def test_explain_leaves_blank_a_seed_the_runs_do_not_have(tmp_path, monkeypatch):
    """ML-PWS's gain sweep has no seed: explain printed `none` under seed, a null seed to the eye."""
    gain_sweep(tmp_path, monkeypatch)
    shown = run_cli("explain", "mi", "20 / pws").output.splitlines()
    assert shown[1].split() == ["run", "name", "seed", "status", "commit", "source", "value"]
    assert shown[3].split()[1:] == [
        "pws_gain=20.0/result.csv",
        "unknown",
        "sweep/pws_gain=20.0/result.csv",
        "3",
    ]


def test_explain_of_a_cell_matches_a_number_written_another_way(tmp_path, monkeypatch):
    """`explain mi "20.0 / pws"`, the gain as its folder `pws_gain=20.0` writes it, matched no cell, though
    `--where gain=20.0` selects its runs: the table prints the number 20.0 as `20`."""
    gain_sweep(tmp_path, monkeypatch)
    for query in ("20.0 / pws", "gain=20.0,estimator=pws", "2e1/PWS"):
        result = run_cli("explain", "mi", query)
        assert result.exit_code == 0, (query, result.output)
        assert [line for line in result.output.splitlines() if line.startswith("mi /")] == [
            "mi / 20 / pws: 3.00 (n = 1, per run: last at step 50)"
        ], query


def test_explain_of_part_of_a_label_prefers_the_cells_whose_other_parts_it_names_whole(tmp_path, monkeypatch):
    """`explain mi "20 / pws"` abbreviated as `"2 / pws"`: both `20 / pws` and `20 / mlpws` were shown,
    though `pws` is the whole name of one column and only part of the other."""
    gain_sweep(tmp_path, monkeypatch)
    for query, cells in (("2 / pws", ["mi / 20 / pws"]), ("pws", ["mi / 20 / pws"]), ("2 / ws", None)):
        shown = [line.split(":")[0] for line in run_cli("explain", "mi", query).output.splitlines()]
        assert [line for line in shown if line.startswith("mi /")] == (
            cells or ["mi / 20 / mlpws", "mi / 20 / pws"]
        ), query


def test_explain_says_which_differences_the_table_allows(tmp_path, monkeypatch):
    """explain listed a run-specific output_dir among the differences as if it were one the † marks."""
    for seed in (0, 1):
        config = {
            "model": "cnn",
            "seed": seed,
            "output_dir": f"out/{seed}",
            "split": f"s{seed}",
            "lr": 0.1 * (seed + 1),
        }
        write_native_run(tmp_path / "runs" / f"r{seed}", config, [{"step": 1, "acc": 0.5 + seed / 10}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.acc]\nmetric = "acc"\nrows = ["model"]\npool = ["split"]\n'
        'outputs = ["acc.tex"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0
    shown = [
        line.strip() for line in run_cli("explain", "acc", "cnn").output.splitlines() if "differ in" in line
    ]
    assert shown == [
        "differ in lr: 0.1, 0.2",
        "differ in output_dir: out/0, out/1 (run-specific: no † mark)",
        "differ in split: s0, s1 (pooled: no † mark)",
    ]
    cell = json.loads(run_cli("explain", "acc", "cnn", "--json").output)["cells"][0]
    assert cell["allowed"] == {"output_dir": "run-specific", "split": "pooled"}


def test_explain_says_which_statistic_the_cell_prints_unrounded(project):
    """explain printed '0.203 ± 0.008' with no word of what ± was (a std? a s.e.m.? which ddof?), so
    a reader could not recompute the cell from the runs listed."""
    import re
    import statistics

    run_cli("build")
    table1 = run_cli("explain", "table1", "MLP / Moons").output.splitlines()
    values = [float(line.split()[-1]) for line in table1[3:8]]
    assert re.fullmatch(
        r"  = mean (\S+) ± std (\S+) \(ddof = 1\) of the 5 values above \(logged values × 100\)", table1[8]
    )
    mean, std = (float(x) for x in re.findall(r"(?:mean|std) (\S+)", table1[8]))
    assert (mean, std) == pytest.approx((statistics.mean(values), statistics.stdev(values)), rel=1e-5)
    loss = run_cli("explain", "final_loss", "Moons / MLP").output.splitlines()
    values = [float(line.split()[-1]) for line in loss[3:8]]
    found = re.fullmatch(r"  = mean (\S+) ± s\.e\.m\. (\S+) \(ddof = 1\) of the 5 values above", loss[8])
    assert found is not None
    sem = statistics.stdev(values) / len(values) ** 0.5
    assert (float(found[1]), float(found[2])) == pytest.approx((statistics.mean(values), sem), rel=1e-5)
    cell = json.loads(run_cli("explain", "final_loss", "Moons / MLP", "--json").output)["cells"][0]
    assert cell["computed"] == loss[8][4:]


def test_explain_counts_the_listed_runs_that_have_no_value(tmp_path, monkeypatch):
    """A run whose value is NaN is listed among the cell's runs but not in its n: the line saying what
    the cell computes counted 'the 2 values above' under three runs."""
    for seed, acc in enumerate([0.5, 0.7, float("nan")]):
        write_native_run(
            tmp_path / "runs" / f"r{seed}", {"model": "cnn", "seed": seed}, [{"step": 1, "acc": acc}]
        )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.acc]\nmetric = "acc"\nrows = ["model"]\noutputs = ["acc.md"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0
    lines = run_cli("explain", "acc", "cnn").output.splitlines()
    assert [line.split()[-1] for line in lines[3:6]] == ["0.5", "0.7", "nan"]
    assert (
        lines[6]
        == "  = mean 0.6 ± std 0.141421 (ddof = 1) of the 2 values above, 1 run without a value left out"
    )


def test_explain_says_when_the_built_outputs_show_another_value_than_the_store(project):
    """After a collect without a build (a seed's folder gone), explain showed the store's 4 runs and
    their mean as if they were what the paper's table printed: it said nothing of the 5 runs the
    committed table was built from."""
    run_cli("build")
    assert "the outputs built last" not in run_cli("explain", "table1", "MLP / Moons").output
    shutil.rmtree(project / "runs" / "mlp_moons_seed2")
    run_cli("collect", "runs")
    lines = run_cli("explain", "table1", "MLP / Moons").output.splitlines()
    built = run_cli("explain", "table1", "MLP / Moons", "--json").output
    shown = json.loads(built)["cells"][0]["built"]
    assert lines[1] == f"  ! {shown}"
    assert shown.startswith("the outputs built last show 90.0 ± 4.5 (n = 5), not this: ")
    assert shown.endswith("the store changed since: 1 run removed (mlp_moons_seed2); run `resultsbook build`")
    run_cli("build")
    assert "the outputs built last" not in run_cli("explain", "table1", "MLP / Moons").output


def test_explain_of_a_number_says_when_the_numbers_file_holds_another_value(project):
    """\\gainCircles in the built numbers file and in explain's first line disagreed, silently, once
    a seed was collected without a build."""
    run_cli("build")
    assert "built last" not in run_cli("explain", "gain_circles").output
    shutil.rmtree(project / "runs" / "mlp_circles_seed2")
    run_cli("collect", "runs")
    lines = run_cli("explain", "gain_circles").output.splitlines()
    assert lines[2] == (
        "  ! the numbers file built last has 28.8, not this: the store changed since; run `resultsbook build`"
    )
    assert json.loads(run_cli("explain", "gain_circles", "--json").output)["number"]["built"] == lines[2][4:]


def test_status_names_the_cells_the_table_shows_as_a_dash_without_failing_on_them(project):
    for seed in range(5):  # the MLP on moons never ran: table1 shows – there
        shutil.rmtree(project / "runs" / f"mlp_moons_seed{seed}")
    assert run_cli("build").exit_code == 0
    result = run_cli("status")
    assert result.exit_code == 0  # a table may leave out what does not apply: said, not failed
    assert result.output.splitlines()[:2] == [
        "table1: 3 of 3 cells complete",
        "  no run at all: MLP (16 hidden) / Moons (shown as –; it is not counted above)",
    ]
    document = json.loads(run_cli("status", "--json").output)
    seeds = [f"seed {seed}" for seed in range(5)]
    assert document["empty_cells"][0] == {
        "table": "table1", "cell": "MLP (16 hidden) / Moons", "shown_as": "–", "expected": 5, "missing": seeds,
        "unnamed": 0,
        "commands": [f"python train.py --models mlp --datasets moons --seeds {seed}" for seed in range(5)],
    }  # fmt: skip


def test_status_names_the_configuration_a_table_of_rows_alone_has_no_row_for(project):
    """final_loss (rows dataset and model) lost its Moons / MLP row without a word when the MLP never
    ran on moons: a product of datasets and models with a hole, said as table1's – is."""
    for seed in range(5):
        shutil.rmtree(project / "runs" / f"mlp_moons_seed{seed}")
    assert run_cli("build").exit_code == 0
    result = run_cli("status")
    assert result.exit_code == 0
    assert result.output.splitlines()[2:4] == [
        "final_loss: 3 of 3 cells complete",
        "  no run at all: Moons / MLP (16 hidden) (no row in the table; it is not counted above)",
    ]
    document = json.loads(run_cli("status", "--json").output)
    assert document["empty_cells"][1] == {
        "table": "final_loss", "cell": "Moons / MLP (16 hidden)", "shown_as": "no row", "expected": 5,
        "missing": [f"seed {seed}" for seed in range(5)], "unnamed": 0, "commands": [],
    }  # fmt: skip


def test_status_commands_launch_every_seed_of_a_configuration_no_run_reached(project):
    """`status --commands` printed the command of seed 3 of a cell short of it, and none for the MLP on
    moons that never ran at all: the very runs to launch first."""
    for seed in range(5):
        shutil.rmtree(project / "runs" / f"mlp_moons_seed{seed}")
    shutil.rmtree(project / "runs" / "logreg_circles_seed3")
    run_cli("collect")
    lines = run_cli("status", "--commands").output.splitlines()
    assert lines[:9] == [
        "table1: 2 of 3 cells complete",
        "  no run at all: MLP (16 hidden) / Moons (shown as –; it is not counted above)",
        *(f"    python train.py --models mlp --datasets moons --seeds {seed}" for seed in range(5)),
        "  Logistic regression / Circles: 4 of 5, missing seed 3",
        "    python train.py --models logreg --datasets circles --seeds 3",
    ]
    assert not any("--seeds" in line for line in run_cli("status").output.splitlines())


def sparse_grid(tmp_path, methods, seeds, replicates=""):
    """Write runs of method m0 on every dataset d0 … and of every other method on d0 alone, with a
    table of methods by datasets whose command launches a missing run."""
    for method in range(methods):
        for dataset in range(methods if method == 0 else 1):
            for seed in seeds:
                config = {"method": f"m{method}", "dataset": f"d{dataset}", "seed": seed}
                folder = tmp_path / "runs" / f"m{method}_d{dataset}_s{seed}"
                write_native_run(folder, config, [{"step": 1, "acc": 0.5}], {"status": "finished"})
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.grid]\nmetric = "acc"\nrows = ["method"]\n'
        f'columns = ["dataset"]\n{replicates}'
        'command = "python train.py --method {method} --dataset {dataset} --seed {seed}"\noutputs = []\n'
    )


def test_status_commands_of_many_configurations_never_run_are_cut_short_and_say_how_to_see_all(
    tmp_path, monkeypatch
):
    """A grid of 6 methods by 6 datasets run on its first row and column only leaves 25 cells no run
    reached, two seeds each: 50 command lines, the first 20 printed and the rest counted."""
    monkeypatch.chdir(tmp_path)
    sparse_grid(tmp_path, 6, (0, 1))
    run_cli("collect")
    lines = run_cli("status", "--commands").output.splitlines()
    commands = [line for line in lines if line.startswith("    python train.py")]
    assert commands[:3] == [
        "    python train.py --method m1 --dataset d1 --seed 0",
        "    python train.py --method m1 --dataset d1 --seed 1",
        "    python train.py --method m1 --dataset d2 --seed 0",
    ]
    assert len(commands) == 20
    assert lines[lines.index(commands[-1]) + 1] == (
        "    and 30 more (status --commands --all prints them all; --json lists each cell's in empty_cells)"
    )
    every = [
        line for line in run_cli("status", "--commands", "--all").output.splitlines() if "train.py" in line
    ]
    assert len(set(every)) == 50
    holes = json.loads(run_cli("status", "--json").output)["empty_cells"]
    assert sum(len(hole["commands"]) for hole in holes) == 50


def test_status_commands_say_how_many_seeds_of_a_configuration_never_run_are_not_named(tmp_path, monkeypatch):
    """Three replicates expected and seeds 0 and 1 run: the third seed of a cell no run reached has no
    name to launch it by, and is counted instead of left out."""
    monkeypatch.chdir(tmp_path)
    sparse_grid(tmp_path, 2, (0, 1), "replicates = 3\n")
    run_cli("collect")
    lines = run_cli("status", "--commands").output.splitlines()
    at = lines.index("  no run at all: m1 / d1 (shown as –; it is not counted above)")
    assert lines[at + 1 : at + 4] == [
        "    python train.py --method m1 --dataset d1 --seed 0",
        "    python train.py --method m1 --dataset d1 --seed 1",
        "    1 unnamed each (set seeds = [...] in the spec): no command launches it",
    ]


def test_status_fills_a_command_s_metric_with_the_metric_of_its_column(tmp_path, monkeypatch):
    """A table of two metrics laid out by `columns = ["dataset", "metric"]` accepts `{metric}` in its
    command, and `status` then stopped on `no value for {metric}`, whatever cells it had to count."""
    monkeypatch.chdir(tmp_path)
    sparse_grid(tmp_path, 2, (0, 1))
    shutil.rmtree(tmp_path / "runs" / "m0_d1_s1")
    spec = (tmp_path / "resultsbook.toml").read_text()
    spec = spec.replace('metric = "acc"', 'metrics = ["acc", "loss"]').replace(
        '["dataset"]', '["dataset", "metric"]'
    )
    (tmp_path / "resultsbook.toml").write_text(
        spec.replace("--seed {seed}", "--seed {seed} --objective {metric}")
    )
    for folder in (tmp_path / "runs").iterdir():
        metrics = folder / "metrics.jsonl"
        metrics.write_text(metrics.read_text().replace('"acc": 0.5', '"acc": 0.5, "loss": 0.1'))
    run_cli("collect")
    result = run_cli("status", "--commands")
    assert result.exit_code == 1, result.output
    assert [line for line in result.output.splitlines() if "train.py" in line] == [
        "    python train.py --method m1 --dataset d1 --seed 0 --objective acc",
        "    python train.py --method m1 --dataset d1 --seed 1 --objective acc",
        "    python train.py --method m1 --dataset d1 --seed 0 --objective loss",
        "    python train.py --method m1 --dataset d1 --seed 1 --objective loss",
        "    python train.py --method m0 --dataset d1 --seed 1 --objective acc",
        "    python train.py --method m0 --dataset d1 --seed 1 --objective loss",
    ]


def test_explain_of_a_figure_lists_its_curves_and_a_bar_figure_of_a_table_its_cells(project):
    """A stranger asked `explain curves` of the curve figure of an SB3 tree (github.com/eliamounier/Deep_RL)
    and was told it was neither a table nor an output; then that a figure is not explained: each of its
    curves is, by the name the figure shows, and a bar figure of table1's cells is table1's cells."""
    run_cli("collect")
    curve = run_cli("explain", "curve")
    assert curve.exit_code == 0, curve.output
    headers = [line.partition(": ")[0] for line in curve.output.splitlines() if line.startswith("curve / ")]
    assert headers == [
        "curve / Circles / Logistic regression",
        "curve / Circles / MLP (16 hidden)",
        "curve / Moons / Logistic regression",
        "curve / Moons / MLP (16 hidden)",
    ]
    bar = run_cli("explain", "bar", "MLP / Moons")
    assert bar.output.startswith("table1 / MLP (16 hidden) / Moons: "), bar.output


def test_explain_cuts_the_values_of_a_run_specific_param_short(tmp_path, monkeypatch):
    """Optuna trials (Elluito/spase-resnet-50-experiments@a9285c1, lightning_logs/version_*): a cell of
    107 runs with lr declared run-specific printed all 107 values of it on one line."""
    for trial in range(14):
        config = {"model": "wrn", "lr": round(0.001 * (trial + 1), 3)}
        write_native_run(tmp_path / "runs" / f"t{trial}", config, [{"step": 1, "acc": 0.5}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.acc]\nmetric = "acc"\nrows = ["model"]\nrun_specific = ["lr"]\n'
        'outputs = ["acc.tex"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0
    shown = [
        line.strip() for line in run_cli("explain", "acc", "wrn").output.splitlines() if "differ in" in line
    ]
    assert shown == [
        "differ in lr: 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.01, 0.011, 0.012 "
        "(and 2 more) (run-specific: no † mark)"
    ]


def dvclive_folds(tmp_path, folds, table_settings=""):
    """Write DVCLive folds dvclive/fold_N (an eval/r2_score curve, params fold and model) and a spec
    whose table cv counts them as replicates."""
    for fold in range(folds):
        folder = tmp_path / "dvclive" / f"fold_{fold}"
        (folder / "plots" / "metrics" / "eval").mkdir(parents=True)
        (folder / "plots" / "metrics" / "eval" / "r2_score.tsv").write_text(f"step\tr2_score\n0\t0.{fold}\n")
        (folder / "params.yaml").write_text(f"fold: {fold}\nmodel: resnet50v2\n")
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "dvclive"\n\n[tables.cv]\nmetric = "eval/r2_score"\nrows = ["model"]\n'
        f'replicate = "fold"\n{table_settings}outputs = ["cv.md"]\n'
    )


def test_status_names_a_counted_run_whose_logs_are_gone_and_how_to_forget_it(tmp_path, monkeypatch):
    """Five DVCLive folds (Emily-RoseSteyn/measuring-quality-of-life-gauteng's dvclive/fold_N), one
    deleted after a collect: status said `4 of 5, missing 1 unnamed` though the store knew fold 4."""
    monkeypatch.chdir(tmp_path)
    dvclive_folds(tmp_path, 5, "replicates = 5\n")
    assert run_cli("build").exit_code == 0
    shutil.rmtree(tmp_path / "dvclive" / "fold_4")
    assert run_cli("collect").exit_code == 0
    result = run_cli("status")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-3:] == [
        "Runs needing attention:",
        "  gone        fold_4  (dvclive/fold_4)",
        "              its logs are gone since it was collected, so no table counts it: put them back and "
        "collect, or resultsbook forget dvclive/fold_4 if it is gone for good",
    ]
    assert run_cli("forget", "dvclive/fold_4").exit_code == 0
    assert "Runs needing attention:" not in run_cli("status").stdout


def test_explain_says_why_the_commit_column_is_blank(tmp_path, monkeypatch):
    """`explain cv "resnet50v2"` over DVCLive folds, which record no git commit, left the commit column
    blank without a word; asked which code made the number, the reader could not tell why."""
    monkeypatch.chdir(tmp_path)
    dvclive_folds(tmp_path, 2)
    assert run_cli("build").exit_code == 0
    lines = run_cli("explain", "cv", "resnet50v2").output.splitlines()
    assert (
        "  commit blank: the dvclive logs of these runs record no git commit, so which code made them cannot"
        " be told; resultsbook.Run records it (and a dirty tree's diff), or keep `git rev-parse HEAD` in each"
        " run's config"
    ) in lines


def test_explain_cuts_a_long_value_the_runs_differ_in(tmp_path, monkeypatch):
    """catniplab/ML-music-analysis's Sacred configs hold a torch distribution jsonpickled into
    thousands of characters per run: explain printed each value whole, a screen per value."""
    for seed in (0, 1):
        pickled = json.dumps(
            {"py/object": "torch.distributions.Uniform", "py/b64": "gAKKCmz8" * 600 + str(seed)}
        )
        config = {"model": "gru", "seed": seed, "t_distrib": pickled}
        write_native_run(tmp_path / "runs" / f"r{seed}", config, [{"step": 1, "acc": 0.5 + seed / 10}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.acc]\nmetric = "acc"\nrows = ["model"]\n'
        'run_specific = ["t_distrib"]\noutputs = ["acc.tex"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0
    shown = [
        line.strip() for line in run_cli("explain", "acc", "gru").output.splitlines() if "differ in" in line
    ]
    # cut from where they differ: from the start, both read '{"py/object": "torch.distributions.Unif…'
    cut = '…Cmz8gAKKCmz8gAKKCmz8{}"}}'
    assert shown == [f"differ in t_distrib: {cut.format(0)}, {cut.format(1)} (run-specific: no † mark)"]


def test_status_names_the_failed_runs_of_a_table_that_keeps_only_finished_ones(tmp_path, monkeypatch):
    """catniplab/ML-music-analysis: with `status = ["finished"]` in the table, as the docs show it, a
    cell short of a seed that crashed (Sacred FAILED) or was interrupted said only `2 of 3`: status
    named no run needing attention."""
    for seed, state in enumerate(("finished", "finished", "failed")):
        write_native_run(
            tmp_path / "runs" / f"s{seed}",
            {"model": "gru", "seed": seed},
            [{"step": 1, "acc": 0.5}],
            {"status": state, "error": {"type": "RuntimeError", "message": "loss diverged"}},
        )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.acc]\nmetric = "acc"\nrows = ["model"]\nstatus = ["finished"]\n'
        'replicates = 3\noutputs = ["acc.md"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0
    output = run_cli("status").output
    assert "gru: 2 of 3" in output
    attention = output.split("Runs needing attention:\n")[1].splitlines()
    assert attention[0].split() == ["failed", "s2", "(runs/s2)"]
    assert attention[1].strip() == "RuntimeError: loss diverged"


def test_a_run_without_a_seed_that_gave_no_value_is_counted_not_called_seed_none(tmp_path, monkeypatch):
    """norlab-ulaval/droneSegmentation's Detectron2 runs record no seed, and a class absent from the
    validation images has a NaN IoU: status said `0 of 1, seed none ran but has no value`."""
    for name, model, iou in (
        ("a", "a", float("nan")),
        ("b", "b", 0.5),
        ("c", "c", 0.5),
        ("c2", "c", float("nan")),
    ):
        write_native_run(tmp_path / "runs" / name, {"model": model}, [{"step": 1, "iou": iou}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "iou"\nrows = ["model"]\nreplicates = 2\noutputs = []\n'
    )
    monkeypatch.chdir(tmp_path)
    run_cli("collect", "runs")
    lines = run_cli("status").output.splitlines()
    unnamed = "missing 1 unnamed (its runs hold no replicate key to name them by)"
    assert f"  a: 0 of 2, {unnamed}; 1 run ran but has no value" in lines
    assert "  c: 1 of 2, 1 run ran but has no value" in lines
    assert not [line for line in lines if "seed none" in line]


def test_the_error_line_of_a_traceback_with_blank_lines_skips_them():
    """Keras Tuner keeps a failed trial's traceback with a blank line before its last: status said
    `raise ValueError( |  | ValueError: …`."""
    from resultsbook.freshness.status import error_tail

    error = 'Traceback (most recent call last):\n  File "t.py", line 3\n    raise ValueError(\n\nValueError: bad units\n'
    assert error_tail({"error": error}) == 'File "t.py", line 3 | raise ValueError( | ValueError: bad units'


def test_the_error_line_of_a_traceback_a_wrapper_printed_after_is_said_once_and_last():
    """chris-santiago/vime@c77d735 `outputs/vime-learner/train_semi/2023-05-29/23-30-59`: its W&B run
    keeps the traceback Hydra printed, `IndexError: …` then `Set the environment variable
    HYDRA_FULL_ERROR=1 for a complete stack trace.`; status said `… | IndexError: … | Set the environment
    variable HYDRA_FULL_ERROR=1 … | IndexError: …`, the error twice, Hydra's advice between."""
    from resultsbook.freshness.status import error_tail

    trace = (
        'Traceback (most recent call last):\n  File "vime/train_semi.py", line 28, in main\n'
        '    "score": trainer.logged_metrics["valid-score"][-1].item(),\nIndexError: index -1 is out of '
        "bounds for dimension 0 with size 0\n\nSet the environment variable HYDRA_FULL_ERROR=1 for a "
        "complete stack trace."
    )
    message = "index -1 is out of bounds for dimension 0 with size 0"
    error = {"type": "IndexError", "message": message, "traceback_tail": trace}
    assert error_tail({"error": error}) == (
        'File "vime/train_semi.py", line 28, in main | "score": trainer.logged_metrics["valid-score"][-1]'
        f".item(), | IndexError: {message}"
    )


def _sweep_cell(tmp_path, runs):
    """Write a cell of native runs as resultsbook.Run writes them (resultsbook/runlog/run.py: config.json
    at the start, then metrics.jsonl, run.json with the status), one per (seed, status, metrics), and a
    spec whose table counts 5 seeds and can launch one; return the folders by seed."""
    folders = {}
    for seed, state, metrics in runs:
        folders[seed] = write_native_run(
            tmp_path / "runs" / f"cnn_seed{seed}",
            {"model": "cnn", "seed": seed},
            metrics,
            {"status": state, "error": {"type": "ValueError", "message": "loss is NaN"}}
            if state == "failed"
            else {"status": state},
        )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.main]\nmetric = "val/acc"\ngoal = "max"\nrows = ["model"]\n'
        'replicates = 5\nseeds = [0, 1, 2, 3, 4]\ncommand = "sbatch train.sh --model {model} --seed {seed}"\n'
        'outputs = ["main.md"]\n'
    )
    return folders


def test_status_names_the_seeds_a_cell_counts_from_runs_that_did_not_finish(tmp_path, monkeypatch):
    """A sweep a week before the deadline (made with resultsbook.Run under /tmp/realdata/sweep): seed 3
    crashed at step 40 and seed 4 was stopped by SLURM's time limit (SIGTERM: interrupted); the table
    counts their last values, marked, but status called the cell `5 of 5` complete, named no seed
    there and `--commands` launched neither again."""
    done = [{"step": 100, "val/acc": 0.85}]
    _sweep_cell(
        tmp_path,
        [
            (0, "finished", done),
            (1, "finished", done),
            (2, "finished", done),
            (3, "failed", [{"step": 30, "val/acc": 0.6}]),
            (4, "interrupted", [{"step": 40, "val/acc": 0.7}]),
        ],
    )
    monkeypatch.chdir(tmp_path)
    run_cli("collect")
    output = run_cli("status", "--commands").output
    assert output.splitlines()[:4] == [
        "main: 0 of 1 cells complete",
        "  cnn: 5 of 5, counted from runs that did not finish: seed 3 (failed), seed 4 (interrupted)",
        "    sbatch train.sh --model cnn --seed 3",
        "    sbatch train.sh --model cnn --seed 4",
    ]


def test_a_cell_with_a_seed_still_running_and_one_unfinished_says_both_as_clauses(tmp_path, monkeypatch):
    """Seed 2 runs without a value yet and seed 1 runs with one: the clause after `still running` was
    joined by `,` where each clause after the first takes `;`."""
    done = [{"step": 100, "val/acc": 0.85}]
    _sweep_cell(
        tmp_path,
        [
            (0, "finished", done),
            (1, "running", [{"step": 10, "val/acc": 0.3}]),
            (2, "running", [{"step": 1, "loss": 2.0}]),
            (3, "finished", done),
            (4, "finished", done),
        ],
    )
    monkeypatch.chdir(tmp_path)
    run_cli("collect")
    output = run_cli("status").output
    assert output.splitlines()[1] == (
        "  cnn: 4 of 5, seed 2 still running, no value yet; counted from runs that did not finish: seed 1 (running)"
    )


def test_a_seed_still_running_without_a_value_is_not_one_to_launch(tmp_path, monkeypatch):
    """A sweep made with resultsbook.Run (/tmp/realdata/sweep): seed 2 runs and has not reached its
    first validation, seed 3 was killed (SIGKILL) before its first: its run.json still says running.
    Both were `ran but has no value`, and `--commands` launched seed 2 again beside the run still
    training it; seed 1 runs and has logged a validation, a value the cell counts, said nowhere."""
    done = [{"step": 100, "val/acc": 0.85}]
    folders = _sweep_cell(
        tmp_path,
        [
            (0, "finished", done),
            (1, "running", [{"step": 10, "val/acc": 0.3}]),
            (2, "running", [{"step": 1, "loss": 2.0}]),
            (3, "running", [{"step": 1, "loss": 2.0}]),
        ],
    )
    old = time.time() - 3 * 3600  # seed 3: silent for 3 h, dead
    for path in folders[3].iterdir():
        os.utime(path, (old, old))
    monkeypatch.chdir(tmp_path)
    run_cli("collect")
    output = run_cli("status", "--commands").output
    assert output.splitlines()[1:4] == [
        "  cnn: 2 of 5, missing seed 4; seed 3 ran but has no value; seed 2 still running, no value yet; "
        "counted from runs that did not finish: seed 1 (running)",
        "    sbatch train.sh --model cnn --seed 3",
        "    sbatch train.sh --model cnn --seed 4",
    ]
    # the table cannot tell a dead run from a live one (its outputs do not change with the clock)
    assert (
        "Warning: main: cnn: n = 2 of 5 seeds asked for (missing seed 4; seed 2 and seed 3 running, no value yet)"
    ) in output
    import resultsbook as rb

    with rb.open(tmp_path) as book:
        frame = book.spec_table("main").status()
    assert frame["running"].tolist() == [[2, 3]] and frame["unfinished"].tolist() == [[1]]


def test_status_of_a_live_run_the_store_has_not_read_lately_says_no_clone(tmp_path, monkeypatch):
    """A run collected at 9:00 and still training at 11:00 (resultsbook.Run's folder: config.json written
    when it started): status said `last write 0 s ago, but its last point was logged 2.0 h ago (a copy
    or a clone dates files when it is made)`, of a run that is neither; its newer points are only not
    collected yet."""
    started = time.time() - 3 * 3600
    folder = write_native_run(
        tmp_path / "runs" / "live",
        {"model": "cnn", "seed": 0},
        [
            {"step": 1, "time": started + 60, "loss": 2.0},
            {"step": 2, "time": time.time() - 2 * 3600, "loss": 1.0},
        ],
        {"status": "running"},
    )
    os.utime(folder / "config.json", (started, started))
    monkeypatch.chdir(tmp_path)
    run_cli("collect", "runs", "--db", "logs.db")
    with open(folder / "metrics.jsonl", "a") as handle:  # it goes on training after the collect
        handle.write(json.dumps({"step": 3, "time": time.time(), "loss": 0.5}) + "\n")
    lines = run_cli("status", "--db", "logs.db").stdout.splitlines()
    assert lines[1].split() == ["running", "live", "(runs/live)"]
    assert re.fullmatch(r"last write \d+ s ago", lines[2].strip()), lines[2]


def test_explain_says_when_a_dirty_run_kept_no_diff(tmp_path, monkeypatch):
    """A run that records only that its tree was dirty, with no diff (as Sacred's `repositories[].dirty`
    and Guild's `vcs_commit` ending in `*` do; here in run.json's shape): explain starred its commit,
    and the reader could not tell whether what differed was kept anywhere."""
    commit = "dc7b59c24340e1d62294466c1e1e72cdd1220f8d"
    for seed, dirty in ((0, False), (1, True)):
        git = {"commit": commit, "dirty": dirty, **({"diff_bytes": 767} if dirty else {})}
        write_native_run(
            tmp_path / "runs" / f"mlp_seed{seed}",
            {"model": "mlp", "seed": seed},
            [{"step": 1, "acc": 0.5 + seed / 10}],
            {"name": f"mlp_seed{seed}", "status": "finished", "git": git},
        )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.acc]\nmetric = "acc"\nrows = ["model"]\noutputs = ["acc.md"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0
    lines = run_cli("explain", "acc", "mlp").output.splitlines()
    assert lines[-1] == (
        "  dirty: mlp_seed1 ran from dc7b59c243 with uncommitted changes; no diff of them was kept, so what"
        " differed cannot be told (resultsbook.Run keeps it as git.diff)"
    )


def test_explain_says_which_environment_the_runs_of_a_cell_differ_in(tmp_path, monkeypatch):
    """The quickstart's runs record Python and every package (resultsbook.Run's run.json); a seed run in
    another virtualenv (numpy 2.3.0, Python 3.10) sat in a cell of the same commit and config, and
    `explain` showed nothing of it: a reviewer asking which environment made the number had to `show`
    each run."""
    for seed, python, numpy in ((0, "3.11.7", "2.4.6"), (1, "3.11.7", "2.4.6"), (2, "3.10.14", "2.3.0")):
        write_native_run(
            tmp_path / "runs" / f"mlp_seed{seed}",
            {"model": "mlp", "seed": seed},
            [{"step": 1, "acc": 0.5 + seed / 10}],
            {"name": f"mlp_seed{seed}", "status": "finished", "python": python,
             "packages": {"numpy": numpy, "scipy": "1.17.1"}},
        )  # fmt: skip
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.acc]\nmetric = "acc"\nrows = ["model"]\noutputs = ["acc.md"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0
    lines = run_cli("explain", "acc", "mlp").output.splitlines()
    assert "  environment differs in python: 3.10.14, 3.11.7; numpy: 2.3.0, 2.4.6" in lines
    [cell] = json.loads(run_cli("explain", "acc", "mlp", "--json").output)["cells"]
    assert cell["environment"] == {"python": ["3.10.14", "3.11.7"], "numpy": ["2.3.0", "2.4.6"]}


def _unfinished_seed(tmp_path, monkeypatch):
    """Write 2 models × 3 seeds trained to step 1000, but mlp's seed 2 still running at step 300 (its
    run.json says running), and tables of their last value, their max and their acc at the best
    val_loss; the acc of a run is step / 1000 + seed / 100, its val_loss least at step 600."""
    for model in ("cnn", "mlp"):
        for seed in range(3):
            end = 300 if (model, seed) == ("mlp", 2) else 1000
            points = [
                {"step": step, "acc": step / 1000 + seed / 100, "val_loss": abs(step - 600) / 1000}
                for step in range(100, end + 1, 100)
            ]
            state = "running" if end == 300 else "finished"
            write_native_run(
                tmp_path / "runs" / f"{model}_s{seed}",
                {"model": model, "seed": seed},
                points,
                {"status": state},
            )
    tables = "".join(
        f'[tables.{name}]\nmetric = "acc"\ngoal = "max"\nreduce = "{reduce}"\nrows = ["model"]\n'
        f'outputs = ["{name}.md"]\n'
        for name, reduce in (("t1", "last"), ("peak", "max"), ("early", "best(val_loss, min)"))
    )
    (tmp_path / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\n' + tables)
    monkeypatch.chdir(tmp_path)
    assert run_cli("collect").exit_code == 0


def _steps_column(lines):
    """Return the header of the column before `value` and its (name, entry) in each run row."""
    header = next(line for line in lines if line.lstrip().startswith("run "))
    start = lines.index(header) + 2
    rows = [
        line.split()
        for line in lines[start:]
        if line.startswith("  ") and not line.startswith(("  =", "  !"))
    ]
    return header.split()[-2], [(row[1], row[-2]) for row in rows[:3]]


def test_explain_says_at_which_step_each_runs_value_was_taken(tmp_path, monkeypatch):
    """A week before the deadline, mlp's seed 2 is at step 300 of 1000: its `last` value (0.32) is
    averaged with the others' at 1000, and `explain t1 mlp` listed the three values without a step, so
    nothing said that seed 2's was taken 700 steps earlier."""
    _unfinished_seed(tmp_path, monkeypatch)
    lines = run_cli("explain", "t1", "mlp").output.splitlines()
    assert lines[0] == "t1 / mlp: 0.78 ± 0.40 (n = 3, per run: last)"
    assert _steps_column(lines) == ("step", [("mlp_s0", "1000"), ("mlp_s1", "1000"), ("mlp_s2", "300")])
    # where every run took its value at one step, the header says it, and no column repeats it
    lines = run_cli("explain", "t1", "cnn").output.splitlines()
    assert lines[0] == "t1 / cnn: 1.01 ± 0.01 (n = 3, per run: last at step 1000)"
    assert _steps_column(lines)[0] == "source"
    # a max is over every point a run logged: seed 2's over steps 100 to 300
    lines = run_cli("explain", "peak", "mlp").output.splitlines()
    assert _steps_column(lines) == (
        "steps",
        [("mlp_s0", "100–1000"), ("mlp_s1", "100–1000"), ("mlp_s2", "100–300")],
    )
    assert run_cli("explain", "peak", "cnn").output.splitlines()[0] == (
        "peak / cnn: 1.01 ± 0.01 (n = 3, per run: max over steps 100–1000)"
    )
    # best(KEY): the step where KEY was best, so far: seed 2 has not reached step 600 yet
    lines = run_cli("explain", "early", "mlp").output.splitlines()
    assert _steps_column(lines) == ("step", [("mlp_s0", "600"), ("mlp_s1", "600"), ("mlp_s2", "300")])
    [cell] = json.loads(run_cli("explain", "t1", "mlp", "--json").output)["cells"]
    assert cell["step"] is None
    assert [(run["name"], run["step"], run["steps"]) for run in cell["runs"]] == [
        ("mlp_s0", 1000, [1000, 1000]),
        ("mlp_s1", 1000, [1000, 1000]),
        ("mlp_s2", 300, [300, 300]),
    ]
    [cell] = json.loads(run_cli("explain", "peak", "cnn", "--json").output)["cells"]
    assert cell["step"] is None and {run["step"] for run in cell["runs"]} == {None}
    assert [run["steps"] for run in cell["runs"]] == [[100, 1000]] * 3
    [cell] = json.loads(run_cli("explain", "t1", "cnn", "--json").output)["cells"]
    assert cell["step"] == 1000


def test_explain_names_the_step_where_key_was_best_and_the_step_the_metric_was_read_at(tmp_path, monkeypatch):
    """val/acc is best at step 300 and test/acc logged at steps 0, 500 and 1000: best(val/acc) reads
    test/acc at step 0, its last point at or before 300, and `explain t b` said `best(val/acc, max) at
    step 0`, as if val/acc were best there."""
    for model, peaks in (("a", (300, 300, 300)), ("b", (300, 300, 600))):
        for seed, peak in enumerate(peaks):
            points = {s: {"step": s, "val/acc": 1 - abs(s - peak) / 1000} for s in range(100, 1001, 100)}
            for step in (0, 500, 1000):
                points.setdefault(step, {"step": step})["test/acc"] = 0.5 + step / 2000 + seed / 100
            config = {"model": model, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{model}_s{seed}", config, sorted(points.values(), key=str))
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "test/acc"\ngoal = "max"\n'
        'reduce = "best(val/acc, max)"\nrows = ["model"]\noutputs = ["t.md"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli("collect").exit_code == 0
    assert run_cli("explain", "t", "a").output.splitlines()[0] == (
        "t / a: 0.51 ± 0.01 (n = 3, per run: best(val/acc, max): val/acc best at step 300, test/acc read at "
        "step 0 (its last point at or before it))"
    )
    lines = run_cli("explain", "t", "b").output.splitlines()
    assert lines[0].endswith(
        "(n = 3, per run: best(val/acc, max): test/acc read at its last point at or before the step where "
        "val/acc is best)"
    )
    assert [line.split()[-5:-1] for line in lines[3:6]] == [
        ["0", "(best", "at", "300)"],
        ["0", "(best", "at", "300)"],
        ["500", "(best", "at", "600)"],
    ]
    [cell] = json.loads(run_cli("explain", "t", "b", "--json").output)["cells"]
    assert [(run["step"], run["best_step"]) for run in cell["runs"]] == [(0, 300), (0, 300), (500, 600)]
