"""`watch` rebuilds once per change, survives bad files, runs --then, and never shows LaTeX half a file."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, require_pdflatex, train_seed

QUICKSTART = ROOT / "examples" / "quickstart"


@pytest.fixture
def project(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns("runs", "*.db*", "results"))
    subprocess.run(
        [sys.executable, "train.py", "--seeds", "0", "1", "2"], cwd=project, check=True, capture_output=True
    )
    return project


class Watcher:
    """`resultsbook watch` in a subprocess, its output collected line by line."""

    def __init__(self, project: Path, *args: str, debounce: int = 100) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "resultsbook", "watch", "--debounce", str(debounce), *args],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, count: int = 1, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if sum(text in line for line in self.lines) >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"never saw {text!r} {count} time(s); output:\n" + "\n".join(self.lines))

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=20)
        self.reader.join(timeout=5)
        self.process.stdout.close()
        return code


def add_seed(project: Path, seed: int) -> None:
    train_seed(project, seed, project / "incoming")
    os.rename(project / "incoming" / f"mlp_moons_seed{seed}", project / "runs" / f"mlp_moons_seed{seed}")


def test_a_new_run_rewrites_the_table_once_and_runs_then(project, monkeypatch):
    for name in ("OPENBLAS_NUM_THREADS", "NUMPY_MADVISE_HUGEPAGE"):  # the command sets them for itself
        monkeypatch.delenv(name, raising=False)
    settings = "${OPENBLAS_NUM_THREADS-unset} ${NUMPY_MADVISE_HUGEPAGE-unset}"
    watcher = Watcher(project, "--then", f"echo rebuilt {settings} >> then.log")
    try:
        watcher.wait_for("] start:")
        table = project / "paper" / "results" / "table1.tex"
        before = table.read_text()
        add_seed(project, 3)
        watcher.wait_for("] runs: 1 new")
        time.sleep(1.0)  # a second rebuild would show up here
        assert sum("] runs:" in line for line in watcher.lines) == 1
        assert sum("paper/results/table1.tex" in line for line in watcher.lines if "] runs:" in line) == 1
        assert table.read_text() != before
        # the first build and this one; --then runs in the user's environment, not the command's
        assert (project / "then.log").read_text().count("rebuilt unset unset") == 2
    finally:
        assert watcher.stop() == 0
    assert watcher.lines[-1] == "Stopped."
    assert not any("KeyboardInterrupt" in line for line in watcher.lines), watcher.lines  # watchfiles' log


def test_runs_another_collect_stored_before_a_round_are_in_the_outputs_it_builds(project):
    """A collect in another terminal stored a new run before the watch's round came to it: the round
    found the run unchanged, built from the runs it had loaded before, without it, and its outputs
    stayed stale (`check` failing) while it went on watching. The watch is stopped (SIGSTOP) while
    the other collect runs, so that it always comes first."""
    watcher = Watcher(project)
    try:
        watcher.wait_for("] start:")
        watcher.process.send_signal(signal.SIGSTOP)
        try:
            add_seed(project, 3)
            other = [sys.executable, "-m", "resultsbook", "collect", "-q"]
            subprocess.run(other, cwd=project, check=True, capture_output=True, timeout=60)
        finally:
            watcher.process.send_signal(signal.SIGCONT)
        watcher.wait_for("] runs:", timeout=60)
        time.sleep(2)  # a later round would show up here
        checked = subprocess.run(
            [sys.executable, "-m", "resultsbook", "check"], cwd=project, capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr + "\n".join(watcher.lines)
    finally:
        assert watcher.stop() == 0


SLOW_THEN = "python -c \"import time; open('then-started', 'w'); time.sleep(1.5); open('then-done', 'w')\""


def test_ctrl_c_during_a_rebuild_lets_it_finish_then_stops(project):
    """A round cut short left outputs stale and exited 130 (the template test failed ~1 run in 5)."""
    watcher = Watcher(project, "--then", SLOW_THEN)
    try:
        deadline = time.time() + 30
        while not (project / "then-started").exists() and time.time() < deadline:
            time.sleep(0.02)
        assert (project / "then-started").exists()
    finally:
        code = watcher.stop()  # during the first round, while its --then runs
    assert code == 0
    assert (project / "then-done").exists()
    assert any("Finishing this rebuild, then stopping" in line for line in watcher.lines)
    assert any("] start:" in line for line in watcher.lines) and watcher.lines[-1] == "Stopped."


def test_a_second_ctrl_c_during_a_rebuild_stops_at_once(project):
    watcher = Watcher(project, "--then", SLOW_THEN)
    deadline = time.time() + 30
    while not (project / "then-started").exists() and time.time() < deadline:
        time.sleep(0.02)
    watcher.process.send_signal(signal.SIGINT)
    time.sleep(0.2)
    assert watcher.stop() == 130
    assert not any("] start:" in line for line in watcher.lines)


def test_a_bad_or_half_written_run_is_reported_and_watching_goes_on(project):
    watcher = Watcher(project)
    try:
        watcher.wait_for("] start:")
        broken = project / "runs" / "broken"
        broken.mkdir()
        (broken / "config.json").write_text("{not json")
        (broken / "metrics.jsonl").write_text('{"step": 1, "test/acc": 0.5}\n{"step": 2, "te')
        watcher.wait_for("is not valid JSON")
        watcher.wait_for("is cut off")
        (project / "resultsbook.toml").write_text(
            (project / "resultsbook.toml").read_text() + "\n[tables.x]\n"
        )
        watcher.wait_for("Error: resultsbook.toml: [tables.x] needs metric")
        add_seed(project, 4)
        watcher.wait_for("1 new")
    finally:
        assert watcher.stop() == 0


def test_a_table_whose_runs_are_queued_is_reported_each_round_and_built_when_they_arrive(project):
    spec = project / "resultsbook.toml"
    queued = '[tables.seed3]\nmetric = "test/acc"\nwhere = { seed = 3 }\nrows = ["model"]\n'
    spec.write_text(spec.read_text() + "\n" + queued + 'outputs = ["paper/results/seed3.md"]\n')
    watcher = Watcher(project)
    try:
        watcher.wait_for("] start:")
        watcher.wait_for("] Error: resultsbook.toml: [tables.seed3] filter seed=3 matches no run")
        start = next(line for line in watcher.lines if "] start:" in line)
        assert "paper/results/table1.tex" in start and "seed3" not in start  # the others are written
        add_seed(project, 3)
        watcher.wait_for("] runs: 1 new")
        arrived = next(line for line in watcher.lines if "] runs:" in line)
        assert "paper/results/seed3.md" in arrived
        assert (project / "paper" / "results" / "seed3.md").exists()
    finally:
        assert watcher.stop() == 0


def test_latexmk_beside_watch_never_reads_half_a_table(project):
    require_pdflatex()
    if shutil.which("latexmk") is None:
        pytest.skip("latexmk is not installed: apt-get install latexmk")
    watcher = Watcher(project)
    watcher.wait_for("] start:")
    paper = project / "paper"
    latexmk = subprocess.Popen(
        ["latexmk", "-pdf", "-pvc", "-view=none", "-interaction=nonstopmode", "main.tex"],
        cwd=paper,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while not (paper / "main.pdf").exists() and time.time() < deadline:
            time.sleep(0.2)
        first = (paper / "main.pdf").stat().st_mtime
        add_seed(project, 3)
        watcher.wait_for("] runs: 1 new")
        while (paper / "main.pdf").stat().st_mtime == first and time.time() < deadline:
            time.sleep(0.2)
        assert (paper / "main.pdf").stat().st_mtime > first, "the PDF was not rebuilt after the table changed"
        time.sleep(1)
        log = (paper / "main.log").read_text(errors="replace")
        assert not [line for line in log.splitlines() if line.startswith("!")]
        assert "n = 3--4 seeds" in (paper / "results" / "table1.tex").read_text()
    finally:
        latexmk.send_signal(signal.SIGTERM)
        latexmk.wait(timeout=20)
        assert watcher.stop() == 0


def test_atomic_writes_never_expose_a_partial_file(tmp_path):
    from resultsbook.atomic import write_atomic

    path = tmp_path / "table.tex"
    contents = [f"{i}\n" * 20000 + "\\end{tabular}\n" for i in range(30)]
    write_atomic(str(path), contents[0].encode())
    stop = threading.Event()
    seen: list[bool] = []

    def read_continuously() -> None:
        while not stop.is_set():
            seen.append(path.read_text().endswith("\\end{tabular}\n"))

    reader = threading.Thread(target=read_continuously)
    reader.start()
    for text in contents:
        write_atomic(str(path), text.encode())
    stop.set()
    reader.join()
    assert seen and all(seen)
    assert not [p for p in os.listdir(tmp_path) if p != "table.tex"]


def test_a_rebuild_that_reuses_runs_and_cells_writes_what_a_fresh_build_writes(project):
    """What watch keeps between rounds (runs, unchanged cells) never changes a number."""
    from resultsbook.outputs.build import BuildMemo, build
    from resultsbook.sources.collect import collect
    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    spec = load_spec(str(project / "resultsbook.toml"))
    memo = BuildMemo()
    with Store.open(spec.db) as store:
        collect(store, spec.sources)
        build(spec, store, memo=memo)
        add_seed(project, 3)
        changed = [str(project / "runs" / "mlp_moons_seed3")]
        report = collect(store, spec.sources, changed=changed)
        assert report.new == 1 and report.changed_sources == ("runs/mlp_moons_seed3",)
        memo.refresh_runs(store, report.changed_sources)
        reused = build(spec, store, memo=memo)
        assert any(path.endswith("table1.tex") for path in reused.written)
        written = {path: Path(path).read_bytes() for path in (*reused.written, *reused.unchanged)}
    fresh_db = project / "fresh.db"
    with Store.open(str(fresh_db)) as store:
        collect(store, spec.sources)
        from dataclasses import replace

        fresh = build(replace(spec, db=str(fresh_db)), store)
    assert fresh.written == ()  # every file already holds what a fresh build computes
    assert {path: Path(path).read_bytes() for path in fresh.unchanged} == written


def save_like_an_editor(path: Path, text: str) -> None:
    """Write a new file and rename it over `path`, as vim, VS Code or `sed -i` save."""
    fresh = path.with_name(path.name + ".new")
    fresh.write_text(text)
    os.replace(fresh, path)


def test_a_spec_typo_or_deletion_then_its_fix_saved_by_an_editor_rebuilds_with_the_fix(project):
    spec = project / "resultsbook.toml"
    good = spec.read_text()
    watcher = Watcher(project)
    try:
        watcher.wait_for("] start:")
        save_like_an_editor(spec, good.replace('metric = "test/acc"', 'metrc = "test/acc"', 1))
        watcher.wait_for("unknown key 'metrc'; did you mean 'metric'?")
        save_like_an_editor(spec, good.replace("digits = 1", "digits = 2", 1))
        watcher.wait_for("] spec:")
        assert any("paper/results/table1.md" in line for line in watcher.lines if "] spec:" in line)
        spec.unlink()  # `git stash`, or an editor that deletes before it writes
        watcher.wait_for("cannot read")
        spec.write_text(good)
        watcher.wait_for("] spec:", count=2)
    finally:
        assert watcher.stop() == 0


def test_a_spec_saved_by_emptying_it_then_writing_it_rebuilds_with_what_was_written(project):
    """An editor that truncates the file, then writes it 50-100 ms later: the watch read the empty spec
    (no sources, no tables), re-armed, missed the write, and kept its outputs stale until the next edit."""
    spec = project / "resultsbook.toml"
    edited = spec.read_text().replace("digits = 1", "digits = 3", 1)
    watcher = Watcher(project)
    try:
        watcher.wait_for("] start:")
        with open(spec, "w") as handle:  # the truncation, on disk at once
            handle.flush()
            time.sleep(0.07)
            handle.write(edited)
        watcher.wait_for("] spec:")
        time.sleep(1)
        spec_lines = [line for line in watcher.lines if "] spec:" in line]
        assert len(spec_lines) == 1 and "paper/results/table1.tex" in spec_lines[0], watcher.lines
        checked = subprocess.run(
            [sys.executable, "-m", "resultsbook", "check"], cwd=project, capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        assert watcher.stop() == 0


def test_a_spec_emptied_and_left_so_is_said_and_the_spec_read_before_stands(project):
    """An emptied spec that stayed empty was passed over without a word, and the next run's change
    rebuilt the outputs from the spec read before, unsaid."""
    watcher = Watcher(project)
    try:
        watcher.wait_for("] start:")
        (project / "resultsbook.toml").write_text("")
        watcher.wait_for("resultsbook.toml is empty (saved half-way?); the spec read before stands")
    finally:
        assert watcher.stop() == 0


def train_into_runs(project: Path, *seeds: int) -> None:
    """Train elsewhere, then move the folder in as runs/ at once."""
    arguments = [sys.executable, "train.py", "--seeds", *map(str, seeds), "--out", "incoming"]
    subprocess.run(arguments, cwd=project, check=True, capture_output=True)
    os.rename(project / "incoming", project / "runs")


def test_a_runs_folder_made_or_made_anew_after_watch_started_is_watched(project):
    runs = project / "runs"
    shutil.rmtree(runs)  # watch started before the first training made runs/
    watcher = Watcher(project)
    try:
        watcher.wait_for("runs does not exist")
        train_into_runs(project, 0)
        watcher.wait_for("] runs: 4 new, 0 updated, 0 unchanged")
        shutil.rmtree(runs)  # cleaned, to train again
        watcher.wait_for("runs does not exist", count=2)
        train_into_runs(project, 0, 1)
        watcher.wait_for("] runs: 4 new, 4 updated, 0 unchanged")
        add_seed(project, 2)  # and the new folder's own events are seen
        watcher.wait_for("] runs: 1 new, 0 updated, 0 unchanged")
    finally:
        assert watcher.stop() == 0


def test_a_template_override_made_while_watching_rewrites_the_tables(project):
    table = project / "paper" / "results" / "table1.md"
    watcher = Watcher(project)
    try:
        watcher.wait_for("] start:")
        override = (ROOT / "templates" / "table.md.j2").read_text() + "Our own footer.\n"
        (project / "incoming").mkdir()
        (project / "incoming" / "table.md.j2").write_text(override)
        os.rename(project / "incoming", project / "templates")  # the templates folder appears
        watcher.wait_for("paper/results/table1.md", count=2)  # the first build, then this one
        assert table.read_text().endswith("Our own footer.\n")
        (project / "templates" / "table.md.j2").write_text(override.replace("Our own", "A new"))
        watcher.wait_for("] templates:")
        deadline = time.time() + 10
        while not table.read_text().endswith("A new footer.\n") and time.time() < deadline:
            time.sleep(0.05)
        assert table.read_text().endswith("A new footer.\n")
    finally:
        assert watcher.stop() == 0


def test_a_quote_broken_then_fixed_in_the_paper_is_checked_again_without_a_rebuild(project):
    """Paper files are watched where they are (paper/ is outside runs/), saved as editors save them."""
    spec = project / "resultsbook.toml"
    spec.write_text(spec.read_text().replace('paper = ["paper/main.tex"]', 'paper = ["paper/*.tex"]'))
    main = project / "paper" / "main.tex"
    good = main.read_text()
    lock = project / "paper" / "resultsbook.lock"
    watcher = Watcher(project)
    try:
        watcher.wait_for("] start:")
        built = lock.stat().st_mtime_ns
        save_like_an_editor(main, good.replace("{table1/mlp/circles}", "{table1/mlp/circle}"))
        watcher.wait_for("is no cell of paper/results/numbers.tex (LaTeX stops there)")
        broken = next(line for line in watcher.lines if "table1/mlp/circle}" in line)
        assert "paper/main.tex:34:" in broken and "did you mean table1/mlp/circles?" in broken
        main.unlink()  # `git checkout`, or an editor that deletes before it writes
        main.write_text(good)
        watcher.wait_for("] paper: paper/main.tex -> every quote is known again (2 quotes, ")
        appendix = project / "paper" / "appendix.tex"  # a new file the folder's pattern gains
        appendix.write_text("Seeds: \\rbvalue[n]{table1/mlp/moons}, \\rbvalue[median]{table1/mlp/moons}.\n")
        watcher.wait_for("the cell has no statistic 'median'")
        assert any("paper/appendix.tex:1:" in line for line in watcher.lines if "'median'" in line)
        # one round per change: the paper is checked once per save, and nothing was rebuilt
        assert sum("] paper:" in line for line in watcher.lines) == 3
        assert not [line for line in watcher.lines if "] runs:" in line or "] spec:" in line]
        assert lock.stat().st_mtime_ns == built
    finally:
        assert watcher.stop() == 0


def paper_spec(project: Path, patterns: str):
    """Load the quickstart's spec with `[macros] paper` set to `patterns` (a TOML list)."""
    from resultsbook.spec import load_spec

    spec = project / "resultsbook.toml"
    spec.write_text(spec.read_text().replace('paper = ["paper/main.tex"]', f"paper = {patterns}"))
    return load_spec(str(spec))


def settled_edits(edits, project: Path) -> list[str]:
    """Poll the paper now (a debounce of 0: edits settle at once); the files changed, relative to the
    project."""
    edits.next_poll = 0.0  # whatever the last poll cost
    return [os.path.relpath(path, project) for path in edits.settled()]


def test_paper_edits_are_seen_however_the_file_is_saved_and_outputs_are_not_the_paper(tmp_path):
    from resultsbook.freshness.paper import PaperEdits

    project = tmp_path / "project"
    shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns("runs", "*.db*"))
    spec = paper_spec(project, '["paper/"]')  # a folder: its .tex files, the generated ones left out
    main = project / "paper" / "main.tex"
    edits = PaperEdits(spec, debounce_ms=0)
    assert set(edits.stats()) == {str(main)}
    save_like_an_editor(main, main.read_text() + "%\n")
    assert settled_edits(edits, project) == ["paper/main.tex"]
    main.unlink()
    main.write_text("A new text.\n")
    assert settled_edits(edits, project) == ["paper/main.tex"]
    (project / "paper" / "sections").mkdir()
    (project / "paper" / "sections" / "intro.tex").write_text("Intro.\n")
    assert settled_edits(edits, project) == ["paper/sections/intro.tex"]
    (project / "paper" / "results" / "numbers.tex").write_text("% rewritten by build\n")
    (project / "paper" / "main.aux").write_text("latexmk's\n")
    quoted = edits.stats()
    main.write_text("Edited before a build that checked it.\n")
    edits.checked_in_build(edits.stats(), quote_problems=False)
    assert settled_edits(edits, project) == []
    edits.checked_in_build(quoted, quote_problems=False)  # the edit came after the build read the paper
    assert settled_edits(edits, project) == ["paper/main.tex"]


def test_every_file_build_writes_is_ours_to_watch_not_a_change(project):
    """A figure or the numbers file written where watch looks (e.g. beside the runs) must not start
    another round: before, only tables, the lock and the store were ignored."""
    from watchfiles import Change

    from resultsbook.freshness.watch import ChangeFilter, ignored_paths
    from resultsbook.spec import load_spec

    spec = load_spec(str(project / "resultsbook.toml"))
    watched = ChangeFilter(ignored_paths(spec))
    ours = [
        *(path for figure in spec.figures.values() for path in figure.outputs),
        spec.macros.output,
        *spec.sections,
        spec.lock,
        spec.db + "-wal",
    ]
    assert [path for path in ours if watched(Change.modified, path)] == []
    assert watched(Change.added, str(project / "runs" / "mlp_moons_seed9" / "metrics.jsonl"))


def test_ctrl_c_between_rounds_stops_watch_as_ctrl_c_during_one_does(project, monkeypatch):
    """Between rounds watch polls the store and the paper; a Ctrl-C landing there ended it as an
    interruption (exit 130, "what was stored is whole") where the same Ctrl-C a moment later ended it
    cleanly (exit 0)."""
    from resultsbook.freshness import watch as watching

    def ctrl_c(self):
        raise KeyboardInterrupt

    monkeypatch.chdir(project)
    monkeypatch.setattr(watching.PaperEdits, "settled", ctrl_c)  # polled after the first round
    try:
        watching.watch_project(str(project / "resultsbook.toml"))
    except KeyboardInterrupt:
        pytest.fail("a Ctrl-C between rounds ended watch as an interruption")
    assert (project / "paper" / "results" / "table1.tex").is_file()  # the first round was built


def test_a_counted_run_that_looks_dead_is_named_once_a_watch(project):
    """A run killed mid-training keeps `running` in its run.json: each rebuild counts it, and the watch
    says once that it looks dead, not again at every round (its silence grows by the round)."""
    killed = project / "runs" / "mlp_moons_seed0"
    record = json.loads((killed / "run.json").read_text())
    (killed / "run.json").write_text(json.dumps({**record, "status": "running", "end_time": None}))
    old = time.time() - 2 * 3600
    for path in killed.iterdir():
        os.utime(path, (old, old))
    watcher = Watcher(project)
    try:
        watcher.wait_for("] start:")
        watcher.wait_for("mlp_moons_seed0 (runs/mlp_moons_seed0) is counted as running, but no write for 2.0 h")
        add_seed(project, 3)
        watcher.wait_for("] runs: 1 new")
        time.sleep(0.5)
    finally:
        assert watcher.stop() == 0
    assert sum("looks dead" in line for line in watcher.lines) == 1
