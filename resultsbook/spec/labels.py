"""`[labels]`: display names for param keys and values, used by every table and figure; a table or
figure may override them with its own `labels = { keys = {...}, values = {...} }`.

A display name is plain text, escaped in every output, or raw LaTeX when the spec says so:
`mlp = { latex = 'MLP$^\\dagger$', text = "MLP†" }` (`text`, for Markdown and HTML, is optional).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resultsbook.errors import SpecError
from resultsbook.render.escape import RawLatex
from resultsbook.render.layout import Labels
from resultsbook.spec.keys import check_keys, mapping_at, misplaced_top_key

LABEL_KEYS = {
    "keys": '`[labels.keys]`: display names of param and metric keys, e.g. `"test/acc" = "Accuracy (%)"`',
    "values": '`[labels.values.KEY]`: display names of one key\'s values, e.g. `resnet18 = "ResNet-18"`',
}
TEXT_KEYS = {
    "latex": "raw LaTeX for the label, typeset as written, e.g. `'MLP$^\\dagger$'`",
    "text": "the label in Markdown, HTML and the terminal [default: read from `latex`, e.g. `MLP†`]",
}


def read_labels(entry: Mapping[str, Any], where: str, context: str = "[labels]") -> Labels:
    """Read `keys` and `values.KEY` display names (`[labels]`, or a table's or figure's `labels`)."""
    check_keys(entry, LABEL_KEYS, where, context)
    header = "[labels.keys]" if context == "[labels]" else ""
    keys = {
        str(k): _label(k, v, where, f"{context} keys.{k}", header)
        for k, v in mapping_at(entry, "keys", where, context).items()
    }
    values = {}
    for key, mapping in mapping_at(entry, "values", where, context).items():
        if not isinstance(mapping, Mapping):
            misplaced = misplaced_top_key(str(key), "[labels.values]") if context == "[labels]" else ""
            raise SpecError(
                f"{where}: {context} values.{key} must map values to display names"
                + (f"; {misplaced}" if misplaced else "")
            )
        header = f"[labels.values.{key}]" if context == "[labels]" else ""
        values[str(key)] = {
            str(k): _label(k, v, where, f"{context} values.{key}.{k}", header) for k, v in mapping.items()
        }
    return Labels(keys=keys, values=values)


def _label(key: Any, value: Any, where: str, context: str, header: str) -> str:
    """Read one display name; one that is no label under a header of the file (`header`), named as a key of
    the top level (`sections = [...]` appended below [labels.keys]), is said to belong above it."""
    try:
        return read_text(value, where, context)
    except SpecError:
        misplaced = misplaced_top_key(str(key), header) if header else ""
        if misplaced:
            raise SpecError(f"{where}: {header} {key} = {value!r} is no label; {misplaced}") from None
        raise


def read_text(value: Any, where: str, context: str) -> str:
    """Read a display text: a string (escaped in every output) or `{ latex = '...', text = '...' }`."""
    if isinstance(value, Mapping):
        check_keys(value, TEXT_KEYS, where, context)
        latex, text = value.get("latex"), value.get("text")
        if not isinstance(latex, str) or (text is not None and not isinstance(text, str)):
            raise SpecError(
                f"{where}: {context} must be a string or {{ latex = '...' }} (optionally with text = "
                "'...' for Markdown and HTML), e.g. { latex = 'MLP$^\\dagger$' }"
            )
        return RawLatex(latex, text)
    if isinstance(value, (dict, list)) or value is None:
        raise SpecError(f"{where}: {context} must be a string or {{ latex = '...' }}")
    return str(value)


def optional_text(entry: Mapping[str, Any], key: str, where: str, context: str) -> str | None:
    """Return the display text under `key` (see `read_text`), or None when absent; a number or a
    true/false there is refused (`caption = 5` is most likely a slip, and would print as `5`)."""
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, Mapping, list)):  # a list gets read_text's own message
        raise SpecError(f'{where}: {context} {key} = {value!r} must be text in quotes: {key} = "{value}"')
    return read_text(value, where, f"{context} {key}")
