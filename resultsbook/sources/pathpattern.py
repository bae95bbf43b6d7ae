"""Params from paths: `{algo}/{algo_name}_{env}-{dataset}_{seed}/environment.csv` and globs."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from resultsbook.errors import SpecError
from resultsbook.params import parse_scalar

_DOT = "__dot__"  # regex group names cannot hold '.', dotted param names can
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?::([^{}]+))?\}")


@dataclass(frozen=True)
class PathPattern:
    """A compiled path pattern; `match` returns the typed fields of a relative path or None."""

    text: str
    regex: re.Pattern[str]
    fields: tuple[str, ...]

    def near_miss(self, relative_path: str) -> bool:
        """Tell whether a path the pattern did not match is named like what it matches: its last part
        matches the pattern's, or begins and ends as a last part of fields does (`training_logs{date}
        ({rep}).log` over `training_logs211017.log`), at the pattern's depth (a run the pattern may
        leave out by mistake). Never for a pattern of open depth (`**`, a field's own regex): it may
        leave paths out on purpose (TabM's `{phase}/{_:\\d+}/report.json` skips each tuning's own
        report.json)."""
        if self.depth is None or relative_path.count("/") + 1 != self.depth:
            return False
        name = relative_path.rsplit("/", 1)[-1]
        if self._last_part is not None and self._last_part.match(name) is not None:
            return True
        ends = self._last_name_ends
        return ends is not None and name.startswith(ends[0]) and name.endswith(ends[1])

    @functools.cached_property
    def _last_name_ends(self) -> tuple[str, str] | None:
        """The text before the first field of a last part that names files by fields, and its file
        extension (`training_logs{date}({rep}).log`: 'training_logs', '.log'), when both are plain
        text and the first is at least 3 characters: `training_logs211017.log` is named like it."""
        last = self.text.strip().strip("/").rsplit("/", 1)[-1]
        fields = list(_FIELD.finditer(last))
        if not fields:
            return None
        prefix, tail = last[: fields[0].start()], last[fields[-1].end() :]
        extension = tail[tail.rfind(".") :] if "." in tail else ""
        if len(prefix) < 3 or len(extension) < 2 or any(c in prefix + extension for c in "*?["):
            return None
        return prefix, extension

    @functools.cached_property
    def _last_part(self) -> PathPattern | None:
        """The pattern's last part alone, when the depth is fixed and that part names files (at least
        3 literal characters: `metrics.jsonl`, not `{model}_{seed}`)."""
        last = self.text.strip().strip("/").rsplit("/", 1)[-1]
        literal = _FIELD.sub("", last).replace("*", "").replace("?", "")
        return compile_pattern(last) if self.depth is not None and len(literal) >= 3 else None

    def match(self, relative_path: str) -> dict[str, Any] | None:
        """Return the fields of a '/'-separated path relative to the collect root, or None."""
        found = self.regex.fullmatch(relative_path)
        if found is None:
            return None
        return {
            name.replace(_DOT, "."): parse_scalar(value)
            for name, value in found.groupdict().items()
            if not name.startswith("_")
        }

    @functools.cached_property
    def file_name(self) -> str | None:
        """Return the pattern's last part when it is a plain file name (`logs.csv`), else None."""
        last = split_folders(self.text)[1]
        return None if _FIELD.search(last) or any(c in last for c in "*?[") or not last else last

    @functools.cached_property
    def depth(self) -> int | None:
        """Return how many path components a match has, or None when `**` or a field's own regex
        (which may span folders) makes it open."""
        if "**" in self.text or any(found.group(2) for found in _FIELD.finditer(self.text)):
            return None
        return self.text.strip().strip("/").count("/") + 1


def split_folders(text: str) -> tuple[str | None, str]:
    """Return a pattern's folders (None when it has none) and its last part, split at its last '/'
    outside a field: `{method:(?!HUMAN)[^/]+}.json` is one part, its '/' the field's regex."""
    text = text.strip().strip("/")
    depth, cut = 0, -1
    for index, char in enumerate(text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "/" and depth == 0:
            cut = index
    return (text[:cut], text[cut + 1 :]) if cut > 0 else (None, text)


def compile_pattern(text: str) -> PathPattern:
    """Compile a path pattern: `{name}` is one field (no '/'), `{name:regex}` a custom one,
    `{name:**}` a field spanning one or more folders, `*` any text within a path component, `**`
    any number of components.

    >>> compile_pattern("{algo}/{algo_name}_{seed}/env.csv").match("cql/CQL_3/env.csv")
    {'algo': 'cql', 'algo_name': 'CQL', 'seed': 3}
    """
    pattern = text.strip().strip("/")
    if not pattern:
        raise SpecError("the path pattern is empty; give one such as '{model}_{seed}/metrics.jsonl'")
    parts: list[str] = []
    fields: list[str] = []
    position = 0
    for found in _FIELD.finditer(pattern):
        parts.append(_glob_to_regex(pattern[position : found.start()]))
        name, custom = found.group(1), found.group(2)
        group = name.replace(".", _DOT)
        if name in fields:
            parts.append(f"(?P={group})")
        else:
            fields.append(name)
            regex = "[^/]+?(?:/[^/]+?)*" if custom == "**" else custom or "[^/]+?"
            parts.append(f"(?P<{group}>{regex})")
        position = found.end()
    parts.append(_glob_to_regex(pattern[position:]))
    if "{" in _FIELD.sub("", pattern) or "}" in _FIELD.sub("", pattern):
        raise SpecError(f"path pattern {text!r} has a stray brace; fields look like {{name}}")
    try:
        regex = re.compile("".join(parts))
    except re.error as error:
        raise SpecError(
            f"path pattern {text!r} is not valid ({error}); check the {{name:regex}} parts"
        ) from error
    return PathPattern(text=text, regex=regex, fields=tuple(fields))


def _glob_to_regex(text: str) -> str:
    """Translate the literal-and-glob text between fields to regex."""
    out: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("**/", index):
            out.append("(?:[^/]+/)*")
            index += 3
        elif text.startswith("**", index):
            out.append(".*")
            index += 2
        elif text[index] == "*":
            out.append("[^/]*")
            index += 1
        elif text[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(text[index]))
            index += 1
    return "".join(out)
