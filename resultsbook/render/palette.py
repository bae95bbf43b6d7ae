"""One colour and one marker per value of a key, the same in every figure of a project.

Colours are assigned over the project's full list of values of the key (explicit `order` first,
then every value any run has, sorted), never over the subset one figure shows: a method shown
alone keeps the colour it has beside the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from resultsbook.params import format_value, sort_key, values_equal
from resultsbook.render.figstyle import FigureStyle


@dataclass(frozen=True)
class Look:
    """How one value is drawn: its colour and marker."""

    color: str
    marker: str


def ordered_values(values: Iterable[Any], explicit: Sequence[Any] = ()) -> list[Any]:
    """Return distinct values: the explicitly ordered ones first (in that order), then the rest sorted."""
    distinct: list[Any] = []
    for value in values:
        if not any(values_equal(value, seen) for seen in distinct):
            distinct.append(value)
    rest = sorted((d for d in distinct if not any(values_equal(d, v) for v in explicit)), key=sort_key)
    # explicitly ordered values keep their place even when no run has them yet
    return [*explicit, *rest]


def assign_looks(key: str, project_values: Iterable[Any], style: FigureStyle) -> dict[str, Look]:
    """Return {value text: Look} for every project value of `key` (value text as format_value gives)."""
    values = ordered_values(project_values, style.order.get(key, ()))
    fixed: Mapping[str, str] = style.colors.get(key, {})
    looks = {}
    for index, value in enumerate(values):
        text = format_value(value)
        color = fixed.get(text, style.palette[index % len(style.palette)])
        looks[text] = Look(color=color, marker=style.markers[index % len(style.markers)])
    return looks
