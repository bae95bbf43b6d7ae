"""Configurations a program printed as Python: argparse's `Namespace(lr=0.001, seed=1, …)` and dicts
(`{'lr': 0.001, 'model': {…}}`), read without running anything."""

from __future__ import annotations

import ast
from typing import Any

MOST_CONFIG_CHARS = 1 << 20  # a printed configuration parsed as Python (argparse's, fairseq's: a few kB)


def printed_config(text: str) -> dict[str, Any]:
    """Return the values of a printed `Namespace(…)` or dict as a dict (nested ones nested). Raise
    ValueError for text of another shape, or longer than MOST_CONFIG_CHARS."""
    if len(text) > MOST_CONFIG_CHARS:
        raise ValueError(f"longer than {MOST_CONFIG_CHARS:,} characters")
    try:
        return _literal(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, RecursionError, MemoryError, TypeError) as error:
        raise ValueError("does not parse as Python's repr of it") from error


def _literal(node: ast.AST) -> dict[str, Any]:
    """Return the value of a dict literal, a `Namespace(k=v, …)` call as a dict of its keywords; a
    value of another kind (a call, a name) as its source text. Raise ValueError for other shapes."""
    if isinstance(node, ast.Call):
        if not (isinstance(node.func, ast.Name) and node.func.id == "Namespace") or node.args:
            raise ValueError("a call other than Namespace(...)")
        return {kw.arg: _value(kw.value) for kw in node.keywords if kw.arg is not None}
    if isinstance(node, ast.Dict):
        return {_key(k): _value(v) for k, v in zip(node.keys, node.values) if k is not None}
    raise ValueError("neither Namespace(...) nor a dict")


def _key(node: ast.AST) -> str:
    return str(ast.literal_eval(node))


def _value(node: ast.AST) -> Any:
    """Return a configuration value: a literal, a nested dict or Namespace, else its text."""
    if isinstance(node, (ast.Dict, ast.Call)) and _is_config(node):
        return _literal(node)
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return ast.unparse(node)  # `device(type='cuda')`, an enum: kept as written


def _is_config(node: ast.AST) -> bool:
    if isinstance(node, ast.Dict):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Namespace"
