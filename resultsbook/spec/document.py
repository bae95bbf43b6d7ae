"""Read resultsbook.toml (or [tool.resultsbook] in pyproject.toml) into one frozen Spec.

Every error names the file, the key, the bad value and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from resultsbook.errors import ResultsbookError, SpecError, closest
from resultsbook.query.expr import circle_words, derived_cycle, parse_expression
from resultsbook.query.normalize import Normalization
from resultsbook.render.figstyle import FigureStyle
from resultsbook.render.layout import Labels
from resultsbook.render.venues import Venue, venue_preset
from resultsbook.sources.request import CollectRequest
from resultsbook.spec.collecting import (
    LOCK_NAME,
    TOP_KEYS,
    read_store_location,
    spec_document,
    spec_path_resolver,
)
from resultsbook.spec.keys import check_keys, check_name, mapping_at, misplaced_top_key, strings
from resultsbook.spec.labels import read_labels
from resultsbook.spec.macros import MacroSpec, read_macros
from resultsbook.spec.normalized import read_normalized
from resultsbook.spec.report import ReportSpec, read_report
from resultsbook.spec.sections import read_sections
from resultsbook.spec.sources import read_source
from resultsbook.spec.style import read_style
from resultsbook.spec.tables import TABLE_KEYS, TableSpec, check_defaults, read_table, without_unread_budget

if TYPE_CHECKING:
    from resultsbook.spec.figures import FigureSpec


@dataclass(frozen=True)
class Spec:
    """A whole resultsbook.toml."""

    path: str
    db: str  # the store: a SQLite file path or a postgresql:// URL
    sources: tuple[CollectRequest, ...]
    labels: Labels
    tables: Mapping[str, TableSpec]
    template_dirs: tuple[str, ...]
    derived: Mapping[str, str] = field(default_factory=dict)
    lock: str = ""
    style: FigureStyle = field(default_factory=FigureStyle)
    figures: Mapping[str, FigureSpec] = field(default_factory=dict)
    macros: MacroSpec | None = None
    sections: tuple[str, ...] = ()
    report: ReportSpec | None = None
    venue: Venue | None = None  # the paper's venue: figure sizes and fonts, the preview's page
    preamble: tuple[str, ...] = ()  # preamble lines the paper has beyond booktabs (\usepackage[T1]{fontenc})

    @property
    def paper_preamble(self) -> tuple[str, ...]:
        """Return the preamble lines the paper has: the spec's own and those of its venue's template,
        its text font included (a PGF figure's labels are measured in it)."""
        if self.venue is None:
            return self.preamble
        font = (self.venue.font_package,) if self.venue.font_package else ()
        return tuple(dict.fromkeys((*self.preamble, *font, *self.venue.template_packages)))

    normalized: Mapping[str, Normalization] = field(default_factory=dict)
    table_defaults: Mapping[str, Any] = field(default_factory=dict)  # what every table starts from
    top_level_settings: frozenset[str] = frozenset()  # those of table_defaults set at the top level

    @property
    def folder(self) -> str:
        """Return the folder relative paths in the spec are resolved against."""
        return os.path.dirname(os.path.abspath(self.path))


def check_template_dirs(given: Sequence[str], folders: Sequence[str], where: str) -> None:
    """Refuse a `templates` folder that does not exist when one beside it is close to its name: the
    overrides would be silently left out (a folder far from any may be made later, as watch expects)."""
    for name, folder in zip(given, folders):
        parent = os.path.dirname(folder)
        if os.path.isdir(folder) or not os.path.isdir(parent):
            continue
        beside = [entry.name for entry in os.scandir(parent) if entry.is_dir()]
        guess = closest(os.path.basename(folder), beside)
        if guess is not None:
            raise SpecError(f"{where}: templates = {name!r} is no folder; did you mean {guess!r}?")


def load_spec(path: str) -> Spec:
    """Read and validate a spec file."""
    document = spec_document(path)
    where = os.path.basename(path)
    check_keys(document, TOP_KEYS, where, "the top level")
    folder = os.path.dirname(os.path.abspath(path))
    resolve = spec_path_resolver(folder)
    derived = mapping_at(document, "derived", where, "the top level")
    for name, text in derived.items():
        misplaced = misplaced_top_key(str(name), "[derived]")
        if not isinstance(text, str):
            raise SpecError(
                f"{where}: [derived] {name} = {text!r} is no expression; {misplaced}"
                if misplaced
                else f'{where}: [derived] {name} = {text!r} must be an expression, e.g. "1 - `val/acc`"'
            )
        try:  # named with the file and the key, before anything is collected
            parse_expression(text)
        except ResultsbookError as error:
            if misplaced:
                raise SpecError(
                    f"{where}: [derived] {name} = {text!r} is no expression; {misplaced}"
                ) from error
            raise SpecError(f"{where}: [derived] {name}: {error}") from error
    circle = derived_cycle({name: parse_expression(text) for name, text in derived.items()})
    if circle is not None:
        raise SpecError(
            f"{where}: [derived] {circle[0]} {circle_words(circle)} ({' → '.join(circle)}); define it from "
            "logged metrics, under a name of its own (a derived metric may use another, not itself)"
        )
    templates = strings(document.get("templates", "templates"), where, "templates")
    template_dirs = tuple(resolve(t) for t in templates)
    if "templates" in document:
        check_template_dirs(templates, template_dirs, where)
    if "lock" in document and not isinstance(document["lock"], str):
        lock = document["lock"]
        raise SpecError(f'{where}: lock = {lock!r} must be a file path, e.g. lock = "results/lock"')
    if "lock" in document and os.path.isdir(resolve(document["lock"])):
        raise SpecError(
            f"{where}: lock = {document['lock']!r} is a folder; name a file, e.g. results/resultsbook.lock"
        )
    if not isinstance(document.get("sources", []), list):
        raise SpecError(f'{where}: sources must be a list of tables, e.g. [[sources]] then path = "runs"')
    normalized = read_normalized(document, resolve, where)
    clash = sorted(set(normalized) & set(derived))
    if clash:
        raise SpecError(f"{where}: {clash[0]!r} is both [derived] and [normalized.{clash[0]}]; rename one")
    labels = read_labels(mapping_at(document, "labels", where, "the top level"), where)
    defaults = mapping_at(document, "defaults", where, "the top level")
    check_keys(defaults, TABLE_KEYS, where, "[defaults]")
    project: dict[str, Any] = {k: document[k] for k in ("replicate", "run_specific") if k in document}
    check_defaults(project, defaults, where, template_dirs)
    tables = {}
    for name, entry in mapping_at(document, "tables", where, "the top level").items():
        context = f"[tables.{name}]"
        if not isinstance(entry, Mapping):
            raise SpecError(f"{where}: {context} must be a table of settings")
        check_name(name, where, "table")
        merged = without_unread_budget({**project, **defaults, **entry}, entry)
        _check_center_over_tasks(entry, merged, where, context)
        try:
            tables[name] = read_table(
                name, merged, derived, template_dirs, resolve, where, context, labels, normalized
            )
        except (TypeError, ValueError) as error:  # a value of the wrong type where a check is missing
            raise SpecError(
                f"{where}: {context} has a value of the wrong type ({error}); check its types"
            ) from error
    venue = read_venue(document, where)
    style = read_style(document, where, venue)
    figures = {}
    if "figures" in document:  # their curves, profiles and plots load only for a spec that has figures
        from resultsbook.spec.figures import read_figures

        figures = read_figures(
            document,
            tables,
            project,
            defaults,
            derived,
            template_dirs,
            resolve,
            style,
            where,
            labels,
            venue,
            normalized,
        )
    macros = (
        read_macros(document.get("macros"), tables, {**project, **defaults}, resolve, where)
        if "macros" in document
        else None
    )
    sections = read_sections(document, resolve, where)
    report = read_report(document.get("report"), resolve, where) if "report" in document else None
    writers = [(f"[tables.{name}]", output) for name, table in tables.items() for output in table.outputs]
    writers += [(f"[figures.{name}]", path) for name, figure in figures.items() for path in figure.outputs]
    if macros is not None and macros.output:
        writers.append(("[macros]", macros.output))
    written = [output for _, output in writers]
    writers += [("sections", section) for section in sections]
    if "lock" in document:
        writers.append(("lock", resolve(document["lock"])))
    check_one_writer_each(writers, folder, where)
    return Spec(
        path=os.path.abspath(path),
        db=read_store_location(document, resolve, where),
        sources=tuple(read_source(s, i, resolve, where) for i, s in enumerate(document.get("sources", []))),
        labels=labels,
        tables=tables,
        template_dirs=template_dirs,
        derived=dict(derived),
        lock=resolve(document["lock"]) if "lock" in document else default_lock_path(folder, written),
        style=style,
        figures=figures,
        macros=macros,
        sections=sections,
        report=report,
        venue=venue,
        preamble=read_preamble(document, where),
        normalized=normalized,
        table_defaults={**project, **defaults},
        top_level_settings=frozenset(set(project) - set(defaults)),
    )


def check_one_writer_each(writers: list[tuple[str, str]], folder: str, where: str) -> None:
    """Refuse a file that two entries write: the last one would silently replace the other."""
    owners: dict[str, tuple[str, str]] = {}
    for entry, path in writers:
        # a folder reached through a symlink is the same folder: out/t.tex and link/t.tex are one file
        first, first_path = owners.setdefault(os.path.normcase(os.path.realpath(path)), (entry, path))
        if first != entry:
            shown = os.path.relpath(path, folder)
            also = "" if first_path == path else f" (as {os.path.relpath(first_path, folder)})"
            raise SpecError(
                f"{where}: {entry} writes {shown}, which {first} writes too{also}; "
                "give each output a file of its own"
            )
    for entry, path in writers:  # a file where another output needs a folder: sub.md and sub.md/x.tex
        folder_of = os.path.normcase(os.path.realpath(os.path.dirname(path)))
        while folder_of not in owners and os.path.dirname(folder_of) != folder_of:
            folder_of = os.path.dirname(folder_of)
        if folder_of in owners:
            other, other_path = owners[folder_of]
            raise SpecError(
                f"{where}: {entry} writes {os.path.relpath(path, folder)} inside "
                f"{os.path.relpath(other_path, folder)}, a file {other} writes; give each output a path "
                "in a folder"
            )


def read_venue(document: Mapping[str, Any], where: str) -> Venue | None:
    """Read `venue = "icml"`: the preset whose column and text widths, fonts and page the outputs fit."""
    name = document.get("venue")
    if name is None:
        return None
    try:
        return venue_preset(str(name))
    except ResultsbookError as error:
        raise SpecError(f"{where}: venue: {error}") from error


def read_preamble(document: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """Read `preamble`: a LaTeX line or a list of them that the paper's preamble holds."""
    value = document.get("preamble", [])
    lines = [value] if isinstance(value, str) else value
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise SpecError(
            f"{where}: preamble must be a list of LaTeX lines, e.g. "
            'preamble = ["\\usepackage[T1]{fontenc}", "\\usepackage{amssymb}"]'
        )
    return tuple(lines)


def default_lock_path(spec_folder: str, outputs: list[str]) -> str:
    """Put the lock beside the outputs (their common folder), or beside the spec when there are none."""
    if not outputs:
        return os.path.join(spec_folder, LOCK_NAME)
    folders = [os.path.dirname(os.path.abspath(path)) for path in outputs]
    return os.path.join(os.path.commonpath(folders), LOCK_NAME)


def _check_center_over_tasks(
    entry: Mapping[str, Any], merged: Mapping[str, Any], where: str, context: str
) -> None:
    """Refuse a table's own centre other than the mean over tasks, where the columns are the aggregates
    and a centre would be ignored unsaid (one from [defaults] is the per-seed tables', and stands)."""
    center = entry.get("center")
    if merged.get("tasks") and center is not None and center != "mean":
        wanted = f'"{center}"'
        raise SpecError(
            f"{where}: {context} center = {wanted} has no effect over tasks: the columns are the aggregates; "
            f'write aggregates = [{wanted}] (with the others wanted, e.g. ["mean", {wanted}])'
        )
