"""Safe arithmetic for derived metrics: `100 * (return - random) / (expert - random)`.

Names are metrics or params; a name that is not a Python identifier (`val/acc`) goes in backticks.
Only numbers, names, + - * / // % **, unary minus and abs, min, max, log, exp, sqrt are allowed:
no attribute access, no calls to anything else, no way out of the expression.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from resultsbook.errors import QueryError

_BACKTICKED = re.compile(r"`([^`]+)`")
_WORDS = [word for word in keyword.kwlist if word not in ("True", "False", "None")]  # constants stay
_KEYWORD = re.compile(rf"`[^`]*`|\b({'|'.join(_WORDS)})\b")  # inside backticks: left as they are
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": np.abs,
    "min": np.minimum,
    "max": np.maximum,
    "log": np.log,
    "exp": np.exp,
    "sqrt": np.sqrt,
}
_BINARY = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.mod,
    ast.Pow: np.power,
}


@dataclass(frozen=True)
class Expression:
    """A parsed, validated expression and the names it reads."""

    text: str
    tree: ast.Expression
    names: tuple[str, ...]
    aliases: dict[str, str]

    def evaluate(self, resolve: Callable[[str], Any]) -> Any:
        """Evaluate with `resolve(name)` giving a number or an array for each name."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _eval(self.tree.body, lambda alias: resolve(self.aliases.get(alias, alias)))


def parse_expression(text: str) -> Expression:
    """Parse and validate an expression, or raise naming the part that is not allowed."""
    aliases: dict[str, str] = {}

    def alias(found: re.Match[str]) -> str:
        name = f"_q{len(aliases)}"
        aliases[name] = found.group(1)
        return name

    source = _BACKTICKED.sub(alias, text)
    # a metric named as a Python word (d3rlpy's `return`, `lambda`, `class`) is a name here all the same
    source = _KEYWORD.sub(lambda found: alias(found) if found.group(1) else found.group(0), source)
    if "`" in source:  # 1 - `test/acc: the name's closing backtick forgotten
        raise QueryError(f"expression {text!r} has a backtick left open; quote a name whole: `test/acc`")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise QueryError(f"expression {text!r} is not valid arithmetic ({error.msg})") from error
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        _check_node(node, text)
        if isinstance(node, ast.Name) and node.id not in _FUNCTIONS:
            found.append((node.col_offset, aliases.get(node.id, node.id)))
    names = tuple(dict.fromkeys(name for _, name in sorted(found)))  # in order of appearance
    return Expression(text=text, tree=tree, names=names, aliases=aliases)


def derived_cycle(derived: Mapping[str, Expression]) -> tuple[str, ...] | None:
    """Return derived metrics that refer to one another in a circle (`a = "b + 1"`, `b = "a * 2"`: a, b,
    a), the first found; None when every one comes to logged metrics in the end."""
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
        if name in path:
            return (*path[path.index(name) :], name)
        if name in done or name not in derived:
            return None
        for used in derived[name].names:
            circle = visit(used, (*path, name))
            if circle is not None:
                return circle
        done.add(name)
        return None

    for name in derived:
        circle = visit(name, ())
        if circle is not None:
            return circle
    return None


def circle_words(circle: tuple[str, ...]) -> str:
    """Say a circle of derived metrics: `refers to itself` or `refers to itself through b`."""
    through = circle[1:-1]
    return "refers to itself" + (f" through {', '.join(through)}" if through else "")


def _check_node(node: ast.AST, text: str) -> None:
    allowed = (
        ast.Expression,
        ast.BinOp,
        ast.UnaryOp,
        ast.Constant,
        ast.Name,
        ast.Load,
        ast.Call,
        ast.USub,
        ast.UAdd,
        *_BINARY,
    )
    if not isinstance(node, allowed):
        raise QueryError(
            f"expression {text!r} uses {type(node).__name__}, which is not allowed; "
            "use numbers, names, + - * / ** and abs/min/max/log/exp/sqrt"
        )
    if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
        raise QueryError(f"expression {text!r} holds a non-number constant {node.value!r}")
    if isinstance(node, ast.Call) and (
        not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords
    ):
        raise QueryError(f"expression {text!r} calls something other than abs/min/max/log/exp/sqrt")


def _eval(node: ast.AST, resolve: Callable[[str], Any]) -> Any:
    if isinstance(node, ast.Constant):
        return float(node.value)  # type: ignore[arg-type]  # _check_node allowed numbers only
    if isinstance(node, ast.Name):
        return resolve(node.id)
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, resolve)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, resolve), _eval(node.right, resolve))
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return _FUNCTIONS[node.func.id](*(_eval(arg, resolve) for arg in node.args))
    raise QueryError(f"cannot evaluate {type(node).__name__}")
