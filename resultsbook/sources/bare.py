"""Runs a collect read without a single param: whatever tells them apart is in their folders' names.

Runs whose logs hold no settings (a Stable-Baselines3 `EvalCallback` folder, SB3's own TensorBoard
folders `PPO_1`, `PPO_2`) under folders named for them (`base/seed_0/eval_logs`) give a store in which
a table cannot tell one from another. The note this module writes names the `--pattern` that takes
the params from those folders, built from the runs' own paths.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from resultsbook.adapters import MONITOR_FILE
from resultsbook.sources.raytune import is_trial_folder
from resultsbook.sources.settings_names import READABLE_SUFFIXES
from resultsbook.voice import option

_NUMBERED = re.compile(r"([A-Za-z]+)([_-]?)(\d+)")  # seed_0, seed0, fold-3: a key and its number
# seed_14_Acrobot-v1 (a key and its number, then the rest), Acrobot-v1_seed_14 (the rest first), for
# keys that count replicates: the `-v1` of Acrobot-v1 or the `bs16` of bs16_lr2 is no seed beside a name
_REPLICATE_KEYS = frozenset({"seed", "trial", "run", "rep", "repeat", "fold"})
_NUMBERED_FIRST = re.compile(r"([A-Za-z]+)([_-]?)(\d+)([_-])(.+)")
_NUMBERED_LAST = re.compile(r"(.+?)([_-])([A-Za-z]+)([_-]?)(\d+)")
_LITERAL = re.compile(r"[\w.\- ]+")  # a folder name a pattern can hold as it is
_FEWEST = 2  # one run alone needs nothing to tell it apart
RECORDS = "records"  # as csv, it reads a file of any name a pattern names (`**/log.txt`)
CSV = "csv"  # the adapter that reads the logs a pattern names, with `-o config=FILE` beside each
_RUN_ID = re.compile(r"[0-9a-f]{32}")  # MLflow's run folders: a tracker's id, never the run's settings
# `gain=0.025` in `pws_gain=0.025`, `lr=0.1` in Hydra's `lr=0.1,seed=1`: a setting ends where the next begins
_SETTING = re.compile(r"([A-Za-z][A-Za-z0-9]*)=([^,=/]+?)(?=$|[,_-][A-Za-z][A-Za-z0-9]*=)")
# `20210608-165417-resnet50-224`: the date and time a run started (`%Y%m%d-%H%M%S`), then its name
_STAMPED = re.compile(r"(\d{8})([-_])(\d{6})([-_])(.+)")
_STAMPED_LAST = re.compile(r"(.+?)([-_])(\d{8})([-_])(\d{6})")  # `A2C_run_20250403_103503`
_MODEL_AND_SIZE = re.compile(r"[^-]+-\d+")  # the rest of timm's train.py folder: `<model>-<image size>`
ONEFILE = "onefile"  # its run file may lie beside another that holds more of the run (its settings)
_MOST_PARTS = 6  # more parts than this in a file name are no settings a pattern should name
_LOOKED = 20  # runs whose folders are listed to find the file beside each run's file: a note's look


@dataclass
class BareRuns:
    """The runs of one collect that have no param, by adapter: their folders under the collect root
    and the file of each that the adapter claims."""

    found: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    ray_tune_trials: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    settings: dict[str, str] = field(default_factory=dict)  # a settings file beside the csv logs: args.yaml
    run_files: dict[str, str] = field(default_factory=dict)  # a onefile run's file, by its folder's tail
    # the files read as runs of their own in each folder, by adapter: several in one folder are told
    # apart by their names alone (sfujim/TD3's `Ant/TD3_Ant-v1_0.npy` … `TD3_Ant-v1_9.npy`)
    files_in: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, adapter: str, tail: str, files: Sequence[str], claims: re.Pattern[str] | None) -> None:
        """Note one source whose runs have no param (`tail`: its folder under the collect root)."""
        names = [os.path.basename(path) for path in files]
        claimed = next((name for name in names if claims is not None and claims.fullmatch(name)), None)
        if (
            claims is None
            and len(names) == 1
            and (adapter in (CSV, RECORDS) or not MONITOR_FILE.fullmatch(names[0]))
        ):
            # a log a pattern named (`**/summary.csv`, `**/log.txt`, `**/TD3_*.npy`): claimed by no name
            claimed = names[0]
            if adapter == CSV and adapter not in self.settings and "://" not in files[0]:
                from resultsbook.sources.hints import settings_beside  # only to explain

                beside = settings_beside(os.path.dirname(files[0]), names[0])
                self.settings[adapter] = beside or ""
        tail = tail.replace(os.sep, "/")
        if claimed is None and any(MONITOR_FILE.fullmatch(name) for name in names):
            # SB3's Monitor files: a run of one (seed_0.monitor.csv) ends the pattern at it, the run of a
            # folder's environments (0.monitor.csv, …) at the folder, which the adapter claims as walked
            own = tail.rpartition("/")[2]
            claimed = own if own in names else ""
        if claimed and tail.rpartition("/")[2] == claimed:  # a source that is one file
            tail = tail.rpartition("/")[0]
            self.files_in[adapter].setdefault(tail, []).append(claimed)
        if claimed is not None and tail:
            self.found[adapter][tail] = claimed
            if adapter == ONEFILE and len(self.run_files) < _LOOKED and "://" not in files[0]:
                self.run_files[tail] = files[0]
            if files and is_trial_folder(os.path.dirname(files[0])):
                self.ray_tune_trials[adapter].add(tail)

    def notes(self) -> list[str]:
        """Say, per adapter, how many runs have no param and the pattern that reads them from their paths."""
        notes = []
        for adapter, found in sorted(self.found.items()):
            trials = self.ray_tune_trials[adapter]
            if trials:
                notes.append(_ray_tune_note(adapter, len(trials)))
            runs = {tail: claimed for tail, claimed in found.items() if tail not in trials}
            if not runs:
                continue
            files = self.files_in.get(adapter, {})
            if any(len(names) > 1 for names in files.values()):  # several runs' files in one folder
                notes += _files_note(adapter, files)
                continue
            pattern = pattern_of(runs)
            beside = self.settings.get(adapter)
            # timm's args.yaml beside each summary.csv: -o config reads it, whatever the folders say
            config = f"{option('option', f'config={beside}')} adds the settings beside them" if beside else ""
            if len(runs) >= _FEWEST and pattern is None and not config and adapter == ONEFILE:
                other = _other_file_note(runs, self.run_files)
                notes += [other] if other else []
                continue
            if len(runs) >= _FEWEST and (pattern is not None or config):
                first = min(runs)
                fix = f"{option('pattern', pattern)} makes them params" if pattern is not None else ""
                notes.append(
                    f"{len(runs)} runs read by {adapter} have no param (their logs hold none), so a table "
                    f"cannot tell them apart; "
                    + (f"if their folders say what they are (the first: '{first}'), {fix}" if fix else "")
                    + ("; " if fix and config else "")
                    + config
                )
        return notes


def _files_note(adapter: str, files: dict[str, list[str]]) -> list[str]:
    """Say that runs read from files several of which share a folder have no param, and the pattern
    that makes their folders and the varying parts of their names params (none when there is none)."""
    tails = sorted(files)
    names = [name for tail in tails for name in files[tail]]
    depth = {tail.count("/") for tail in tails}
    fielded = fielded_name(names, len(tails[0].split("/")) + 1) if len(depth) == 1 else None
    if fielded is None:
        return []
    folders = folder_parts([tail.split("/") for tail in tails], lambda level: f"{{level{level + 1}}}")
    first = f"{tails[0]}/{files[tails[0]][0]}"
    return [
        f"{len(names)} runs read by {adapter} have no param (their files hold none), so a table cannot tell "
        f"them apart; if their folders and file names say what they are (the first: '{first}'), "
        f"{option('pattern', '/'.join([*folders, fielded]))} makes them params"
    ]


def fielded_name(names: Sequence[str], level: int) -> str | None:
    """Return the file part of a pattern whose fields are the parts of the names (split at `_`) that
    vary, numbered from `level`: `TD3_Ant-v1_0.npy` … `TD3_Hopper-v1_9.npy` give `TD3_{level2}_{level3}.npy`;
    None when the names split into different numbers of parts, or into one."""
    stems, suffixes = zip(*map(os.path.splitext, names))
    if len(set(suffixes)) != 1:
        return None
    split = [stem.split("_") for stem in stems]
    count = len(split[0])
    if any(len(parts) != count for parts in split) or not 1 < count <= _MOST_PARTS:
        return None
    parts = []
    for position in range(count):
        values = {each[position] for each in split}
        if len(values) == 1 and _LITERAL.fullmatch(next(iter(values))):
            parts.append(next(iter(values)))
        else:
            parts.append(f"{{level{level}}}")
            level += 1
    return "_".join(parts) + suffixes[0] if any("{" in part for part in parts) else None


def folder_parts(paths: Sequence[Sequence[str]], varying: Callable[[int], str]) -> list[str]:
    """Return a pattern's folder parts over paths of one depth: a level of one name that a pattern can
    hold as it is keeps it, any other is `varying(level)` (a field, or `*`)."""
    parts = []
    for level in range(len(paths[0])):
        names = {path[level] for path in paths}
        only = names.pop() if len(names) == 1 else None
        parts.append(only if only is not None and _LITERAL.fullmatch(only) else varying(level))
    return parts


def _other_file_note(runs: dict[str, str], run_files: dict[str, str]) -> str | None:
    """Say that the runs read from one file each have no param while another file lies beside each
    (`run_summary.json` beside `metrics.json`, its settings under `meta`), and the pattern that reads
    that file as the run; None when no one file lies beside all the runs looked at."""
    looked = [run_files[tail] for tail in sorted(run_files) if tail in runs]
    if len(looked) < _FEWEST:
        return None
    try:
        names = os.listdir(os.path.dirname(looked[0]))
    except OSError:
        return None
    own = {os.path.basename(path) for path in looked}
    others = sorted(
        name
        for name in names
        if name.lower().endswith(READABLE_SUFFIXES)
        and name not in own
        and _LITERAL.fullmatch(name)
        and all(os.path.isfile(os.path.join(os.path.dirname(path), name)) for path in looked)
    )
    if len(others) != 1:
        return None
    first = min(runs)
    fix = f"{option('pattern', _glob_of(list(runs), others[0]))} {option('adapter', ONEFILE)}"
    return (
        f"{len(runs)} runs read by {ONEFILE} have no param (their files hold none), so a table cannot tell "
        f"them apart; beside each run's {runs[first]} lies {others[0]} (the first: '{first}'), which may "
        f"hold their settings: {fix} reads it as the run instead, into a new store "
        f"({option('db', 'NEW.db')}: a store holding both has each run twice)"
    )


def _glob_of(tails: list[str], name: str) -> str:
    """Return a pattern of the file `name` in every run's folder: each folder level that varies a `*`."""
    paths = [tail.split("/") for tail in tails]
    if any(len(parts) != len(paths[0]) for parts in paths):
        return f"**/{name}"
    return "/".join([*folder_parts(paths, lambda _: "*"), name])


def _ray_tune_note(adapter: str, count: int) -> str:
    """Say that runs read without params are Ray Tune trials, and how to read them with their settings."""
    fix = f"{option('pattern', '**/progress.csv')} {option('option', 'config=params.json')}"
    return (
        f"{count} run(s) read by {adapter} are Ray Tune trials read without their settings (each folder "
        f"holds params.json beside progress.csv): {fix} reads each trial's progress.csv with its params.json "
        "as params, stepped by training_iteration; do so into a new store "
        f"({option('db', 'ray.db')}): a store holding both has each trial twice"
    )


def pattern_of(runs: dict[str, str]) -> str | None:
    """Return a pattern whose fields are the folder names that vary between runs (`seed_0` gives
    `seed_{seed}`), ending in the claimed file (a glob where each run's file has a name of its own) or,
    for a run of SB3 Monitor files, at its folder;
    None when the runs lie at different depths, sit in folders named by a tracker's run id (MLflow's),
    or differ only in their own folder's name, unless that name says their settings (`lr=0.1,seed=0`)."""
    paths = [tail.split("/") for tail in runs]
    depth = len(paths[0])
    if any(len(parts) != depth for parts in paths):
        return None
    if all(_RUN_ID.fullmatch(parts[-1]) for parts in paths):
        return None  # mlruns/<experiment id>/<run id>: the tracker's own layout, which says nothing more
    fields = []
    for level in range(depth):
        names = {parts[level] for parts in paths}
        if len(names) == 1:
            name = names.pop()
            if not _LITERAL.fullmatch(name):
                return None
            fields.append(name)
        else:
            fields.append(_field(names, level))
    own_only = all(len({parts[level] for parts in paths}) == 1 for level in range(depth - 1))
    own = {parts[-1] for parts in paths}
    # timm's `<date>-<time>-<model>-<image size>` says the model, a `<date>-<time>-<name>` nothing more
    said = "{model}" in (stamped_field(own, f"level{depth}") or "")
    unsaid = (
        settings_field(own, f"level{depth}") is None
        and glued_field(own) is None
        and not numbers_replicates(own)
        and not said
    )
    if own_only and unsaid:
        return None  # only the run's own folder varies: its name (version_3) says nothing of its settings
    if "" in runs.values():
        return "/".join(fields)
    last = file_part(set(runs.values()))
    return None if last is None else "/".join([*fields, last])


def numbers_replicates(names: set[str]) -> bool:
    """Tell whether every folder name is a replicate's key and its number (`seed_0`, `fold-3`)."""
    found = [_NUMBERED.fullmatch(name) for name in names]
    return all(found) and {match.group(1).lower() for match in found if match} <= _REPLICATE_KEYS


def _field(names: set[str], level: int) -> str:
    """Return the pattern of one varying folder: `seed_{seed}` when every name is a key and a number,
    `lr={lr},seed={seed}` when every name says the same settings, `seed_{seed}_{level1}` when every
    name starts with a key and a number."""
    label = f"level{level + 1}"
    found = (
        numbered_field(names)
        or settings_field(names, label)
        or glued_field(names)
        or _numbered_part(names, label)
        or stamped_field(names, label)
    )
    return found or f"{{{label}}}"


_GLUED = re.compile(r"([A-Za-z]+)(-?\d+(?:\.\d+)?(?:e-?\d+)?)")  # lr0.01, seed0, wd1e-4: a key, its value


def glued_field(names: set[str]) -> str | None:
    """Return `lr{lr}_seed{seed}` when every folder name is the same keys, each glued to its number and
    joined by `_` (a script's `f"lr{lr}_seed{seed}"`), at least two of them; else None."""
    shapes = set()
    for name in names:
        parts = [_GLUED.fullmatch(part) for part in name.split("_")]
        if len(parts) < 2 or not all(parts):
            return None
        shapes.add(tuple(match.group(1) for match in parts if match is not None))
    keys = shapes.pop() if len(shapes) == 1 else ()
    if not keys or len({key.lower() for key in keys}) < len(keys):
        return None
    return "_".join(f"{key}{{{key.lower()}}}" for key in keys)


def numbered_field(names: set[str]) -> str | None:
    """Return `seed_{seed}` when every folder name is one key and a number (`seed_0`, `seed_1`), else None."""
    found = [_NUMBERED.fullmatch(name) for name in names]
    keys = {(match.group(1), match.group(2)) for match in found if match is not None}
    if not all(found) or len(keys) != 1:
        return None
    key, separator = keys.pop()
    return f"{key}{separator}{{{key.lower()}}}"


def _numbered_part(names: set[str], label: str) -> str | None:
    """Return `seed_{seed}_{label}` when every folder name starts with one key and a number and goes on
    (`seed_14_Acrobot-v1`), or `{label}_seed_{seed}` when it ends with them; else None."""
    first = _one_shape(names, _NUMBERED_FIRST, (1, 2, 4))  # key, separator, gap
    if first is not None and first[0].lower() in _REPLICATE_KEYS:
        key, separator, gap = first
        return f"{key}{separator}{{{key.lower()}}}{gap}{{{label}}}"
    last = _one_shape(names, _NUMBERED_LAST, (3, 4, 2))
    if last is not None and last[0].lower() in _REPLICATE_KEYS:
        key, separator, gap = last
        return f"{{{label}}}{gap}{key}{separator}{{{key.lower()}}}"
    return None


def _one_shape(names: set[str], shape: re.Pattern[str], groups: tuple[int, ...]) -> tuple[str, ...] | None:
    """Return the groups every name gives alike when each matches `shape` (`seed`, `_`, `_`), else None."""
    found = set()
    for name in names:
        match = shape.fullmatch(name)
        if match is None:
            return None
        found.add(match.group(*groups))
    return found.pop() if len(found) == 1 else None


def settings_field(names: set[str], label: str) -> str | None:
    """Return `{label}_gain={gain}` when every folder name holds the same `key=value` settings
    (`pws_gain=0.025`, `mlpws_gain=20.0`; Hydra's `lr=0.1,seed=1`), after a text of its own or the same
    one; None when the names hold none, or not the same keys."""
    shapes = set()
    heads = set()
    for name in names:
        found = list(_SETTING.finditer(name))
        if not found or found[-1].end() != len(name):
            return None
        gaps = tuple(name[a.end() : b.start()] for a, b in itertools.pairwise(found))
        shapes.add((tuple(match.group(1) for match in found), gaps))
        heads.add(name[: found[0].start()])
    keys, gaps = shapes.pop()
    if shapes or len(set(keys)) < len(keys):
        return None
    settings = "".join(f"{key}={{{key}}}{gap}" for key, gap in zip(keys, (*gaps, "")))
    if len(heads) == 1:
        head = heads.pop()
        return head + settings if not head or _LITERAL.fullmatch(head) else None
    separators = {head[-1:] for head in heads}
    separator = separators.pop()
    if separators or separator not in ("_", "-") or any(len(head) < 2 for head in heads):
        return None
    return f"{{{label}}}{separator}{settings}"


def stamped_field(names: set[str], label: str) -> str | None:
    """Return `{date}-{time}-{label}` when every folder name begins with the date and time its run
    started (`20240101-120000-baseline`), so that the stamp, which differs in every run, goes to
    `date` and `time`, which a table treats as run-specific, instead of into a param that sets each
    run apart and marks every cell of several runs `†`; timm's output folders,
    `<date>-<time>-<model>-<image size>` (`20210608-165417-resnet50-224`), give
    `{date}-{time}-{model}-{resolution}` (not `img_size`: its args.yaml holds `img_size: null` unless
    it was given). None when a name does not begin so."""
    found = [_STAMPED.fullmatch(name) for name in names]
    if not names or not all(found):
        return _stamped_last(names, label) if names else None
    separators = {(match.group(2), match.group(4)) for match in found if match is not None}
    if len(separators) != 1:
        return None
    first, second = separators.pop()
    rests = [match.group(5) for match in found if match is not None]
    timm = all(_MODEL_AND_SIZE.fullmatch(part) for part in rests)
    rest = "{model}-{resolution}" if timm else f"{{{label}}}"
    return f"{{date}}{first}{{time}}{second}{rest}"


def _stamped_last(names: set[str], label: str) -> str | None:
    """Return `{label}_{date}_{time}` when every folder name ends with the date and time its run
    started, a word every name has before the stamp kept as it is: `A2C_run_20250403_103503` and
    `DQN_tuned_run_20250403_145030` give `{label}_run_{date}_{time}`. None when a name does not end so."""
    found = [_STAMPED_LAST.fullmatch(name) for name in names]
    if not all(found):
        return None
    separators = {(match.group(2), match.group(4)) for match in found if match is not None}
    if len(separators) != 1:
        return None
    first, second = separators.pop()
    heads = [match.group(1) for match in found if match is not None]
    words = {re.split(r"[-_]", head)[-1] for head in heads}
    word = words.pop() if len(words) == 1 else ""
    kept = len(word) < min(map(len, heads)) and len({head[-len(word) - 1] for head in heads}) == 1
    shared = heads[0][-len(word) - 1 :] if word and kept else ""  # `_run`, with its separator
    return f"{{{label}}}{shared}{first}{{date}}{second}{{time}}"


def file_part(names: set[str]) -> str | None:
    """Return the claimed file's name, or a glob of the part the names share (`events.out.tfevents.*`);
    None when they share nothing a pattern can hold."""
    if len(names) == 1:
        name = names.pop()
        return name if _LITERAL.fullmatch(name) else None
    ordered = sorted(names)
    first, last = ordered[0], ordered[-1]  # the shortest common start of all is theirs
    shared = first[: next((i for i, (a, b) in enumerate(zip(first, last)) if a != b), len(first))]
    cut = shared.rfind(".")
    shared = shared[: cut + 1] if cut >= 0 else shared
    return shared + "*" if shared and _LITERAL.fullmatch(shared) else None
