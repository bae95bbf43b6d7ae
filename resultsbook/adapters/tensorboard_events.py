"""TensorBoard event files, read without TensorFlow or the tensorboard package.

A run is a folder holding `*tfevents*` files; all of them are read, in name (= time) order, and a
file that starts the steps over after the others ended is another
training, a run of its own, with the files below written during it. Event files in the folders below
it belong to it too, because writers put parts of one run there: the hparams session of
tensorboardX's and torch's `add_hparams` gives the run its params (its metrics keep their tags), and
`add_scalars("loss", {"train": ...})` series become metrics `loss/train` (other sub-folders' tags
are prefixed with the sub-folder's path). Keras' `train/` and `validation/` make their `log_dir` a
run (a run per fit, each with its validation, when several wrote there). A PyTorch Lightning
`hparams.yaml` beside the event files gives the params (read safely, Python tags as data); so do an
RSL-RL run folder's `params/agent.yaml` and `params/env.yaml` (Isaac Lab, legged_gym), whose
`max_iterations` gives its status and `git/*.diff` its provenance.
"""

from __future__ import annotations

import bisect
import math
import os
import re
import time
from typing import Any

import numpy as np

from resultsbook.adapters import run_file_of_later
from resultsbook.adapters.base import Adapter, Claim, Folder, option_choice
from resultsbook.adapters.lightning_csv import META_TAGS_FILE, read_meta_tags, split_validation_after_fit
from resultsbook.adapters.tb_events import EVENTS_MARK, EventData, joined, read_each_event_file, restart_said
from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.params import flatten_params
from resultsbook.sources import detectron2, fs, isaaclab, mmengine
from resultsbook.sources.fileio import folder_identity
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.yamlio import read_yaml_file
from resultsbook.voice import option

LIGHTNING_HPARAMS = "hparams.yaml"
LIGHTNING_HP_METRIC = "hp_metric"
# hparams SessionEndInfo.status -> resultsbook status
_END_STATUS = {1: "finished", 2: "failed", 3: "running"}
_LIGHTNING_VERSION = re.compile(r"version_\d+")
_NAN = float("nan")
_TRAININGS = ("split", "one")
DEFAULT_STALE_AFTER = 3600.0  # an RSL-RL training unfinished and unwritten this long stopped
# One training's event files in sub-folders of its log_dir: (the folder each training writes first, the
# others it writes, those it may write, the suffix every file of theirs has). Keras' TensorBoard
# callback (TF2) writes train/ at set_model and validation/ at the first validation; fairseq-train's
# --tensorboard-logdir writes train_inner/ every --log-interval updates, train/ and valid/ each epoch.
SPLIT_LAYOUTS = (("train", ("validation",), (), ".v2"), ("train_inner", ("valid",), ("train",), ""))


class TensorboardAdapter(Adapter):
    """Read folders of TensorBoard event files (tensorboard, torch, tensorboardX, Keras, Lightning)."""

    name = "tensorboard"
    summary = "folders of TensorBoard event files (events.out.tfevents.*), hparams included"
    priority = 25
    # 2: a `hyperparameters` text table (CleanRL) gives params; 3: sessions of different hparams are runs;
    # 4: Lightning's `hp_metric = -1` placeholder is no metric
    # 5: a Detectron2 output folder's config.yaml gives params, its log and last_checkpoint the status
    # 6: a folder's event files that start their steps over are trainings of their own, one run each;
    # Keras' train/ and validation/ are one run of their log_dir (a run per fit, paired, when several)
    # 7: an RSL-RL run folder's params/agent.yaml and params/env.yaml give params, max_iterations the
    # status, git/*.diff the provenance; 8: the Hugging Face Trainer's `args` JSON text gives params
    # 9: trainings that start their steps over are split with their add_scalars and add_hparams folders
    # 10: so were the trainings one writer logged into one event file; 11: those are one run again, noted
    reading_version = 11
    options = {
        "trainings": "a folder's event files that start their steps over again: "
        "split (default), one run each, or one, one run of them all (the last value of each step kept, "
        "as TensorBoard shows them)",
        "stale_after": "seconds without a write after which an unfinished RSL-RL training is failed "
        "(default 3600)",
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._folded: set[str] = set()  # sub-folders already read as part of their parent's run

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder holding event files, with the event files of the folders below it."""
        if folder.path in self._folded:
            return Claim((), descend=True)
        own = sorted(name for name in folder.files if EVENTS_MARK in name)
        if not own:
            fit = _split_folders(folder)
            # beside a log another adapter reads (a CSVLogger's), train/ and validation/ are runs alone
            if fit is None or (not forced and run_file_of_later(self.name, folder) is not None):
                return None
            for sub_path, _ in fit:
                self._folded.add(sub_path)
            return Claim((self.source(folder.path, [f for _, files in fit for f in files]),), descend=True)
        if not forced and detectron2.holds_metrics(folder.files):
            return None  # metrics.json has the same scalars exactly (event files keep float32): onefile's
        if not forced and mmengine.is_run_folder(folder.path, folder.files):
            return None  # MMEngine's TensorboardVisBackend: scalars.json beside is read, with its config
        files = [folder.file(name) for name in own]
        if LIGHTNING_HPARAMS in folder.files:
            files.append(folder.file(LIGHTNING_HPARAMS))
        elif META_TAGS_FILE in folder.files:  # test-tube's version_N/: its event files lie in tf/
            files.append(folder.file(META_TAGS_FILE))
        else:
            files.extend(detectron2.side_files(folder.path, folder.files))
            files.extend(isaaclab.side_files(folder.path, folder.dirs))
        for sub_path, sub_files in _event_files_below(folder.path, folder.dirs):
            self._folded.add(sub_path)
            files.extend(sub_files)
        return Claim((self.source(folder.path, files),), descend=True)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the run folder of an event file matched by a path pattern, or of the hparams.yaml
        Lightning writes beside them."""
        if EVENTS_MARK not in os.path.basename(path) and os.path.basename(path) != LIGHTNING_HPARAMS:
            return None
        folder = os.path.dirname(path)
        names: list[str] = []
        dirs: list[str] = []
        with fs.scandir(folder) as entries:
            for entry in entries:
                (dirs if entry.is_dir() else names).append(entry.name)
        claim = TensorboardAdapter().claim(Folder(folder, frozenset(names), tuple(sorted(dirs))), forced)
        return claim.sources[0] if claim and claim.sources else None

    def clock_state(self, source: Source) -> str:
        """Say "fresh" while an RSL-RL run folder was written recently: an unfinished training fails by
        the clock; "" for every other folder (its status does not depend on the clock)."""
        if not isaaclab.has_agent(source.files):
            return ""
        return self.fresh_while_written(source.files, DEFAULT_STALE_AFTER)

    def read(self, source: Source) -> ReadResult:
        """Read one run folder: its event files, those of the folders below it, and hparams.yaml."""
        problems: list[Problem] = []
        root = source.path
        groups: dict[str, list[str]] = {}
        yaml_path = tags_path = None
        side: list[str] = []  # a Detectron2 output folder's config.yaml, last_checkpoint and log.txt
        rsl_rl: list[str] = []  # an RSL-RL run folder's params/agent.yaml, params/env.yaml and git/*.diff
        for path in source.files:
            if isaaclab.is_side_file(root, path):
                rsl_rl.append(path)
                continue
            if os.path.basename(path) == LIGHTNING_HPARAMS and os.path.dirname(path) == root:
                yaml_path = path
                continue
            if os.path.basename(path) == META_TAGS_FILE and os.path.dirname(path) == root:
                tags_path = path
                continue
            if os.path.basename(path) in detectron2.SIDE_FILES and os.path.dirname(path) == root:
                side.append(path)
                continue
            relative = os.path.relpath(os.path.dirname(path), root)
            groups.setdefault("" if relative == "." else relative.replace(os.sep, "/"), []).append(path)
        own_files = read_each_event_file(groups.pop("", []), problems)
        each_below = {sub: read_each_event_file(groups[sub], problems) for sub in sorted(groups)}
        version = _LIGHTNING_VERSION.fullmatch(os.path.basename(root.rstrip(os.sep)))
        if yaml_path is None and not side and not rsl_rl and not version and self._splits_trainings():
            # a file's own restart is not split: one tag going back (a final eval at step 0, a batch index
            # as the step) is as likely one training; the note below says where the steps start over
            trainings = split_trainings(own_files)
            if len(trainings) > 1 and (placed := _with_files_below(trainings, each_below)) is not None:
                runs = _training_runs(root, placed, problems)
                files = len(own_files) + sum(len(parts) for parts in each_below.values())
                problems.append(_trainings_problem(root, files, runs, _each_with(each_below)))
                return ReadResult(runs, tuple(problems))
            if not own_files and (layout := _split_layout(set(each_below))) is not None:
                runs = _split_folder_runs(root, layout, each_below, problems)
                if runs:
                    return ReadResult(runs, tuple(problems))
        restarted = next(((part, said) for part in own_files if (said := restart_said(part))), None)
        if restarted is not None:  # read as one run: `last` is not the point logged last
            problems.append(_restart_kept_problem(root, restarted))
        own = joined(own_files)
        below = {sub: joined(parts) for sub, parts in each_below.items()}
        if yaml_path is None and _distinct_sessions(below) > 1:
            return ReadResult(_session_runs(root, own, below, problems), tuple(problems))
        builder = SeriesBuilder()
        own.add_to(builder, "")
        params: dict[str, Any] = {**(own.text_params or {}), **(own.hparams or {})}  # hparams win
        sessions = [own]
        for sub, events in below.items():
            if events.hparams is not None:  # add_hparams' session folder: params and metrics of this run
                _merge_hparams(params, events.hparams, os.path.join(root, sub), problems)
                events.add_to(builder, "")
                sessions.append(events)
            else:
                events.add_to(builder, sub)
        name = os.path.basename(root.rstrip(os.sep))
        parent = os.path.basename(os.path.dirname(root.rstrip(os.sep)))
        lightning = _LIGHTNING_VERSION.fullmatch(name) is not None and parent
        params = flatten_params(params)
        if yaml_path is not None:
            params = _with_lightning_hparams(params, yaml_path, problems)
        elif lightning:  # its hparams.yaml not kept: the event files' hparams, named as the yaml's would be
            params = _lightning_session_params(params)
        if tags_path is not None:
            params = {**params, **read_meta_tags(tags_path, problems)}
        series, series_problems = builder.build(root)
        problems.extend(series_problems)
        summary: dict[str, float] = {}
        if lightning or yaml_path is not None:
            series = _without_hp_metric_placeholder(series)
        if lightning:
            series, summary = split_validation_after_fit(root, series, problems)
        status, end_time = _status(sessions)
        provenance: dict[str, Any] = {}
        if side:  # Detectron2's event files hold no params and no status: its config and log do
            last_step = max((float(s.steps[-1]) for s in series.values() if len(s)), default=None)
            config, status, provenance = detectron2.read_side_files(root, side, last_step, problems)
            params = {**config, **params}
        experiment = parent if lightning else None
        if rsl_rl:  # its event files hold scalars only: the yaml files hold its params, git/ its provenance
            params = {**params, **isaaclab.read_params(root, rsl_rl, problems)}
            status, provenance = self._rsl_rl_status(source, params, series, problems)
            provenance.update(isaaclab.git_provenance(root, rsl_rl, problems))
            named = params.get("experiment_name")
            experiment = named if isinstance(named, str) and named else None
        run = RunRecord(
            name=f"{parent}/{name}" if lightning or side else name,  # Detectron2's: as onefile names it
            params=params,
            metrics=series,
            summary=summary,
            status=status,
            start_time=own.first_time,
            end_time=end_time,
            experiment=experiment,
            provenance=provenance,
        )
        return ReadResult((run,), tuple(problems))

    def _rsl_rl_status(
        self, source: Source, params: dict[str, Any], series: dict[str, Series], problems: list[Problem]
    ) -> tuple[str, dict[str, Any]]:
        """Finished when the iterations logged (from the one it resumed at) reached agent.yaml's
        `max_iterations`; otherwise running while the folder is written to, failed once it is not;
        unknown without `max_iterations` or scalars."""
        planned = isaaclab.planned_iterations(params)
        span = isaaclab.iterations(series)
        if planned is None or span is None:
            return "unknown", {}
        first, last = span
        done = last - first + 1  # runner.learn logs iterations first .. first + max_iterations - 1
        if done >= planned:
            return "finished", {}
        said = f"{isaaclab.PARAMS_FOLDER}/{isaaclab.AGENT_FILE}"
        provenance: dict[str, Any] = {
            "progress": f"{done} of {planned} iterations, {first} to {last} ({said}: {isaaclab.PLANNED})"
        }
        newest = fs.newest_mtime(source.files)
        if newest is None or time.time() - newest < self.stale_after(DEFAULT_STALE_AFTER):
            return "running", provenance
        provenance["incomplete"] = True
        stale = f"nothing was written for over {self.stale_after(DEFAULT_STALE_AFTER) / 60:.0f} min"
        only_finished = option("where", "status=finished")
        problems.append(
            Problem(
                source.path,
                f"training stopped unfinished: its event files log iterations {first} to {last}, {done} "
                f"of {isaaclab.PLANNED} = {planned} ({said}), and {stale}",
                f"the run, as failed (a table marks its cells ‡; {only_finished} leaves it out)",
            )
        )
        return "failed", provenance

    def _splits_trainings(self) -> bool:
        """Tell whether event files that start their steps over are read as trainings of their own."""
        return option_choice(self.config, "trainings", _TRAININGS) == "split"


def split_trainings(parts: list[EventData]) -> list[list[EventData]]:
    """Group a folder's event files (in name order) into trainings: a file that logs a tag again from
    its training's first step of that tag, or before it, after that training's last point, starts
    a new one (a `log_dir` reused by another `model.fit`, a script run again). A file that goes on
    from a later step (a resumed training) or whose points interleave with the earlier ones in time
    (two writers of one training) joins the training before it; a file with no scalars (Keras'
    `.profile-empty`) joins the training it sits in."""
    if len(parts) < 2:
        return [parts]
    trainings: list[tuple[list[EventData], dict[str, float], list[float]]] = []
    waiting: list[EventData] = []  # files without scalars before the first training's first file
    for part in parts:
        first_steps, first_time, last_time = _scalar_span(part)
        if not first_steps:
            (trainings[-1][0] if trainings else waiting).append(part)
            continue
        if trainings:
            files, steps, last = trainings[-1]
            restarts = any(tag in steps and step <= steps[tag] for tag, step in first_steps.items())
            if not restarts or first_time < last[0]:  # a NaN time (none written) compares False
                files.append(part)
                for tag, step in first_steps.items():
                    steps[tag] = min(step, steps.get(tag, step))
                last[0] = float(np.fmax(last[0], last_time))
                continue
        trainings.append(([*waiting, part], dict(first_steps), [last_time]))
        waiting = []
    return [files for files, _, _ in trainings] if trainings else [waiting]


def _with_files_below(
    trainings: list[list[EventData]], each_below: dict[str, list[EventData]]
) -> list[list[tuple[str, list[EventData]]]] | None:
    """Return each training's event files with those below the folder its writer wrote during it
    (add_scalars' `loss/train/`, add_hparams' `<time>/` session, "" for a session: its tags are the
    run's): each starts after its training's first file and before the next training's, in its
    process when the file names say. None when a file cannot be placed so, or when a training would
    hold sessions of different hparams."""
    starts = [_start(parts) for parts in trainings]
    if any(math.isnan(start) for start in starts) or starts != sorted(starts):
        return None
    processes = [{_process([part]) for part in parts} for parts in trainings]
    placed: list[list[tuple[str, list[EventData]]]] = [[("", parts)] for parts in trainings]
    sessions: list[set[str]] = [set() for _ in trainings]
    for sub, parts in each_below.items():
        for part in parts:
            start = _start([part])
            index = -1 if math.isnan(start) else bisect.bisect_right(starts, start) - 1
            process = _process([part])
            if index < 0 or (None not in (process, *processes[index]) and process not in processes[index]):
                return None
            if part.hparams is not None:
                sessions[index].add(repr(sorted(part.hparams.items())))
            placed[index].append(("" if part.hparams is not None else sub, [part]))
    return None if any(len(found) > 1 for found in sessions) else placed


def _each_with(each_below: dict[str, list[EventData]]) -> str:
    """Say what each training's run holds besides its own event files (`each, with its loss/train/,`)."""
    named = [f"{sub}/" for sub, parts in each_below.items() if all(part.hparams is None for part in parts)]
    if any(part.hparams is not None for parts in each_below.values() for part in parts):
        named.append("add_hparams session")
    if not named:
        return "each"
    listed = " and ".join(named) if len(named) < 3 else f"{', '.join(named[:-1])} and {named[-1]}"
    return f"each, with its {listed},"


def _scalar_span(part: EventData) -> tuple[dict[str, float], float, float]:
    """Return an event file's first step of each tag and the wall times of its first and last points."""
    first_steps: dict[str, float] = {}
    first_time = last_time = _NAN
    for tag, chunks in part.chunks.items():
        steps = np.concatenate([chunk[1] for chunk in chunks])
        times = np.concatenate([chunk[3] for chunk in chunks])
        if len(steps):
            first_steps[tag] = float(steps.min())
        if np.isfinite(times).any():
            first_time = float(np.fmin(first_time, np.nanmin(times)))
            last_time = float(np.fmax(last_time, np.nanmax(times)))
    return first_steps, first_time, last_time


def _training_runs(
    root: str, trainings: list[list[tuple[str, list[EventData]]]], problems: list[Problem]
) -> tuple[RunRecord, ...]:
    """Read each training, the event files of each of its folders (relative to `root`, "" for its own),
    as a run of its own, named by the time in its first file's name (`<folder>/1540179936`), or in
    its first train/ file's name; a folder's tags are named as in one run (`validation/epoch_loss`)."""
    name = os.path.basename(root.rstrip(os.sep))
    firsts = [next(_relative_name(sub, parts) for sub, parts in pieces if parts) for pieces in trainings]
    labels = [_time_label(first) for first in firsts]
    if len(set(labels)) < len(labels):  # two trainings started in the same second
        labels = [first.split(EVENTS_MARK, 1)[-1].lstrip(".") for first in firsts]
    prefix = os.path.dirname(firsts[0]) if len({os.path.dirname(first) for first in firsts}) == 1 else ""
    runs: list[RunRecord] = []
    for pieces, first, label in zip(trainings, firsts, labels):
        builder = SeriesBuilder()
        sessions = []
        for sub, parts in pieces:
            events = joined(parts)
            events.add_to(builder, sub)
            sessions.append(events)
        series, series_problems = builder.build(os.path.join(root, first))
        problems.extend(series_problems)
        status, end_time = _status(sessions)
        params: dict[str, Any] = {}
        for events in sessions:
            params.update({**(events.text_params or {}), **(events.hparams or {})})
        run_folder = os.path.dirname(first)
        runs.append(
            RunRecord(
                key=first,
                name="/".join(
                    part for part in (name, "" if run_folder == prefix else run_folder, label) if part
                ),
                params=flatten_params(params),
                metrics=series,
                status=status,
                start_time=next((e.first_time for e in sessions if e.first_time is not None), None),
                end_time=end_time,
            )
        )
    return tuple(runs)


def _restart_kept_problem(root: str, restarted: tuple[EventData, str]) -> Problem:
    """Say that a file's steps start over inside a run read as one: its `last` is its highest step's."""
    part, said = restarted
    return Problem(
        root,
        f"its steps start over ({os.path.basename(part.files[0])}: {said}), read as one run: each step's "
        "last value is kept, and `last` is the value at the highest step, not the one logged last (if one "
        "writer logged a second training, give each training its own log_dir)",
        "one run",
    )


def _relative_name(folder: str, parts: list[EventData]) -> str:
    """Return the path of a training's first event file relative to the run folder (`train/events…`)."""
    name = os.path.basename(parts[0].files[0])
    return f"{folder}/{name}" if folder else name


def _time_label(file_name: str) -> str:
    """Return the time an event file's name holds (`events.out.tfevents.1540179936.NAYAN`: 1540179936)."""
    return os.path.basename(file_name).split(EVENTS_MARK, 1)[-1].lstrip(".").split(".")[0]


def _trainings_problem(
    root: str, files: int, runs: tuple[RunRecord, ...], how: str, within: str = ""
) -> Problem:
    """Say that a folder's event files hold several trainings, read as runs of their own, and where
    one file's steps start over (`within`), when one writer logged more than one."""
    held = f"its {files} event files hold" if files > 1 else "its event file holds"
    one_writer = f"; in {within}: one writer logged another training, e.g. fine-tuning" if within else ""
    return Problem(
        root,
        f"{held} {len(runs)} trainings, each starting its steps over "
        f"(a log_dir reused by another fit, or a script run again{one_writer})",
        f"{how} as a run of its own, {runs[0].name} to {runs[-1].name}; "
        "-o trainings=one reads them as one run",
    )


def _split_layout(names: set[str]) -> tuple[str, tuple[str, ...], tuple[str, ...], str] | None:
    """Return the layout whose sub-folders are exactly these (its anchor and others, some optional)."""
    for layout in SPLIT_LAYOUTS:
        anchor, required, optional, _ = layout
        if {anchor, *required} <= names <= {anchor, *required, *optional}:
            return layout
    return None


def _split_folders(folder: Folder) -> list[tuple[str, list[str]]] | None:
    """Return the sub-folders one training's event files are split into (Keras' train/ and
    validation/, fairseq's train_inner/, train/ and valid/) below a folder without event files of its
    own, each with its event files, when every one its layout needs holds some; None otherwise."""
    for anchor, required, optional, suffix in SPLIT_LAYOUTS:
        if not all(sub in folder.dirs for sub in (anchor, *required)):
            continue
        found: list[tuple[str, list[str]]] = []
        for sub in (anchor, *required, *(sub for sub in optional if sub in folder.dirs)):
            path = os.path.join(folder.path, sub)
            try:
                with fs.scandir(path) as entries:
                    files = sorted(e.path for e in entries if EVENTS_MARK in e.name and not e.is_dir())
            except OSError:
                files = []
            if any(file.endswith(suffix) for file in files):
                found.append((path, files))
            elif sub == anchor or sub in required:
                break
        else:
            return found
    return None


def _split_folder_runs(
    root: str,
    layout: tuple[str, tuple[str, ...], tuple[str, ...], str],
    each_below: dict[str, list[EventData]],
    problems: list[Problem],
) -> tuple[RunRecord, ...]:
    """Read the trainings of a log_dir split into sub-folders (Keras' train/ and validation/), when
    there are several, each as a run with what it wrote into the other folders: each training writes
    its anchor folder's file first (Keras' train/), the others' after it and before the next
    training's, in the same process. () for a single training: the log_dir is then one run."""
    anchor = layout[0]
    trainings = {sub: split_trainings(parts) for sub, parts in each_below.items()}
    if all(len(found) == 1 for found in trainings.values()):
        return ()
    files = sum(len(parts) for parts in each_below.values())
    others = [sub for sub in each_below if sub != anchor]
    pairs = {sub: _pair_with(trainings[anchor], trainings[sub]) for sub in others}
    if all(paired is not None for paired in pairs.values()):
        grouped = [
            [(anchor, parts), *((sub, (pairs[sub] or {}).get(i, [])) for sub in others)]
            for i, parts in enumerate(trainings[anchor])
        ]
        runs = _training_runs(root, grouped, problems)
        named = " and ".join(f"{sub}/" for sub in others)
        problems.append(_trainings_problem(root, files, runs, f"each, with its {named},"))
        return runs
    alone = [[(sub, parts)] for sub in (anchor, *others) for parts in trainings[sub]]
    runs = _training_runs(root, alone, problems)
    counts = ", ".join(f"{sub}/ {len(trainings[sub])}" for sub in others)
    problems.append(
        Problem(
            root,
            f"its {anchor}/ holds {len(trainings[anchor])} trainings and {counts}, whose file times and "
            "process ids do not tell which of them go together",
            f"each as a run of its own, {runs[0].name} to {runs[-1].name}, not paired (give each training "
            "its own log_dir); -o trainings=one reads them as one run",
        )
    )
    return runs


def _pair_with(
    anchors: list[list[EventData]], trainings: list[list[EventData]]
) -> dict[int, list[EventData]] | None:
    """Return which training of the anchor folder each of `trainings` goes with (by its index), known
    when each starts after one anchor training's start and before the next one's, in the same process
    when the file names say; None when that is not so."""
    starts = [_start(parts) for parts in anchors]
    if any(math.isnan(start) for start in starts) or starts != sorted(starts):
        return None
    pairs: dict[int, list[EventData]] = {}
    for parts in trainings:
        start = _start(parts)
        index = -1 if math.isnan(start) else bisect.bisect_right(starts, start) - 1
        if index < 0 or index in pairs or _process(parts) != _process(anchors[index]):
            return None
        pairs[index] = parts
    return pairs


def _start(parts: list[EventData]) -> float:
    """Return the first wall time of a training's event files (NaN when none is written)."""
    return next((p.first_time for p in parts if p.first_time), _NAN)


def _process(parts: list[EventData]) -> str | None:
    """Return the host and process id an event file's name holds (TF2's `<time>.<host>.<pid>.<n>.v2`,
    torch's `<time>.<host>.<pid>.<n>`); None when it holds none (tensorboardX's `<time>.<host>`)."""
    fields = os.path.basename(parts[0].files[0]).split(EVENTS_MARK, 1)[-1].lstrip(".").split(".")
    if fields[-1] == "v2":
        fields = fields[:-1]
    numbered = len(fields) >= 4 and fields[-1].isdigit() and fields[-2].isdigit()
    return ".".join(fields[1:-1]) if numbered else None


def _distinct_sessions(below: dict[str, EventData]) -> int:
    """Return how many different sets of hparams the hparams sessions below a run folder hold."""
    return len({repr(sorted(e.hparams.items())) for e in below.values() if e.hparams is not None})


def _session_runs(
    root: str, own: EventData, below: dict[str, EventData], problems: list[Problem]
) -> tuple[RunRecord, ...]:
    """Read each hparams session below a folder as a run of its own: `add_hparams` called once per
    training into one writer (torch's documented example) leaves sessions of different hparams side
    by side, which TensorBoard shows as that many runs. The folder's own scalars (and add_scalars'
    folders) belong to none of them: they are a run of their own, without those params."""
    name = os.path.basename(root.rstrip(os.sep))
    runs: list[RunRecord] = []
    shared = own.text_params or {}
    builder = SeriesBuilder()
    own.add_to(builder, "")
    for sub, events in below.items():
        if events.hparams is None:
            events.add_to(builder, sub)
            continue
        session = SeriesBuilder()
        events.add_to(session, "")
        series, series_problems = session.build(os.path.join(root, sub))
        problems.extend(series_problems)
        status, end_time = _status([events])
        params = flatten_params({**shared, **events.hparams})
        runs.append(
            RunRecord(
                key=sub,
                name=f"{name}/{sub}",
                params=params,
                metrics=series,
                status=status,
                start_time=events.first_time,
                end_time=end_time,
            )
        )
    series, series_problems = builder.build(root)
    problems.extend(series_problems)
    if series:
        tags = ", ".join(sorted(series)[:3]) + (", …" if len(series) > 3 else "")
        problems.append(
            Problem(
                root,
                f"its own scalars ({tags}) sit beside {len(runs)} hparams sessions of different hparams, "
                "each read as a run of its own; they belong to none of them (log each training with its "
                "own SummaryWriter, add_hparams in its folder)",
                f"them as run {name!r}, without params",
            )
        )
        runs.insert(
            0, RunRecord(name=name, params=flatten_params(shared), metrics=series, start_time=own.first_time)
        )
    return tuple(runs)


def _event_files_below(
    path: str, dirs: tuple[str, ...], above: frozenset[tuple[Any, Any]] = frozenset()
) -> list[tuple[str, list[str]]]:
    """Return (folder, its event files) for every folder below `path` that holds event files; a link
    back to the run's folder (or one between) is not followed, so no file is read twice."""
    found: list[tuple[str, list[str]]] = []
    try:
        info = fs.stat(path)
    except OSError:
        return found
    above = above | {folder_identity(path, info)}
    for name in dirs:
        if name.startswith(".") or name == "__pycache__":
            continue
        sub = os.path.join(path, name)
        files: list[str] = []
        subdirs: list[str] = []
        try:
            if folder_identity(sub, fs.stat(sub)) in above:
                continue
            with fs.scandir(sub) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        subdirs.append(entry.name)
                    elif EVENTS_MARK in entry.name:
                        files.append(entry.path)
        except OSError:
            continue
        if files:
            found.append((sub, sorted(files)))
        found.extend(_event_files_below(sub, tuple(sorted(subdirs)), above))
    return found


def _merge_hparams(params: dict[str, Any], found: dict[str, Any], path: str, problems: list[Problem]) -> None:
    """Add a session's hparams to the run's, reporting values that disagree."""
    for key, value in found.items():
        if key in params and params[key] != value:
            problems.append(
                Problem(path, f"hparam {key!r} is {value!r} here but {params[key]!r} elsewhere", "this one")
            )
        params[key] = value


def _with_lightning_hparams(params: dict[str, Any], path: str, problems: list[Problem]) -> dict[str, Any]:
    """Return params from Lightning's hparams.yaml, completed by hparams only the event files hold."""
    config = read_yaml_file(path, problems, "the hparams of the event files")
    if config is None:
        return params
    if not isinstance(config, dict):
        problems.append(Problem(path, "does not hold a mapping of hparams", "the hparams of the event files"))
        return params
    merged = flatten_params(config)
    for key, value in _lightning_session_params(params).items():
        merged.setdefault(key, value)
    return merged


def _without_hp_metric_placeholder(series: dict[str, Series]) -> dict[str, Series]:
    """Leave out the `hp_metric = -1` Lightning's TensorBoardLogger writes at step 0 when it logs the
    hparams without a metric (`default_hp_metric`): a placeholder for TensorBoard's HPARAMS tab, no
    measurement; a `self.log("hp_metric", …)` of the run's own keeps its points after it."""
    placeholder = series.get(LIGHTNING_HP_METRIC)
    if placeholder is None or not len(placeholder):
        return series
    if placeholder.steps[0] != 0 or placeholder.values[0] != -1:
        return series
    kept = {name: s for name, s in series.items() if name != LIGHTNING_HP_METRIC}
    if len(placeholder) > 1:
        times = None if placeholder.times is None else placeholder.times[1:]
        kept[LIGHTNING_HP_METRIC] = Series(placeholder.steps[1:], placeholder.values[1:], times)
    return kept


_CLASS_TEXT = re.compile(r"<class '([\w.]+)'>")


def _lightning_session_params(params: dict[str, Any]) -> dict[str, Any]:
    """Return the hparams Lightning wrote into the event files with the keys and values hparams.yaml
    gives them: it flattens nested hparams with "/" there (`model/lr`: `model.lr`) and writes a class
    as `str()` does (`<class 'models.GCN'>`: `models.GCN`, as the yaml's `!!python/name:models.GCN`)."""
    renamed: dict[str, Any] = {}
    for key, value in params.items():
        named = _CLASS_TEXT.fullmatch(value) if isinstance(value, str) else None
        renamed.setdefault(key.replace("/", "."), named.group(1) if named else value)
    return renamed


def _status(sessions: list[EventData]) -> tuple[str, float | None]:
    """Return the run's status and end time from the hparams session end, when it is dated.

    torch and tensorboardX write SUCCESS at `add_hparams` time, with no end time, whatever happens
    next (and Lightning does so at the start of training): only a dated session end means something.
    """
    for events in reversed(sessions):
        if events.end_status is not None and events.end_time:
            return _END_STATUS.get(events.end_status, "unknown"), events.end_time
    return "unknown", None
