"""A figure's legend that fits its figure: fewer columns first, then long labels wrapped at spaces, so
no label is cut off at the figure's edge (twelve methods with long names in a column-wide figure).

Widths are measured as the output will draw them: with LaTeX for PGF (the paper's font), with the
figure's own fonts otherwise. A legend that fits as it is placed is left exactly as before.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from resultsbook.render.escape import RawLatex

MIN_LINE = 8  # characters: labels are not wrapped narrower than this


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
    then wrap the labels; return the legend (the last try when even that cannot fit)."""
    renderer = _measuring_renderer(figure, pgf)
    line: int | None = None  # characters per line; None keeps every label on one line
    while True:
        texts = [_wrapped(label, line, drawn) for label in labels]
        legend = place([text for text, _ in texts], columns)
        for artist, (_, parsed) in zip(legend.get_texts(), texts):
            artist.set_parse_math(parsed)
        width = legend.get_window_extent(renderer).width
        if width <= room:
            return legend
        if columns > 1:
            columns -= 1
        else:
            longest = max((len(part) for label in labels for part in _lines(label, line)), default=0)
            narrower = max(MIN_LINE, min(longest - 1, int(longest * room / width)))
            if narrower >= (line or longest):  # words longer than the room: nothing left to wrap
                return legend
            line = narrower
        legend.remove()


def _lines(label: str, line: int | None) -> list[str]:
    """Return a label's lines when wrapped at spaces to `line` characters (raw LaTeX is never split)."""
    if line is None or isinstance(label, RawLatex):
        return [str(label)]
    return textwrap.wrap(str(label), line, break_long_words=False, break_on_hyphens=False) or [str(label)]


def _wrapped(label: str, line: int | None, drawn: Callable[[str], tuple[str, bool]]) -> tuple[str, bool]:
    """Return a label as drawn (`drawn` escapes it for its output), one line of it per text line."""
    if line is None or isinstance(label, RawLatex):
        return drawn(label)
    parts = [drawn(part) for part in _lines(label, line)]
    return "\n".join(text for text, _ in parts), any(parsed for _, parsed in parts)


def _measuring_renderer(figure: Any, pgf: bool) -> Any:
    """Return a renderer that measures text as the output will: LaTeX for PGF, else matplotlib's fonts."""
    if pgf:
        from matplotlib.backends.backend_pgf import FigureCanvasPgf

        return FigureCanvasPgf(figure).get_renderer()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return FigureCanvasAgg(figure).get_renderer()
