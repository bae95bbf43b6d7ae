"""A preview PDF of every output: a standalone LaTeX document (assembled with pylatex) that loads
exactly the packages the outputs need and shows every table, figure and number under its spec
name, compiled with latexmk (or pdflatex). It is also the proof that every output compiles.

    >>> result = make_preview(spec, store)          # doctest: +SKIP
    >>> result.pdf                                   # doctest: +SKIP
    '/home/me/paper/resultsbook-preview.pdf'
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from resultsbook.errors import NotFoundError, RenderError
from resultsbook.outputs.build import BuildReport, Progress, build, refuse_read_only, write_files
from resultsbook.render.escape import escape_latex
from resultsbook.spec import Spec
from resultsbook.store import Store

PREVIEW_NAME = "resultsbook-preview.pdf"
_FILE_LINE_ERROR = re.compile(r"^\S+\.\w+:\d+: ")
INSTALL_TEX = (
    "resultsbook preview needs LaTeX: install TeX Live with latexmk "
    "(Debian/Ubuntu: apt-get install texlive-latex-extra latexmk; macOS: MacTeX)"
)


@dataclass(frozen=True)
class PreviewResult:
    """The PDF written, and the build that wrote the outputs it shows."""

    pdf: str
    build: BuildReport


def find_latex() -> tuple[str, str]:
    """Return ('latexmk' or 'pdflatex', its path), or raise with what to install."""
    for name in ("latexmk", "pdflatex"):
        path = shutil.which(name)
        if path and (name != "latexmk" or shutil.which("pdflatex")):
            return name, path
    raise NotFoundError(INSTALL_TEX)


def make_preview(
    spec: Spec, store: Store, output: str | None = None, progress: Progress | None = None
) -> PreviewResult:
    """Build every output, assemble the preview document and compile it; return the PDF path."""
    find_latex()  # before building, so a missing TeX gets its one-line message first
    pdf = os.path.abspath(output or os.path.join(spec.folder, PREVIEW_NAME))
    refuse_read_only([pdf])
    report = build(spec, store, progress=progress)
    if progress is not None:
        progress.step("compiling the preview PDF")
    with tempfile.TemporaryDirectory(prefix="resultsbook-preview-") as folder:
        source = preview_source(spec, report, folder)
        with open(os.path.join(folder, "preview.tex"), "w", encoding="utf-8") as handle:
            handle.write(source)
        compiled = compile_latex(folder, "preview.tex")
        with open(compiled, "rb") as handle:
            write_files({pdf: handle.read()})
    return PreviewResult(pdf, report)


def preview_packages(spec: Spec) -> list[str]:
    """Return the packages the outputs need, in a fixed order."""
    packages = []
    if spec.tables:
        packages.append("booktabs")
    if any(t.format.style.startswith("siunitx") for t in spec.tables.values()):
        packages.append("siunitx")
    suffixes = {os.path.splitext(p)[1] for f in spec.figures.values() for p in f.outputs}
    if any(_shown_figure(f.outputs).endswith((".pdf", ".png")) for f in spec.figures.values()):
        packages.append("graphicx")
    if ".pgf" in suffixes and any(_shown_figure(f.outputs).endswith(".pgf") for f in spec.figures.values()):
        packages.append("pgf")
    return packages


def _shown_figure(outputs: tuple[str, ...]) -> str:
    """Return the output a LaTeX document can show (PDF first, then PGF, then PNG), or ''."""
    for suffix in (".pdf", ".pgf", ".png"):
        for path in outputs:
            if path.endswith(suffix):
                return path
    return ""


def preview_source(spec: Spec, report: BuildReport, folder: str) -> str:
    """Return the LaTeX source of the preview document (outputs referenced by absolute path)."""
    from pylatex import Document, NoEscape, Package

    document = Document(
        documentclass="article",
        fontenc=None,
        inputenc=None,
        lmodern=False,
        textcomp=False,
        page_numbers=False,
    )
    for package in preview_packages(spec):
        document.packages.append(Package(package))
    numbers = spec.macros.output if spec.macros is not None and spec.macros.output else None
    if numbers:
        document.preamble.append(NoEscape(rf"\input{{{_tex_path(numbers)}}}"))
    add = document.append
    title = escape_latex(f"resultsbook preview: {os.path.basename(spec.path)}")
    add(NoEscape(rf"\section*{{{title}}}"))
    add(NoEscape(r"Every table, figure and number of the spec, as the paper will show them.\par"))
    for name, table_spec in spec.tables.items():
        path = next((p for p in table_spec.outputs if p.endswith(".tex")), None)
        if path is None:  # a table without a LaTeX output is shown from a copy rendered here
            path = os.path.join(folder, f"table-{len(os.listdir(folder))}.tex")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(_latex_copy(spec, name, report))
        add(NoEscape(rf"\subsection*{{Table {escape_latex(name)}}}"))
        if table_spec.caption:
            add(NoEscape(escape_latex(table_spec.caption) + r"\par\medskip"))
        if table_spec.latex.float:
            add(NoEscape(rf"\input{{{_tex_path(path)}}}"))
        else:
            add(NoEscape(rf"\begin{{center}}\input{{{_tex_path(path)}}}\end{{center}}"))
        _add_note(add, NoEscape, name, numbers)
    for name, figure in spec.figures.items():
        add(NoEscape(rf"\subsection*{{Figure {escape_latex(name)}}}"))
        if figure.caption:
            add(NoEscape(escape_latex(figure.caption) + r"\par\medskip"))
        shown = _shown_figure(figure.outputs)
        if shown.endswith(".pgf"):
            add(NoEscape(rf"\begin{{center}}\input{{{_tex_path(shown)}}}\end{{center}}"))
        elif shown:
            add(NoEscape(rf"\begin{{center}}\includegraphics{{{_tex_path(shown)}}}\end{{center}}"))
        else:
            add(NoEscape(r"\emph{Only SVG outputs, which LaTeX cannot include: }"))
            add(NoEscape(escape_latex(", ".join(os.path.relpath(p) for p in figure.outputs)) + r"\par"))
        _add_note(add, NoEscape, name, numbers)
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
    return render_table(report.tables[name], "latex", table_spec.format, spec.labels, table_spec.latex)


def _add_note(add: object, no_escape: object, name: str, numbers: str | None) -> None:
    """Show what the output is (the \\rbnote of the numbers file, which also proves it works)."""
    if numbers:
        add(no_escape(rf"\par{{\small \rbnote{{{name}}}}}\par"))  # type: ignore[operator]


def _tex_path(path: str) -> str:
    """Return a path as LaTeX's \\input and \\includegraphics take it (forward slashes)."""
    return os.path.abspath(path).replace(os.sep, "/")


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
        result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0:
            log_path = os.path.join(folder, os.path.splitext(name)[0] + ".log")
            log = result.stdout
            if os.path.exists(log_path):
                with open(log_path, encoding="utf-8", errors="replace") as handle:
                    log = handle.read()
            errors = [
                line for line in log.splitlines() if line.startswith("!") or _FILE_LINE_ERROR.match(line)
            ]
            raise RenderError(f"the preview did not compile: {(errors or [log[-300:]])[0].strip()}")
    return os.path.join(folder, os.path.splitext(name)[0] + ".pdf")
