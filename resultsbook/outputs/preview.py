"""A preview PDF of every output: a standalone LaTeX document (assembled with pylatex) that loads
exactly the packages the outputs need and shows every table, figure and number under its spec
name, compiled with latexmk (or pdflatex). It is also the proof that every output compiles.

With a venue preset (the spec's `venue`, or `--preset NAME`) the preview is set on that venue's
page, imitated with the geometry package (columns, widths, font), and every table or figure that
is wider than the venue's column is reported.

    >>> result = make_preview(spec, store)          # doctest: +SKIP
    >>> result.pdf                                   # doctest: +SKIP
    '/home/me/paper/resultsbook-preview.pdf'
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Collection
from dataclasses import dataclass

from resultsbook.errors import BuildError, NotFoundError, RenderError
from resultsbook.outputs.build import BuildReport, Progress, build, refuse_read_only, write_files
from resultsbook.outputs.ownership import refuse_others_files
from resultsbook.outputs.texlog import LOG_ENV, attribute, overfull_boxes
from resultsbook.render.escape import escape_latex
from resultsbook.render.latex import SIUNITX_SETUP
from resultsbook.render.venues import (
    PT_PER_IN,
    Venue,
    class_options,
    document_class,
    geometry_preamble,
    venue_preset,
)
from resultsbook.spec import Spec, TableSpec
from resultsbook.store import Store
from resultsbook.voice import option

PREVIEW_NAME = "resultsbook-preview.pdf"
_FILE_LINE_ERROR = re.compile(r"^\S+\.\w+:\d+: ")
INSTALL_TEX = (
    "resultsbook preview needs LaTeX: install TeX Live with latexmk "
    "(Debian/Ubuntu: apt-get install texlive-latex-extra latexmk; macOS: MacTeX)"
)


@dataclass(frozen=True)
class PreviewResult:
    """The PDF written, the build that wrote the outputs it shows, and the outputs too wide for the page."""

    pdf: str
    build: BuildReport
    too_wide: tuple[str, ...] = ()


def find_latex() -> tuple[str, str]:
    """Return ('latexmk' or 'pdflatex', its path), or raise with what to install."""
    for name in ("latexmk", "pdflatex"):
        path = shutil.which(name)
        if path and (name != "latexmk" or shutil.which("pdflatex")):
            return name, path
    raise NotFoundError(INSTALL_TEX)


def make_preview(
    spec: Spec,
    store: Store,
    output: str | None = None,
    preset: str | None = None,
    progress: Progress | None = None,
) -> PreviewResult:
    """Build every output, assemble the preview document and compile it; return the PDF path and the
    outputs wider than the page (on the venue `preset`, else the spec's venue)."""
    find_latex()  # before building, so a missing TeX gets its one-line message first
    venue = venue_preset(preset) if preset else spec.venue
    pdf = os.path.abspath(output or os.path.join(spec.folder, PREVIEW_NAME))
    elsewhere = f"write the PDF elsewhere with {option('output', 'FILE')}"
    refuse_read_only([pdf], "preview", elsewhere)
    designated = os.path.abspath(os.path.join(spec.folder, PREVIEW_NAME))  # the preview's own name
    refuse_others_files({pdf: b""}, {designated}, {pdf: "the preview would replace"}, "preview", elsewhere)
    report = build(spec, store, progress=progress, measure=False)  # the preview measures on its own page
    if report.failed:  # the preview would show an old or missing file in its place
        raise BuildError(report)
    if progress is not None:
        progress.step("compiling the preview PDF")
    with tempfile.TemporaryDirectory(prefix="resultsbook-preview-") as folder:
        source = preview_source(spec, report, folder, venue)
        with open(os.path.join(folder, "preview.tex"), "w", encoding="utf-8") as handle:
            handle.write(source)
        try:
            compiled = compile_latex(folder, "preview.tex")
        except RenderError as error:
            unset = [f.line() for f in report.findings if f.kind == "typeset"]
            if not unset:
                raise
            raise RenderError(f"{error}; {unset[0]}") from error
        with open(os.path.join(folder, "preview.log"), encoding="utf-8", errors="replace") as handle:
            too_wide = too_wide_outputs(spec, handle.read(), folder, venue)
        with open(compiled, "rb") as handle:
            write_files({pdf: handle.read()})
    return PreviewResult(pdf, report, tuple(too_wide))


def too_wide_outputs(spec: Spec, log: str, folder: str, venue: Venue | None) -> list[str]:
    """Say which tables and figures stick out of the preview's column (or of the page, for those
    across both columns), by how much, and what to do."""
    return [f"{name} {text}" for name, text in too_wide(spec, log, folder, venue)]


def too_wide(
    spec: Spec, log: str, folder: str, venue: Venue | None, placed_across: Collection[str] = ()
) -> list[tuple[str, str]]:
    """Return (`table NAME` or `figure NAME`, how much wider than what it is, and what to do) for each
    output that sticks out of its column (or of the page, across both columns) in a compile's log;
    the tables `placed_across`, set in the column here, the paper sets in its own table*."""
    lines: list[tuple[str, str]] = []
    for name, points in overflows(spec, log, folder).items():
        kind, _, entry = name.partition(" ")
        if kind == "table" and spec.tables[entry].latex.fit == "scale":  # never wider than the column
            lines.append((name, _cell_overflow(spec.tables[entry], points)))
            continue
        across = venue is not None and venue.columns > 1 and across_columns(spec, kind, entry, venue)
        if venue is not None and venue.columns > 1 and kind == "table" and entry in placed_across:
            across, points = True, points - (venue.text_width - venue.column_width)
            if points <= 0:
                continue
        two = venue is not None and venue.columns > 1
        if venue is None:
            where = "the preview's text width"
        elif across:
            where = f"the {venue.title} text width ({venue.text_width:g}pt), across both columns"
        else:
            where = f"the {venue.title} column ({venue.column_width:g}pt)"
        if kind == "figure" and venue is not None and spec.venue is not None and venue != spec.venue:
            sized = f"figures are sized for {spec.venue.title}"
            fix = f"set venue = {json.dumps(venue.name)} ({sized}) or a smaller width"
        elif kind == "figure":
            fix = 'set width = "column" (with a venue preset) or a smaller width'
        elif kind == "table" and spec.tables[entry].latex.fit == "tabularx":  # only its X column wraps
            fix = 'fit = "tabularx" can wrap only the first column, and the other columns alone are wider; '
            both = ', or float = "table*" for both columns' if two and not across else ""
            fix += f'set fit = "scale"{both}'
        elif across or not two:  # on a page of one column, table* is as wide as table
            fix = 'set fit = "scale" or "tabularx"'
        else:
            fix = 'set fit = "scale" or "tabularx", or float = "table*" for both columns'
        lines.append((name, f"is {points:.1f}pt wider than {where}: {fix}"))
    return lines


def _cell_overflow(table: TableSpec, points: float) -> str:
    """Say that a cell sticks out of its own column inside a table `fit = "scale"` fits to the column."""
    fix = "shorten the cell's text"
    if table.format.style == "siunitx-S":
        fix = 'style = "siunitx" sets each number at its own width'
        if table.latex.siunitx != SIUNITX_SETUP:
            fix = f"check its siunitx = {json.dumps(table.latex.siunitx)}, or {fix}"
    return (
        f'has a cell {points:.1f}pt wider than its own column, printed over its neighbour (fit = "scale" '
        f"shrinks the table to the column, not a cell within it); {fix}"
    )


def overflows(spec: Spec, log: str, folder: str) -> dict[str, float]:
    """Return how many points each output (`table NAME`, `figure NAME`) sticks out by in a compile's log."""
    generated = {path: f"table {name}" for name, table in spec.tables.items() for path in table.outputs}
    generated |= {path: f"figure {name}" for name, figure in spec.figures.items() for path in figure.outputs}
    worst: dict[str, float] = {}
    for name, box in attribute(overfull_boxes(log), folder, generated):
        worst[name] = max(worst.get(name, 0.0), box.points)
    return worst


def across_columns(spec: Spec, kind: str, name: str, venue: Venue) -> bool:
    """Tell whether the preview places an output across both columns (table*, a figure wider than one)."""
    if kind == "table":
        latex = spec.tables[name].latex
        return latex.float and latex.float_env == "table*"
    # a figure a column of the spec's own two-column venue wide stays in a column on another page
    sized_for = spec.venue if spec.venue is not None and spec.venue.columns > 1 else venue
    return spec.figures[name].style.width * PT_PER_IN > sized_for.column_width + 0.5


def preview_packages(spec: Spec) -> list[str]:
    """Return the packages the outputs need, in a fixed order."""
    packages = []
    for table in spec.tables.values():
        packages += table.latex.packages(table.format.style)
    if any(_shown_figure(f.outputs).endswith((".pdf", ".png")) for f in spec.figures.values()):
        packages.append("graphicx")
    if any(_shown_figure(f.outputs).endswith(".pgf") for f in spec.figures.values()):
        packages.append("pgf")
    return list(dict.fromkeys(packages))


def _shown_figure(outputs: tuple[str, ...]) -> str:
    """Return the output a LaTeX document can show (PDF first, then PGF, then PNG), or ''."""
    for suffix in (".pdf", ".pgf", ".png"):
        for path in outputs:
            if path.endswith(suffix):
                return path
    return ""


def preview_source(spec: Spec, report: BuildReport, folder: str, venue: Venue | None = None) -> str:
    """Return the LaTeX source of the preview document (outputs referenced by absolute path), on a
    venue's page when one is given."""
    from pylatex import Document, NoEscape, Package

    document = Document(
        documentclass=document_class(venue) if venue else "article",
        document_options=class_options(venue) if venue else None,
        fontenc=None,
        inputenc=None,
        lmodern=False,
        textcomp=False,
        page_numbers=False,
        geometry_options=None,
    )
    for line in [*(geometry_preamble(venue) if venue else []), *spec.preamble]:
        document.preamble.append(NoEscape(line))
    for package in preview_packages(spec):
        document.packages.append(Package(package))
    numbers = spec.macros.output if spec.macros is not None and spec.macros.output else None
    if numbers:
        document.preamble.append(NoEscape(rf"\input{{{_tex_path(numbers)}}}"))
    add = document.append
    add(NoEscape(r"\ifdefined\pdfinfo\pdfinfo{/Creator (resultsbook)}\fi"))  # the next preview knows its file
    title = escape_latex(f"resultsbook preview: {os.path.basename(spec.path)}")
    add(NoEscape(rf"\section*{{{title}}}"))
    page = f" on the page of {venue.title} (imitated)" if venue else ""
    intro = f"Every table, figure and number of the spec, as the paper will show them{page}."
    add(NoEscape(escape_latex(intro) + r"\par"))
    for name, table_spec in spec.tables.items():
        path = next((p for p in table_spec.outputs if p.endswith(".tex")), None)
        if path is None:  # a table without a LaTeX output is shown from a copy rendered here
            path = os.path.join(folder, f"table-{len(os.listdir(folder))}.tex")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(_latex_copy(spec, name, report))
        # longtable refuses two-column pages: the paper sets it after \onecolumn (an appendix), so here too
        one_column = table_spec.latex.longtable and venue is not None and venue.columns > 1
        if one_column:
            add(NoEscape(r"\onecolumn"))
        add(NoEscape(rf"\subsection*{{Table {escape_latex(name)}}}"))
        if table_spec.caption:
            add(NoEscape(escape_latex(table_spec.caption) + r"\par\medskip"))
        if table_spec.latex.float or table_spec.latex.longtable:
            add(NoEscape(rf"\input{{{_tex_path(path)}}}"))
        else:  # in the size the venue sets its table floats in, as the paper will show it
            size = venue.table_font if venue else ""
            add(NoEscape(rf"\begin{{center}}{size}\input{{{_tex_path(path)}}}\end{{center}}"))
        _add_note(add, NoEscape, name, numbers)
        if one_column:
            add(NoEscape(r"\twocolumn"))
    for name, figure in spec.figures.items():
        shown = _shown_figure(figure.outputs)
        wide = venue is not None and venue.columns > 1 and across_columns(spec, "figure", name, venue)
        if wide:  # across both columns, as the paper would place it (figure*)
            add(NoEscape(r"\begin{figure*}[t]\centering"))
            add(NoEscape(rf"\textbf{{Figure {escape_latex(name)}}} (across both columns)\par\medskip"))
        else:  # the heading stays with its figure
            add(NoEscape(r"\par\bigskip\noindent\begin{minipage}{\linewidth}\raggedright"))
            add(NoEscape(rf"\subsection*{{Figure {escape_latex(name)}}}"))
        if figure.caption:
            add(NoEscape(escape_latex(figure.caption) + r"\par\medskip"))
        if shown.endswith(".pgf"):
            add(NoEscape(rf"\begin{{center}}\input{{{_tex_path(shown)}}}\end{{center}}"))
        elif shown:
            add(NoEscape(rf"\begin{{center}}\includegraphics{{{_tex_path(shown)}}}\end{{center}}"))
        else:
            add(NoEscape(r"\emph{Only SVG outputs, which LaTeX cannot include: }"))
            add(NoEscape(escape_latex(", ".join(os.path.relpath(p) for p in figure.outputs)) + r"\par"))
        _add_note(add, NoEscape, name, numbers)
        add(NoEscape(r"\end{figure*}" if wide else r"\end{minipage}\par"))
    if spec.macros is not None and spec.macros.values and numbers:
        add(NoEscape(r"\subsection*{Numbers in the text}"))
        add(NoEscape(r"\begin{tabular}{lll}"))
        add(NoEscape(r"\toprule name & command & value \\ \midrule"))
        for name, value in spec.macros.values.items():
            add(
                NoEscape(
                    rf"\texttt{{{escape_latex(name)}}} & \texttt{{\textbackslash {value.macro}}} & "
                    rf"\{value.macro}{{}} \\"
                )
            )
        add(NoEscape(r"\bottomrule\end{tabular}"))
    return document.dumps() + "\n"


def _latex_copy(spec: Spec, name: str, report: BuildReport) -> str:
    from resultsbook.render import render_table

    table_spec = spec.tables[name]
    return render_table(report.tables[name], "latex", table_spec.format, table_spec.labels, table_spec.latex)


def _add_note(add: object, no_escape: object, name: str, numbers: str | None) -> None:
    """Show what the output is (the \\rbnote of the numbers file, which also proves it works)."""
    if numbers:
        add(no_escape(rf"\par{{\small \rbnote{{{name}}}}}\par"))  # type: ignore[operator]


def _tex_path(path: str) -> str:
    """Return a path as LaTeX's \\input and \\includegraphics take it (forward slashes)."""
    return os.path.abspath(path).replace(os.sep, "/")


def draft_log(folder: str, name: str) -> str | None:
    """Run pdflatex once on `name` in `folder`, writing no PDF; return its log, or None when it fails."""
    tool = shutil.which("pdflatex")
    if tool is None:
        return None
    flags = ["-draftmode", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error"]
    try:
        result = subprocess.run(
            [tool, *flags, name], cwd=folder, capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, **LOG_ENV},
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    log = os.path.join(folder, os.path.splitext(name)[0] + ".log")
    if result.returncode != 0 or not os.path.exists(log):
        return None
    with open(log, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def first_error(log: str) -> str:
    """Return a failed LaTeX run's first error, with the line of the source it stopped at
    (`! Undefined control sequence. (l.21 BERT$_\\text`), from its log."""
    lines = log.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("!") or _FILE_LINE_ERROR.match(line):
            after = lines[index + 1 : index + 8]
            where = next((later.strip() for later in after if later.startswith("l.")), "")
            return f"{line.strip()} ({where})" if where else line.strip()
    return log[-300:].strip()


def draft_error(folder: str, name: str) -> str:
    """Return the first error of the draft `draft_log` ran in `folder` and that failed."""
    log = os.path.join(folder, os.path.splitext(name)[0] + ".log")
    if not os.path.exists(log):
        return "pdflatex did not run"
    with open(log, encoding="utf-8", errors="replace") as handle:
        return first_error(handle.read())


def compile_latex(folder: str, name: str) -> str:
    """Compile `name` in `folder` with latexmk (or pdflatex twice); return the PDF or raise with the error."""
    tool, path = find_latex()
    if tool == "latexmk":
        # outputs hold values from logs: never let the compile run shell commands (\\write18)
        engine = "-pdflatex=pdflatex -no-shell-escape %O %S"
        commands = [
            [path, "-pdf", engine, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", name]
        ]
    else:
        flags = ["-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
        commands = [[path, *flags, name]] * 2
    for command in commands:
        result = subprocess.run(
            command, cwd=folder, capture_output=True, text=True, timeout=300, check=False,
            env={**os.environ, **LOG_ENV},
        )  # fmt: skip
        if result.returncode != 0:
            log_path = os.path.join(folder, os.path.splitext(name)[0] + ".log")
            log = result.stdout
            if os.path.exists(log_path):
                with open(log_path, encoding="utf-8", errors="replace") as handle:
                    log = handle.read()
            raise RenderError(f"the preview did not compile: {first_error(log)}")
    return os.path.join(folder, os.path.splitext(name)[0] + ".pdf")
