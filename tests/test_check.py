"""`check` for CI: current, stale (with the cell that changed), edited by hand, missing; JSON contract."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, compile_latex

from resultsbook.params import cut_where_they_differ

QUICKSTART = ROOT / "examples" / "quickstart"


@pytest.fixture
def paper(tmp_path, monkeypatch):
    """The quickstart in a fresh folder with 3 seeds, built once."""
    project = tmp_path / "project"
    shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns("runs", "*.db*", "results"))
    subprocess.run(
        [sys.executable, "train.py", "--seeds", "0", "1", "2"], cwd=project, check=True, capture_output=True
    )
    text = (project / "resultsbook.toml").read_text().replace("replicates = 5", "replicates = 3")
    (project / "resultsbook.toml").write_text(text)
    monkeypatch.chdir(project)
    return project


def run_cli(*args):
    from click.testing import CliRunner

    from resultsbook.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def change_final_value(project: Path, run: str, key: str, value: float) -> None:
    metrics = project / "runs" / run / "metrics.jsonl"
    lines = metrics.read_text().splitlines()
    last = json.loads(lines[-1])
    last[key] = value
    lines[-1] = json.dumps(last)
    metrics.write_text("\n".join(lines) + "\n")


def test_a_csv_stale_below_the_printed_digits_names_its_cell_and_the_numbers_that_moved(paper):
    """One point moved by 1e-9: the .tex printed the same digits, the CSV's unrounded mean moved, and
    check said `final_loss.csv: stale (results changed)` naming no cell (`changes: []` in --json)."""
    assert run_cli("build").exit_code == 0
    metrics = paper / "runs" / "mlp_moons_seed1" / "metrics.jsonl"
    last = json.loads(metrics.read_text().splitlines()[-1])["train/loss"]
    change_final_value(paper, "mlp_moons_seed1", "train/loss", last + 1e-9)
    assert run_cli("collect", "runs").exit_code == 0
    lines = run_cli("check").output.splitlines()
    start = lines.index("paper/results/final_loss.csv: stale (results changed)")
    moved = lines[start + 1]
    assert moved.startswith("  final_loss/moons/mlp: mean ") and " → mean " in moved, lines
    assert "paper/results/final_loss.tex: stale" not in lines  # the printed digits did not move
    document = json.loads(run_cli("check", "--json").output)
    csv_state = next(o for o in document["outputs"] if o["path"].endswith("final_loss.csv"))
    assert [c["cell"] for c in csv_state["changes"]] == ["final_loss/moons/mlp"]


def test_the_csv_cells_of_a_table_of_several_metrics_are_told_apart_by_their_metric(tmp_path):
    """One test/acc value moved by 1e-7 in a table of two metrics: the metric column was not counted among
    the keys, rows were paired with another metric's, and four cells were named for one."""
    from resultsbook.freshness.check import csv_changes

    written = tmp_path / "multi.csv"
    written.write_text("model,metric,mean,n,marks\nmlp,val/acc,0.9,3,\nmlp,test/acc,0.916,3,\n")
    now = b"model,metric,mean,n,marks\nmlp,val/acc,0.9,3,\nmlp,test/acc,0.91600002,3,\n"
    (change,) = csv_changes(str(written), now, "multi", "mean")
    assert (change.cell, change.old, change.new) == ("multi/mlp/test/acc", "mean 0.916", "mean 0.91600002")


def test_check_passes_after_build_and_names_the_changed_cell(paper):
    assert run_cli("build").exit_code == 0
    current = run_cli("check")
    assert current.exit_code == 0 and current.output.endswith("OK: 9 current\n")
    change_final_value(paper, "mlp_moons_seed1", "train/loss", 5.0)
    assert run_cli("collect", "runs").exit_code == 0
    stale = run_cli("check")
    assert stale.exit_code == 1
    lines = stale.output.splitlines()
    # the outputs of one table stale alike share a line: the cell changes under it are both files'
    assert lines[0] == "paper/results/final_loss.tex, paper/results/final_loss.csv: stale (results changed)"
    changed = [line for line in lines if line.startswith("  Moons / MLP (16 hidden): ")]
    assert len(changed) == 2  # the loss table's cell, then the last point of its curve (mlp_loss.png)
    assert " → 0.286 ± 0.080" in changed[0] and "run" not in changed[0]
    assert "paper/results/table1.tex" not in stale.output  # test accuracy did not change
    assert lines[-1] == "FAILED: 5 current, 4 stale"  # the loss table (.tex, .csv), its curve, numbers.tex
    assert "paper/results/numbers.tex: stale (results changed; no value the paper quotes changed)" in lines
    assert run_cli("build").exit_code == 0
    assert run_cli("check").exit_code == 0


def edit_spec(project: Path, old: str, new: str) -> None:
    spec = project / "resultsbook.toml"
    text = spec.read_text()
    assert text.count(old) == 1
    spec.write_text(text.replace(old, new))


def stale_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": stale (" in line]


def test_check_says_a_setting_changed_not_the_results(paper):
    """digits = 1 -> 2 changes every cell's text; the runs did not change and check must not say so."""
    run_cli("build")
    edit_spec(paper, "digits = 1", "digits = 2")
    result = run_cli("check")
    assert result.exit_code == 1
    assert stale_lines(result.output) == [
        "paper/results/table1.tex, paper/results/table1.md: stale (its settings changed: digits)",
        "paper/results/numbers.tex: stale (the settings of [tables.table1] changed: digits)",
        "RESULTS.md: stale (the settings of [tables.table1] changed: digits)",
    ]
    assert "  MLP (16 hidden) / Moons: " in result.output  # the cells are still listed
    assert "results changed" not in result.output


def test_check_says_a_where_selects_other_runs(paper):
    run_cli("build")
    edit_spec(paper, 'columns = ["dataset"]\n', 'columns = ["dataset"]\nwhere = { seed = [0, 1] }\n')
    lines = stale_lines(run_cli("check").output)
    assert (
        "paper/results/table1.tex, paper/results/table1.md: stale (its settings changed: where; the runs it "
        "selects differ)" in lines
    )
    assert (
        "paper/figures/bar.pgf: stale (the settings of [tables.table1] changed: where; "
        "the runs [tables.table1] selects differ)"
    ) in lines  # the bar figure draws table1's cells


def test_check_names_a_changed_template_and_a_figure_setting(paper):
    run_cli("build")
    (paper / "templates").mkdir()
    template = ROOT / "templates" / "table.tex.j2"
    (paper / "templates" / "table.tex.j2").write_text(template.read_text() + "% our house style\n")
    edit_spec(paper, 'band = "std"', 'band = "sem"')
    assert stale_lines(run_cli("check").output) == [
        "paper/results/table1.tex: stale (its template changed: table.tex.j2)",
        "paper/results/final_loss.tex: stale (its template changed: table.tex.j2)",
        "paper/figures/curve.pdf: stale (its settings changed: band)",
        "paper/results/numbers.tex: stale (the note of [figures.curve] changed; no value the paper quotes changed)",
    ]


def test_a_lock_without_parts_is_read_and_check_says_it_cannot_tell(paper):
    """A lock written before the parts were recorded: read as it is, the reason said vaguely."""
    run_cli("build")
    lock = paper / "paper" / "resultsbook.lock"
    document = json.loads(lock.read_text())
    for entry in document["entries"].values():
        entry.pop("parts", None)
    lock.write_text(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    assert run_cli("check").exit_code == 0
    edit_spec(paper, "digits = 1", "digits = 2")
    lines = stale_lines(run_cli("check").output)
    assert (
        lines[0] == "paper/results/table1.tex, paper/results/table1.md: stale (its data or settings changed)"
    )
    assert "paper/results/numbers.tex: stale (its data or settings changed)" in lines
    assert run_cli("build").exit_code == 0
    assert "parts" in json.loads(lock.read_text())["entries"]["tables.table1"]


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda document: [document], "is not a resultsbook lock; delete it and run `resultsbook build`"),
        (
            lambda document: {**document, "version": 2},
            "is a lock of version 2, and this resultsbook reads version 1",
        ),
        (lambda document: {**document, "entries": []}, "is not a valid lock file (entries is not an object)"),
        (
            lambda document: {**document, "entries": {"tables.table1": {"values": {}}}},
            "is not a valid lock file (entries['tables.table1'] has no text 'inputs')",
        ),
        (
            lambda document: {
                **document,
                "entries": {
                    "tables.table1": {
                        **document["entries"]["tables.table1"],
                        "values": {"x": {"value": "1", "runs": [1]}},
                    }
                },
            },
            "(entries['tables.table1']['values']['x']['runs'] is not a list of run ids)",
        ),
        (
            lambda document: {
                **document,
                "entries": {
                    "tables.table1": {
                        **document["entries"]["tables.table1"],
                        "values": {"x": {"value": "1", "runs": [], "marks": ["‡"]}},
                    }
                },
            },
            "(entries['tables.table1']['values']['x']['marks'] is not a text)",
        ),
    ],
)
def test_a_lock_edited_by_hand_into_another_shape_is_named_not_a_crash(paper, edit, said):
    """Valid JSON that is not what build writes (a hand edit, a merge resolved badly): one line naming
    the lock and the fix for check and build alike; build's own advice never loops."""
    run_cli("build")
    lock = paper / "paper" / "resultsbook.lock"
    lock.write_text(json.dumps(edit(json.loads(lock.read_text()))))
    for command in (["check"], ["build"]):
        result = subprocess.run(
            [sys.executable, "-m", "resultsbook", *command], capture_output=True, text=True, cwd=paper
        )
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.startswith(f"Error: {lock}") and said in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    lock.unlink()
    assert run_cli("build").exit_code == 0 and run_cli("check").exit_code == 0


def test_a_lock_a_git_merge_left_conflicted_is_named_by_check_and_written_again_by_build(paper):
    """After a merge, the lock's conflict is resolved by build (as the team recipe says): check says so
    in one line, exiting as for a stale output; build writes the lock again and says it did."""
    run_cli("build")
    lock = paper / "paper" / "resultsbook.lock"
    written = lock.read_text()
    lines = written.splitlines()
    lines[5:6] = ["<<<<<<< HEAD", lines[5], "=======", lines[5].replace("a", "b"), ">>>>>>> theirs"]
    lock.write_text("\n".join(lines) + "\n")
    checked = subprocess.run(
        [sys.executable, "-m", "resultsbook", "check"], capture_output=True, text=True, cwd=paper
    )
    assert checked.returncode == 1
    assert checked.stderr == (
        f"Error: {lock} has merge conflicts (git's <<<<<<< and >>>>>>> lines); `resultsbook build` "
        "resolves them: it writes the lock again from the outputs it builds\n"
    )
    explained = subprocess.run(  # explain still explains, from the store: the lock adds nothing there
        [sys.executable, "-m", "resultsbook", "explain", "table1"], capture_output=True, text=True, cwd=paper
    )
    assert explained.returncode == 0 and "merge conflicts" not in explained.stdout, explained.stderr
    built = subprocess.run(
        [sys.executable, "-m", "resultsbook", "build", "--no-collect"],
        capture_output=True,
        text=True,
        cwd=paper,
    )
    assert built.returncode == 0, built.stderr
    notes = [line for line in built.stderr.splitlines() if line.startswith("Note:")]
    assert notes == [
        "Note: paper/resultsbook.lock had merge conflicts; it was written again from the outputs now"
    ]
    assert lock.read_text() == written
    assert run_cli("check").exit_code == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("where", ["output", "lock"])
def test_an_output_or_lock_that_is_a_fifo_or_a_device_is_refused_not_waited_on(paper, where):
    """A FIFO blocks a read and /dev/zero never ends: check and build name the path in one line."""
    run_cli("build")
    if where == "output":
        target = paper / "paper" / "results" / "table1.md"
        target.unlink()
        os.mkfifo(target)
    else:
        target = paper / "paper" / "resultsbook.lock"
        target.unlink()
        target.symlink_to("/dev/zero")
    for command in (["check"], ["build"]):
        result = subprocess.run(
            [sys.executable, "-m", "resultsbook", *command],
            capture_output=True,
            text=True,
            cwd=paper,
            timeout=60,
        )
        assert result.returncode == 2, (command, result.stderr)
        assert (
            result.stderr == f"Error: {target} is not a regular file (a FIFO or a device), so build cannot "
            "write it nor check read it; point the spec's outputs (or lock =) to a file path\n"
        )


def test_an_output_whose_folder_is_a_file_is_refused_in_one_line_by_build_and_check(paper):
    """`paper/results` replaced by a file: build and check stopped with an internal NotADirectoryError
    (exit 70) from reading the lock there."""
    run_cli("build")
    results = paper / "paper" / "results"
    shutil.rmtree(results)
    results.write_text("notes\n")
    for command in (["check"], ["build"]):
        result = subprocess.run(
            [sys.executable, "-m", "resultsbook", *command],
            capture_output=True,
            text=True,
            cwd=paper,
            timeout=60,
        )
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.endswith(
            f" cannot be written: {os.path.join('paper', 'results')} is a file, not a folder; point the spec's "
            "outputs (or lock =) to another folder, or move that file away\n"
        ), result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_a_new_resultsbook_and_a_table_quoted_or_not_are_said_as_such():
    from resultsbook.freshness.reasons import stale_reason

    before = {"runs": "a", "settings.digits": "b", "version": "0.1.0"}
    assert stale_reason(before, {**before, "version": "0.2.0"}) == "resultsbook changed: 0.1.0 → 0.2.0"
    assert stale_reason(before, before) is None and stale_reason({}, before) is None
    quoting = {"tables.a/runs": "1", "tables.a/settings.digits": "2", "version": "0.1.0"}
    now = {"tables.b/runs": "1", "tables.b/settings.digits": "2", "version": "0.1.0"}
    assert stale_reason(quoting, now) == "it no longer quotes [tables.a]; it now quotes [tables.b]"


def test_check_reports_a_hand_edited_file_and_a_missing_one(paper):
    run_cli("build")
    table = paper / "paper" / "results" / "table1.tex"
    table.write_text(table.read_text().replace("Logistic regression", "LogReg"))
    (paper / "paper" / "results" / "final_loss.csv").unlink()
    result = run_cli("check")
    assert result.exit_code == 1
    assert "paper/results/table1.tex: edited (line 10 is 'LogReg & " in result.output
    assert "paper/results/final_loss.csv: missing (run `resultsbook build`)" in result.output


def edited_detail() -> str:
    line = next(
        line for line in run_cli("check").output.splitlines() if line.startswith("paper/results/table1.tex")
    )
    return line.removeprefix("paper/results/table1.tex: ")


def test_an_edit_of_line_endings_or_of_lines_at_the_end_says_what_differs(paper):
    run_cli("build")
    table = paper / "paper" / "results" / "table1.tex"
    built = table.read_bytes()
    table.write_bytes(built.replace(b"\n", b"\r\n"))  # git's core.autocrlf, or an editor on Windows
    assert edited_detail() == "edited (its lines end in CRLF (\\r\\n); build writes LF (\\n))"
    table.write_bytes(built.rstrip(b"\n"))  # an editor that trims the final newline
    assert edited_detail() == "edited (its last line has no newline; build writes one)"
    lines = built.decode().splitlines(keepends=True)
    table.write_bytes(built + b"% checked by hand\n")
    assert (
        edited_detail()
        == f"edited (line {len(lines) + 1} is '% checked by hand', build writes no line there)"
    )
    table.write_text("".join(lines[:-2]))
    ends = f"it ends at line {len(lines) - 2}, build writes 2 more from '{lines[-2].strip()}'"
    assert edited_detail() == f"edited ({ends})"


def train_fourth_mlp_moons_seed(project: Path) -> None:
    subprocess.run(
        [sys.executable, "train.py", "--seeds", "3", "--models", "mlp", "--datasets", "moons"],
        cwd=project,
        check=True,
        capture_output=True,
    )


def test_check_notices_new_runs_and_says_how_many(paper):
    run_cli("build")
    train_fourth_mlp_moons_seed(paper)
    result = run_cli("check", "--collect")
    assert result.exit_code == 1
    assert "  MLP (16 hidden) / Moons: " in result.output
    # table1's two files, bar.pgf (its cells), and the MLP's curve in curve.pdf and in mlp_loss.png
    assert result.output.count(", 1 run added (mlp_moons_seed3)\n") == 5


def test_check_names_a_cell_whose_marks_alone_changed(paper):
    """A run that crashed after the build leaves the cell's number as it was but adds ‡: check named
    no cell ("stale (results changed)" alone), as the lock kept each cell's value without its marks."""
    run_cli("build")
    run_json = paper / "runs" / "mlp_moons_seed0" / "run.json"
    run_json.write_text(run_json.read_text().replace('"status": "finished"', '"status": "crashed"'))
    assert run_cli("collect", "runs").exit_code == 0
    output = run_cli("check").output
    assert "  MLP (16 hidden) / Moons: 89.0 ± 5.6° → 89.0 ± 5.6‡°\n" in output
    assert "  Moons / MLP (16 hidden): 0.205 ± 0.009 → 0.205 ± 0.009‡\n" in output


def test_check_of_a_lock_that_kept_no_marks_says_no_mark_changed(paper):
    """A lock written before cells' marks were kept: their marks are not compared (every cell would
    read as changed), and a cell whose number moved is said as before."""
    run_cli("build")
    lock = paper / "paper" / "resultsbook.lock"
    entries = json.loads(lock.read_text())
    for entry in entries["entries"].values():
        for stats in entry.get("values", {}).values():
            stats.pop("marks", None)
            stats.pop("emphasis", None)
    lock.write_text(json.dumps(entries, indent=1))
    assert run_cli("check").exit_code == 0
    shutil.rmtree(paper / "runs" / "mlp_moons_seed0")
    assert run_cli("collect", "runs").exit_code == 0
    output = run_cli("check").output
    assert "  MLP (16 hidden) / Moons: 89.0 ± 5.6 → 86.0 ± 2.8, 1 run removed (mlp_moons_seed0)\n" in output


def test_check_names_the_runs_added_and_removed_a_few_then_counts(paper):
    """check said `1 run removed` without naming the run; a cell that gained many names a few."""
    run_cli("build")
    for seed in (0, 1):
        shutil.rmtree(paper / "runs" / f"mlp_moons_seed{seed}")
    assert run_cli("collect", "runs").exit_code == 0
    removed = "2 runs removed (mlp_moons_seed0, mlp_moons_seed1)"
    assert f"  MLP (16 hidden) / Moons: 89.0 ± 5.6° → 88.0*#°, {removed}\n" in run_cli("check").output
    seeds = ("3", "4", "5", "6")
    subprocess.run(
        [sys.executable, "train.py", "--seeds", *seeds, "--models", "mlp", "--datasets", "moons"],
        cwd=paper,
        check=True,
        capture_output=True,
    )
    added = "4 runs added (mlp_moons_seed3, mlp_moons_seed4, mlp_moons_seed5 and 1 more)"
    assert f", {added}, {removed}\n" in run_cli("check", "--collect").output
    document = json.loads(run_cli("check", "--json").output)
    table = next(o for o in document["outputs"] if o["path"].endswith("table1.tex"))
    change = next(c for c in table["changes"] if c["cell"] == "MLP (16 hidden) / Moons")
    assert change["added"] == [f"mlp_moons_seed{seed}" for seed in seeds]  # every one, for scripts
    assert (change["runs_added"], change["removed"]) == (4, ["mlp_moons_seed0", "mlp_moons_seed1"])


def test_check_json_envelope_is_a_stable_contract(paper):
    run_cli("build")
    change_final_value(paper, "logreg_circles_seed0", "train/loss", 3.0)
    document = json.loads(run_cli("check", "--collect", "--json").output)
    assert set(document) == {
        "format",
        "version",
        "ok",
        "strict",
        "outputs",
        "failed",
        "quotes",
        "findings",
        "uncollected",
        "error",
    }
    assert document["error"] is None and document["failed"] == []
    assert document["uncollected"] == {"new": [], "gone": [], "unmatched": []}  # --collect took them in
    assert (document["format"], document["version"], document["ok"]) == ("resultsbook.check", 1, False)
    states = {Path(o["path"]).name: o["state"] for o in document["outputs"]}
    assert states == {
        "table1.tex": "current",
        "table1.md": "current",
        "final_loss.tex": "stale",
        "final_loss.csv": "stale",
        "curve.pdf": "current",
        "bar.pgf": "current",
        "mlp_loss.png": "current",
        "numbers.tex": "stale",
        "RESULTS.md": "current",
    }
    change = next(o for o in document["outputs"] if o["path"].endswith("final_loss.tex"))["changes"][0]
    assert set(change) == {
        "cell",
        "old",
        "new",
        "runs_added",
        "runs_removed",
        "added",
        "removed",
        "recoded",
        "quoted_at",
    }
    assert change["cell"] == "Circles / Logistic regression"
    assert set(document["findings"][0]) == {"entry", "cell", "kind", "text"}


def test_strict_fails_on_findings(paper):
    assert (
        run_cli("build", "--strict").exit_code == 1
    )  # the best MLP on moons is not significant with 3 seeds
    assert run_cli("check").exit_code == 0
    strict = run_cli("check", "--strict")
    assert strict.exit_code == 1 and "Error: table1: MLP (16 hidden) / " in strict.output


def test_check_without_a_store_says_what_to_do(paper):
    result = run_cli("check")
    assert result.exit_code == 1
    assert (
        result.output.startswith("Error: no store at ") and "`resultsbook check --collect`" in result.output
    )


def test_the_committed_quickstart_outputs_are_current(tmp_path):
    """What the README's first command produces is what is committed: training is deterministic."""
    project = tmp_path / "quickstart"
    shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns("runs", "*.db*"))
    subprocess.run([sys.executable, "train.py"], cwd=project, check=True, capture_output=True)
    result = subprocess.run(
        [sys.executable, "-m", "resultsbook", "check", "--collect"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.endswith("OK: 9 current\n")


def test_a_figure_drawn_with_other_bytes_in_a_clone_elsewhere_is_current(paper, tmp_path, monkeypatch):
    """CI checks a clone at another path, where another fontTools or matplotlib may draw the same figure
    with other bytes (fontTools 4.69 subsets the fonts of a PDF otherwise than 4.68). A figure's lock
    digest held the absolute paths of its outputs, so in any other folder `check` compared bytes and
    said `paper/figures/curve.pdf: stale (results changed)`."""
    from resultsbook.render import plots

    assert run_cli("build").exit_code == 0
    clone = tmp_path / "elsewhere" / "clone"
    shutil.copytree(paper, clone, ignore=shutil.ignore_patterns("*.db*"))
    monkeypatch.chdir(clone)
    drawn = plots.figure_bytes
    monkeypatch.setattr(
        plots, "figure_bytes", lambda *args: drawn(*args) + b"\n% drawn by another renderer\n"
    )
    result = run_cli("check", "--collect")
    assert result.exit_code == 0 and result.output.endswith("OK: 9 current\n"), result.output
    (clone / "paper" / "figures" / "curve.pdf").write_bytes(b"%PDF edited")  # still told from an edit
    assert "paper/figures/curve.pdf: edited" in run_cli("check", "--collect").output


def test_check_names_the_numbers_of_the_text_that_changed(paper):
    run_cli("build")
    metrics = paper / "runs" / "mlp_circles_seed0" / "metrics.jsonl"
    lines = [json.loads(line) for line in metrics.read_text().splitlines()]
    for line in lines:
        if "test/acc" in line:
            line["test/acc"] = 1.0  # whichever step validation picks, this run now scores 100
    metrics.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = run_cli("check", "--collect")
    assert result.exit_code == 1
    assert "paper/results/numbers.tex: stale (results changed)" in result.output
    [change] = [line for line in result.output.splitlines() if line.startswith("  \\gainCircles: ")]
    old, new = change.removeprefix("  \\gainCircles: ").split(" → ")
    assert float(new) > float(old)


def test_check_names_the_table_cells_the_numbers_file_quotes_that_changed(paper):
    spec = paper / "resultsbook.toml"
    spec.write_text(
        "".join(line for line in spec.read_text().splitlines(True) if not line.startswith("paper ="))
    )
    run_cli("build")
    change_final_value(paper, "mlp_moons_seed1", "train/loss", 5.0)
    shutil.rmtree(paper / "runs" / "logreg_circles_seed2")
    result = run_cli("check", "--collect")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    start = lines.index("paper/results/numbers.tex: stale (results changed)")
    quoted = [line for line in lines[start + 1 :] if line.startswith("  \\rbvalue{")]
    assert [line.split(":")[0] for line in quoted] == [
        "  \\rbvalue{table1/logreg/circles}",
        "  \\rbvalue{final_loss/circles/logreg}",
        "  \\rbvalue{final_loss/moons/mlp}",
    ]
    assert quoted[1].endswith(" (n = 3) → " + quoted[1].split(" → ")[1]) and "(n = 2)" in quoted[1]
    assert "(n = " not in quoted[2] and quoted[2].endswith(" → 0.286 ± 0.080")


def test_check_prints_twenty_cell_changes_an_entry_and_json_lists_them_all(capsys):
    from resultsbook.cli.check_cmd import CHANGES_SHOWN, print_report
    from resultsbook.freshness.check import CellChange, CheckReport, OutputState

    changes = tuple(CellChange(f"cell {index}", "1.0", "2.0") for index in range(CHANGES_SHOWN + 5))
    report = CheckReport((OutputState("t.tex", "tables.t", "stale", changes, "results changed"),), ())
    print_report(report)
    shown = capsys.readouterr().out.splitlines()
    assert shown[1 : CHANGES_SHOWN + 1] == [f"  cell {index}: 1.0 → 2.0" for index in range(CHANGES_SHOWN)]
    assert shown[CHANGES_SHOWN + 1] == "  ... and 5 more cells: `resultsbook check --json` lists every one"
    assert len(report.document()["outputs"][0]["changes"]) == CHANGES_SHOWN + 5


def test_check_fails_on_a_number_the_paper_quotes_that_the_numbers_file_lacks(paper):
    run_cli("build")
    main = paper / "paper" / "main.tex"
    text = main.read_text()
    assert "\\rbvalue[pm]{table1/mlp/circles}" in text  # the quickstart's paper quotes it
    main.write_text(
        text.replace("\\rbvalue[pm]{table1/mlp/circles}", "\\rbvalue[pm]{table1/mlp/circels}").replace(
            "\\rbvalue[pm]{table1/logreg/circles}", "\\rbvalue[ci]{table1/logreg/circles}"
        )
        + "% \\rbvalue{table1/commented/out}\n"
        + "\\rbvalue[ci95]{table1/mlp/moons}\n"
    )
    result = run_cli("check")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert errors == [
        "Error: paper/main.tex:34: \\rbvalue[pm]{table1/mlp/circels} is no cell of paper/results/numbers.tex "
        "(LaTeX stops there); did you mean table1/mlp/circles?",
        "Error: paper/main.tex:34: \\rbvalue[ci]{table1/logreg/circles}: the cell has no statistic 'ci' in "
        "paper/results/numbers.tex; it has value, pm, mean, n, sem, std; did you mean 'ci95', once "
        "[tables.table1] stats lists it?",
        "Error: paper/main.tex:71: \\rbvalue[ci95]{table1/mlp/moons}: the cell has no statistic 'ci95' in "
        "paper/results/numbers.tex; it has value, pm, mean, n, sem, std (add 'ci95' to [tables.table1] stats "
        "to quote it)",
    ]
    assert result.output.splitlines()[-1] == "FAILED: 9 current, 3 quoted numbers to fix"
    document = json.loads(run_cli("check", "--json").output)
    assert (
        document["ok"] is False
        and [quote["place"] for quote in document["quotes"]][:2] == ["paper/main.tex:34"] * 2
    )
    macros = "\\newcommand{\\acc}[1]{\\rbvalue[pm]{table1/#1}}\n\\rbvalue[#2]{table1/\\method/circles}\n"
    main.write_text(text + macros)  # keys TeX only knows when it runs: not judged
    assert run_cli("check").exit_code == 0


def test_a_quoted_key_holding_a_percent_sign_is_named_not_passed(paper):
    """`\\rbvalue[pm]{table1/res_net&50%/svhn}` copied from a config's model name: the % starts a TeX
    comment, check read no quote there and said OK, and pdflatex stopped with `File ended while
    scanning use of \\rbvalue`, far from the line."""
    run_cli("build")
    main = paper / "paper" / "main.tex"
    main.write_text(main.read_text() + "As \\rbvalue[pm]{table1/mlp/cir%cles} shows. % \\rbvalue{table1/x}\n")
    result = run_cli("check")
    assert result.exit_code == 1
    assert (
        "Error: paper/main.tex:70: \\rbvalue[pm]{table1/mlp/cir%cles} is no cell of paper/results/numbers.tex "
        "(LaTeX stops there); its % starts a TeX comment, so the key never ends; did you mean "
        "table1/mlp/circles?"
    ) in result.output.splitlines(), result.output


def test_a_quoted_key_holding_a_hash_or_braces_is_named_with_the_key_latex_reads(tmp_path, make_run, cli):
    """`\\rbvalue{t/a#b}` and `\\rbvalue{t/{plain}}` passed check (a `#` was taken for a macro's
    parameter, braces in a key were never read as a quote) and pdflatex stopped with `Illegal parameter
    number` and `No value`; they are now named as `&` is, with the key the numbers file writes."""
    for method in ("a#b", "plain"):
        for seed in range(3):
            make_run(
                f"{method}{seed}", {"method": method, "seed": seed}, [{"step": 1, "acc": 0.5 + seed / 100}]
            )
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "main.tex").write_text(
        "A \\rbvalue{t/a#b}, B \\rbvalue{t/{plain}}.\n\\newcommand{\\acc}[1]{\\rbvalue{t/#1}}\n"
    )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\nrows = ["method"]\noutputs = []\n\n'
        '[macros]\noutput = "numbers.tex"\npaper = ["paper/main.tex"]\n'
    )
    cli("collect", "runs")
    cli("build")
    result = cli("check")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == [
        "Error: paper/main.tex:1: \\rbvalue{t/a#b} is no cell of numbers.tex (LaTeX stops there); "
        "did you mean t/a-b?",
        "Error: paper/main.tex:1: \\rbvalue{t/{plain}} is no cell of numbers.tex (LaTeX stops there); "
        "did you mean t/plain?",
    ], result.output


def test_a_quoted_key_of_a_renamed_table_is_named_with_the_table_it_became_not_a_look_alike(
    tmp_path, make_run, cli
):
    """[tables.final] renamed [tables.last]: `\\rbvalue[pm]{final/ours}` was answered `did you mean
    main/ours?`, another table's cell (max × 100), so following the hint quoted another number."""
    for method, base in (("ours", 0.7), ("base", 0.6)):
        for seed in range(3):
            steps = [{"step": step, "acc": base + seed / 100 + step / 1000} for step in range(1, 4)]
            make_run(f"{method}{seed}", {"method": method, "seed": seed}, steps)
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "main.tex").write_text("Ours reaches \\rbvalue[pm]{final/ours}.\n")
    spec = tmp_path / "resultsbook.toml"
    spec.write_text(
        '[[sources]]\npath = "runs"\n\n[tables.final]\nmetric = "acc"\nreduce = "last"\nrows = ["method"]\n'
        'outputs = ["paper/final.tex"]\n\n[tables.main]\nmetric = "acc"\nreduce = "max"\nscale = 100\n'
        'rows = ["method"]\noutputs = ["paper/main_table.tex"]\n\n'
        '[macros]\noutput = "paper/numbers.tex"\npaper = ["paper/main.tex"]\n'
    )
    cli("collect", "runs")
    assert cli("build").exit_code == 0 and cli("check").exit_code == 0
    renaming = spec.read_text()
    spec.write_text(renaming.replace("[tables.final]", "[tables.last]").replace("final.tex", "last.tex"))
    quote = "Error: paper/main.tex:1: \\rbvalue[pm]{final/ours} is no cell of paper/numbers.tex (LaTeX stops there); "
    renamed = f"{quote}final is no table of the spec now (renamed or removed); did you mean last/ours?"
    assert (
        renamed in cli("check").output.splitlines()
    )  # the built numbers file's final/ours reads as last/ours
    cli("build")
    assert (  # nothing tells which table final became: both are named, neither as the one meant
        f"{quote}final is no table of the spec now (renamed or removed); quote the row and column under the "
        "table it became, if it is one of these (check that it holds the statistic meant): last/ours or main/ours"
    ) in cli("check").output.splitlines()
    spec.write_text(renaming.replace("[tables.final]", "[tables.last]"))
    cli("build")
    assert renamed in cli("check").output.splitlines()  # last writes final.tex, as final did
    # a table removed, one look-alike left: not named as the one meant (it holds max × 100, not last)
    spec.write_text(
        renaming.replace(
            '[tables.final]\nmetric = "acc"\nreduce = "last"\nrows = ["method"]\n'
            'outputs = ["paper/final.tex"]\n\n',
            "",
        )
    )
    cli("build")
    assert (
        f"{quote}final is no table of the spec now (renamed or removed); quote the row and column under the "
        "table it became, if it is one of these (check that it holds the statistic meant): main/ours"
    ) in cli("check").output.splitlines()
    # a typo of a table that is there is a typo, not a rename
    (tmp_path / "paper" / "main.tex").write_text("Ours reaches \\rbvalue[pm]{mian/ours}.\n")
    typo = "Error: paper/main.tex:1: \\rbvalue[pm]{mian/ours} is no cell of paper/numbers.tex (LaTeX stops there); "
    assert f"{typo}did you mean main/ours?" in cli("check").output.splitlines()


def test_a_quoted_key_holding_a_hash_and_a_digit_is_named_unless_a_definition_holds_it(
    tmp_path, make_run, cli
):
    """`\\rbvalue{t/a\\#1}` and `\\rbvalue{t/a#1}` (method `a#1`) passed check as a macro's parameter
    and pdflatex stopped with `Missing \\endcsname` and `Illegal parameter number`; they are named with
    the key the numbers file writes, which pdflatex finds; `#1` inside a definition is still left to TeX."""
    for seed in range(3):
        make_run(f"a{seed}", {"method": "a#1", "seed": seed}, [{"step": 1, "acc": 0.5 + seed / 100}])
    (tmp_path / "paper").mkdir()
    main = tmp_path / "paper" / "main.tex"
    definition = "\\newcommand{\\acc}[1]{%\n  \\rbvalue{t/#1}}\n\\def\\pmacc#1{\\rbvalue[pm]{t/#1}}\n"
    main.write_text(f"A \\rbvalue{{t/a\\#1}} B \\rbvalue{{t/a#1}}.\n{definition}")
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\nrows = ["method"]\noutputs = []\n\n'
        '[macros]\noutput = "numbers.tex"\npaper = ["paper/main.tex"]\n'
    )
    cli("collect", "runs")
    cli("build")
    result = cli("check")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == [
        "Error: paper/main.tex:1: \\rbvalue{t/a\\#1} is no cell of numbers.tex (LaTeX stops there); "
        "did you mean t/a-1?",
        "Error: paper/main.tex:1: \\rbvalue{t/a#1} is no cell of numbers.tex (LaTeX stops there); "
        "did you mean t/a-1?",
    ], result.output
    main.write_text(f"{definition}A \\rbvalue{{t/a-1}} B \\acc{{a-1}} C \\pmacc{{a-1}}.\n")
    assert cli("check").exit_code == 0
    pdf = compile_latex(tmp_path, "\\input{numbers.tex}\\input{paper/main.tex}")
    if shutil.which("pdftotext") is not None:
        text = subprocess.run(["pdftotext", pdf.name, "-"], cwd=tmp_path, capture_output=True, text=True)
        assert "A 0.51 B 0.51 C 0.51 ± 0.01." in text.stdout


def test_check_reads_a_quote_as_latex_does_its_statistic_lowercased_and_its_key_on_the_next_line(paper):
    """`\\rbvalue[PM]{…}` compiles (the numbers file lowercases the statistic) and check failed on it;
    `\\rbvalue` with its key on the next line, and `[ n]` (TeX keeps the space), stop pdflatex and check
    said OK."""
    run_cli("build")
    main = paper / "paper" / "main.tex"
    lines = main.read_text().splitlines()
    end = len(lines)
    quotes = ["As \\rbvalue[PM]{table1/mlp/circles} shows,", "and \\rbvalue", "{table1/mlp/circels} too,"]
    quotes += [
        "and \\rbvalue[ n]{table1/mlp/circles},",
        "\\rbvalue[pm]",
        "% a comment TeX skips",
        "{table1/x}",
    ]
    quotes += ["and \\rbvalue[pm]{", "table1/mlp/circles}: the line end is a space in the key."]
    quotes += ["and \\rbvalue[pm]{table1/mlp/%", "circles}: a comment ate that line end."]
    main.write_text("\n".join([*lines, *quotes, ""]))
    result = run_cli("check")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == [
        f"Error: paper/main.tex:{end + 2}: \\rbvalue{{table1/mlp/circels}} is no cell of paper/results/numbers.tex "
        "(LaTeX stops there); did you mean table1/mlp/circles?",
        f"Error: paper/main.tex:{end + 4}: \\rbvalue[ n]{{table1/mlp/circles}}: the cell has no statistic ' n' in "
        "paper/results/numbers.tex; it has value, pm, mean, n, sem, std",
        f"Error: paper/main.tex:{end + 5}: \\rbvalue[pm]{{table1/x}} is no cell of paper/results/numbers.tex "
        "(LaTeX stops there); keys are TABLE/ROW.../COLUMN...",
        f"Error: paper/main.tex:{end + 8}: \\rbvalue[pm]{{ table1/mlp/circles}} is no cell of "
        "paper/results/numbers.tex (LaTeX stops there); did you mean table1/mlp/circles?",
    ], result.output


def test_check_reads_the_quotes_of_a_file_the_paper_inputs_or_includes(paper):
    """`[macros] paper` named main.tex, which `\\input`s a section holding `\\rbvalue{table1/mlp/circels}`:
    check read main.tex alone and said OK, and LaTeX stopped in the section."""
    run_cli("build")
    main = paper / "paper" / "main.tex"
    main.write_text(main.read_text().replace("\\end{document}", "\\input{sections/one}\n\\end{document}"))
    (paper / "paper" / "sections").mkdir()
    (paper / "paper" / "sections" / "one.tex").write_text(
        "As \\rbvalue{table1/mlp/circels}.\n\\include{two}\n"
    )
    (paper / "paper" / "two.tex").write_text("% \\input{one}\nAnd \\rbvalue[pm]{table1/x}.\n")
    result = run_cli("check")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == [
        "Error: paper/sections/one.tex:1: \\rbvalue{table1/mlp/circels} is no cell of paper/results/numbers.tex "
        "(LaTeX stops there); did you mean table1/mlp/circles?",
        "Error: paper/two.tex:2: \\rbvalue[pm]{table1/x} is no cell of paper/results/numbers.tex "
        "(LaTeX stops there); keys are TABLE/ROW.../COLUMN...",
    ], result.output


def test_check_fails_while_the_paper_inputs_a_file_no_entry_writes_any_more(paper):
    """table1's outputs renamed in the spec (results/main_table.tex): the paper still input
    results/table1.tex, which nothing rebuilt, and check said OK while the paper showed old numbers;
    build said only `wrote paper/results/main_table.tex`, and check named no file to input instead."""
    run_cli("build")
    spec = paper / "resultsbook.toml"
    spec.write_text(spec.read_text().replace('"paper/results/table1.tex"', '"paper/results/main_table.tex"'))
    built = run_cli("build")
    assert built.exit_code == 0
    orphan = (
        "paper/main.tex:42: \\input{results/table1.tex} reads paper/results/table1.tex, which resultsbook "
        "wrote but no entry of the spec writes now: the paper shows what an earlier build wrote; [tables.table1] "
        "now writes paper/results/main_table.tex: input it as \\input{results/main_table.tex}, or delete the file"
    )
    assert f"Warning: macros: {orphan}" in built.output.splitlines(), built.output
    assert run_cli("build", "--strict").exit_code == 1
    assert "\\input{results/table1.tex}" in (paper / "paper" / "main.tex").read_text()
    appendix = paper / "paper" / "results" / "app.tex"  # another spec's output (an appendix's spec)
    appendix.write_text("% Generated by resultsbook from [tables.app] in resultsbook.toml. Do not edit.\n")
    main = paper / "paper" / "main.tex"
    main.write_text(main.read_text() + "\\input{results/app.tex}\n")
    result = run_cli("check")
    assert result.exit_code == 1
    assert f"Error: {orphan}" in result.output.splitlines(), result.output
    assert result.output.splitlines()[-1] == "FAILED: 9 current, 1 input of a file no entry writes"
    (paper / "paper" / "results" / "table1.tex").unlink()  # deleted: now the input names no file at all
    assert (
        "Error: paper/main.tex:42: \\input{results/table1.tex} reads paper/results/table1.tex, which is not "
        "there and no entry of the spec writes (LaTeX stops there: File not found); did you mean "
        "\\input{results/main_table.tex} (paper/results/main_table.tex)?"
    ) in run_cli("check").output.splitlines()
    main.write_text(
        main.read_text().replace("\\input{results/table1.tex}", "\\input{results/main_table.tex}")
    )
    assert run_cli("check").exit_code == 0


def test_check_and_build_name_an_input_of_a_missing_file_where_resultsbook_writes_outputs(paper):
    """`\\input{results/wide.tex}`, a file no entry writes, in the outputs' folder: check said OK and
    pdflatex stopped with `File results/wide.tex not found`; a file missing elsewhere is the paper's own."""
    main = paper / "paper" / "main.tex"
    text = main.read_text()
    main.write_text(text + "\\input{results/mnist.tex}\\input{results/tabel1}\\input{own/notes.tex}\n")
    lines = len(text.splitlines()) + 1
    said = [
        f"paper/main.tex:{lines}: \\input{{results/mnist.tex}} reads paper/results/mnist.tex, which is not there "
        "and no entry of the spec writes (LaTeX stops there: File not found); input a file an entry of the "
        "spec writes",  # never numbers.tex, which only its suffix makes alike
        f"paper/main.tex:{lines}: \\input{{results/tabel1}} reads paper/results/tabel1.tex, which is not there "
        "and no entry of the spec writes (LaTeX stops there: File not found); did you mean "
        "\\input{results/table1} (paper/results/table1.tex)?",
    ]
    built = run_cli("build")
    assert [line for line in built.output.splitlines() if "not there" in line] == [
        f"Warning: macros: {line}" for line in said
    ], built.output
    result = run_cli("check")
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line.startswith("Error: ")] == [
        f"Error: {line}" for line in said
    ], result.output
    assert result.output.splitlines()[-1] == "FAILED: 9 current, 2 inputs of files no entry writes"
    main.write_text(text + "\\input{own/notes.tex}\n")  # not a folder resultsbook writes to: not judged
    assert run_cli("check").exit_code == 0
    # what pdflatex reads without stopping: a macro's parameter, a guarded input, an \include (it only
    # logs `No file`) were each said to stop LaTeX
    main.write_text(
        text.replace(
            "\\begin{document}",
            "\\newcommand{\\restable}[1]{\\input{results/#1}}\n"
            "\\IfFileExists{results/extra.tex}{\\input{results/extra}}{}\n\\begin{document}",
        )
        + "\\include{results/appendix}\n"
    )
    assert run_cli("check").output.splitlines()[-1] == "OK: 9 current"


@pytest.mark.parametrize("edit", ["rename the entry", "remove the entry"])
def test_check_fails_while_the_paper_inputs_the_file_of_a_renamed_or_removed_entry(paper, edit):
    """[tables.final_loss] renamed [tables.train_loss] (its output with it), or removed: the paper still
    input results/final_loss.tex, which nothing rebuilt, and check said OK while it showed old numbers."""
    run_cli("build")
    spec = paper / "resultsbook.toml"
    text = spec.read_text()
    if edit == "rename the entry":
        text = text.replace("[tables.final_loss]", "[tables.train_loss]").replace(
            '"paper/results/final_loss.tex"', '"paper/results/train_loss.tex"'
        )
    else:
        start = text.index("[tables.final_loss]")
        text = text[:start] + text[text.index("\n[", start + 1) + 1 :]
    spec.write_text(text)
    assert run_cli("build").exit_code == 0
    result = run_cli("check")
    assert result.exit_code == 1
    assert (
        "Error: paper/main.tex:48: \\input{results/final_loss.tex} reads paper/results/final_loss.tex, which "
        "resultsbook wrote but no entry of the spec writes now: the paper shows what an earlier build wrote; "
        "input the entry's output now, or delete the file"
    ) in result.output.splitlines(), result.output
    assert run_cli("build").exit_code == 0  # a later build still knows the file was the spec's
    assert run_cli("check").exit_code == 1
    own = paper / "paper" / "results" / "final_loss.tex"
    own.write_text("% my own table, typed by hand\n\\begin{tabular}{l}a\\end{tabular}\n")
    assert run_cli("check").exit_code == 0  # rewritten since: the paper's own file now
    assert run_cli("build").exit_code == 0 and run_cli("check").exit_code == 0
    own.unlink()
    main = paper / "paper" / "main.tex"
    main.write_text(main.read_text().replace("\\input{results/final_loss.tex}", ""))
    assert run_cli("build").exit_code == 0
    assert run_cli("check").exit_code == 0
    assert "final_loss.tex" not in (paper / "paper" / "resultsbook.lock").read_text()


def test_check_lists_only_the_changed_cells_the_paper_quotes_and_where(paper):
    run_cli("build")
    shutil.rmtree(paper / "runs" / "mlp_circles_seed2")
    change_final_value(paper, "mlp_moons_seed1", "train/loss", 5.0)
    lines = run_cli("check", "--collect").output.splitlines()
    start = lines.index("paper/results/numbers.tex: stale (results changed)")
    quoted = [line for line in lines[start + 1 :] if line.startswith("  \\rbvalue{")]
    assert len(quoted) == 1
    assert quoted[0].startswith("  \\rbvalue{table1/mlp/circles} (paper/main.tex:34): ")
    assert quoted[0].endswith("(n = 2)")
    document = json.loads(run_cli("check", "--json").output)
    numbers = next(o for o in document["outputs"] if o["path"].endswith("numbers.tex"))
    changed = [c for c in numbers["changes"] if c["cell"].startswith("\\rbvalue")]
    assert [(c["cell"], c["quoted_at"]) for c in changed] == [
        ("\\rbvalue{table1/mlp/circles}", ["paper/main.tex:34"])
    ]


def test_a_stale_numbers_file_whose_changes_the_paper_quotes_nowhere_says_so(paper):
    """Only a number the text does not quote moved (final_loss/circles/logreg): the line said
    'stale (results changed)' and named nothing, as if the paper's text had moved."""
    run_cli("build")
    change_final_value(paper, "logreg_circles_seed0", "train/loss", 0.1)
    lines = run_cli("check", "--collect").output.splitlines()
    assert "paper/results/numbers.tex: stale (results changed; no value the paper quotes changed)" in lines


def test_a_paper_pattern_matching_no_file_is_named_with_the_file_it_may_mean(paper):
    spec = paper / "resultsbook.toml"
    spec.write_text(spec.read_text().replace('paper = ["paper/main.tex"]', 'paper = ["paper/mian.tex"]'))
    run_cli("build")
    result = run_cli("check")
    assert result.exit_code == 1
    assert (
        "Error: paper/mian.tex: [macros] paper matches no file; did you mean paper/main.tex?\n"
        in result.output
    )
    spec.write_text(spec.read_text().replace('paper = ["paper/mian.tex"]', 'paper = "paper"'))
    assert run_cli("check").exit_code == 0  # a folder: the .tex files below it
    os.mkfifo(paper / "paper" / "pipe.tex")  # never read: no hang
    spec.write_text(spec.read_text().replace('paper = "paper"', 'paper = "paper/pipe.tex"'))
    piped = run_cli("check")
    assert piped.exit_code == 1
    assert "paper/pipe.tex: [macros] paper names something that is not a regular file" in piped.output
    spec.write_text(spec.read_text().replace('paper = "paper/pipe.tex"', 'paper = "paper"'))
    assert run_cli("check").exit_code == 0  # the folder's FIFO is passed over
    many = paper / "home"  # a home folder, `/`: not a paper, refused rather than read file by file
    for index in range(2001):
        (many / f"{index // 100}").mkdir(parents=True, exist_ok=True)
        (many / f"{index // 100}" / f"{index}.tex").write_text("")
    spec.write_text(spec.read_text().replace('paper = "paper"', 'paper = "home"'))
    wide = run_cli("check")
    assert wide.exit_code == 1
    assert "[macros] paper matches more than 2,000 files; name the paper's" in wide.output
    spec.write_text(spec.read_text().replace('paper = "home"', "paper = 3"))
    wrong = run_cli("check")
    assert wrong.exit_code == 2
    assert '[macros] paper must list the .tex files, e.g. ["paper/**/*.tex"]' in wrong.output


def test_build_warns_of_a_quote_latex_would_stop_on_and_strict_fails(paper):
    main = paper / "paper" / "main.tex"
    main.write_text(
        main.read_text().replace("\\rbvalue[pm]{table1/mlp/circles}", "\\rbvalue{table1/mlp/circels}")
    )
    built = run_cli("build")
    assert built.exit_code == 0
    assert (
        "Warning: macros: paper/main.tex:34: \\rbvalue{table1/mlp/circels} is no cell of "
        "paper/results/numbers.tex (LaTeX stops there); did you mean table1/mlp/circles?\n"
    ) in built.output
    assert run_cli("build", "--strict").exit_code == 1


def test_plain_check_fails_while_a_run_the_logs_hold_is_not_in_the_store(paper):
    """A run finished (or deleted) after the last collect: plain check said `OK`, the store being
    current with itself, while the table lacked the run. A run changed in place is not looked for:
    its file times differ in every clone, and only a read tells its content."""
    run_cli("build")
    assert run_cli("check").exit_code == 0
    shutil.copytree(paper / "runs" / "mlp_moons_seed0", paper / "runs" / "mlp_moons_seed3")
    config = paper / "runs" / "mlp_moons_seed3" / "config.json"
    config.write_text(config.read_text().replace('"seed": 0', '"seed": 3'))
    shutil.rmtree(paper / "runs" / "logreg_circles_seed2")
    failed = run_cli("check")
    assert failed.exit_code == 1
    assert failed.stderr.splitlines()[-1] == (
        "Error: 1 run source(s) under the spec's [[sources]] are not in the store (e.g. runs/mlp_moons_seed3): "
        "the outputs do not show them yet; 1 stored run source(s) are gone from the spec's [[sources]] (e.g. "
        "runs/logreg_circles_seed2): the outputs still count them; `resultsbook check --collect` collects "
        "first, `resultsbook build` rebuilds with what the logs hold"
    )
    assert failed.stdout.splitlines()[-1].endswith("2 run sources not collected")
    document = json.loads(run_cli("check", "--json").stdout)
    assert document["uncollected"] == {
        "new": ["runs/mlp_moons_seed3"],
        "gone": ["runs/logreg_circles_seed2"],
        "unmatched": [],
    }
    assert run_cli("check", "--collect").exit_code == 1  # now the tables are stale, cell by cell
    assert run_cli("build").exit_code == 0 and run_cli("check").exit_code == 0


def test_check_fails_while_a_source_of_the_spec_finds_no_run_it_collected_before(paper):
    """A typo put in a source's pattern after a collect: build said a Note and exited 0, check said OK,
    and the tables kept the runs the old pattern had found while new runs were never read."""
    run_cli("build")
    spec = paper / "resultsbook.toml"
    spec.write_text(
        spec.read_text().replace('path = "runs"\n', 'path = "runs"\npattern = "{name}/metrcs.jsonl"\n', 1)
    )
    failed = run_cli("check")
    assert failed.exit_code == 1
    assert "found no runs; no path there matches pattern = '{name}/metrcs.jsonl'" in failed.stderr
    assert (
        "(did you mean pattern = '{name}/metrics.jsonl'?); the store's runs from there are those an earlier "
        "collect found\n" in failed.stderr
    )
    assert failed.stdout.splitlines()[-1] == "FAILED: 9 current, 1 source that finds no run"
    spec.write_text(spec.read_text().replace("metrcs", "metrics"))
    assert run_cli("check").exit_code == 0
    spec.write_text(spec.read_text().replace('path = "runs"\n', 'path = "runz"\n', 1))  # a path mistyped
    failed = run_cli("check")
    assert failed.exit_code == 1
    assert (
        "Error: [[sources]] path runz does not exist, so the outputs show the runs an earlier collect found "
        "under runs; did you mean that folder?\n"
    ) in failed.stderr, failed.stderr
    shutil.rmtree(paper / "runs")  # the store committed, not the logs (a CI clone): nothing mistyped
    spec.write_text(spec.read_text().replace('path = "runz"\n', 'path = "runs"\n', 1))
    assert run_cli("check").exit_code == 0


def test_a_paper_pattern_matching_no_file_is_never_answered_with_a_file_resultsbook_writes(paper):
    """A pattern naming no file was answered with the closest .tex file, a table resultsbook writes
    ('did you mean paper/results/table1.tex?', as d3rlpy's paper/results/main.tex), which is no part
    of the paper's text; the paper's own file is meant."""
    spec = paper / "resultsbook.toml"
    spec.write_text(spec.read_text().replace('paper = ["paper/main.tex"]', 'paper = ["paper/table1.tex"]'))
    run_cli("build")
    result = run_cli("check")
    assert "Error: paper/table1.tex: [macros] paper matches no file; did you mean paper/main.tex?\n" in (
        result.output
    )


def test_check_says_a_gone_run_source_is_still_counted_not_yet_to_be_shown(paper):
    """A stranger moved an SB3 run folder away (github.com/eliamounier/Deep_RL): check said the sources
    were 'gone from them' (from what?) and that 'the outputs do not show them yet', which they did."""
    run_cli("build")
    shutil.rmtree(paper / "runs" / "logreg_circles_seed2")
    failed = run_cli("check")
    assert failed.exit_code == 1
    assert failed.stderr.splitlines()[-1] == (
        "Error: 1 stored run source(s) are gone from the spec's [[sources]] (e.g. runs/logreg_circles_seed2): "
        "the outputs still count them; `resultsbook check --collect` collects first, `resultsbook build` "
        "rebuilds with what the logs hold"
    )


def test_an_edit_late_in_a_long_line_shows_that_part_of_the_line(paper):
    """A stranger's hand edit of the last cell of a 150-character row (nathimel/rdsg@82682cf's table,
    nine columns): check cut both lines at 60 characters, before the edit, and they read the same."""
    run_cli("build")
    table = paper / "paper" / "results" / "table1.tex"
    lines = table.read_text().splitlines(keepends=True)
    number, line = next((i, line) for i, line in enumerate(lines) if len(line.strip()) > 70)
    edited = line.rstrip()[:-8] + "Z" + line.rstrip()[-7:] + "\n"
    table.write_text("".join([*lines[:number], edited, *lines[number + 1 :]]))
    have, want = cut_where_they_differ(edited.strip(), line.strip(), 60)
    assert have != want and "Z" in have
    assert edited_detail() == f"edited (line {number + 1} is {have!r}, build writes {want!r})"


def test_a_named_value_quoted_as_a_cell_is_answered_with_its_command(paper):
    """`\\rbvalue{gain}` for `gain = { difference = [...] }` of [macros.values] (tried on the PyMARL runs of
    Yang-Xiaoqi/paperDataResult@b05acb1) was answered 'keys are TABLE/ROW.../COLUMN...', not `\\gain`."""
    run_cli("build")
    main = paper / "paper" / "main.tex"
    main.write_text(main.read_text() + "\\rbvalue{gain_circles}\n\\rbvalue{no_such_value}\n")
    result = run_cli("check")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert errors[0].endswith(
        "\\rbvalue{gain_circles} is no cell of paper/results/numbers.tex (LaTeX stops there); "
        "gain_circles is a value of [macros.values]: write \\gainCircles, not \\rbvalue{gain_circles}"
    ), errors
    assert errors[1].endswith(
        "\\rbvalue{no_such_value} is no cell of paper/results/numbers.tex "
        "(LaTeX stops there); keys are TABLE/ROW.../COLUMN..."
    ), errors


def test_a_changed_cell_quoted_twice_on_one_line_names_the_line_once(tmp_path):
    """`\\rbvalue[pm]{cv/resnet50v2/eval/r2_score} ($n=\\rbvalue[n]{cv/resnet50v2/eval/r2_score}$)` on line
    10 of a DVCLive tree's paper: check named the change `(paper/main.tex:10, paper/main.tex:10)`."""
    from resultsbook.freshness.check import quoted_cell_changes
    from resultsbook.outputs.quotes import Quote

    def numbers(mean: str) -> bytes:
        return (
            f"\\@namedef{{rb@v@value@cv/r/r2}}{{{mean}}}\n\\@namedef{{rb@v@pm@cv/r/r2}}{{{mean} $\\pm$ 18}}\n"
            "\\@namedef{rb@v@n@cv/r/r2}{5}\n"
        ).encode()

    built = tmp_path / "numbers.tex"
    built.write_bytes(numbers("-77"))
    paper = str(tmp_path / "main.tex")
    quotes = [Quote(paper, 10, "cv/r/r2", "pm"), Quote(paper, 10, "cv/r/r2", "n")]
    [change] = quoted_cell_changes(str(built), numbers("-68"), quotes)
    assert len(change.quoted_at) == 1 and change.quoted_at[0].endswith("main.tex:10")


def test_runs_added_or_removed_that_share_a_name_are_named_by_their_source(store, tmp_path):
    """7vik/nn-modularity's W&B runs share one display name per method: check said `1 run removed
    (modular_neuron masking-…)`, the name of the cell itself, not which of its runs went."""
    from conftest import write_native_run

    from resultsbook.freshness.check import run_names
    from resultsbook.sources.collect import CollectRequest, collect

    for run, name in (("a", "probe"), ("b", "probe"), ("c", "alone")):
        write_native_run(tmp_path / "runs" / run, {"m": 1}, [{"step": 0, "acc": 0.5}], run={"name": name})
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    ids = {run.source.rsplit("/", 1)[-1]: run.run_id for run in store.runs()}
    assert run_names(store, ids.values()) == {ids["a"]: "runs/a", ids["b"]: "runs/b", ids["c"]: "alone"}


def test_check_says_where_a_cell_left_or_took_the_bold():
    """Bold moving between cells of the same numbers is said on each: the reader's claim changed."""
    from resultsbook.freshness.check import diff_values

    before = {"A": {"value": "90.1", "marks": "", "emphasis": "best", "n": 5, "runs": ["a"]}}
    after = {"A": {"value": "90.1", "marks": "°", "n": 5, "runs": ["a"]}}
    (change,) = diff_values(before, after)
    assert change.describe() == "A: 90.1 (in bold) → 90.1° (not in bold)"
    assert change.looks_only  # a bar figure of the table, which shows no bold, lists no such cell
    (moved,) = diff_values(before, {"A": {**after["A"], "value": "90.3"}})
    assert not moved.looks_only
    (change,) = diff_values(after, before)
    assert change.describe() == "A: 90.1° (not in bold) → 90.1 (in bold)"
    assert diff_values(before, before) == ()


def test_a_quoted_half_width_of_a_lopsided_interval_is_refused_with_the_quotes_that_state_it(paper):
    """`\\rbvalue[bootstrap]` of a median's percentile interval [−10.6, −1.6] gave 4.5, and the text
    printed `−7.8 ± 4.5`, an interval the data do not have."""
    spec = paper / "resultsbook.toml"
    spec.write_text(
        spec.read_text().replace("[tables.table1]\n", '[tables.table1]\nstats = ["bootstrap"]\n', 1)
    )
    run_cli("build")
    main = paper / "paper" / "main.tex"
    main.write_text(main.read_text() + "$\\pm$\\rbvalue[bootstrap]{table1/mlp/moons}\n")
    result = run_cli("check")
    numbers = (paper / "paper" / "results" / "numbers.tex").read_text()
    value, low, high, half = (
        re.search(rf"rb@v@{stat}@table1/mlp/moons}}{{([^}}]*)}}", numbers)[1]
        for stat in ("value", "bootstrap_lo", "bootstrap_hi", "bootstrap")
    )
    assert abs((float(high) - float(value)) - (float(value) - float(low))) > 0.2  # lopsided, 3 seeds
    assert result.exit_code == 1
    assert (
        f"Error: paper/main.tex:70: \\rbvalue[bootstrap]{{table1/mlp/moons}}: {half} is the half-width of "
        f"[{low}, {high}], which is not symmetric about {value}: `{value} ± {half}` in the text misstates it; "
        "quote [pm] or [bootstrap_lo] and [bootstrap_hi]"
    ) in result.output.splitlines(), result.output
    main.write_text(main.read_text().replace("$\\pm$\\rbvalue[bootstrap]", "half-width \\rbvalue[bootstrap]"))
    assert run_cli("check").exit_code == 0  # a half-width said as one states no interval


def test_watch_tells_a_quote_that_misstates_its_cell_from_one_latex_stops_on(paper, capsys):
    """pdflatex compiles `$\\pm$\\rbvalue[bootstrap]` of a lopsided interval, yet a paper-only round of
    `watch` said `1 quote problem LaTeX would stop on`."""
    from resultsbook.cli.watch_cmd import show_paper_check
    from resultsbook.freshness.paper import check_quotes
    from resultsbook.spec import load_spec

    spec = paper / "resultsbook.toml"
    spec.write_text(
        spec.read_text().replace("[tables.table1]\n", '[tables.table1]\nstats = ["bootstrap"]\n', 1)
    )
    run_cli("build")
    main = paper / "paper" / "main.tex"
    kept = main.read_text()
    main.write_text(kept + "$\\pm$\\rbvalue[bootstrap]{table1/mlp/moons}\n")
    show_paper_check("12:00:00", check_quotes(load_spec(str(spec)), [str(main)]), 0.0)
    main.write_text(kept + "$\\pm$\\rbvalue[bootstrap]{table1/mlp/moons} \\rbvalue{table1/mlp/moon}\n")
    show_paper_check("12:00:01", check_quotes(load_spec(str(spec)), [str(main)]), 0.0)
    said = [line for line in capsys.readouterr().out.splitlines() if "] paper:" in line]
    assert said == [
        "[12:00:00] paper: paper/main.tex -> 1 quote problem, none that LaTeX would stop on (0.00 s)",
        "[12:00:01] paper: paper/main.tex -> 2 quote problems, 1 of them LaTeX would stop on (0.00 s)",
    ]


def test_a_quoted_interquartile_range_after_plus_minus_and_an_escaped_key_are_named(paper):
    """`$\\pm$\\rbvalue[iqr]` printed `3.00 ± 2.00`, [1, 5] where the quartiles are [2, 4], and check
    passed it; `\\rbvalue{table1/mlp10\\%/circles}` passed too, then LaTeX stopped at `\\endcsname`."""
    spec = paper / "resultsbook.toml"
    spec.write_text(spec.read_text().replace("[tables.table1]\n", '[tables.table1]\nstats = ["iqr"]\n', 1))
    run_cli("build")
    main = paper / "paper" / "main.tex"
    main.write_text(
        main.read_text() + "IQR $\\pm$ \\rbvalue[iqr]{table1/mlp/moons}\n\\rbvalue{table1/mlp\\%/moons}\n"
    )
    lines = run_cli("check").output.splitlines()
    iqr = next(line for line in lines if "[iqr]" in line)
    assert "is the interquartile range, the whole width of [" in iqr and "twice as wide; quote [pm] or" in iqr
    assert (
        "Error: paper/main.tex:71: \\rbvalue{table1/mlp\\%/moons} is no cell of paper/results/numbers.tex (LaTeX "
        "stops there); did you mean table1/mlp/moons?"
    ) in lines, lines


def test_a_fifo_in_place_of_a_retired_output_is_never_opened(tmp_path):
    """A build reads each retired output's bytes to tell it is still what it wrote: a FIFO put there
    would have blocked the build for good."""
    import signal

    from resultsbook.outputs.lock import LockEntry, bytes_digest, retired_outputs

    (tmp_path / "kept.tex").write_text("% Generated by resultsbook\n")
    os.mkfifo(tmp_path / "old.tex")
    before = {"tables.old": {"old.tex": "0" * 64, "kept.tex": bytes_digest(b"% Generated by resultsbook\n")}}

    def blocked(*_):
        raise TimeoutError("the FIFO was opened")

    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(10)  # a read of the FIFO would block until this ends the test
    try:
        assert retired_outputs(before, {"tables.new": LockEntry("")}, str(tmp_path)) == {
            "kept.tex": bytes_digest(b"% Generated by resultsbook\n")
        }
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_named_value_renamed_in_the_spec_while_the_paper_uses_its_command_is_named(tmp_path, make_run, cli):
    """`gain` renamed `gain_b` in [macros.values]: build and check passed, and LaTeX stopped on the
    paper's `\\gain` (Undefined control sequence)."""
    for method, base in (("a", 0.6), ("b", 0.7)):
        for seed in range(3):
            make_run(
                f"{method}{seed}", {"method": method, "seed": seed}, [{"step": 1, "acc": base + seed / 100}]
            )
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "main.tex").write_text("B beats A by \\gain{}. % not \\gainOld\n")
    spec = (
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\nrows = ["method"]\noutputs = []\n\n'
        '[macros]\noutput = "numbers.tex"\npaper = ["paper/main.tex"]\n[macros.values]\n'
        'gain = { difference = ["t/b", "t/a"] }\n'
    )
    (tmp_path / "resultsbook.toml").write_text(spec)
    assert cli("build").exit_code == 0 and cli("check").exit_code == 0
    (tmp_path / "resultsbook.toml").write_text(spec.replace("gain =", "gain_b ="))
    said = (
        "paper/main.tex:1: \\gain is no longer defined by numbers.tex (renamed or removed in [macros.values]; "
        "LaTeX stops there); did you mean \\gainB?"
    )
    checked = cli("check")
    assert checked.exit_code == 1 and f"Error: {said}" in checked.output.splitlines(), checked.output
    built = cli("build")
    assert f"Warning: macros: {said}" in built.output.splitlines(), built.output
    # the build that dropped it wrote the new numbers file: the lock remembers \gain, and check says it
    checked = cli("check")
    assert checked.exit_code == 1 and f"Error: {said}" in checked.output.splitlines(), checked.output
    (tmp_path / "paper" / "main.tex").write_text("B beats A by \\gainB{}.\n")
    assert cli("check").exit_code == 0
    # a command the paper defines itself is its own: no stop, whatever a numbers file once defined
    (tmp_path / "paper" / "main.tex").write_text("\\newcommand{\\gain}{0.1}\nB beats A by \\gain{}.\n")
    assert cli("check").exit_code == 0
    (tmp_path / "paper" / "main.tex").write_text("B beats A by \\gainB{}.\n")
    cli("build")  # the paper quotes it no more: the lock forgets it
    assert "retired" not in json.loads((tmp_path / "resultsbook.lock").read_text())["entries"]


def test_files_a_build_wrote_while_check_computed_are_not_taken_for_an_edit(paper, monkeypatch):
    """A watch rebuilt (newer results) while check computed: check judged the watch's files against the
    lock it read before and said `final_loss.tex: edited (line 12 is …)` of files only the watch wrote."""
    from resultsbook.freshness import check as checking

    assert run_cli("build").exit_code == 0
    change_final_value(paper, "mlp_moons_seed1", "train/loss", 5.0)
    assert run_cli("collect", "runs").exit_code == 0
    computing = checking.compute_outputs

    def compute_then_a_watch_builds(*args, **kwargs):
        computed = computing(*args, **kwargs)
        change_final_value(paper, "mlp_moons_seed1", "train/loss", 6.0)
        assert run_cli("collect", "runs").exit_code == 0
        assert run_cli("build").exit_code == 0
        return computed

    monkeypatch.setattr(checking, "compute_outputs", compute_then_a_watch_builds)
    lines = run_cli("check").output.splitlines()
    assert lines[0] == "paper/results/final_loss.tex, paper/results/final_loss.csv: stale (results changed)"
    assert not [line for line in lines if "edited" in line], lines
    assert lines[-1] == "FAILED: 5 current, 4 stale"


def test_a_build_beside_check_writes_after_check_read_the_files_not_between(paper, monkeypatch):
    """A watch wrote its files and lock while check read them one by one: the files read after its
    write were judged against the lock read before it, and called edited."""
    import fcntl
    import threading

    from resultsbook import atomic
    from resultsbook.cli.common import spec_and_store
    from resultsbook.freshness import check as checking
    from resultsbook.outputs.build import build

    assert run_cli("build").exit_code == 0
    at_turn = threading.Condition()
    waits_or_wrote: list[str] = []
    taking = atomic._lock

    def take_turn(descriptor: int, folder: str, shared: bool = False) -> None:
        if not shared:  # the build: say whether it waits for its turn
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                with at_turn:
                    waits_or_wrote.append("waits")
                    at_turn.notify()
        taking(descriptor, folder, *([shared] if shared else []))

    def watch_builds() -> None:
        try:
            with spec_and_store(None, None, collect_first=False) as (spec, store):
                build(spec, store)
        finally:
            with at_turn:
                waits_or_wrote.append("wrote")
                at_turn.notify()

    judging = checking.output_state
    watch = threading.Thread(target=watch_builds)

    def judge_while_a_watch_builds(*args, **kwargs):
        state = judging(*args, **kwargs)
        if not watch.is_alive() and not waits_or_wrote:  # after the first file: newer results, built
            change_final_value(paper, "mlp_moons_seed1", "train/loss", 5.0)
            assert run_cli("collect", "runs").exit_code == 0
            watch.start()
            with at_turn:
                at_turn.wait_for(lambda: waits_or_wrote)
        return state

    monkeypatch.setattr(atomic, "_lock", take_turn)
    monkeypatch.setattr(checking, "output_state", judge_while_a_watch_builds)
    result = run_cli("check")
    watch.join()
    assert result.output.endswith("OK: 9 current\n"), result.output
    assert waits_or_wrote == ["waits", "wrote"]
    monkeypatch.setattr(checking, "output_state", judging)
    assert run_cli("check").output.endswith("OK: 9 current\n")  # the watch wrote after, all of it
