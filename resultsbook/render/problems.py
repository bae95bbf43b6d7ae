"""Problems as the lines a person reads first: problems alike in many files become one line.

Two problems are alike when their texts differ only in the path and in the numbers outside quotes
(`2 value(s) of 'acc' are not numbers` and `3 value(s) of 'acc' …`): 126 deleted MLflow runs read
as one line naming a glob of their paths, how many there are and one of them; a number that differs
shows as the values it took (`1, 2 or 3 value(s)`, `line 3 or 9`: never a range, which would
claim the lines between); where several numbers differ, the first problem's are shown, and said to
be its own (`30 or 107 of 100 or 600 epochs` would not say which goes with which). The rare
problems come first: one alone is likelier to be the one that matters than the hundredth copy of a
known one. Every problem stays listed one by one where it is stored (`resultsbook problems`,
`--json`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from resultsbook.models import Problem

# a quoted value (as repr writes it: a key, a cell) is kept whole; a number outside quotes may vary
_QUOTED_OR_NUMBER = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|(?<![\w.])\d+(?!\.?\d|\w)")
_SLOT = "\0"


@dataclass(frozen=True)
class ProblemGroup:
    """Problems alike but for their paths and numbers, in the order they were met."""

    problems: tuple[Problem, ...]

    def describe(self) -> str:
        """Return the one-line form: the problem's own line for one, the glob of the paths, their
        count and an example for several."""
        first = self.problems[0]
        if len(self.problems) == 1:
            return first.describe()
        paths = list(dict.fromkeys(problem.path for problem in self.problems))
        count = f"{len(paths)} paths" if len(paths) == len(self.problems) else f"{len(self.problems)} times"
        where = (
            f"{path_glob(paths)} ({count}, e.g. {first.path})"
            if len(paths) > 1
            else f"{first.path} ({count})"
        )
        message = _merged([problem.message for problem in self.problems])
        kept = _merged([problem.kept for problem in self.problems])
        return f"{where}: {message}" + (f" — kept: {kept}" if kept else "")


def group_problems(problems: Iterable[Problem]) -> list[ProblemGroup]:
    """Group problems alike (see the module docstring), the smallest groups first, then in the order
    their first problem was met."""
    groups: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        groups.setdefault((_template(problem.message), _template(problem.kept)), []).append(problem)
    ordered = sorted(groups.values(), key=len)  # stable: equal sizes keep the order they were met in
    return [ProblemGroup(tuple(members)) for members in ordered]


def numbers_aside(problem: Problem) -> tuple[str, str, str]:
    """Return a problem as it stays while a run still writes its file: its path and texts, the numbers
    of a cut-off last line aside; any other problem as it is (damage that grows is said again)."""
    if "still writing" not in problem.message:
        return problem.path, problem.message, problem.kept
    return problem.path, _template(problem.message), _template(problem.kept)


def path_glob(paths: Sequence[str]) -> str:
    """Return a glob that every one of the paths matches: the parts they share, `*` for the rest of
    each part that differs (`runs/seed_*/log.csv`); `…` for what follows parts of unequal depth."""
    split = [path.split("/") for path in paths]
    depth = min(len(parts) for parts in split)
    uneven = any(len(parts) != depth for parts in split)
    glob = []
    for index in range(depth - 1 if uneven else depth):  # uneven: the folders they share, then `…`
        names = {parts[index] for parts in split}
        glob.append(names.pop() if len(names) == 1 else _name_glob(names))
    return "/".join([*glob, "…"] if uneven else glob)


def _name_glob(names: set[str]) -> str:
    """Return `prefix*suffix` for names that differ: the longest start and end they all share."""
    ordered = sorted(names)
    prefix = _common_start(ordered)
    suffix = _common_start([name[len(prefix) :][::-1] for name in ordered])[::-1]
    return f"{prefix}*{suffix}"


def _common_start(texts: Sequence[str]) -> str:
    low, high = min(texts), max(texts)
    size = 0
    while size < len(low) and low[size] == high[size]:
        size += 1
    return low[:size]


def _template(text: str) -> str:
    """Return a text with its numbers outside quotes replaced by a slot."""
    return _QUOTED_OR_NUMBER.sub(lambda match: match[0] if match[0][0] in "'\"" else _SLOT, text)


def _numbers(text: str) -> list[int]:
    return [int(match[0]) for match in _QUOTED_OR_NUMBER.finditer(text) if match[0][0] not in "'\""]


def _alternatives(numbers: Sequence[int]) -> str:
    """Return the values a number took, never as a range (lines 3 and 9 are not lines 3 to 9):
    `7`, `3 or 9`, `1, 2 or 3`, `3, 9, … or 90`."""
    if len(numbers) == 1:
        return str(numbers[0])
    first = [str(number) for number in numbers[:-1]] if len(numbers) <= 3 else [*map(str, numbers[:2]), "…"]
    return f"{', '.join(first)} or {numbers[-1]}"


def _merged(texts: Sequence[str]) -> str:
    """Return texts alike as one: each number that differs between them as the values it took
    (`1, 2 or 3 value(s)`)."""
    if len(set(texts)) == 1:
        return texts[0]
    columns = [sorted(set(column)) for column in zip(*(_numbers(text) for text in texts))]
    if sum(len(column) > 1 for column in columns) > 1:  # `30 or 107 of 100 or 600` would pair them anyhow
        return f"{texts[0]} (the first's numbers; the others' differ)"
    values = [_alternatives(column) for column in columns]
    pieces = _template(texts[0]).split(_SLOT)
    return pieces[0] + "".join(value + piece for value, piece in zip(values, pieces[1:]))
