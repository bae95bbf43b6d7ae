"""Texts cut to a width from where they differ, so that cutting them never hides the difference."""

from __future__ import annotations

from collections.abc import Sequence

CONTEXT = 20  # characters kept before the first difference


def cut_where_they_differ(first: str, second: str, limit: int) -> tuple[str, str]:
    """Return two texts cut to `limit` characters, from a little before their first difference when it
    lies past the cut: cut from the start, two long texts that differ late read the same."""
    first, second = cut_all_where_they_differ([first, second], limit)
    return first, second


def cut_all_where_they_differ(texts: Sequence[str], limit: int, mark: str = "...") -> list[str]:
    """Return texts cut to `limit` characters (`mark` where cut), from a little before the first place
    where any two differ when it lies past the cut."""
    shortest = min(map(len, texts), default=0)
    at = next((i for i, chars in enumerate(zip(*texts)) if len(set(chars)) > 1), shortest)
    start = at - CONTEXT if at > limit - CONTEXT else 0
    return [_cut(text, start, limit, mark) for text in texts]


def _cut(text: str, start: int, limit: int, mark: str) -> str:
    text = mark + text[start:] if start else text
    return text if len(text) <= limit else text[: limit - len(mark)] + mark
