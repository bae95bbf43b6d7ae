"""Figure texts that fit their figure, never cut off or run together: a legend takes fewer columns,
then wraps long labels at spaces (twelve methods with long names in a column-wide figure); category
labels under bars wrap at spaces and hyphens, then turn, when wider than their slot
(medium-expert-v0 ran into medium-replay-v0); a y label wraps at spaces when longer than its
panels' height (it ran into a legend on top); a panel's title wraps at spaces and hyphens, then is
set smaller, when wider than its panel (InvertedDoublePendulum-v2 ran into InvertedPendulum-v2).

Widths are measured as the output will draw them: with LaTeX for PGF (the paper's font), with the
figure's own fonts otherwise. Texts that fit as placed are left exactly as before.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from resultsbook.render.escape import RawLatex

MIN_LINE = 8  # characters: labels are not wrapped narrower than this
MIN_TITLE_SCALE = 0.7  # a panel title too wide for its panel is set down to this share of its size


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
) -> None:
    """Set the category labels of an axis no wider than `slot` each (display units): wrap them at
    spaces and hyphens, then turn them when a word alone is wider."""
    renderer = measuring_renderer(axis.figure, pgf)
    line: int | None = None
    while True:
        texts = [_wrapped(label, line, drawn, hyphens=True) for label in labels]
        artists = axis.set_xticklabels([text for text, _ in texts])
        for artist, (_, parsed) in zip(artists, texts):
            artist.set_parse_math(parsed)
        width = max((artist.get_window_extent(renderer).width for artist in artists), default=0.0)
        if width <= slot:
            return
        longest = max((len(part) for label in labels for part in _lines(label, line, True)), default=0)
        narrower = max(MIN_LINE // 2, min(longest - 1, int(longest * slot / width)))
        if narrower >= (line or longest):  # a word wider than its slot: turn the labels
            for artist in artists:
                artist.set_rotation(30)
                artist.set_horizontalalignment("right")
                artist.set_rotation_mode("anchor")
            return
        line = narrower


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
