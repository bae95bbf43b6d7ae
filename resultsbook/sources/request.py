"""What one root of a collect asks for: the folder or file, and how to read it. Kept apart from the
search, so that reading a spec's [[sources]] does not load the adapters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resultsbook.sources.derive import Derivation

# adapters that name a file's runs by what the file holds: alike files in other folders give alike runs
FILE_RUN_ADAPTERS = ("wide", "csv", "records", "onefile")


@dataclass(frozen=True)
class CollectRequest:
    """One root to collect, with how to read it: adapter, path pattern, adapter options, fixed
    params and params derived from other params."""

    path: str
    adapter: str | None = None
    pattern: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    derive: tuple[Derivation, ...] = ()  # applied in this order, after the path params
    # the spec's [[sources]] entry asking for this root, as a message names it (`resultsbook.toml:
    # [[sources]] #2 path = 'runs'`); None for a root the command line or a call gave
    spec_entry: str | None = field(default=None, compare=False)

    def entry(self) -> dict[str, Any]:
        """Return the `[[sources]]` entry, but for its path, that the spec reads back into this request
        (spec/sources.py `read_source`): only what differs from the defaults."""
        options = dict(self.options)
        columns = options.get("columns")
        entry: dict[str, Any] = {}
        if self.adapter is not None:
            entry["adapter"] = self.adapter
        if self.pattern is not None:
            entry["pattern"] = self.pattern
        if isinstance(columns, (list, tuple)) and all(isinstance(name, str) for name in columns):
            entry["columns"] = list(options.pop("columns"))
        if options:
            entry["options"] = options
        if self.params:
            entry["params"] = dict(self.params)
        if self.derive:
            entry["derive"] = {rule.name: rule.entry() for rule in self.derive}
        return entry
