"""Run damaged cases: a real `resultsbook collect` in a subprocess with a timeout and a memory limit,
then compare what the store holds with what the same collect of the undamaged tree stored."""

from __future__ import annotations

import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from damage import Case, cases_for
from trees import TREES, Tree

TIMEOUT = float(os.environ.get("RESULTSBOOK_BATTERY_TIMEOUT", "30"))
MEMORY = 1 << 30  # address space: a collect of these small trees needs ~300 MiB
VERDICTS = (
    "hang",
    "memory",
    "traceback",
    "lost-valid-run",
    "silent-wrong-value",
    "unreported",
    "not-run",
    "ok",
)


@dataclass
class RunView:
    """What the store holds about one run, in plain values that compare exactly."""

    name: str
    source: str
    params: dict[str, Any]
    summary: dict[str, Any]
    series: dict[str, dict[float, float]]

    def content(self) -> tuple[Any, ...]:
        """Its params and series, without names (for runs whose folder, or a file named after a
        metric, was renamed: a final value whose series lost its name may show up as its own)."""
        return (
            sorted((k, repr(v)) for k, v in self.params.items()),
            sorted(sorted((s, repr(v)) for s, v in points.items()) for points in self.series.values()),
        )


@dataclass
class Collected:
    """The result of one collect: how the process ended and what the store holds."""

    returncode: int | None
    stderr: str
    seconds: float
    runs: dict[str, RunView] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    """A case and its verdict (one of VERDICTS) with the reason."""

    case: Case
    verdict: str
    detail: str
    seconds: float
    note: str = ""  # e.g. "values changed, undetectable by the format"


# ---------------------------------------------------------------- running a collect
def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_collect(folder: Path, tree: Tree) -> Collected:
    """Collect `folder/tree` into `folder/resultsbook.db` in a limited subprocess."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "NO_COLOR": "1"}
    command = [sys.executable, "-m", "resultsbook", "collect", "tree", "--db", "resultsbook.db", *tree.flags]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limits,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=TIMEOUT)
        returncode: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
        returncode = None
    collected = Collected(returncode, stderr.decode("utf-8", "replace"), time.monotonic() - started)
    db = folder / "resultsbook.db"
    if returncode is not None and db.exists():
        _read_store(db, collected)
    return collected


def _read_store(db: Path, collected: Collected) -> None:
    from resultsbook.store import Store

    store = Store.open(str(db), create=False)
    try:
        runs = {run.id: run for run in store.runs()}
        views = {run.id: RunView(run.name, run.source, dict(run.params), {}, {}) for run in runs.values()}
        for key in store.metric_keys():
            for run, row in store.metric_summaries(key).items():
                if run in views and row["summary"] is not None:
                    views[run].summary[key] = row["summary"]
            for run, (steps, values, _) in store.series(key, list(views)).items():
                views[run].series[key] = {float(s): float(v) for s, v in zip(steps, values)}
        collected.runs = {runs[run].run_id: view for run, view in views.items()}
        collected.problems = [(p.path, p.message, p.kept) for p in store.problems()]
    finally:
        store.close()


# ---------------------------------------------------------------- judging
def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return (type(a) is type(b) and a == b) or (
        isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b
    )


def wrong_values(base: RunView, got: RunView) -> list[str]:
    """Return what the store holds for a run that the undamaged tree does not: wrong, not lost, values."""
    wrong = [
        f"param {k}={v!r}"
        for k, v in got.params.items()
        if k not in base.params or not _same(v, base.params[k])
    ]
    wrong += [
        f"summary {k}={v!r}"
        for k, v in got.summary.items()
        if k not in base.summary or not _same(v, base.summary[k])
    ]
    for key, points in got.series.items():
        if key not in base.series:
            wrong.append(f"metric {key!r} the undamaged run does not have")
            continue
        for step, value in points.items():
            if step not in base.series[key]:
                wrong.append(f"{key} at step {step!r} = {value!r} (no such step)")
            elif not _same(value, base.series[key][step]):
                wrong.append(f"{key} at step {step!r} = {value!r}, not {base.series[key][step]!r}")
    return wrong


def lost_values(base: RunView, got: RunView) -> list[str]:
    """Return what the undamaged run holds that the store lacks."""
    lost = [f"param {k}" for k in base.params if k not in got.params]
    lost += [f"summary {k}" for k in base.summary if k not in got.summary]
    for key, points in base.series.items():
        missing = [s for s in points if s not in got.series.get(key, {})]
        if missing:
            lost.append(f"{key}: {len(missing)} point(s)")
    return lost


def judge(case: Case, baseline: Collected, result: Collected) -> Outcome:
    """Return the verdict on one damaged collect against the undamaged one."""

    def outcome(verdict: str, detail: str = "", note: str = "") -> Outcome:
        return Outcome(case, verdict, detail, result.seconds, note)

    if result.returncode is None:
        return outcome("hang", f"no answer in {TIMEOUT:.0f} s")
    if "MemoryError" in result.stderr or "Cannot allocate memory" in result.stderr:
        return outcome("memory", _last_line(result.stderr))
    if result.returncode < 0:
        return outcome("traceback", f"killed by signal {-result.returncode}")
    if "Traceback (most recent call last)" in result.stderr or result.returncode not in (0, 1):
        return outcome("traceback", f"exit {result.returncode}: {_last_line(result.stderr)}")
    damaged = f"tree/{case.target}"
    sources = {view.source for view in baseline.runs.values()}
    owners = {
        s for s in sources if damaged == s or damaged.startswith(s + "/") or s.startswith(damaged + "/")
    }
    if not owners:  # an experiment's meta.yaml: its runs are the folders beside it
        folder = damaged.rsplit("/", 1)[0]
        owners = {s for s in sources if s.startswith(folder + "/")}
    affected = {run_id for run_id, view in baseline.runs.items() if view.source in owners}
    scope = min(owners, key=len) if owners else damaged.rsplit("/", 1)[0]
    renamed = case.family == "non-utf8-name"
    for run_id, view in baseline.runs.items():
        if run_id in affected:
            continue
        got = result.runs.get(run_id)
        if got is None:
            return outcome("lost-valid-run", f"{view.name} ({view.source}) is not in the store")
        if wrong_values(view, got) or lost_values(view, got):
            changed = (wrong_values(view, got) + lost_values(view, got))[:3]
            return outcome("lost-valid-run", f"{view.name} changed: {'; '.join(changed)}")
    reported = [p for p in result.problems if _names(p, damaged, scope, renamed)]
    if renamed:
        contents = [view.content() for view in result.runs.values()]
        missing = [baseline.runs[r].name for r in affected if baseline.runs[r].content() not in contents]
        if missing:
            return outcome("lost-valid-run", f"{missing[0]} was not kept under its undecodable name")
        wrong: list[str] = []
    else:
        wrong = [
            f"{baseline.runs[r].name}: {w}"
            for r in affected
            if r in result.runs
            for w in wrong_values(baseline.runs[r], result.runs[r])
        ]
        wrong += [
            f"{view.name}: a run the undamaged tree does not have"
            for r, view in result.runs.items()
            if r not in baseline.runs
        ]
    if wrong and not reported:
        if case.detectable:
            return outcome("silent-wrong-value", "; ".join(wrong[:3]))
        return outcome("ok", note="values changed; the damage cannot be told from the file")
    if case.detectable and not reported:
        return outcome("unreported", "no problem names the damaged file")
    return outcome("ok", "; ".join(f"{p[0]}: {p[1]}" for p in reported[:2]))


def _names(problem: tuple[str, str, str], damaged: str, scope: str, renamed: bool) -> bool:
    path, message, _ = problem
    if renamed:
        return "UTF-8" in message or "\\x" in path
    if path == damaged or path.startswith(damaged):
        return True
    return damaged.startswith(path.rstrip("/") + "/") and (path + "/").startswith(scope.rstrip("/") + "/")


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


# ---------------------------------------------------------------- the battery
class Battery:
    """Build each tree once, collect it undamaged once, then run damaged copies of it."""

    def __init__(self, workdir: Path | None = None) -> None:
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="rb-battery-"))
        self._baselines: dict[str, tuple[Path, Collected]] = {}

    def prepare(self, name: str) -> tuple[Path, Collected]:
        """Return the built valid tree of `name` and its undamaged collect."""
        if name not in self._baselines:
            folder = self.workdir / name / "valid"
            (folder / "tree").mkdir(parents=True)
            TREES[name].build(folder / "tree")
            baseline = run_collect(folder, TREES[name])
            if baseline.returncode != 0 or not baseline.runs:
                raise RuntimeError(f"the undamaged {name} tree does not collect: {baseline.stderr[-2000:]}")
            self._baselines[name] = (folder, baseline)
        return self._baselines[name]

    def cases(self, name: str, full: bool) -> list[Case]:
        folder, _ = self.prepare(name)
        found = cases_for(name, TREES[name], folder / "tree", full)
        return found if full else [case for case in found if case.sample]

    def run(self, case: Case, index: int) -> Outcome:
        valid, baseline = self.prepare(case.tree)
        folder = self.workdir / case.tree / f"case{index}"
        shutil.copytree(valid / "tree", folder / "tree", symlinks=True)
        try:
            try:
                case.apply(folder / "tree")
            except Exception as error:  # the damage could not be made here: say so, run the others
                return Outcome(case, "not-run", f"{type(error).__name__}: {error}", 0.0)
            return judge(case, baseline, run_collect(folder, TREES[case.tree]))
        finally:
            _remove(folder)

    def run_all(self, cases: Iterable[Case], workers: int = 2) -> Iterator[Outcome]:
        listed = list(cases)
        for name in dict.fromkeys(case.tree for case in listed):
            self.prepare(name)
        with ThreadPoolExecutor(workers) as pool:
            yield from pool.map(self.run, listed, range(len(listed)))

    def close(self) -> None:
        _remove(self.workdir)


def _remove(folder: Path) -> None:
    shutil.rmtree(os.fsencode(folder), ignore_errors=True)
