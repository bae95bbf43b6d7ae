"""Paper pages for the LaTeX fit tests: documents with a venue's page (imitated with the geometry
package, or the venue's real style file from ../shared/venues), compiled with pdflatex, and the
overfull boxes that come from generated files."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from conftest import SHARED, require_pdflatex

from resultsbook.outputs.texlog import LOG_ENV, Overfull, attribute, overfull_boxes
from resultsbook.render.venues import class_options, document_class, geometry_preamble, venue_preset

VENUES = SHARED / "venues"


@dataclass(frozen=True)
class Compiled:
    """A compiled document: its log, the overfull boxes that come from generated files, its text."""

    log: str
    generated_overfull: list[tuple[str, Overfull]]
    folder: Path

    def typeout(self, key: str) -> str:
        """Return what `\\typeout{KEY=...}` printed."""
        line = next(line for line in self.log.splitlines() if line.startswith(f"{key}="))
        return line.split("=", 1)[1].strip()


def imitated_preamble(venue: str) -> tuple[str, list[str], str]:
    """Return the class options, preamble and class that imitate a venue's page with the geometry package."""
    preset = venue_preset(venue)
    return ",".join(class_options(preset)), geometry_preamble(preset), document_class(preset)


def compile_page(
    folder: Path,
    body: str,
    generated: Sequence[Path],
    options: str = "10pt",
    preamble: Sequence[str] = (),
    documentclass: str = "article",
    packages: Sequence[str] = ("booktabs",),
) -> Compiled:
    """Compile a document around `body` (twice, for floats and references); fail on a LaTeX error."""
    pdflatex = require_pdflatex()
    lines = [rf"\documentclass[{options}]{{{documentclass}}}", *preamble]
    lines += [rf"\usepackage{{{p}}}" for p in packages]
    lines += [r"\begin{document}", r"\typeout{COLUMNWIDTH=\the\columnwidth}", body, r"\end{document}"]
    (folder / "doc.tex").write_text("\n".join(lines) + "\n")
    env = {**os.environ, **LOG_ENV, "TEXINPUTS": f".:{VENUES}//:"}
    for _ in range(2):
        result = subprocess.run(
            [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
            cwd=folder, capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip
        log = (folder / "doc.log").read_text(errors="replace")
        errors = [line for line in log.splitlines() if line.startswith("!")]
        assert result.returncode == 0, f"pdflatex failed: {errors or log[-2000:]}"
    names: Mapping[str, str] = {str(path.resolve()): path.name for path in generated}
    found = attribute(overfull_boxes(log), str(folder), names)
    return Compiled(log, found, folder)


def describe(found: list[tuple[str, Overfull]]) -> str:
    """Say which generated files stick out and by how much."""
    return "; ".join(f"{name}: {box.points:.1f}pt too wide" for name, box in found)
