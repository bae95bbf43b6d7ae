"""Why an output is stale, said from the parts the lock recorded (outputs/parts.py) and those of now:

    results changed                                   the runs it reads changed
    its settings changed: digits                      keys of its spec entry
    the settings of [tables.table1] changed: digits   of a table it quotes
    it now quotes [tables.table3]                     a table it did not quote (or no longer does)
    its template changed: table.tex.j2                a template it renders with
    resultsbook changed: 0.1.0 → 0.2.0

Several are joined with `; `, "results changed" first. Nothing is said (None) when the lock recorded no
parts (it was written before they were) or none differs: then what changed is not recorded.
"""

from __future__ import annotations

from collections.abc import Mapping

# the settings that choose which runs an entry reads: when one changed, its runs differ by that choice
SELECTING = ("where", "status", "experiment")
RESULTS = "results changed"


def stale_reason(old: Mapping[str, str], new: Mapping[str, str]) -> str | None:
    """Say which parts of an entry differ from what the lock recorded, or None when it cannot tell."""
    changed = [part for part in sorted(old.keys() | new.keys()) if old.get(part) != new.get(part)]
    if not old or not changed:
        return None
    before, after = _owners(old), _owners(new)
    by_owner: dict[str, list[str]] = {}
    for part in changed:
        if part != "version":
            owner, _, name = part.rpartition("/")
            by_owner.setdefault(owner, []).append(name)
    phrases: list[str] = []
    for owner, names in sorted(by_owner.items(), key=lambda item: item[0] != ""):  # its own first
        if owner and owner not in after:
            phrases.append(f"it no longer quotes [{owner}]")
        elif owner and owner not in before:
            phrases.append(f"it now quotes [{owner}]")
        else:
            phrases += _owner_phrases(owner, names)
    notes = [f"[{owner}]" for owner, names in by_owner.items() if "note" in names and owner in before & after]
    if notes and not any(RESULTS in p or "selects differ" in p for p in phrases):  # notes follow runs
        phrases.append(f"the note{'s' if len(notes) > 1 else ''} of {', '.join(notes)} changed")
    if "version" in changed:
        phrases.append(f"resultsbook changed: {old.get('version')} → {new.get('version')}")
    if RESULTS in phrases:
        phrases = [RESULTS, *phrases]
    return "; ".join(dict.fromkeys(phrases))


def _owners(parts: Mapping[str, str]) -> set[str]:
    """Return the entries whose parts an entry records as quoted (`tables.t` of `tables.t/runs`)."""
    return {part.rpartition("/")[0] for part in parts if "/" in part}


def _owner_phrases(owner: str, names: list[str]) -> list[str]:
    """Say what changed of one entry's parts: its own (owner "") or those of an entry it quotes."""

    def whose(what: str) -> str:
        return f"the {what} of [{owner}]" if owner else f"its {what}"

    settings = [name.removeprefix("settings.") for name in names if name.startswith("settings.")]
    templates = [name.removeprefix("template.") for name in names if name.startswith("template.")]
    phrases = []
    if settings:
        phrases.append(f"{whose('settings')} changed: {', '.join(settings)}")
    if "runs" in names and any(key in settings for key in SELECTING):
        phrases.append(f"the runs {f'[{owner}]' if owner else 'it'} selects differ")
    elif "runs" in names:
        phrases.append(RESULTS)
    phrases += [f"{whose(what)} changed" for what in ("style", "labels") if what in names]
    phrases += [f"[{name}] changed" for name in ("derived", "normalized") if name in names]
    if templates:
        phrases.append(f"{whose('template')} changed: {', '.join(templates)}")
    return phrases
