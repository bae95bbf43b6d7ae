"""Every fenced block of README.md and docs/ is checked by its kind, so that the documentation cannot rot:
spec fragments load through the spec reader, Python compiles (and self-contained scripts run), every
`resultsbook ...` command line parses against the real commands, and excerpts of generated files equal
the committed files. The markers are described in docs/development.md."""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from resultsbook.cli import cli
from resultsbook.errors import SpecError
from resultsbook.spec import load_spec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"
PAGES = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").rglob("*.md") if "hooks" not in p.parts)]
LANGUAGES = {"toml", "python", "bash", "console", "yaml", "json", "latex", "markdown", "text"}
# console sessions (commands with their real output) are run by tests/test_troubleshooting_doc.py
CONSOLE_PAGES = {"docs/troubleshooting.md"}
MARKERS = {"file", "part-of", "spec-with", "partial", "run"}
OPENING = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
MARKER = re.compile(r"^\s*<!-- docs-test: (?P<kind>[a-z-]+)(?: (?P<argument>\S+))? -->\s*$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    marker: str | None = None
    argument: str | None = None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def read_blocks(page: Path) -> list[Block]:
    """Return the fenced blocks of a Markdown page, with the docs-test marker on the line before each."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks, number = [], 0
    while number < len(lines):
        opening = OPENING.match(lines[number])
        if opening is None:
            number += 1
            continue
        indent, fence = opening.group("indent"), opening.group("fence")
        close = re.compile(rf"^ {{0,{len(indent) + 3}}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = number + 1
        while end < len(lines) and not close.match(lines[end]):
            end += 1
        assert end < len(lines), f"{page.relative_to(ROOT)}:{number + 1}: the fenced block is never closed"
        body = textwrap.dedent("\n".join(line for line in lines[number + 1 : end]))
        marker = MARKER.match(lines[number - 1]) if number else None
        blocks.append(
            Block(
                page=page,
                line=number + 1,
                language=opening.group("info").strip().split(" ")[0],
                text=body + "\n" if body else "",
                marker=marker.group("kind") if marker else None,
                argument=marker.group("argument") if marker else None,
            )
        )
        number = end + 1
    return blocks


BLOCKS = [block for page in PAGES for block in read_blocks(page)]


def committed(path: str) -> str:
    target = ROOT / path
    assert target.is_file(), f"the marker names {path}, which is not a file of the repository"
    return target.read_text(encoding="utf-8")


def check_excerpt(block: Block) -> None:
    text = committed(str(block.argument))
    if block.marker == "file":
        assert block.text == text, f"{block.where} differs from {block.argument}; copy the file again"
    else:
        lines, part = text.splitlines(), block.text.splitlines()
        runs = (lines[i : i + len(part)] for i in range(len(lines) - len(part) + 1))
        assert part and part in runs, f"{block.where} is not a run of whole lines of {block.argument}"


def merged_spec(base: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    """Return the base spec with the fragment's entries: a named entry ([tables.x]) replaces the base's."""
    document = dict(base)
    for key, value in fragment.items():
        if isinstance(value, dict) and isinstance(document.get(key), dict):
            document[key] = {**document[key], **value}
        else:
            document[key] = value
    return document


def toml_text(document: dict[str, Any]) -> str:
    """Write a spec document back as TOML: every value under its dotted key."""

    def key(name: str) -> str:
        return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, dict):
            return "{" + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + "}"
        if isinstance(item, list):
            return "[" + ", ".join(value(v) for v in item) + "]"
        return json.dumps(item, ensure_ascii=False) if isinstance(item, str) else repr(item)

    def leaves(prefix: str, item: dict[str, Any]):
        for name, inner in item.items():
            dotted = f"{prefix}{key(name)}"
            if isinstance(inner, dict) and inner:
                yield from leaves(f"{dotted}.", inner)
            else:
                yield f"{dotted} = {value(inner)}"

    return "\n".join(leaves("", document)) + "\n"


def check_toml(block: Block, folder: Path) -> None:
    try:
        fragment = tomllib.loads(block.text)
    except tomllib.TOMLDecodeError as error:
        pytest.fail(f"{block.where} is not valid TOML: {error}")
    if block.marker in ("partial", "part-of"):
        return
    if block.marker == "file":
        path = ROOT / str(block.argument)
        if "shared/realdata" in block.text and not REALDATA.is_dir():
            return  # the spec reads reference scores from ../shared: tests/test_realdata.py loads it there
    else:
        if block.marker == "spec-with":
            fragment = merged_spec(tomllib.loads(committed(str(block.argument))), fragment)
        path = folder / "resultsbook.toml"
        path.write_text(toml_text(fragment), encoding="utf-8")
    try:
        load_spec(str(path))
    except SpecError as error:
        pytest.fail(
            f"{block.where} is not a valid spec ({error}); fix it, or mark a fragment of "
            "another file <!-- docs-test: partial -->"
        )


def command_lines(script: str) -> list[list[str]]:
    """Return every command of a shell block as its words: continuations joined, split at && || ; |."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line.removeprefix("$ "), posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        for word in lexer:
            if set(word) <= set(";&|"):
                commands.append(words)
                words = []
            else:
                words.append(word)
        commands.append(words)
    return [words for words in commands if words]


def parse_resultsbook(arguments: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse a command line as `resultsbook` would, without running it (paths need not exist)."""
    group = click.Context(cli, info_name="resultsbook")
    if not arguments or arguments[0] not in cli.commands:
        raise click.UsageError(f"no command {arguments[:1]}; commands: {', '.join(cli.commands)}")
    command = cli.commands[arguments[0]]
    for param in command.params:
        if isinstance(param.type, click.Path):
            monkeypatch.setattr(param.type, "exists", False)
    with contextlib.suppress(click.exceptions.Exit):  # --help
        command.make_context(arguments[0], arguments[1:], parent=group)


def check_shell(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    for words in command_lines(block.text):
        if words[0] != "resultsbook":
            continue
        try:
            parse_resultsbook(words[1:], monkeypatch)
        except click.UsageError as error:
            pytest.fail(f"{block.where}: `{shlex.join(words)}` does not parse: {error.format_message()}")


def check_python(block: Block, folder: Path) -> None:
    try:
        compile(block.text, block.where, "exec")
    except SyntaxError as error:
        pytest.fail(f"{block.where} does not compile: {error}")
    if block.marker == "run":
        script = folder / "example.py"
        script.write_text(block.text, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, str(script)], cwd=folder, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{block.where} fails when run:\n{done.stderr}"


@pytest.mark.parametrize("block", BLOCKS, ids=[block.where for block in BLOCKS])
def test_documented_block_is_true(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    assert block.language in LANGUAGES, (
        f"{block.where}: give the block a language ({', '.join(sorted(LANGUAGES))}; text for plain text)"
    )
    assert block.marker is None or block.marker in MARKERS, f"{block.where}: unknown marker {block.marker!r}"
    if block.marker in ("file", "part-of"):
        check_excerpt(block)
    elif "Generated by resultsbook" in block.text.split("\n", 1)[0]:
        pytest.fail(f"{block.where} shows a generated file: mark it <!-- docs-test: file PATH -->")
    if block.marker in ("spec-with", "partial"):
        assert block.language == "toml", f"{block.where}: {block.marker} is for TOML blocks"
    if block.marker == "run":
        assert block.language == "python", f"{block.where}: run is for Python blocks"
    if block.language == "toml":
        check_toml(block, tmp_path)
    elif block.language == "python":
        check_python(block, tmp_path)
    elif block.language == "bash":
        check_shell(block, monkeypatch)
    elif block.language == "console":
        page = block.page.relative_to(ROOT).as_posix()
        assert page in CONSOLE_PAGES, f"{block.where}: console sessions are run only on {CONSOLE_PAGES}"
    elif block.language == "yaml":
        yaml.safe_load(block.text)
    elif block.language == "json":
        json.loads(block.text)


def test_the_readme_and_every_docs_page_are_walked():
    walked = {block.page.relative_to(ROOT).as_posix() for block in BLOCKS}
    assert {"README.md", "docs/getting-started.md", "docs/recipes/ci.md", "docs/adapters.md"} <= walked
    assert not any("hooks" in block.page.parts for block in BLOCKS)


def test_a_wrong_option_in_a_documented_command_fails(monkeypatch):
    with pytest.raises(click.UsageError, match="No such option"):
        parse_resultsbook(["table", "--rows", "model", "--metric", "acc", "--colums", "dataset"], monkeypatch)
    with pytest.raises(click.UsageError, match="no command"):
        parse_resultsbook(["tabel"], monkeypatch)
    with pytest.raises(click.UsageError, match="Missing parameter: rows"):
        parse_resultsbook(["table", "--metric", "acc"], monkeypatch)


def test_shell_lines_are_split_into_commands():
    script = "cd paper && resultsbook build -q  # comment\nresultsbook collect runs \\\n  --adapter csv | tee log\n"
    assert command_lines(script) == [
        ["cd", "paper"],
        ["resultsbook", "build", "-q"],
        ["resultsbook", "collect", "runs", "--adapter", "csv"],
        ["tee", "log"],
    ]


def test_a_fragment_merged_into_a_spec_replaces_entries_of_the_same_name(tmp_path):
    base = {"tables": {"a": {"metric": "x", "rows": ["m"]}, "b": {"metric": "y", "rows": ["m"]}}}
    document = merged_spec(base, {"tables": {"a": {"metric": "z", "rows": ["n"]}}, "db": "s.db"})
    assert document == {
        "tables": {"a": {"metric": "z", "rows": ["n"]}, "b": {"metric": "y", "rows": ["m"]}},
        "db": "s.db",
    }
    assert tomllib.loads(toml_text(document)) == document


def test_no_page_names_a_path_of_the_machine_it_was_written_on():
    """docs/team-setup.md ran `python /work/wt-issue15/examples/quickstart/train.py`: a worktree of
    the machine its transcript was made on, not a path a reader has."""
    found = [
        f"{page.relative_to(ROOT)}:{number}"
        for page in PAGES
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(?<![\w.])/work/", line)
    ]
    assert found == []
