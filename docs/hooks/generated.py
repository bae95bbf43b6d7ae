"""mkdocs hook: fill the generated parts of the docs from the code itself, so that they cannot drift.

A page asks for a generated part with a marker line:

    <!-- docs: spec-keys -->              every key of resultsbook.toml, from the spec reader's key tables
    <!-- docs: adapters -->               the built-in adapters, from the adapter registry
    <!-- docs: adapter-options NAME -->   one adapter's options, from its class
    <!-- docs: marks -->                  the honesty marks of a table and the note printed for each

The build fails when a key table of resultsbook/spec has no section here, when a built-in adapter has
no options marker on any page, or when a marker is unknown. tests/test_docs_reference.py checks the
same without mkdocs.
"""

from __future__ import annotations

import html
import importlib
import inspect
import pkgutil
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resultsbook.adapters import Adapter

DEFINED_KEY_TABLE = re.compile(r"^([A-Z][A-Z_]*_KEYS)\s*[:=]", re.M)
MARKER = re.compile(r"^<!-- docs: ([a-z-]+)(?: ([A-Za-z0-9_.-]+))? -->$", re.M)


@dataclass(frozen=True)
class KeySection:
    """One section of the spec reference: a key table of the spec reader, under a heading."""

    heading: str
    module: str
    table: str
    intro: str
    leave_out: tuple[tuple[str, str], ...] = ()  # (module, table) of keys listed in another section


SPEC_SECTIONS = (
    KeySection(
        "The top level",
        "resultsbook.spec.collecting",
        "TOP_KEYS",
        "`resultsbook.toml` (or `[tool.resultsbook]` in `pyproject.toml`), found in the current folder or "
        "a parent. Paths are relative to the spec file.",
    ),
    KeySection(
        "`[[sources]]`",
        "resultsbook.spec.sources",
        "SOURCE_KEYS",
        "One entry per log folder; `build` collects them first (incrementally), `--no-collect` skips that.",
    ),
    KeySection("`[labels]`", "resultsbook.spec.labels", "LABEL_KEYS", "Display names, used by every output."),
    KeySection(
        "A display text in LaTeX",
        "resultsbook.spec.labels",
        "TEXT_KEYS",
        "Any display name (a label, a metric's `label`, a caption, a figure's title or axis label) can be "
        "`{ latex = '...' }` instead of a string: raw LaTeX, typeset as written; plain strings are escaped.",
    ),
    KeySection(
        "`[tables.NAME]` and `[defaults]`",
        "resultsbook.spec.tables",
        "TABLE_KEYS",
        "One table each. `[defaults]` takes the same keys and every table starts from it; the top-level "
        "`replicate` and `run_specific` apply too. A table's own keys win.",
    ),
    KeySection(
        "`metrics` entries",
        "resultsbook.spec.tables",
        "METRIC_KEYS",
        'The entries of `metrics = [...]` in a table, e.g. `{ name = "f1", reduce = "max", label = "F1" }`; '
        "each starts from the table's own reduce settings.",
    ),
    KeySection(
        "`[style]`",
        "resultsbook.spec.style",
        "STYLE_KEYS",
        "The look every figure starts from; a figure may set any of these keys itself.",
    ),
    KeySection(
        "`[figures.NAME]`",
        "resultsbook.spec.figures",
        "FIGURE_KEYS",
        "Keys of every figure, besides the `[style]` keys above; then those of its kind below.",
        leave_out=(("resultsbook.spec.style", "STYLE_KEYS"),),
    ),
    KeySection(
        'Curve figures (`kind = "curve"`)',
        "resultsbook.spec.figures",
        "CURVE_KEYS",
        "A metric over training: the statistic over seeds as a line, with a band. The top-level "
        "`replicate` and `[defaults]` apply.",
    ),
    KeySection(
        'Bar and points figures (`kind = "bar"`, `"points"`)',
        "resultsbook.spec.figures",
        "CELL_KEYS",
        "Cells drawn as bars or as every seed's dot: either the cells of a table (`table`), or an "
        "aggregation of the figure's own, with these table keys (`hue`, `x`, `facet` are its row keys).",
    ),
    KeySection(
        "`[figures.NAME]` of kind `profile`",
        "resultsbook.spec.figures",
        "PROFILE_KEYS",
        "A performance profile (rliable): for each threshold τ, the fraction of runs of a method whose score "
        "is above τ, from a table aggregated over tasks, with a stratified bootstrap band.",
    ),
    KeySection(
        "`[figures.NAME]` of kind `efficiency`",
        "resultsbook.spec.figures",
        "EFFICIENCY_KEYS",
        "A sample-efficiency curve: an aggregate over tasks × runs (IQM by default) at each step, with a "
        "stratified bootstrap band.",
    ),
    KeySection(
        "`[normalized.NAME]`",
        "resultsbook.spec.normalized",
        "NORMALIZED_KEYS",
        "A metric normalised per task, `(raw − low) / (high − low)`, with reference scores given inline, in a "
        "JSON file or in a CSV; tables and figures use `NAME` as a metric.",
    ),
    KeySection("`[macros]`", "resultsbook.spec.macros", "MACRO_KEYS", "Numbers quoted in the text."),
    KeySection(
        "`[macros.values.NAME]`",
        "resultsbook.spec.macros",
        "VALUE_KEYS",
        "One named number each, `name = { ... }`; it becomes the command `\\nameInCamelCase`. Exactly one "
        "of `cell`, `difference`, `ratio`, `metric`, `count`.",
    ),
    KeySection(
        "`[report]`", "resultsbook.spec.report", "REPORT_KEYS", "The HTML report of `resultsbook report`."
    ),
)


def key_tables() -> dict[tuple[str, str], Mapping[str, str]]:
    """Return every key table the spec reader defines: module-level `NAME_KEYS = ...` in resultsbook/spec."""
    import resultsbook.spec

    found = {}
    for info in pkgutil.iter_modules(resultsbook.spec.__path__, "resultsbook.spec."):
        module = importlib.import_module(info.name)
        source = inspect.getsource(module)
        for name in DEFINED_KEY_TABLE.findall(source):
            found[(info.name, name)] = getattr(module, name)
    return found


def undescribed_keys() -> list[str]:
    """Return what keeps the spec reference from being complete: a key table not shown, a key without text."""
    tables = key_tables()
    shown = {(section.module, section.table) for section in SPEC_SECTIONS}
    unshown = sorted(set(tables) - shown)
    wrong = [f"{module}.{name} has no section in SPEC_SECTIONS" for module, name in unshown]
    for (module, name), table in sorted(tables.items()):
        if not isinstance(table, Mapping):
            wrong.append(f"{module}.{name} is not a key → description mapping")
            continue
        for key, text in table.items():
            if not isinstance(text, str) or not text.strip() or "\n" in text:
                wrong.append(f"{module}.{name}[{key!r}] needs a one-line description")
    return wrong


def spec_reference() -> str:
    """Return the Markdown of every spec key, one section per key table."""
    tables = key_tables()
    parts = []
    for section in SPEC_SECTIONS:
        table = tables[(section.module, section.table)]
        hidden = {key for module, name in section.leave_out for key in tables[(module, name)]}
        rows = [f"| `{key}` | {text} |" for key, text in table.items() if key not in hidden]
        table_text = "| key | meaning |\n|---|---|\n" + "\n".join(rows)
        parts.append(f"## {section.heading}\n\n{section.intro}\n\n{table_text}")
    return "\n\n".join(parts) + "\n"


def builtin_adapters() -> dict[str, type[Adapter]]:
    """Return the adapters resultsbook ships, by name, in claiming order (plug-ins left out)."""
    from resultsbook.adapters import available_adapters

    return {
        name: adapter
        for name, adapter in available_adapters().items()
        if adapter.__module__.startswith("resultsbook.adapters.")
    }


def plain_text(text: str) -> str:
    """Return text that Markdown shows as written, inside a table cell too."""
    return re.sub(r"([\\`*_|\[\]])", r"\\\1", html.escape(text, quote=False))


def adapter_overview() -> str:
    """Return a table of the built-in adapters: what each reads and whether it claims files by itself."""
    rows = []
    for name, adapter in builtin_adapters().items():
        found = "automatically" if adapter.claims_by_itself else "when named (`--adapter`, `--pattern`)"
        rows.append(f"| [`{name}`](#{name}) | {plain_text(adapter.summary)} | {found} |")
    return "| adapter | reads | found |\n|---|---|---|\n" + "\n".join(rows) + "\n"


def adapter_options(name: str) -> str:
    """Return one adapter's options as a table (or say it has none)."""
    adapters = builtin_adapters()
    if name not in adapters:
        raise ValueError(f"<!-- docs: adapter-options {name} -->: no built-in adapter {name!r}")
    options = adapters[name].options
    if not options:
        return "Options: none (`resultsbook adapters` lists every adapter's options).\n"
    rows = "\n".join(f"| `{key}` | {plain_text(text)} |" for key, text in options.items())
    return (
        f"Options (`-o KEY=VALUE` on the command line, `options = {{ ... }}` in `[[sources]]`):\n\n"
        f"| option | meaning |\n|---|---|\n{rows}\n"
    )


def marks_table() -> str:
    """Return the honesty marks with the text printed under a table for each."""
    from resultsbook.render.layout import MARK_SUMMARIES, MARK_SYMBOLS

    rows = [f"| `{symbol}` | {plain_text(MARK_SUMMARIES[kind])} |" for kind, symbol in MARK_SYMBOLS.items()]
    return "| mark | printed under the table as |\n|---|---|\n" + "\n".join(rows) + "\n"


def fill(markdown: str) -> tuple[str, set[str]]:
    """Replace every marker in a page; return the page and the adapters whose options it shows."""
    shown: set[str] = set()

    def replace(found: re.Match[str]) -> str:
        kind, argument = found.group(1), found.group(2)
        if kind == "spec-keys" and argument is None:
            return spec_reference()
        if kind == "marks" and argument is None:
            return marks_table()
        if kind == "adapters" and argument is None:
            return adapter_overview()
        if kind == "adapter-options" and argument is not None:
            shown.add(argument)
            return adapter_options(argument)
        raise ValueError(f"unknown docs marker {found.group(0)}; see docs/hooks/generated.py")

    return MARKER.sub(replace, markdown), shown


# ----------------------------------------------------------------------------------------- mkdocs hooks
_shown_adapters: set[str] = set()


def on_pre_build(config: object) -> None:
    """Refuse to build a spec reference with a key table or a description missing."""
    from mkdocs.exceptions import PluginError

    _shown_adapters.clear()
    wrong = undescribed_keys()
    if wrong:
        raise PluginError("spec reference incomplete: " + "; ".join(wrong))


def on_page_markdown(markdown: str, page: object, config: object, files: object) -> str:
    """Fill the page's generated parts."""
    from mkdocs.exceptions import PluginError

    try:
        text, shown = fill(markdown)
    except ValueError as error:
        raise PluginError(f"{page}: {error}") from error
    _shown_adapters.update(shown)
    return text


def on_page_content(html_text: str, page: object, config: object, files: object) -> str:
    """Show click 8.3's "no default" sentinel as mkdocs-click shows a None default."""
    # mkdocs-click 0.9 prints option.default, which click >= 8.3 leaves as Sentinel.UNSET
    return html_text.replace("<code>Sentinel.UNSET</code>", "None")


def on_post_build(config: object) -> None:
    """Refuse a site where a built-in adapter's options are shown on no page."""
    from mkdocs.exceptions import PluginError

    missing = sorted(set(builtin_adapters()) - _shown_adapters)
    if missing:
        raise PluginError(
            f"no page shows the options of adapter(s) {', '.join(missing)}: add "
            f"<!-- docs: adapter-options NAME --> to its section of docs/adapters.md"
        )
