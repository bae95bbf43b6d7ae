"""Params computed from other params at collect time, so that a table can group (and pool) by them:
a dataset's short name from `config.data.path`, a split index, a renamed value.

    >>> rule = parse_derivation_text("dataset=config.data.path:^data/(?:\\w+-\\w+-\\w+-\\d+-)?(.+)$")
    >>> rule.apply({"config.data.path": "data/classif-num-medium-2-wine"})
    ('wine', None)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from resultsbook.errors import SpecError, closest
from resultsbook.params import format_value, parse_scalar

DERIVE_KEYS = {"from", "regex", "template", "map", "default"}
_MISSING = object()


@dataclass(frozen=True)
class Derivation:
    """One derived param: `name` computed from the param `source`.

    The source value (as text) is searched with `regex`: the result is `template` expanded with the
    match's groups (`\\1`, `\\g<name>`), else the group named `value`, else the first group, else
    the whole match; `map` then renames the result. Without `regex` the value is copied (and mapped).
    When the source param is absent or the regex does not match, `default` is used if given, else
    the run gets no such param and a problem says why."""

    name: str
    source: str
    regex: re.Pattern[str] | None = None
    template: str | None = None
    mapping: Mapping[str, Any] = field(default_factory=dict)
    default: Any = _MISSING

    def apply(self, params: Mapping[str, Any]) -> tuple[Any, str | None]:
        """Return (value, None), or (None, why it could not be derived)."""
        if self.source not in params:
            guess = closest(self.source, params)
            hint = f" (did you mean {guess!r}?)" if guess is not None else ""
            return self._fallback(f"its source param {self.source!r} is absent{hint}")
        value = params[self.source]
        text = format_value(value)
        if self.regex is not None:
            found = self.regex.search(text)
            if found is None:
                return self._fallback(f"{self.source} = {text!r} does not match /{self.regex.pattern}/")
            value = parse_scalar(self._extract(found))
            text = format_value(value)
        if self.mapping:
            if text in self.mapping:
                return self.mapping[text], None
            if self.default is not _MISSING:
                return self.default, None
        return value, None

    def _extract(self, found: re.Match[str]) -> str:
        if self.template is not None:
            return found.expand(self.template)
        if "value" in found.re.groupindex:
            return found.group("value") or ""
        if found.re.groups:
            return found.group(1) or ""
        return found.group(0)

    def _fallback(self, why: str) -> tuple[Any, str | None]:
        if self.default is not _MISSING:
            return self.default, None
        return None, f"param {self.name!r} could not be derived: {why}"

    def entry(self) -> Any:
        """Return the `derive.NAME` value of a spec that `parse_derivation` reads back into this rule:
        "PARAM" or "PARAM:REGEX" as the command line gives it, else a table."""
        plain = self.template is None and not self.mapping and self.default is _MISSING
        if plain and ":" not in self.source:
            return self.source if self.regex is None else f"{self.source}:{self.regex.pattern}"
        table: dict[str, Any] = {"from": self.source}
        if self.regex is not None:
            table["regex"] = self.regex.pattern
        if self.template is not None:
            table["template"] = self.template
        if self.mapping:
            table["map"] = dict(self.mapping)
        if self.default is not _MISSING:
            table["default"] = self.default
        return table

    def describe(self) -> list[Any]:
        """Return a plain description, for the digest of how sources are read."""
        default = None if self.default is _MISSING else ["default", self.default]
        pattern = self.regex.pattern if self.regex is not None else None
        return [self.name, self.source, pattern, self.template, dict(self.mapping), default]


def parse_derivation(name: str, entry: Any, where: str) -> Derivation:
    """Read one `derive.NAME` entry: "PARAM", "PARAM:REGEX" or a table (from, regex, template, map,
    default)."""
    if isinstance(entry, str):
        return _from_text(name, entry, where)
    if not isinstance(entry, Mapping):
        raise SpecError(f'{where}: derive.{name} must be "PARAM:REGEX" or a table with from = "PARAM"')
    unknown = sorted(set(entry) - DERIVE_KEYS)
    if unknown:
        raise SpecError(
            f"{where}: derive.{name} has no key {unknown[0]!r}; its keys are {', '.join(sorted(DERIVE_KEYS))}"
        )
    source = entry.get("from")
    if not isinstance(source, str) or not source:
        raise SpecError(f'{where}: derive.{name} needs from = "PARAM", the param it is computed from')
    mapping = entry.get("map", {})
    if not isinstance(mapping, Mapping):
        raise SpecError(f"{where}: derive.{name}.map must be a table of value = new value")
    template = entry.get("template")
    if template is not None and not isinstance(template, str):
        raise SpecError(f"{where}: derive.{name}.template must be text such as '\\1-\\2'")
    return Derivation(
        name=name,
        source=source,
        regex=_compile(entry.get("regex"), name, where),
        template=template,
        mapping={str(k): v for k, v in mapping.items()},
        default=entry.get("default", _MISSING),
    )


def parse_derivation_text(text: str, where: str = "--derive") -> Derivation:
    """Read `NAME=SOURCE` or `NAME=SOURCE:REGEX` (the command line's form)."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise SpecError(f"{where} {text!r} must look like NAME=PARAM or NAME=PARAM:REGEX")
    return _from_text(name.strip(), rest, where)


def _from_text(name: str, text: str, where: str) -> Derivation:
    source, _, regex = text.partition(":")
    if not source.strip():
        raise SpecError(f"{where}: derive {name!r} names no source param; write PARAM or PARAM:REGEX")
    return Derivation(name=name, source=source.strip(), regex=_compile(regex or None, name, where))


def _compile(regex: Any, name: str, where: str) -> re.Pattern[str] | None:
    if regex is None:
        return None
    if not isinstance(regex, str):
        raise SpecError(f"{where}: derive.{name}.regex must be text")
    try:
        return re.compile(regex)
    except re.error as error:
        raise SpecError(f"{where}: derive.{name}.regex is not a valid regex ({error})") from error
