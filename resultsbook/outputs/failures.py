"""Entries a build could not compute, and the entries held back because they quote one: each said in
one line naming the spec file, the entry and the fix. Like `make -k`, build writes everything else and
leaves these entries' files and lock entries as they were.

    >>> failure = EntryFailure("tables.t3", "not_found", "resultsbook.toml: [tables.t3] no run logs 'f1'")
    >>> failure.line()
    "resultsbook.toml: [tables.t3] no run logs 'f1'"
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from resultsbook.errors import ResultsbookError
from resultsbook.spec import Spec


@dataclass(frozen=True)
class EntryFailure:
    """A spec entry that was not built: its lock key, the kind of its error (what the exit code says),
    the one line to show, and, when it was held back, the failed entry it quotes."""

    entry: str  # tables.NAME, figures.NAME, macros or sections
    kind: str  # not_found (its runs are not there yet), usage (fix the spec), as ResultsbookError.kind
    message: str
    held_back_by: str = ""

    def line(self) -> str:
        """Return the one line printed to users."""
        return self.message

    def document(self) -> dict[str, Any]:
        """Return the failure as JSON (`build --json`, `check --json`)."""
        return {
            "entry": self.entry,
            "kind": self.kind,
            "message": self.message,
            "held_back_by": self.held_back_by,
        }


class Unavailable(Exception):
    """Raised while computing an entry that quotes one that failed: the entry is held back, not failed."""

    def __init__(self, entry: str) -> None:
        super().__init__(entry)
        self.entry = entry


def is_entry_error(error: ResultsbookError) -> bool:
    """Tell whether an error raised while computing an entry is that entry's own (no run matches, a
    metric no run logs, a typo in its settings) rather than the store's or the disk's, which stop all."""
    return error.kind != "io"


def entry_label(entry: str) -> str:
    """Return how the spec writes an entry: `[tables.t]`, `[figures.f]`, `[macros]`, `sections`."""
    return "sections" if entry == "sections" else f"[{entry}]"


def entry_failure(spec: Spec, entry: str, error: ResultsbookError) -> EntryFailure:
    """Return the failure of an entry whose computing raised `error`, its message starting with the
    spec file and the entry (once, whatever the error already said)."""
    spec_name = os.path.basename(spec.path)
    text = str(error).strip().removeprefix(f"{spec_name}: ")
    label = entry_label(entry)
    if not text.startswith(label.rstrip("]")):  # `[macros.values.gain]: ...` names the entry already
        text = f"{label}{':' if entry == 'sections' else ''} {text}"
    return EntryFailure(entry, error.kind, f"{spec_name}: {text}")


def held_back(spec: Spec, entry: str, outputs: Sequence[str], blocker: EntryFailure) -> EntryFailure:
    """Return the failure of an entry not built because it quotes `blocker`, which failed."""
    paths = ", ".join(os.path.relpath(path) for path in outputs)
    kept = f" ({paths} {'is as it was' if len(outputs) == 1 else 'are as they were'})" if outputs else ""
    return EntryFailure(
        entry,
        blocker.kind,
        f"{os.path.basename(spec.path)}: {entry_label(entry)} held back{kept}: it quotes "
        f"{entry_label(blocker.entry)}, which could not be built; fix that one first",
        blocker.entry,
    )
