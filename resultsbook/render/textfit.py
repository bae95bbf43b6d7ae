"""Figure texts that fit their figure, never cut off or run together: a legend takes fewer columns,
then wraps long labels at spaces (twelve methods with long names in a column-wide figure); category
labels under bars wrap at spaces and hyphens, then turn, when wider than their slot
(medium-expert-v0 ran into medium-replay-v0), and turn steeper, then are set smaller, when turned
ones still run together (reinforce crossed ppo and sac); a y label wraps at spaces when longer than its
panels' height (it ran into a legend on top); a panel's title wraps at spaces and hyphens, then is
set smaller, when wider than its panel (InvertedDoublePendulum-v2 ran into InvertedPendulum-v2).

Widths are measured as the output will draw them: with LaTeX for PGF (the paper's font), with the
figure's own fonts otherwise. Texts that fit as placed are left exactly as before.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from resultsbook.render.escape import RawLatex

MIN_LINE = 8  # characters: labels are not wrapped narrower than this
MIN_TITLE_SCALE = 0.7  # a panel title (or turned category names) too wide is set down to this share
TURNS = (30, 45, 60, 90)  # degrees: category names are turned at the first that keeps them apart


def reading_order(count: int, columns: int) -> list[int]:
    """Return the order to give matplotlib a legend's entries in so that they read left to right,
    then down: it fills its columns top to bottom (five seeds in four columns read 0 2 3 4 / 1)."""
    columns = max(1, min(columns, count))
    sizes = [count // columns + (1 if j < count % columns else 0) for j in range(columns)]  # as it splits
    places = [(row, j) for row in range(max(sizes, default=0)) for j in range(columns) if row < sizes[j]]
    entry = {place: index for index, place in enumerate(places)}
    return [entry[row, j] for j in range(columns) for row in range(sizes[j])]


def fit_legend(
    figure: Any,
    place: Callable[[list[str], int], Any],
    labels: Sequence[str],
    columns: int,
    room: float,
    drawn: Callable[[str], tuple[str, bool]],
    pgf: bool,
) -> Any:
    """Place a legend with `place(texts, columns)` no wider than `room` (display units): drop columns,
    then wrap the labels; return the legend (the last try when even that cannot fit). `place` hands
    matplotlib the entries in `reading_order`."""
    renderer = measuring_renderer(figure, pgf)
    line: int | None = None  # characters per line; None keeps every label on one line
    split = False  # words wider than the room are split too: no entry is drawn beyond the figure
    while True:
        texts = [_wrapped(label, line, drawn, split=split) for label in labels]
        legend = place([text for text, _ in texts], columns)
        placed = [texts[index] for index in reading_order(len(texts), columns)]  # as `place` gave them
        for artist, (_, parsed) in zip(legend.get_texts(), placed):
            artist.set_parse_math(parsed)
        width = legend.get_window_extent(renderer).width
        if width <= room:
            return legend
        if columns > 1:
            columns -= 1
        else:
            parts = [part for label in labels for part in _lines(label, line, split=split)]
            longest = max((len(part) for part in parts), default=0)
            narrower = max(MIN_LINE, min(longest - 1, int(longest * room / width)))
            if narrower >= (line or longest):  # words longer than the room: split them, once
                if split or line is None:  # at MIN_LINE too: a narrow panel's room is below it
                    return legend
                split = True
            else:
                line = narrower
        legend.remove()


def fit_categories(
    axis: Any, labels: Sequence[str], slot: float, drawn: Callable[[str], tuple[str, bool]], pgf: bool
) -> bool:
    """Set the category labels of an axis no wider than `slot` each (display units): wrap them at
    spaces and hyphens, then turn them when a word alone is wider; tell whether they were turned."""
    renderer = measuring_renderer(axis.figure, pgf)
    line: int | None = None
    while True:
        texts = [_wrapped(label, line, drawn, hyphens=True) for label in labels]
        artists = axis.set_xticklabels([text for text, _ in texts])
        for artist, (_, parsed) in zip(artists, texts):
            artist.set_parse_math(parsed)
        width = max((artist.get_window_extent(renderer).width for artist in artists), default=0.0)
        if width <= slot:
            return False
        longest = max((len(part) for label in labels for part in _lines(label, line, True)), default=0)
        narrower = max(MIN_LINE // 2, min(longest - 1, int(longest * slot / width)))
        if narrower >= (line or longest):  # a word wider than its slot: turn the labels
            for artist in artists:
                artist.set_rotation(TURNS[0])
                artist.set_horizontalalignment("right")
                artist.set_rotation_mode("anchor")
            return True
        line = narrower


def turned_categories_cross(axis: Any, slot: float, pgf: bool) -> bool:
    """Tell whether an axis's category labels, as `fit_categories` turned them, run into their
    neighbours `slot` apart (display units)."""
    sizes = _unturned_sizes(axis.get_xticklabels(), measuring_renderer(axis.figure, pgf))
    return _crossing(sizes, slot, TURNS[0], centred=False)


def fit_turned_categories(
    axis: Any, labels: Sequence[str], slot: float, drawn: Callable[[str], tuple[str, bool]], pgf: bool
) -> bool:
    """Set turned category labels that run into their neighbours (`slot` apart) on one line each,
    turned at the least of TURNS that keeps them apart, else upright and smaller, down to
    MIN_TITLE_SCALE of their size; tell whether they are apart."""
    renderer = measuring_renderer(axis.figure, pgf)
    texts = [drawn(label) for label in labels]  # a wrapped name turned steeply reads as several
    artists = axis.set_xticklabels([text for text, _ in texts])
    for artist, (_, parsed) in zip(artists, texts):
        artist.set_parse_math(parsed)
    sizes = _unturned_sizes(artists, renderer)
    angle = next((a for a in TURNS if not _crossing(sizes, slot, a, a > TURNS[0])), TURNS[-1])
    for artist in artists:
        artist.set_rotation(angle)
        if angle > TURNS[0]:
            artist.set_verticalalignment("center")  # centred on its tick, as an upright label is
    size = artists[0].get_fontsize() if artists else 0.0
    smallest = size * MIN_TITLE_SCALE
    for _ in range(4):  # measured again: a font's small sizes need not scale (LaTeX's cmr6 is wider)
        if not _crossing(sizes, slot, angle, angle > TURNS[0]):
            return True
        if size <= smallest:
            return False
        tallest = max((a[1] + b[1]) / 2 for a, b in itertools.pairwise(sizes))  # upright: heights in a row
        size = max(smallest, size * slot / tallest * 0.98)
        for artist in artists:
            artist.set_fontsize(size)
        sizes = _unturned_sizes(artists, renderer)
    return not _crossing(sizes, slot, angle, angle > TURNS[0])


def _unturned_sizes(artists: Sequence[Any], renderer: Any) -> list[tuple[float, float]]:
    """Return the width and height (display units) of each label as drawn level."""
    sizes = []
    for artist in artists:
        angle = artist.get_rotation()
        artist.set_rotation(0)
        extent = artist.get_window_extent(renderer)
        artist.set_rotation(angle)
        sizes.append((extent.width, extent.height))
    return sizes


def _crossing(sizes: Sequence[tuple[float, float]], slot: float, angle: float, centred: bool) -> bool:
    """Tell whether labels of these level sizes, `slot` apart and turned by `angle` degrees about their
    right end (its top, or its middle when `centred`), overlap a neighbour: parallel boxes do when the
    right one reaches back past the left one's end and their distance across is below their height."""
    along, across = slot * math.cos(math.radians(angle)), slot * math.sin(math.radians(angle))
    for (_, left_height), (right_width, right_height) in itertools.pairwise(sizes):
        reach = (left_height + right_height) / 2 if centred else left_height
        if right_width > along and reach > across:
            return True
    return False


def fit_title(
    axis: Any, title: str, slot: float, drawn: Callable[[str], tuple[str, bool]], pgf: bool
) -> bool:
    """Set a panel's title no wider than `slot` (display units): wrap it at spaces and hyphens, then
    set it smaller (to MIN_TITLE_SCALE of its size at most) when a word alone is wider; tell whether
    it fits."""
    renderer = measuring_renderer(axis.figure, pgf)
    line: int | None = None
    while True:
        text, parsed = _wrapped(title, line, drawn, hyphens=True)
        artist = axis.set_title(text, parse_math=parsed)
        width = artist.get_window_extent(renderer).width
        if width <= slot:
            return True
        longest = max((len(part) for part in _lines(title, line, True)), default=0)
        narrower = max(MIN_LINE // 2, min(longest - 1, int(longest * slot / width)))
        if narrower >= (line or longest):  # a word wider than the panel
            break
        line = narrower
    size = artist.get_fontsize()
    smallest = size * MIN_TITLE_SCALE
    for _ in range(4):  # measured again: a font's small sizes need not scale (LaTeX's cmr6 is wider)
        size = max(smallest, size * slot / width * 0.98)
        artist.set_fontsize(size)
        width = artist.get_window_extent(renderer).width
        if width <= slot or size <= smallest:
            break
    return width <= slot


def fit_axis_label(
    artist: Any, label: str, room: float, drawn: Callable[[str], tuple[str, bool]], pgf: bool
) -> bool:
    """Wrap an axis label (the y label, drawn upright) at spaces into lines no longer than `room`
    (display units), the height of the panels it names: a longer one ran past them into a legend on
    top; tell whether it fits."""
    renderer = measuring_renderer(artist.figure, pgf)
    vertical = artist.get_rotation() % 180 == 90
    line: int | None = None
    while True:
        text, parsed = _wrapped(label, line, drawn)
        artist.set_text(text)
        artist.set_parse_math(parsed)
        artist.set_multialignment("center")  # each line centred on the panels, as the label was
        extent = artist.get_window_extent(renderer)
        length = extent.height if vertical else extent.width
        if length <= room:
            return True
        longest = max((len(part) for part in _lines(label, line)), default=0)
        narrower = max(MIN_LINE, min(longest - 1, int(longest * room / length)))
        if narrower >= (line or longest):  # a word longer than the panels: drawn as it is
            return False
        line = narrower


def _lines(label: str, line: int | None, hyphens: bool = False, split: bool = False) -> list[str]:
    """Return a label's lines when wrapped at spaces (and hyphens) to `line` characters, words longer
    than that split with `split` (raw LaTeX is never split)."""
    if line is None or isinstance(label, RawLatex):
        return [str(label)]
    text = str(label)
    return textwrap.wrap(text, line, break_long_words=split, break_on_hyphens=hyphens) or [text]


def _wrapped(
    label: str,
    line: int | None,
    drawn: Callable[[str], tuple[str, bool]],
    hyphens: bool = False,
    split: bool = False,
) -> tuple[str, bool]:
    """Return a label as drawn (`drawn` escapes it for its output), one line of it per text line."""
    if line is None or isinstance(label, RawLatex):
        return drawn(label)
    parts = [drawn(part) for part in _lines(label, line, hyphens, split)]
    return "\n".join(text for text, _ in parts), any(parsed for _, parsed in parts)


def legend_height(figure: Any, legend: Any, pgf: bool) -> float:
    """Return a legend's height in display units, measured as the output draws it."""
    return float(legend.get_window_extent(measuring_renderer(figure, pgf)).height)


def measuring_renderer(figure: Any, pgf: bool) -> Any:
    """Return a renderer that measures text as the output will: LaTeX for PGF, else matplotlib's fonts."""
    if pgf:
        from matplotlib.backends.backend_pgf import FigureCanvasPgf

        return FigureCanvasPgf(figure).get_renderer()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return FigureCanvasAgg(figure).get_renderer()
