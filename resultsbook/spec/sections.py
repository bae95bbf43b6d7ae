"""`sections`: the Markdown files whose marked regions are regenerated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resultsbook.spec.keys import strings


def read_sections(document: Mapping[str, Any], resolve: Any, where: str) -> tuple[str, ...]:
    """Return the absolute paths of the Markdown files named by `sections`."""
    return tuple(resolve(p) for p in strings(document.get("sections", []), where, "sections"))
