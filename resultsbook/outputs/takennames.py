"""Named values whose command LaTeX already has: `max = { cell = ... }` becomes `\\max`, the math
operator, and the paper stopped at the numbers file with `Command \\max already defined`. One draft
pdflatex run on the paper's preamble (the spec's, and its venue's page) names them at build time, as
it names those resultsbook's own files define (`\\rbvalue`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Collection

from resultsbook.outputs.build import Finding
from resultsbook.render.macros import OWN_COMMANDS
from resultsbook.render.venues import class_options, document_class, geometry_preamble
from resultsbook.spec import Spec

_PROBE = "probe.tex"
_TAKEN = "RBTAKEN="


def taken_commands(spec: Spec, written: Collection[str]) -> list[Finding]:
    """Return a finding for each named value whose command resultsbook's own files or the paper's LaTeX
    define already; none without named values or a numbers file among those a build `written` (a build
    that leaves it as it was pays no LaTeX run: 0.3 s)."""
    macros = spec.macros
    if macros is None or not macros.values or not macros.output:
        return []
    if os.path.abspath(macros.output) not in {os.path.abspath(path) for path in written}:
        return []
    names = {value.macro: name for name, value in macros.values.items()}
    own = [command for command in names if command in OWN_COMMANDS]
    latex = _latex_commands(spec, [command for command in names if command not in own])
    numbers = os.path.relpath(macros.output, spec.folder)
    return [
        Finding("macros", "", "taken", _taken_text(names[command], command, command in own, numbers))
        for command in (*own, *latex)
    ]


def _taken_text(name: str, command: str, own: bool, numbers: str) -> str:
    """Say that a named value's command is taken, by resultsbook itself (`own`) or by LaTeX, with a rename."""
    if own:
        stops = f"a command resultsbook itself defines: the paper stops at {numbers} or at a table"
    else:
        stops = (
            f"a command LaTeX already has: the paper stops at {numbers} (Command \\{command} already defined)"
        )
    rename = f"rename the value, e.g. {name}_value for \\{command}Value"
    return f"[macros.values.{name}] becomes \\{command}, {stops}; {rename}"


def _latex_commands(spec: Spec, commands: Collection[str]) -> list[str]:
    """Return the `commands` the paper's LaTeX defines already, asking one draft pdflatex run on its
    preamble (the spec's, and its venue's page); none without pdflatex or when the preamble does not
    compile."""
    from resultsbook.outputs.preview import draft_log

    if not commands or shutil.which("pdflatex") is None:
        return []
    venue = spec.venue
    options = ",".join(class_options(venue)) if venue else ""
    lines = [rf"\documentclass[{options}]{{{document_class(venue) if venue else 'article'}}}"]
    lines += [*(geometry_preamble(venue) if venue else []), *spec.preamble]
    # in the preamble, where the paper inputs the numbers file; a command that is \relax is free
    lines += [rf"\ifdefined\{c}\ifx\{c}\relax\else\typeout{{{_TAKEN}{c}}}\fi\fi" for c in commands]
    lines += [r"\begin{document}", r"\end{document}"]
    with tempfile.TemporaryDirectory(prefix="resultsbook-names-") as folder:
        with open(os.path.join(folder, _PROBE), "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        log = draft_log(folder, _PROBE)
    if log is None:
        return []
    taken = [line.removeprefix(_TAKEN).strip() for line in log.splitlines() if line.startswith(_TAKEN)]
    return [command for command in taken if command in commands]
