"""The generated references of the documentation are complete: every command and option has help text,
every spec key a description, every adapter and every table mark a place in the docs."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import click
import pytest

from resultsbook.cli import cli
from resultsbook.render.layout import MARK_SYMBOLS
from resultsbook.spec import tables

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def load_hook():
    """Import docs/hooks/generated.py, the mkdocs hook that writes the generated parts."""
    spec = importlib.util.spec_from_file_location("docs_generated", DOCS / "hooks" / "generated.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["docs_generated"] = module
    spec.loader.exec_module(module)
    return module


generated = load_hook()


def walk_commands(command: click.Command, path: tuple[str, ...]):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk_commands(sub, (*path, name))


def test_every_command_and_option_has_help_text():
    missing = []
    for path, command in walk_commands(cli, ("resultsbook",)):
        if not (command.help or command.short_help):
            missing.append(f"command {' '.join(path)}")
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip():
                missing.append(f"{' '.join(path)} {'/'.join(param.opts)}")
    assert missing == [], f"add help= to: {', '.join(missing)}"


def test_every_spec_key_has_a_one_line_description_in_a_reference_section():
    assert generated.undescribed_keys() == []


def test_a_key_without_a_description_is_refused(monkeypatch):
    monkeypatch.setitem(tables.TABLE_KEYS, "new_key", "")
    assert generated.undescribed_keys() == [
        "resultsbook.spec.tables.TABLE_KEYS['new_key'] needs a one-line description"
    ]


def test_a_key_table_without_a_section_is_refused(monkeypatch):
    sections = tuple(s for s in generated.SPEC_SECTIONS if s.table != "REPORT_KEYS")
    monkeypatch.setattr(generated, "SPEC_SECTIONS", sections)
    assert generated.undescribed_keys() == [
        "resultsbook.spec.report.REPORT_KEYS has no section in SPEC_SECTIONS"
    ]


def test_the_spec_reference_lists_every_key_the_reader_accepts():
    page = generated.spec_reference()
    for heading, keys in [
        ("`[tables.NAME]` and `[defaults]`", tables.TABLE_KEYS),
        ("`metrics` entries", tables.METRIC_KEYS),
    ]:
        section = page.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
        listed = re.findall(r"^\| `([^`]+)` \|", section, re.M)
        assert listed == list(keys)


def test_the_figure_section_leaves_the_style_keys_to_the_style_section():
    page = generated.spec_reference()
    figures = page.split("## `[figures.NAME]`\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([^`]+)` \|", figures, re.M))
    assert "kind" in listed and "width" not in listed


def test_every_builtin_adapter_has_its_options_on_a_page():
    shown: set[str] = set()
    for page in sorted(DOCS.rglob("*.md")):
        shown |= generated.fill(page.read_text(encoding="utf-8"))[1]
    assert set(generated.builtin_adapters()) <= shown


def test_adapter_options_come_from_the_adapter_class():
    text = generated.adapter_options("csv")
    assert "| `columns` | column names of a file without a header line |" in text
    assert generated.adapter_options("native").startswith("Options: none")


def test_an_unknown_docs_marker_is_refused():
    with pytest.raises(ValueError, match="unknown docs marker"):
        generated.fill("<!-- docs: spec-keyz -->\n")
    with pytest.raises(ValueError, match="no built-in adapter 'nope'"):
        generated.fill("<!-- docs: adapter-options nope -->\n")


def test_the_statistics_page_explains_every_mark_a_table_can_carry():
    page = (DOCS / "statistics.md").read_text(encoding="utf-8")
    explained = set(re.findall(r"^- `(.)` — ", page, re.M))
    assert explained == set(MARK_SYMBOLS.values())


def test_summaries_with_markdown_characters_show_as_written():
    assert generated.plain_text("a|b *x* <y> `z`") == r"a\|b \*x\* &lt;y&gt; \`z\`"
