"""The one exception tree of resultsbook.

    ResultsbookError            every error this package raises on purpose
    ├── SpecError               resultsbook.toml (or a flag) is wrong: names the key, the value, the fix
    ├── AdapterError            an adapter cannot be found or was given bad options
    ├── QueryError              a filter, reduction, statistic or expression cannot be evaluated
    ├── RenderError             an output cannot be rendered (unknown format, missing template)
    ├── NotFoundError           what the command needs is not there: no store, nothing collected, no runs
    ├── StoreError              the store cannot be used: damaged, full disk, written by a newer version
    ├── OutputError             an output file cannot be written: read-only, no permission, full disk
    └── BuildError              some entries of the spec could not be built; the others were written

    NotFoundWarning             (a RuntimeWarning) what the command line fails with as NotFoundError,
                                where the Python API returns a report: `rb.collect` that found no run
    DefaultsWarning             (a UserWarning) a table `book.table` made from its arguments alone,
                                which the spec's [defaults] would make otherwise

Each class has a `kind` that says whose move it is: `usage` (the request is wrong: fix the flag or the
spec), `not_found` (the request is fine, the data is not there yet), `io` (a file or the disk is in the
way). The command line turns kinds into exit codes.

Problems in log files are not exceptions: they are recorded as `Problem` data and collecting goes on.
Every message ends with what to do about it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


class ResultsbookError(Exception):
    """Base class of every error resultsbook raises on purpose."""

    kind = "usage"


class SpecError(ResultsbookError):
    """The spec or a command-line option is invalid."""


class AdapterError(ResultsbookError):
    """An adapter is unknown or misconfigured."""


class QueryError(ResultsbookError):
    """A query cannot be evaluated."""


class RenderError(ResultsbookError):
    """An output cannot be rendered."""


class NotFoundError(ResultsbookError):
    """What the command needs is not there (yet): no store, no runs, nothing collected."""

    kind = "not_found"


class NotFoundWarning(RuntimeWarning):
    """What a command fails with as NotFoundError, where the Python API returns its report instead:
    `rb.collect` that found no run warns so, with what was tried and what to change."""


class DefaultsWarning(UserWarning):
    """A table made from `book.table`'s arguments alone, which applies no `[defaults]` of the spec, that
    the spec's own tables would show otherwise: names the settings and the arguments that apply them."""


class StoreError(ResultsbookError):
    """The store cannot be used."""

    kind = "io"


class StoppedAnswering(ResultsbookError):
    """A storage server stopped answering during a collect, which ended with what it had stored."""

    kind = "io"


class ServerGoneError(StoppedAnswering):
    """A tracking server a collect was reading runs from went away: the collect stops, saying so."""


class OutputError(ResultsbookError):
    """An output file cannot be written."""

    kind = "io"


class BuildError(ResultsbookError):
    """Some entries of the spec could not be built (no run matches yet, a metric no run logs); every
    other entry was written. `report` is the build's report, its `failed` the entries not built; the
    kind is the most pressing of theirs (a file in the way, then a spec to fix, then runs to wait for)."""

    def __init__(self, report: Any) -> None:
        super().__init__(not_built_text(report.failed))
        self.report = report
        self.kind = most_pressing_kind([failure.kind for failure in report.failed])


def not_built_text(failed: Sequence[Any]) -> str:
    """Return what to say of entries not built: each one's line, after a line counting them when
    there are several."""
    lines = [failure.line() for failure in failed]
    if len(lines) > 1:
        names = ", ".join(failure.entry for failure in failed)
        lines.insert(0, f"{len(failed)} entries were not built ({names}); their files are as they were")
    return "\n".join(lines)


def most_pressing_kind(kinds: Sequence[str]) -> str:
    """Return the kind that says whose move it is when several things failed: a file in the way (io),
    then something to fix (usage), then data that is not there yet (not_found)."""
    order = ("not_found", "usage", "io")
    return max(kinds, key=lambda kind: order.index(kind) if kind in order else 1, default="usage")


def first_line(error: BaseException) -> str:
    """Return the first line of an error's message (drivers add hints on further lines), else its
    type's name."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def closest(word: str, known: Iterable[str]) -> str | None:
    """Return the known name a typo most likely meant, or None."""
    import difflib  # here: a command that has no typo to explain never loads it

    names = sorted({str(name) for name in known})
    # only its case wrong (`solver.base_lr` for Detectron2's `SOLVER.BASE_LR`, beside `SOLVER.BASE_LR_END`)
    same = [name for name in names if name.lower() == str(word).lower()]
    if len(same) == 1:
        return same[0]
    alike = [name for name in names if _look_alike(name) == _look_alike(str(word))]
    if len(alike) == 1:  # `val/ngram_l`: 'val/ngram_1', not 'val/ngram_9', though both are one letter off
        return alike[0]
    swapped = [name for name in names if _one_swap(str(word), name)]
    if len(swapped) == 1:  # `modle`: 'model' (two keys swapped), not 'mode' (one key dropped)
        return swapped[0]
    # spelling, not case: `sac / Hoper-v3` meant 'SAC / Hopper-v3', not 'TD3 / Hopper-v3'
    by_lowered = {name.lower(): name for name in reversed(names)}
    close = difflib.get_close_matches(str(word).lower(), list(by_lowered), n=1, cutoff=0.6)
    if close:
        return by_lowered[close[0]]
    lowered = str(word).lower()
    contained = [n for n in names if lowered and (lowered in n.lower() or n.lower() in lowered)]
    return contained[0] if len(contained) == 1 else None


def _one_swap(word: str, name: str) -> bool:
    """Tell whether `name` is `word` with two neighbouring characters swapped (the commonest typo)."""
    if len(word) != len(name) or word == name:
        return False
    differ = [i for i, (a, b) in enumerate(zip(word, name)) if a != b]
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and word[differ[0]] == name[differ[1]]
        and (word[differ[1]] == name[differ[0]])
    )


FOLDER_FOR_FILE = "a folder is where a file should be; check the path in the spec or the flag"
FILE_FOR_FOLDER = "a file is where a folder on its path should be; check the path in the spec or the flag"

_LOOK_ALIKE = str.maketrans("lIO", "110")


def _look_alike(name: str) -> str:
    """Return a name with the letters typed for look-alike digits (l and I for 1, O for 0) as digits."""
    return name.translate(_LOOK_ALIKE)


def nearby(path: str) -> str:
    """Return `; did you mean 'runs'?` when a sibling of a mistyped path is close to it."""
    import os

    parent, name = os.path.split(os.path.normpath(path))
    try:
        siblings = os.listdir(parent or ".")
    except OSError:
        return ""
    guess = closest(name, siblings) if name else None
    if guess is None or guess == name:  # the path itself, a broken link: `broken_link` says so
        return ""
    return f"; did you mean {os.path.join(parent, guess)!r}?"


def broken_link(path: str, shown: str | None = None) -> str | None:
    """Return `PATH is a broken symbolic link (to TARGET, which does not exist)` when `path` is a link
    that leads nowhere (W&B's `wandb/latest-run` after its run was deleted), else None; `shown`: the
    path as the user wrote it."""
    import os

    try:
        target = os.readlink(path)
    except OSError:  # not a link
        return None
    if os.path.exists(path):
        return None
    followed, seen = os.path.join(os.path.dirname(path), target), {os.path.abspath(path)}
    end = followed
    while os.path.islink(end):  # a link to a link: the chain ends at the path that is missing
        if os.path.abspath(end) in seen or len(seen) > 40:
            loop = "a loop of links that leads to no file"
            return f"{shown or path} is a broken symbolic link (to {target}: {loop})"
        seen.add(os.path.abspath(end))
        end = os.path.join(os.path.dirname(end), os.readlink(end))
    what = "which does not exist" if end == followed else f"a link leading to {end}, which does not exist"
    return f"{shown or path} is a broken symbolic link (to {target}, {what})"


def broken_source(path: str) -> str | None:
    """Return the error for a path given to collect that is a broken link, with the fix; else None."""
    import os

    broken = broken_link(path)
    if broken is None:
        return None
    folder = os.path.dirname(os.path.normpath(path))
    other = f"collect the folder it is in ({folder})" if folder else "give collect the folder of the runs"
    return f"{broken}; relink it, or {other}"


def did_you_mean(word: str, known: Iterable[str], listing: str = "known", shown: int = 12) -> str:
    """Return the end of an error message: the closest known name, else the names that exist.

    >>> did_you_mean("modle", ["model", "dataset"])
    "did you mean 'model'?"
    >>> did_you_mean("zzz", ["model", "dataset"], "params")
    'params: dataset, model'
    """
    names = sorted({str(name) for name in known})
    ending = last_part_matches(word, names)
    guess = closest(word, names)
    if 0 < len(ending) <= MAX_GUESSES:  # as likely each: one guess would pick among them by spelling
        # a name spelt almost so is as likely (`folds`: the run's `fold`, or the config's `split.folds`)
        spelt = [guess] if guess is not None and guess not in ending else []
        return f"did you mean {' or '.join(repr(name) for name in [*ending, *spelt])}?"
    if guess is not None:
        return f"did you mean {guess!r}?"
    return f"{listing}: {listing_text(names, shown)}"


MAX_GUESSES = 4  # more names ending in the word than this: it says too little to guess from


def last_part_matches(word: str, names: Iterable[str]) -> list[str]:
    """Return the names whose last dotted or slashed part is `word` (`f1` → `val.f1`, `test/f1`):
    the key given without the section a one-file-per-run tree or a tracker put it in."""
    lowered = str(word).lower()
    return [name for name in names if name.lower().endswith((f".{lowered}", f"/{lowered}"))]


def listing_text(names: Iterable[str], shown: int = 12) -> str:
    """Return names as `a, b, c (and 4 more)`, or `none`."""
    names = list(names)
    if not names:
        return "none"
    more = f" (and {len(names) - shown} more)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
