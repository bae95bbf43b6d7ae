"""Two texts cut to a width from where they differ, so that cutting them never hides the difference."""

from __future__ import annotations

CONTEXT = 20  # characters kept before the first difference


def cut_where_they_differ(first: str, second: str, limit: int) -> tuple[str, str]:
    """Return two texts cut to `limit` characters, from a little before their first difference when it
    lies past the cut: cut from the start, two long texts that differ late read the same."""
    at = next((i for i, (a, b) in enumerate(zip(first, second)) if a != b), min(len(first), len(second)))
    start = at - CONTEXT if at > limit - CONTEXT else 0
    return _cut(first, start, limit), _cut(second, start, limit)


def _cut(text: str, start: int, limit: int) -> str:
    text = "..." + text[start:] if start else text
    return text if len(text) <= limit else text[: limit - 3] + "..."
