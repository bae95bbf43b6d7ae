"""Name the combinations of row values that a table of several row keys has no row for, where its
rows cross like a product with holes: a model never run on one dataset leaves no row to show as –.

A design nested on purpose (rows [method, variant], each method with variants of its own) or a
fraction of a product (a Latin square) is no product with holes: its absent combinations are not
meant, and are not named.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

Key = tuple[Any, ...]

MAX_COMBINATIONS = 10_000  # a product of row values beyond this is no table a paper prints
MAX_BOXES = 32  # boxes tried around one absent part: a product with holes fills one of the first


def absent_rows(rows: Sequence[Key]) -> list[Key]:
    """Return the combinations of the rows' values (each level's in the order the rows show them)
    that no row has, where each smallest part of one that no row has is the one corner missing from
    a box the rows fill: for two levels, (a, b) beside rows of (a', b), (a, b') and (a', b')."""
    levels = len(rows[0]) if rows else 0
    if levels < 2:
        return []
    values = [list(dict.fromkeys(row[level] for row in rows)) for level in range(levels)]
    if math.prod(len(level) for level in values) > MAX_COMBINATIONS:
        return []
    parts = [part for size in range(2, levels + 1) for part in itertools.combinations(range(levels), size)]
    seen = {part: _Projection({tuple(row[i] for i in part) for row in rows}) for part in parts}
    return [
        combination
        for combination in itertools.product(*values)
        if combination not in seen[parts[-1]].present and _holes_of_boxes(combination, parts, seen)
    ]


class _Projection:
    """The rows' values on some levels, and for each level the values that complete the others'."""

    def __init__(self, present: set[Key]) -> None:
        self.present = present
        self.completing: list[dict[Key, list[Any]]] = []
        for level in range(len(next(iter(present)))):
            completing: dict[Key, list[Any]] = {}
            for key in present:
                completing.setdefault(key[:level] + key[level + 1 :], []).append(key[level])
            self.completing.append(completing)

    def fills_box(self, hole: Key) -> bool:
        """Tell whether, for some other value on each level, every corner of the box they span with
        the hole's values is present but the hole itself."""
        others = [
            self.completing[level].get(hole[:level] + hole[level + 1 :], []) for level in range(len(hole))
        ]
        for box in itertools.islice(itertools.product(*others), MAX_BOXES):
            corners = itertools.product(*zip(hole, box))
            if all(corner == hole or corner in self.present for corner in corners):
                return True
        return False


def _holes_of_boxes(combination: Key, parts: Sequence[Key], seen: dict[Key, _Projection]) -> bool:
    """Tell whether each smallest part of a combination (by levels) that no row has is a hole of a
    box the rows fill."""
    absent = [part for part in parts if tuple(combination[i] for i in part) not in seen[part].present]
    smallest = [part for part in absent if not any(set(other) < set(part) for other in absent)]
    return all(seen[part].fills_box(tuple(combination[i] for i in part)) for part in smallest)
