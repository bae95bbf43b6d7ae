"""Regenerate marked regions of Markdown files the user owns (a README, a results page):

    <!-- resultsbook:table1 -->            a table of the spec, as a Markdown table
    <!-- /resultsbook -->
    Accuracy: <!-- resultsbook:table1/mlp/moons -->90.0 ± 4.5<!-- /resultsbook -->  (a cell, inline)

A region's name is a table, a figure (an image link to its .png or .svg output, its note under it),
a named value of [macros.values] or a cell key. Everything outside the regions is kept byte for byte,
and markers inside fenced code blocks are left alone (so a README can show the syntax).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from urllib.parse import quote

from resultsbook.errors import SpecError, closest
from resultsbook.outputs.failures import Unavailable
from resultsbook.outputs.numbers import NumberBook, value_tables
from resultsbook.query import ResultTable
from resultsbook.render import MarkdownOptions, render_table
from resultsbook.render.escape import escape_markdown
from resultsbook.spec import Spec

_OPEN = re.compile(r"<!--\s*resultsbook:(?P<name>[^\s>]+?)\s*-->")
_CLOSE = re.compile(r"<!--\s*/resultsbook\s*-->")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)", re.MULTILINE)


def fill_regions(text: str, render: Callable[[str, bool, str], str], where: str) -> str:
    """Return `text` with every marked region's content replaced by render(name, inline, its file:line)."""
    fenced = _fenced_ranges(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    out: list[str] = []
    position = scanned = 0  # output copied up to `position`; markers checked up to `scanned`
    for opening in _OPEN.finditer(text):
        if opening.start() < scanned or _inside(opening.start(), fenced):
            continue
        _no_stray_close(text, scanned, opening.start(), fenced, where)
        closing = next(
            (c for c in _CLOSE.finditer(text, opening.end()) if not _inside(c.start(), fenced)), None
        )
        name = opening.group("name")
        line = text.count("\n", 0, opening.start()) + 1
        if closing is None:
            raise SpecError(
                f"{where}:{line}: region {name!r} is not closed; add <!-- /resultsbook --> after it"
            )
        inner = _OPEN.search(text, opening.end(), closing.start())
        if inner is not None and not _inside(inner.start(), fenced):
            raise SpecError(
                f"{where}:{line}: region {inner.group('name')!r} opens inside region {name!r}; "
                f"close {name!r} first"
            )
        inline = "\n" not in text[opening.end() : closing.start()]
        content = render(name, inline, f"{where}:{line}")
        if not inline:
            content = newline + content.strip("\r\n").replace("\r\n", "\n").replace("\n", newline) + newline
        out += [text[position : opening.end()], content]
        position, scanned = closing.start(), closing.end()
    _no_stray_close(text, scanned, len(text), fenced, where)
    out.append(text[position:])
    return "".join(out)


def _fenced_ranges(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of fenced code blocks."""
    fences = [m.start() for m in _FENCE.finditer(text)]
    ranges = [(fences[i], fences[i + 1]) for i in range(0, len(fences) - 1, 2)]
    if len(fences) % 2:
        ranges.append((fences[-1], len(text)))
    return ranges


def _inside(offset: int, ranges: list[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in ranges)


def _no_stray_close(text: str, start: int, end: int, fenced: list[tuple[int, int]], where: str) -> None:
    for closing in _CLOSE.finditer(text, start, end):
        if not _inside(closing.start(), fenced):
            line = text.count("\n", 0, closing.start()) + 1
            raise SpecError(
                f"{where}:{line}: <!-- /resultsbook --> closes no region; remove it or add an opening marker"
            )


def section_outputs(spec: Spec, tables: Mapping[str, ResultTable], book: NumberBook) -> dict[str, str]:
    """Return {Markdown file: its text with every region regenerated} for the spec's `sections`."""
    out = {}
    for path in spec.sections:
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                text = handle.read()
        except FileNotFoundError as error:
            folder = os.path.dirname(path)
            guess = closest(os.path.basename(path), os.listdir(folder)) if os.path.isdir(folder) else None
            fix = "create it with marked regions or remove it from sections"
            if guess is not None:  # RESULT.md beside RESULTS.md
                fix = f"did you mean {guess}, beside it?"
            raise SpecError(f"sections: {path} does not exist; {fix}") from error
        except UnicodeDecodeError as error:
            raise SpecError(f"sections: {path} is not UTF-8 text; save it as UTF-8") from error
        where = os.path.relpath(path)

        def render(name: str, inline: bool, where: str, path: str = path) -> str:
            return _region(spec, tables, book, path, name, inline, where)

        out[path] = fill_regions(text, render, where)
    return out


def _region(
    spec: Spec,
    tables: Mapping[str, ResultTable],
    book: NumberBook,
    path: str,
    name: str,
    inline: bool,
    where: str,
) -> str:
    """Return the text of one region; Unavailable when it quotes a table or figure that could not be
    computed."""
    _check_available(spec, tables, name)
    if name in spec.figures and name not in book.notes:  # it could not be drawn: its image is as it was
        raise Unavailable(f"figures.{name}")
    if name in spec.tables:
        if inline:
            raise SpecError(f"{where}: region {name!r} is a table; put its markers on separate lines")
        table_spec = spec.tables[name]
        options = MarkdownOptions(caption=table_spec.caption, template_dirs=spec.template_dirs)
        return render_table(tables[name], "markdown", table_spec.format, table_spec.labels, markdown=options)
    if name in spec.figures:
        figure = spec.figures[name]
        images = [p for p in figure.outputs if p.endswith((".png", ".svg"))]
        if not images:
            raise SpecError(
                f"{where}: figure {name!r} has no .png or .svg output to show in Markdown; "
                "add one to its outputs"
            )
        link = quote(os.path.relpath(images[0], os.path.dirname(path)).replace(os.sep, "/"))
        image = f"![{escape_markdown(figure.caption or name)}]({link})"
        # what a dot, a line or a band is, as the report says under the figure (beside it, inline)
        note, gap = escape_markdown(book.notes[name]), " " if inline else "\n\n"
        return f"{image}{gap}{note}" if note else image
    by_macro = {value.macro: value for value in book.values.values()}
    if name in book.values or name in by_macro:
        value = book.values.get(name) or by_macro[name]
        return value.text
    if name in book.cells:
        return escape_markdown(book.cells[name].plain)
    meant = closest(name, [*spec.tables, *spec.figures, *book.values, *by_macro, *book.cells])
    known = (
        f"did you mean {meant!r}?"
        if meant is not None
        else f"tables: {', '.join(spec.tables) or 'none'}; figures: {', '.join(spec.figures) or 'none'}"
    )
    raise SpecError(f"{where}: region {name!r} is no table, figure, value or cell of the spec; {known}")


def _check_available(spec: Spec, tables: Mapping[str, ResultTable], name: str) -> None:
    """Raise Unavailable when a region names a table, a cell of one, or a named value quoting one that
    is missing from `tables` (it could not be computed)."""
    quoted = {name.split("/", 1)[0]}
    if spec.macros is not None:
        for value in spec.macros.values.values():
            if name in (value.name, value.macro):
                quoted |= value_tables(value)
    for table in sorted(quoted):
        if table in spec.tables and table not in tables:
            raise Unavailable(f"tables.{table}")
