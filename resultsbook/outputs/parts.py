"""What an entry is made of, part by part, as the lock records it beside the one digest of its inputs:
the runs it reads, each of its settings, its labels, its templates, the resultsbook version — and, for
the numbers file and the Markdown sections, the same parts of every table they quote. `check` compares
them to say why a file is stale (`its settings changed: digits`) instead of guessing.

    runs                       the stored content of the runs its `where` selects
    settings.KEY               one key of its spec entry (with [defaults] applied)
    labels, derived, normalized    the labels it shows, the spec's [derived] and [normalized]
    template.NAME              a template a table renders with
    style                      a figure's style ([style], the venue and its own keys)
    version                    the resultsbook that built it (the version itself, not a digest)
    tables.NAME/PART           a part of a table that a figure, the numbers file or the sections quote
    figures.NAME/note          the note of a figure the numbers file quotes

A part is a short digest: enough to tell a change, small enough for a lock that is read in diffs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from resultsbook import __version__
from resultsbook.errors import RenderError
from resultsbook.jsontext import written_as_is
from resultsbook.models import StoredRun
from resultsbook.query.runs import Runs
from resultsbook.query.select import Filter, select_runs
from resultsbook.render.templates import template_source_path
from resultsbook.spec import FigureSpec, Spec, TableSpec

MARKDOWN_TEMPLATE = "table.md.j2"


def part_digest(value: Any) -> str:
    """Return the short digest of one part (JSON of it; what JSON cannot write, by its repr)."""
    text = json.dumps(value, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_LAST_RUNS: list[Any] = [None, {}]  # the runs of the last build, and their digest by filters


def runs_part(runs: Sequence[StoredRun] | Runs, filters: Sequence[Filter]) -> str:
    """Digest the stored content of the runs the filters select (each run's id and content digest);
    the tables of a build that select alike digest their 100,000 runs once, not once each. Only the
    last build's runs are kept (held, so that no other object can take their place)."""
    if _LAST_RUNS[0] is not runs:
        _LAST_RUNS[:] = [runs, {}]
    digests: dict[str, str] = _LAST_RUNS[1]
    key = repr(filters)
    if key not in digests:
        selected = Runs.of(select_runs(Runs.of(runs), filters)).by_run_id()  # ranks the tables made
        pairs = list(zip(selected.field("run_id").tolist(), selected.field("digest").tolist()))
        pairs.sort()  # in order already (one pass), unless a run id comes twice: then by content too
        digests[key] = _pairs_digest(pairs)
    return digests[key]


def _pairs_digest(pairs: list[tuple[str, str]]) -> str:
    """Return `part_digest(pairs)` of (run id, content digest) pairs, their JSON joined at once where
    that gives json's text (json writes 100,000 pairs a token at a time)."""
    ids, contents = zip(*pairs) if pairs else ((), ())
    if not written_as_is(ids) or not written_as_is(contents):
        return part_digest(pairs)
    text = '[["' + '"], ["'.join(map('", "'.join, pairs)) + '"]]'
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def settings_parts(entry: Mapping[str, Any]) -> dict[str, str]:
    """Return one part per key of a spec entry as written."""
    return {f"settings.{key}": part_digest(value) for key, value in entry.items()}


def template_parts(spec: Spec, names: Iterable[str]) -> dict[str, str]:
    """Return one part per template, the digest of the file build renders with ("missing" when there
    is none: rendering with it says so)."""
    parts = {}
    for name in names:
        try:
            with open(template_source_path(name, spec.template_dirs), "rb") as handle:
                parts[f"template.{name}"] = hashlib.sha256(handle.read()).hexdigest()[:16]
        except (RenderError, OSError):
            parts[f"template.{name}"] = "missing"
    return parts


def table_parts(spec: Spec, table_spec: TableSpec, runs: Sequence[StoredRun] | Runs) -> dict[str, str]:
    """Return the parts of a table: its runs, settings, labels, the spec's derived metrics, templates."""
    return {
        "runs": runs_part(runs, table_spec.query.filters),
        **settings_parts(table_spec.entry),
        "labels": part_digest(table_spec.labels.as_data()),
        **_metric_parts(spec),
        **template_parts(spec, dict.fromkeys((table_spec.latex.template, MARKDOWN_TEMPLATE))),
        "version": __version__,
    }


def figure_parts(
    spec: Spec, figure: FigureSpec, runs: Sequence[StoredRun] | Runs, known: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    """Return the parts of a figure: its runs, settings, style and labels; one that draws a table's
    cells reads that table's runs and settings instead (`known` holds the parts of the entries computed
    already, by lock key)."""
    table = figure.profile.table if figure.profile is not None else figure.table
    parts = {
        **({"runs": runs_part(runs, _figure_filters(figure))} if table is None else {}),
        **settings_parts(figure.entry),
        "style": part_digest(repr(figure.style)),
        "labels": part_digest(figure.labels.as_data()),
        **_metric_parts(spec),
        "version": __version__,
    }
    if table is not None:
        quoted = known.get(f"tables.{table}") or table_parts(spec, spec.tables[table], runs)
        parts |= {
            f"tables.{table}/{part}": digest
            for part, digest in quoted.items()
            if part == "runs" or part.startswith("settings.")
        }
    return parts


def _figure_filters(figure: FigureSpec) -> Sequence[Filter]:
    """Return the filters choosing the runs a figure draws without a table of the spec."""
    if figure.curve is not None:
        return figure.curve.filters
    if figure.efficiency is not None:
        return figure.efficiency.filters
    return figure.cells.query.filters if figure.cells is not None else ()


def _metric_parts(spec: Spec) -> dict[str, str]:
    """Return the parts of the spec every value reads through: [derived] and [normalized] metrics."""
    normalized = {
        name: [n.metric, list(n.task), sorted(map(repr, n.references.items()))]
        for name, n in spec.normalized.items()
    }
    return {"derived": part_digest(spec.derived), "normalized": part_digest(normalized)}


def numbers_parts(
    spec: Spec,
    runs: Sequence[StoredRun] | Runs,
    tables: Collection[str],
    figure_notes: Mapping[str, str],
    known: Mapping[str, Mapping[str, str]],
    templates: Sequence[str] = (),
) -> dict[str, str]:
    """Return the parts of the numbers file or the sections: [macros] value by value, the runs its
    statistics and counts read, the parts of the tables it quotes (`known` holds the parts of the
    entries computed already, by lock key; their templates only when `templates` names them: the
    numbers file renders no table), and the note of every figure."""
    parts: dict[str, str] = {}
    if spec.macros is not None:
        parts["settings.prefix"] = part_digest(spec.macros.prefix)
        parts |= {f"settings.values.{n}": part_digest(repr(v)) for n, v in spec.macros.values.items()}
        counted = [value for value in spec.macros.values.values() if value.kind in ("stat", "count")]
        if counted:
            parts["runs"] = part_digest([runs_part(runs, value.filters) for value in counted])
    for name in tables:
        quoted = known.get(f"tables.{name}") or table_parts(spec, spec.tables[name], runs)
        for part, digest in quoted.items():
            if part != "version" and (not part.startswith("template.") or part[9:] in templates):
                parts[f"tables.{name}/{part}"] = digest
    parts |= {f"figures.{name}/note": part_digest(note) for name, note in sorted(figure_notes.items())}
    parts["version"] = __version__
    return parts
