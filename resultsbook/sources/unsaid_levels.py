"""Runs whose folders sort them by something no param of theirs holds: Spinning Up's `data/<algo>/<env>/
<algo>_s<seed>/` keeps the env in the folder alone (its config.json saves `env_fn`, a lambda), so a
table by `exp_name` averaged six envs as seeds of one config. The note this module writes names the
folder level and the pattern that makes it a param."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from resultsbook.params import format_value, parse_scalar, values_equal
from resultsbook.sources.bare import file_part, folder_parts, numbers_replicates
from resultsbook.sources.request import FILE_RUN_ADAPTERS
from resultsbook.voice import option

_FEWEST_RUNS = 4  # runs of one reader before their folders are compared: fewer say little
_SHOWN = 3  # folder names a note shows
_STAMP = re.compile(r"[\d_\-:.T]+")  # a date or a time (Hydra's outputs/2024-01-05/12-30-11): no setting
_LAUNCH_ROOTS = {"outputs", "multirun"}  # Hydra's folders of single runs and of sweeps: how, not which config


@dataclass
class UnsaidLevels:
    """The runs of one collect, by adapter: each run's folder under the collect root, the file a
    pattern would end at, and the texts of its params' values."""

    runs: dict[str, list[tuple[list[str], str, list[Any]]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, adapter: str, tail: str, file: str | None, params: Sequence[Mapping[str, Any]]) -> None:
        """Note one source's runs (`tail`: its path under the collect root; `file`: the name a pattern
        would end at, None for a source that is a folder)."""
        parts = tail.replace("\\", "/").split("/")
        if file is not None and parts[-1] == file:
            parts = parts[:-1]
        for each in params:
            self.runs[adapter].append((parts, file or "", list(each.values())))

    def notes(self) -> list[str]:
        """Say, per adapter, which folder levels sort its runs by names no param of theirs holds, and
        the pattern that makes them params."""
        notes = []
        for adapter, runs in sorted(self.runs.items()):
            if adapter in FILE_RUN_ADAPTERS:  # runs of one name in several folders: a note of their own
                continue
            shapes: dict[int, list[tuple[list[str], str, list[Any]]]] = defaultdict(list)
            for run in runs:  # runs of one depth: those a pattern reads (misc/ folders aside)
                shapes[len(run[0])].append(run)
            for shape in sorted(shapes.values(), key=len, reverse=True):
                note = _note(adapter, shape, [run for run in runs if len(run[0]) != len(shape[0][0])])
                if note:
                    notes.append(note)
                    break
        return notes


def _note(
    adapter: str, runs: list[tuple[list[str], str, list[Any]]], others: list[tuple[list[str], str, list[Any]]]
) -> str | None:
    """Return the note of one adapter's runs of one depth, or None when their folders say nothing their
    params do not; `others`: its runs of other depths, which the pattern it suggests leaves out."""
    if len(runs) < _FEWEST_RUNS or not all(values for _, _, values in runs):  # runs of no params: bare.py's
        return None
    depth = len(runs[0][0])
    if depth < 2:
        return None
    unsaid = [level for level in range(depth - 1) if _unsaid(runs, level)]  # the run's own folder aside
    if not unsaid:
        return None
    pattern = folder_parts(
        [parts for parts, _, _ in runs], lambda level: f"{{level{level + 1}}}" if level in unsaid else "*"
    )
    names = {file for _, file, _ in runs}
    file = file_part(names) if all(names) else ""  # events.out.tfevents.*: each run's file its own name
    if file is None:
        return None
    fix = option("pattern", "/".join([*pattern, file] if file else pattern))
    levels = []
    for level in unsaid:
        found = sorted({parts[level] for parts, _, _ in runs})
        shown = ", ".join(found[:_SHOWN]) + (
            f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
        )
        levels.append(f"level {level + 1} ({shown})")
    return (
        f"{len(runs)} runs read by {adapter} sit in folders that set them apart by names no param of theirs "
        f"holds, at {' and '.join(levels)}, so a table averages across them as seeds of one config; "
        f"{fix} makes {'it a param' if len(unsaid) == 1 else 'them params'}" + _left_out(depth, others)
    )


def _left_out(depth: int, others: list[tuple[list[str], str, list[Any]]]) -> str:
    """Say which runs the suggested pattern, of one depth, does not read (pasted, it would drop them)."""
    if not others:
        return ""
    example = "/".join(others[0][0])
    return (
        f", but reads only the runs {depth} folders deep: it leaves out {len(others)} other run(s) "
        f"(e.g. {example}): collect those on their own"
    )


def _unsaid(runs: list[tuple[list[str], str, list[Any]]], level: int) -> bool:
    """Tell whether the folders at one level take several names, each over several runs, none of them
    a date or a time, and most runs hold no param of their folder's name."""
    by_name: dict[str, int] = defaultdict(int)
    for parts, _, _ in runs:
        by_name[parts[level]] += 1
    if len(by_name) < 2 or min(by_name.values()) < 2:
        return False
    if any(_STAMP.fullmatch(name) for name in by_name) or numbers_replicates(set(by_name)):
        return False  # a date says when, `seed_0` … `fold_4` which replicate: the runs of one config
    if set(by_name) <= _LAUNCH_ROOTS:
        return False
    # a value every run holds sets no folder apart: `arch = resnet50` holds neither resnet/ nor
    # resnet_pretrained/, though it begins with the one
    shared = set.intersection(*({format_value(value) for value in values} for _, _, values in runs))
    unheld = sum(
        1
        for parts, _, values in runs
        if not _held(parts[level], [value for value in values if format_value(value) not in shared])
    )
    return 2 * unheld > len(runs)


def _held(name: str, values: list[Any]) -> bool:
    """Tell whether a run's params hold a folder's name as one of their values (`0.1` as 0.1 too, `DDPG`
    as `ddpg`, `adult` as the path `data/adult`), or the name holds one as `key=value` or `key_value` does."""
    typed, lowered = parse_scalar(name), name.lower()
    for value in values:
        text = format_value(value).lower()
        if values_equal(typed, value) or lowered == text:  # DDPG/ beside exp_name = "ddpg"
            return True
        if len(text) >= 2 and (lowered.endswith(f"={text}") or lowered.endswith(f"_{text}")):
            return True
        if text.endswith(f"/{lowered}"):  # a path's last part: TabM's config.data.path = "data/adult"
            return True
        if _begins_with(format_value(value), name):  # Breakout/ beside env_id = "BreakoutNoFrameskip-v4"
            return True
    return False


def _begins_with(text: str, name: str) -> bool:
    """Tell whether a value begins with a folder's name as a word of its own: followed by its end, a
    capital, a digit or a separator (`Breakout` of `BreakoutNoFrameskip-v4`, `mlp` of `mlp_large`)."""
    if len(name) < 3 or not text.lower().startswith(name.lower()):
        return False
    following = text[len(name) : len(name) + 1]
    return not following.islower()
