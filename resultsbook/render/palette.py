"""One colour and one marker per value of a key, the same in every figure of a project.

Colours are assigned over the project's full list of values of the key (explicit `order` first,
then every value any run has, sorted), never over the subset one figure shows: a method shown
alone keeps the colour it has beside the others.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from resultsbook.errors import RenderError
from resultsbook.params import format_value, sort_key, value_texts_apart, values_equal
from resultsbook.render.figstyle import FigureStyle

DASHES = ("-", "--", ":", "-.")  # line styles (hatches for bars) once a figure has run out of colours
HATCHES = {"-": "", "--": "////", ":": "....", "-.": "xxxx"}


@dataclass(frozen=True)
class Look:
    """How one value is drawn: its colour, marker and (beyond the palette's size) line style."""

    color: str
    marker: str
    dash: str = "-"


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
    for index, text in enumerate(value_texts_apart(values)):
        color = fixed.get(text, style.palette[index % len(style.palette)])
        looks[text] = Look(color=color, marker=style.markers[index % len(style.markers)])
    return looks


def look_key(value: Any, looks: Mapping[str, Look]) -> str:
    """Return the key of a value's look in `assign_looks`'s map: its text, in quotes for a text that a
    number of the project reads the same as."""
    if isinstance(value, str) and repr(value) in looks:
        return repr(value)
    return format_value(value)


def figure_looks(looks: Mapping[str, Look], shown: Sequence[str], style: FigureStyle) -> dict[str, Look]:
    """Return the looks of the values one figure shows, in the figure's order, all different: each
    value keeps its project colour and marker unless a value before it in this figure has them, then
    takes the first unused colour (and marker); a figure with more values than colours repeats colours
    with markers and line styles no other series of the figure has."""
    out: dict[str, Look] = {}
    pending = []
    for text in shown:
        look = looks[text]
        if all(look.color != other.color and look.marker != other.marker for other in out.values()):
            out[text] = look
        else:
            pending.append(text)
    for text in pending:
        colors = {look.color for look in out.values()}
        markers = {look.marker for look in out.values()}
        color = next((c for c in style.palette if c not in colors), None)
        if looks[text].color not in colors:
            color = looks[text].color
        marker = looks[text].marker if looks[text].marker not in markers else None
        marker = marker or next((m for m in style.markers if m not in markers), None)
        if color is not None and marker is not None:
            out[text] = Look(color, marker)
            continue
        out[text] = _unused_look(out.values(), style)
    return {text: out[text] for text in shown}


def _unused_look(others: Iterable[Look], style: FigureStyle) -> Look:
    """Return a look no other series has: a dashed line style first, then a colour, then a marker that
    no series of that colour has."""
    taken = list(others)
    for dash, color in itertools.product((*DASHES[1:], DASHES[0]), style.palette):
        same_color = {look.marker for look in taken if look.color == color}
        for marker in style.markers:
            if marker not in same_color and Look(color, marker, dash) not in taken:
                return Look(color, marker, dash)
    for dash, color, marker in itertools.product(DASHES, style.palette, style.markers):
        if Look(color, marker, dash) not in taken:
            return Look(color, marker, dash)
    raise RenderError(
        f"a figure shows more series than {len(DASHES)} line styles × {len(style.palette)} colours × "
        f"{len(style.markers)} markers can tell apart; facet it or show fewer values"
    )
