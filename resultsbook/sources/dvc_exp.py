"""What `dvc exp show --json` and `dvc exp show --csv` print (DVC 3.x; DVC 2.x's `--show-json` too): a
row per baseline commit and per experiment, with the params of its params files, the values of its
metrics files and its state.

Each experiment is a run named as DVC names it (`lr01-s2`), its git revision kept as provenance; a
baseline commit is a run named by its branch, and so is the workspace, unless it holds an experiment's
params and results (after `dvc exp run` or `dvc exp apply` it holds those of the experiment).
DVC keeps a failed experiment's metrics files as they were when it was queued (the workspace's, an
earlier run's): they are not its results and are not read. A queued experiment (`dvc exp run --queue`,
not started by `dvc queue start` yet) has no results yet: its status is `queued`, not `running`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from resultsbook.models import Problem, RunRecord
from resultsbook.params import flatten_fields, flatten_params, normalize_value
from resultsbook.sources import fs
from resultsbook.sources.fileio import read_small_file
from resultsbook.sources.textio import to_float, to_timestamp
from resultsbook.voice import option

WORKSPACE = "workspace"
PARAMS_FILE = "params.yaml"  # its keys are shown unprefixed; another params file's as `<file>:<key>`
# the columns `dvc exp show --csv` starts with, before the metrics, params and deps columns
# (State and Executor only when a row has them: a queued, running or failed experiment)
CSV_COLUMNS = ("Experiment", "rev", "typ", "Created", "parent", "State", "Executor")
_CSV_FIRST = CSV_COLUMNS[:5]
UNREAD = "!"  # the cell of a file DVC could not read there (an output not pulled, a file not yet written)
_STATES = {"success": "finished", "failed": "failed", "queued": "queued", "running": "running"}
# DVC's commands (their flags are DVC's, not resultsbook's)
_EXP_SHOW = "`dvc exp show --json > exps.json`"
_EXP_SHOW_CSV = "`dvc exp show --csv`"
_SHA = re.compile(r"[0-9a-f]{40}")  # a git commit, as the JSON names each row's
_HASH = re.compile(r"[0-9a-f]{32}(\.dir)?")  # a dep's md5, as the CSV's deps columns hold it


def is_exp_show(data: Any) -> bool:
    """Tell whether a JSON document is what `dvc exp show --json` prints (DVC 3.x): a list of rows,
    each with its `rev`, `data` and `experiments`, the workspace first (a row of another shape is the
    reader's to name, not a reason to read the file's rows as records)."""
    return isinstance(data, list) and any(
        isinstance(row, Mapping) and {"rev", "data", "experiments"} <= set(row) for row in data
    )


def exp_show_rows(data: Any, path: str = "", problems: list[Problem] | None = None) -> list[Any] | None:
    """Return the rows of a `dvc exp show --json` document, DVC 3.x's list or DVC 2.x's object keyed by
    revision (`--show-json`) made into 3.x rows; None for any other document. A 2.x value of another
    shape than DVC writes is added to `problems` (a 3.x one is read_exp_show's to name)."""
    said: list[Problem] = [] if problems is None else problems
    if is_exp_show(data):
        return list(data)
    workspace = data.get(WORKSPACE) if isinstance(data, Mapping) else None
    if not (isinstance(workspace, Mapping) and isinstance(workspace.get("baseline"), Mapping)):
        return None
    rows: list[Any] = []
    for rev, group in data.items():
        where = f"revision {str(rev)[:7]}"
        if _shaped(path, where, "", group, Mapping, said, "the other revisions", null=False) is None:
            continue
        base = _shaped(
            path, where, "baseline", group.get("baseline"), Mapping, said, "the revision's experiments"
        )
        base = base or {}
        body = _shaped(
            path, where, "baseline.data", base.get("data"), Mapping, said, "the revision's experiments"
        )
        experiments = []
        for exp_rev, entry in group.items():
            if exp_rev == "baseline":
                continue
            key = str(exp_rev)[:7]
            if _shaped(path, where, key, entry, Mapping, said, "the other experiments", null=False) is None:
                continue
            # null: DVC could not collect the experiment (its `error` says why)
            held = _shaped(
                path, where, f"{key}.data", entry.get("data"), Mapping, said, "the other experiments"
            )
            if held is None:
                continue
            tip = held.get("checkpoint_tip")
            if tip and tip != exp_rev:  # an earlier checkpoint of the experiment at its tip: no run
                continue
            state = str(held.get("status") or "").lower() or (
                "queued" if held.get("queued") else "running" if held.get("running") else "success"
            )
            row = {"rev": exp_rev, "name": held.get("name"), "data": held, "error": entry.get("error")}
            experiments.append({"revs": [row], "executor": {"state": state}})
        name = body.get("name") if isinstance(body, Mapping) else None
        rows.append(
            {"rev": rev, "name": name, "data": body, "error": base.get("error"), "experiments": experiments}
        )
    return rows


def is_exp_show_csv(columns: Iterable[str]) -> bool:
    """Tell whether a CSV's header is that of `dvc exp show --csv`."""
    return tuple(columns)[: len(_CSV_FIRST)] == _CSV_FIRST


def read_exp_show(path: str, data: list[Any], problems: list[Problem]) -> list[RunRecord]:
    """Read the rows of `dvc exp show --json` into runs: each experiment, each baseline commit that
    holds params or metrics, and the workspace when it holds results no other row shows."""
    experiments: list[RunRecord] = []
    commits: list[RunRecord] = []  # the baseline commits
    workspace: RunRecord | None = None
    unread: dict[tuple[str, str, str], list[str]] = {}  # (kind, file, DVC's message) -> rows
    for index, row in enumerate(data):
        if (
            _shaped(path, f"row {index + 1}", "", row, Mapping, problems, "the other rows", null=False)
            is None
        ):
            continue
        where = _row_label(row, str(index + 1))
        baseline = _row_run(path, row, where, None, None, problems, unread)
        if baseline is not None and row.get("rev") == WORKSPACE:
            workspace = baseline
        elif baseline is not None and (baseline.params or baseline.summary):  # `-A`: commits before DVC
            commits.append(baseline)
        groups = _shaped(path, where, "experiments", row.get("experiments"), list, problems, "the row alone")
        named = (baseline.name, str(row.get("rev") or "")) if baseline else ("", "")
        for number, group in enumerate(groups or ()):
            run = _group_run(path, where, f"experiments[{number}]", group, named, problems, unread)
            experiments.append(run) if run is not None else None
    problems.extend(_unread_files(path, unread))
    # a commit holding an experiment's params and results (a branch made of it, a commit of `dvc exp
    # apply`) is that experiment's result, not a run again; the workspace holding a row's (after
    # `dvc exp run`, or as HEAD left it) is that row's
    kept = [run for run in commits if not any(_same(run, exp) for exp in experiments)]
    others = [*commits, *experiments]
    if workspace is not None and not any(
        run.params == workspace.params and run.summary == workspace.summary for run in others
    ):
        kept.insert(0, workspace)
    return [*kept, *experiments]


def _group_run(
    path: str,
    where: str,
    key: str,
    group: Any,
    baseline: tuple[str, str],
    problems: list[Problem],
    unread: dict[tuple[str, str, str], list[str]],
) -> RunRecord | None:
    """Return the run of one experiment of a row (DVC's ExpRange: its `revs`, tip first, and `executor`);
    None when it holds none, with a problem when it is not what DVC writes."""
    kept = "the other experiments"
    if _shaped(path, where, key, group, Mapping, problems, kept, null=False) is None:
        return None
    if isinstance(group.get("name"), str) and group["name"]:
        where = f"{where}, experiment {group['name']}"
    executor = group.get("executor")  # null: run in the workspace, which DVC keeps only when it succeeded
    executor = (
        {}
        if executor is None
        else _shaped(
            path, where, f"{key}.executor", executor, Mapping, problems, "the experiment, its state unknown"
        )
    )
    # an experiment's branch from its tip back (checkpoints, or a running one's live state first):
    # the tip is the experiment, the commits before it steps of it
    revs = _shaped(path, where, f"{key}.revs", group.get("revs"), list, problems, kept, null=False)
    tip = (
        _shaped(path, where, f"{key}.revs[0]", revs[0], Mapping, problems, kept, null=False) if revs else None
    )
    if not isinstance(tip, Mapping):
        return None
    return _row_run(path, tip, _row_label(tip, f"{where}, {key}"), executor, baseline, problems, unread)


def _row_label(row: Mapping[str, Any], place: str) -> str:
    """Name a row in a problem line: its rev (a commit's first 7 characters) and DVC's name for it, or
    its `place` when it has no rev."""
    rev, name = row.get("rev"), row.get("name")
    shown = (rev[:7] if _SHA.fullmatch(rev) else rev) if isinstance(rev, str) and rev else place
    return f"row {shown}" + (f" ({name})" if isinstance(name, str) and name and name != shown else "")


def _shaped(
    path: str,
    where: str,
    key: str,
    value: Any,
    kind: type,
    problems: list[Problem],
    kept: str,
    null: bool = True,
) -> Any:
    """Return `value` when it is of the kind DVC writes at `key` (a list, an object) or null where DVC
    may write null; else add a problem naming the row and key, and return None."""
    if isinstance(value, kind) or (value is None and null):
        return value
    expected = "a list" if kind is list else "an object"
    shown = f"{where}: {key}" if key else where
    problems.append(Problem(path, f"{shown} is {_json_kind(value)}, not {expected} as DVC writes it", kept))
    return None


def _json_kind(value: Any) -> str:
    """Name the kind of a JSON value as a problem line says it."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _unread_files(path: str, unread: Mapping[tuple[str, str, str], list[str]]) -> list[Problem]:
    """Say, once per params or metrics file and DVC's message, in which rows DVC could not read it."""
    problems = []
    for (kind, file, message), names in unread.items():
        shown = ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")
        fix = (
            "; an output of a stage is read from DVC's cache: `dvc pull` (the workspace), "
            "`dvc exp pull REMOTE EXPERIMENT` fetch it, then run dvc exp show again"
            if "failed to load directory" in message  # DataIndexDirError: not in the local cache
            else ""
        )
        problems.append(
            Problem(
                path,
                f"DVC could not read the {kind} file {file} in {len(names)} row(s) ({shown}): {message}{fix}",
                f"those runs without its {kind}",
            )
        )
    return problems


def _row_run(
    path: str,
    row: Mapping[str, Any],
    where: str,
    executor: Mapping[str, Any] | None,
    baseline: tuple[str, str] | None,
    problems: list[Problem],
    unread: dict[tuple[str, str, str], list[str]],
) -> RunRecord | None:
    """Return the run of one row: a baseline commit (`executor` and `baseline` None) or an experiment
    (its executor {} when DVC keeps none: run in the workspace, it succeeded; `baseline` its baseline's
    name and revision); None when it holds no data. `where` names the row in a problem line."""
    data = _shaped(path, where, "data", row.get("data"), Mapping, problems, "the other rows")
    if data is None:  # null: DVC could not collect the row (its `error` says why)
        return None
    rev = str(row.get("rev") or data.get("rev") or "")
    name = str(row.get("name") or (rev if rev == WORKSPACE else rev[:7]))
    error = _shaped(path, where, "error", row.get("error"), Mapping, problems, "the run, not as failed")
    state = executor.get("state") if executor else None
    status = _STATES.get(str(state), "unknown") if state else ("unknown" if executor is None else "finished")
    provenance: dict[str, Any] = {}
    if isinstance(error, Mapping) or str(state) == "failed":
        status = "failed"
        local = executor.get("local") if executor else None
        local = _shaped(
            path, where, "executor.local", local, Mapping, problems, "the run without its exit code"
        )
        code = local.get("returncode") if local else None
        said = str(error.get("msg") or "") if isinstance(error, Mapping) else ""
        provenance["error"] = (
            f"{said or 'Experiment run failed'}{f' (exit code {code})' if code is not None else ''}; "
            f"`dvc queue logs {name}` shows its output"
        )
    params = _files(path, where, name, "params", data.get("params"), problems, unread)
    metrics = _files(path, where, name, "metrics", data.get("metrics"), problems, unread)
    summary: dict[str, float] = {}
    texts: list[str] = []
    for key, value in metrics.items():
        number = None if isinstance(value, bool) else to_float(value)
        if number is None:
            texts.append(key)
        else:
            summary[key] = number
    if texts:
        problems.append(
            Problem(
                path, f"experiment {name!r}: metric(s) {', '.join(texts[:3])} hold no number", "the numbers"
            )
        )
    if status == "failed" and summary:
        shown = ", ".join(f"{key} {value:g}" for key, value in list(summary.items())[:3])
        problems.append(
            Problem(
                path,
                f"experiment {name!r} failed: its metrics ({shown}) are the files it was queued with, "
                f"not its results; see its log with `dvc queue logs {name}`",
                "the run as failed, without metrics",
            )
        )
        summary = {}
    dvc: dict[str, Any] = {"rev": rev}
    if baseline:
        dvc["baseline"] = baseline[0]
    if state:
        dvc["state"] = str(state)  # DVC's executor state: queued, running, success, failed
    provenance["dvc"] = dvc
    # the code a run ran: its baseline commit's (an experiment's own commit differs from its sibling's
    # only in its params and results, not a change of code to mark a cell for)
    code = baseline[1] if baseline else rev
    if _SHA.fullmatch(code):
        provenance["git"] = {"commit": code}
    return RunRecord(
        key=rev or name,
        name=name,
        params=params,
        summary=summary,
        status=status,
        start_time=to_timestamp(data.get("timestamp")) if data.get("timestamp") else None,
        provenance=provenance,
    )


def _files(
    path: str,
    where: str,
    name: str,
    kind: str,
    files: Any,
    problems: list[Problem],
    unread: dict[tuple[str, str, str], list[str]],
) -> dict[str, Any]:
    """Return the flattened values of a row's params or metrics files: params.yaml's keys as they are,
    another file's prefixed with its path where a key is in more than one file; a file DVC could not
    read is added to `unread`, one of another shape than DVC writes is a problem."""
    files = _shaped(path, where, f"data.{kind}", files, Mapping, problems, f"the run without its {kind}")
    flat: dict[str, dict[str, Any]] = {}
    for file, held in (files or {}).items():
        key, kept = f"data.{kind}[{json.dumps(str(file))}]", f"the run without that file's {kind}"
        if _shaped(path, where, key, held, Mapping, problems, kept, null=False) is None:
            continue
        error = _shaped(path, where, f"{key}.error", held.get("error"), Mapping, problems, kept)
        if error is not None:
            message = str(error.get("msg") or error.get("type") or "unreadable")
            unread.setdefault((kind, str(file), message), []).append(name)
        body = _shaped(path, where, f"{key}.data", held.get("data"), Mapping, problems, kept)
        if body is not None:
            flat[str(file)] = flatten_fields(body)
    counts: dict[str, int] = {}
    for values in flat.values():
        for key in values:
            counts[key] = counts.get(key, 0) + 1
    merged: dict[str, Any] = {}
    for file, values in flat.items():
        for key, value in values.items():
            shown = key if counts[key] == 1 or file == PARAMS_FILE else f"{file}:{key}"
            merged[shown] = normalize_value(value) if kind == "params" else value
    return merged


def _same(commit: RunRecord, exp: RunRecord) -> bool:
    """Tell whether a commit is an experiment's: its revision, or the same params and results (some)."""
    if commit.provenance["dvc"]["rev"] == exp.provenance["dvc"]["rev"]:
        return True
    return bool(commit.summary) and commit.params == exp.params and commit.summary == exp.summary


def csv_runs(
    path: str,
    records: list[Mapping[str, Any]],
    params_yaml: Mapping[str, Any] | None,
    problems: list[Problem],
    named_params: Iterable[str] = (),
    header: Iterable[str] = (),
) -> tuple[list[tuple[str, str]], list[Mapping[str, Any]], set[str], set[str]]:
    """Return, for the rows of `dvc exp show --csv`, each kept row's (name, status), its fields
    (metrics and params; the deps' hashes left out), the fields that are params and those that are
    metrics (none named when the params are not known). The CSV does not
    say which columns are params: from the first key of `params_yaml` (the project's, beside the file)
    on, as DVC heads its params after its metrics, and those `named_params` names (-o params) are;
    without either a problem says how to tell them."""
    unread = [name for record in records for name, value in record.items() if value == UNREAD]
    if unread:
        columns = ", ".join(dict.fromkeys(unread[:200]))
        columns = columns if len(columns) < 120 else columns[:117] + "..."
        problems.append(
            Problem(
                path,
                f"{len(unread)} cell(s) hold DVC's {UNREAD!r}, a file it could not read in that row (an "
                f"output not pulled, or not written yet), in column(s) {columns}",
                "no value there",
            )
        )
        records = [{k: v for k, v in record.items() if v != UNREAD} for record in records]
    fields = [name for name in header if name not in CSV_COLUMNS]
    fields += [name for record in records for name in record if name not in CSV_COLUMNS]
    fields = list(dict.fromkeys(fields))  # in the header's order: metrics, then params, then deps
    hashes = {
        name
        for name in fields
        if all(_HASH.fullmatch(str(r[name])) for r in records if r.get(name) not in (None, ""))
        and any(r.get(name) not in (None, "") for r in records)
    }
    named: list[tuple[str, str]] = []
    kept: list[Mapping[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for record in records:
        rev = str(record.get("rev") or "")
        name = str(record.get("Experiment") or rev)
        status = _STATES.get(str(record.get("State") or "").lower(), "")
        # an experiment without a State was run in the workspace, which DVC keeps only when it succeeded
        status = status or ("unknown" if record.get("typ") == "baseline" else "finished")
        rows.append({k: v for k, v in record.items() if k in fields and k not in hashes})
        named.append((name, status))
    params: set[str] = set()
    if params_yaml is not None:  # DVC heads its params columns after its metrics columns: the first
        # key of params.yaml starts them, other params files' (DVCLive's results/train/params.yaml) too
        keys = set(flatten_params(params_yaml))
        first = next((index for index, name in enumerate(fields) if name in keys), len(fields))
        params = {name for name in fields[first:] if name not in hashes}
    params |= set(named_params)  # -o params=...
    if params_yaml is None and not params:
        problems.append(
            Problem(
                path,
                f"is {_EXP_SHOW_CSV} output, which does not say which columns are params: decimal "
                f"columns are read as metrics; fix: collect {_EXP_SHOW} instead, "
                f"or name the params with {option('option', 'params=lr,seed')}",
                "the rows, decimal columns as metrics",
            )
        )
    metrics = [name for name in fields if name not in params and name not in hashes]
    commits: list[int] = []  # the workspace and the baseline commits
    for index, values in enumerate(rows):
        name, status = named[index]
        if status == "failed" and any(values.get(m) not in (None, "") for m in metrics):
            problems.append(
                Problem(
                    path,
                    f"experiment {name!r} failed: its metrics are the files it was queued with, not its "
                    f"results; see its log with `dvc queue logs {name}`",
                    "the run as failed, without metrics",
                )
            )
            # without the params known, the decimal values are what is read as metrics
            values = {
                k: v
                for k, v in values.items()
                if (k not in metrics if params_yaml is not None else k in params or not isinstance(v, float))
            }
        if records[index].get("typ") == "baseline":
            commits.append(index)
        kept.append(values)
    shown = [json.dumps(values, sort_keys=True, default=str) for values in kept]
    revs = [str(record.get("rev") or "") for record in records]
    experiments = {shown[index] for index in range(len(kept)) if index not in commits}
    experiment_revs = {revs[index] for index in range(len(kept)) if index not in commits}
    for index in reversed(commits):
        # as the JSON is read: no values (`-A`: a commit before DVC), an experiment's revision or its params
        # and results (a branch of it), or the workspace as another row holds it, is no run of its own
        workspace = revs[index] == WORKSPACE
        others = set(shown[:index] + shown[index + 1 :]) if workspace else experiments
        results = workspace or (any(k in metrics for k in kept[index]) if params_yaml is not None else True)
        if not kept[index] or revs[index] in experiment_revs or (shown[index] in others and results):
            del kept[index], named[index]
    return named, kept, params, (set(metrics) if params_yaml is not None else set())


DVC_FILE = "dvc.yaml"  # marks a DVC project's folder
_DVC_YAML_BYTES = 1 << 20  # a dvc.yaml larger than this is not looked into
LOCK_FILE = "dvc.lock"


def project_of(path: str, levels: int = 3) -> str | None:
    """Return the local DVC project folder (holding dvc.yaml) a file is in, at most `levels` folders
    up, or None; object storage is not looked into."""
    if fs.is_remote(path):
        return None
    current = os.path.dirname(os.path.abspath(path))
    for _ in range(levels):
        if fs.exists(os.path.join(current, DVC_FILE)):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
    return None


def workspace_problem(
    path: str,
    holds: str = "it holds the workspace's values alone, not its params nor its experiments (git refs)",
    kept: str = "the file, as one run",
    folder: bool = False,
) -> Problem | None:
    """Say that a metrics file (or a DVCLive `folder`) of a DVC project is its workspace's result alone,
    and how to read its experiments (git refs, which no file in the folder holds); None for a path of
    no DVC project."""
    project = project_of(path)  # a DVCLive folder's own dvc.yaml (DVCLive 2.x writes one) is no project
    if project is None or not (folder or _declared(project, path)):
        return None
    shown = os.path.relpath(project) if not os.path.isabs(path) else project
    return Problem(
        path,
        f"is in the DVC project {shown} (its dvc.yaml): {holds}; run {_EXP_SHOW} in {shown} and collect "
        "exps.json, a run per experiment",
        kept,
    )


def _declared(project: str, path: str) -> bool:
    """Tell whether the project's dvc.yaml names a file (a `metrics:` entry, or a stage's): not a
    results file of runs that only sit inside a DVC-managed repository."""
    relative = os.path.relpath(os.path.abspath(path), project).replace(os.sep, "/")
    try:
        text = read_small_file(os.path.join(project, DVC_FILE), _DVC_YAML_BYTES)
    except OSError:
        return False
    return text is not None and relative.encode() in text


def project_note(path: str) -> str | None:
    """Say, of a local DVC project folder in which no run was found, that its experiments are git refs
    and how to read them; None for any other folder."""
    if fs.is_remote(path) or not os.path.isfile(os.path.join(path, DVC_FILE)):
        return None
    return (
        f"it is a DVC project (its dvc.yaml), whose experiments are git refs, not files: run {_EXP_SHOW} "
        f"in {path} and collect exps.json, a run per experiment"
    )


def lock_note(path: str) -> str | None:
    """Say what DVC's dvc.lock holds (the stages' params and the hashes of their files, no metric) and
    what to collect instead; None for any other file."""
    if os.path.basename(path) != LOCK_FILE:
        return None
    folder = os.path.dirname(path) or "."
    return (
        f"it is DVC's lock file, the stages' params and file hashes of the last `dvc repro`, no metric: "
        f"run {_EXP_SHOW} in {folder} and collect exps.json, a run per experiment"
    )
