"""The run folders of Isaac Lab's and legged_gym's RSL-RL training (`logs/rsl_rl/<experiment>/<date>[_<run
name>]/`): the event files hold the scalars, stepped by learning iteration, and nothing else. The settings
sit beside them: `params/agent.yaml` (the runner's: `seed`, `max_iterations`, `experiment_name`,
`algorithm.*`, `policy.*`) and `params/env.yaml` (the environment's: `sim.*`, `scene.*`, `rewards.*`),
each with a pickled copy (`.pkl`) that is never opened; `git/<repository>.diff` holds the `git status`
and `git diff` of each repository the training ran from."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from resultsbook.models import Problem, Series
from resultsbook.sources import fs
from resultsbook.sources.fileio import iter_file_chunks, read_small_file, unreadable
from resultsbook.sources.settings import read_settings

PARAMS_FOLDER = "params"
GIT_FOLDER = "git"
AGENT_FILE = "agent.yaml"  # the runner's settings: its keys win over env.yaml's (the env is seeded with its)
ENV_FILE = "env.yaml"
DIFF_SUFFIX = ".diff"
PLANNED = "max_iterations"  # iterations `runner.learn` runs, from the iteration it resumed at
COMMIT_MARK = "--- git commit ---"  # rsl_rl's _store_code_state: this and the hash (5.0 on), then
DIFF_MARK = "--- git diff ---"  # `--- git status ---` and the status, then this and the diff
DIFF_CAP = 1 << 22  # bytes of a diff read to tell whether it holds changes: a longer one does
_HASH = re.compile(r"[0-9a-f]{40}")
TIME_SUFFIX = "/time"  # `Train/mean_reward/time`: the same values stepped by seconds, not iterations


def side_files(folder: str, dirs: Collection[str]) -> list[str]:
    """Return the params/agent.yaml and params/env.yaml of an RSL-RL run folder, with the diffs of its
    git/ when it has them ([] for another folder: it needs params/agent.yaml or params/env.yaml)."""
    if PARAMS_FOLDER not in dirs:
        return []
    found = _names_in(os.path.join(folder, PARAMS_FOLDER))
    params = [os.path.join(folder, PARAMS_FOLDER, name) for name in (ENV_FILE, AGENT_FILE) if name in found]
    if not params:
        return []
    diffs: list[str] = []
    if GIT_FOLDER in dirs:
        names = sorted(n for n in _names_in(os.path.join(folder, GIT_FOLDER)) if n.endswith(DIFF_SUFFIX))
        diffs = [os.path.join(folder, GIT_FOLDER, name) for name in names]
    return [*params, *diffs]


def is_side_file(root: str, path: str) -> bool:
    """Tell whether `path` is one of the side files `side_files` returns for the run folder `root`."""
    folder, name = os.path.split(path)
    if folder == os.path.join(root, PARAMS_FOLDER):
        return name in (AGENT_FILE, ENV_FILE)
    return folder == os.path.join(root, GIT_FOLDER) and name.endswith(DIFF_SUFFIX)


def has_agent(files: Sequence[str]) -> bool:
    """Tell whether a source's files hold params/agent.yaml (its status may then change with the clock)."""
    return any(path.endswith(os.path.join(PARAMS_FOLDER, AGENT_FILE)) for path in files)


def read_params(root: str, files: Sequence[str], problems: list[Problem]) -> dict[str, Any]:
    """Return the run's params: env.yaml's keys, then agent.yaml's, flattened to dotted keys; a key both
    hold (`seed`) keeps agent.yaml's value, and a clash of values is reported."""
    by_name = {
        os.path.basename(p): p for p in files if os.path.dirname(p) == os.path.join(root, PARAMS_FOLDER)
    }
    env = (
        read_settings(by_name[ENV_FILE], problems, kept="the run without this file's params")
        if ENV_FILE in by_name
        else {}
    )
    agent = (
        read_settings(by_name[AGENT_FILE], problems, kept="the run without this file's params")
        if AGENT_FILE in by_name
        else {}
    )
    for key in sorted(set(env) & set(agent)):
        if env[key] != agent[key]:
            problems.append(
                Problem(
                    by_name[ENV_FILE],
                    f"says {key} = {env[key]!r} but {PARAMS_FOLDER}/{AGENT_FILE} says {agent[key]!r}",
                    f"{key} = {agent[key]!r}, agent.yaml's (the runner's settings win over the env's)",
                )
            )
    return {**env, **agent}


def git_provenance(root: str, files: Sequence[str], problems: list[Problem]) -> dict[str, Any]:
    """Return the repositories git/ names (one `<repository>.diff` each) as provenance: each with its
    diff file, the commit it ran from (rsl_rl 5.0 on writes it first) and whether its tree was dirty
    (the diff after the status holds changes); the first as `git`, all as `repositories` when several."""
    found: list[dict[str, Any]] = []
    for path in files:
        if os.path.dirname(path) != os.path.join(root, GIT_FOLDER):
            continue
        name = os.path.basename(path)
        entry: dict[str, Any] = {"repository": name[: -len(DIFF_SUFFIX)], "diff": f"{GIT_FOLDER}/{name}"}
        entry.update(_diff_facts(path, problems))
        found.append(entry)
    if not found:
        return {}
    provenance: dict[str, Any] = {"git": found[0]}
    if len(found) > 1:
        provenance["repositories"] = found
    return provenance


def iterations(series: Mapping[str, Series]) -> tuple[int, int] | None:
    """Return the first and last learning iteration the scalars logged (the `…/time` series, stepped by
    seconds, left out); None when they logged none."""
    firsts: list[float] = []
    lasts: list[float] = []
    for name, values in series.items():
        if name.endswith(TIME_SUFFIX) or not len(values):
            continue
        firsts.append(float(values.steps.min()))
        lasts.append(float(values.steps.max()))
    if not firsts:
        return None
    return int(min(firsts)), int(max(lasts))


def planned_iterations(params: Mapping[str, Any]) -> int | None:
    """Return agent.yaml's `max_iterations` when it is a positive whole number, else None."""
    value = params.get(PLANNED)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def _diff_facts(path: str, problems: list[Problem]) -> dict[str, Any]:
    """Return the commit and dirtiness a git/*.diff says: `--- git commit ---` (rsl_rl 5.0 on) and the
    hash, `--- git status ---` and the status, `--- git diff ---` and the diff, empty for a clean tree
    ({} when it cannot be read; no commit for the files older versions wrote, which start at the status)."""
    try:
        text = read_small_file(path, DIFF_CAP)
        head = text if text is not None else next(iter_file_chunks(path, 4096), b"")
    except OSError as error:
        problems.append(unreadable(path, error, "the repository's name, without its commit"))
        return {}
    facts: dict[str, Any] = {}
    lines = head.decode("utf-8", errors="replace").splitlines()
    if len(lines) > 1 and lines[0].strip() == COMMIT_MARK and _HASH.fullmatch(lines[1].strip()):
        facts["commit"] = lines[1].strip()
    if text is None:  # a diff this long holds changes
        facts["dirty"] = True
        return facts
    decoded = text.decode("utf-8", errors="replace")
    at = decoded.rfind(DIFF_MARK)
    if at >= 0:
        facts["dirty"] = bool(decoded[at + len(DIFF_MARK) :].strip())
    return facts


def _names_in(folder: str) -> list[str]:
    """Return the names of a folder's entries that are no folder ([] when it cannot be listed): a FIFO or
    a link to a device named agent.yaml is read, and refused in one line, not passed over unsaid."""
    try:
        with fs.scandir(folder) as entries:
            return [entry.name for entry in entries if not entry.is_dir()]
    except OSError:
        return []
