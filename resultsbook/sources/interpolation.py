"""Resolve `${a.b}` interpolations in a config the way OmegaConf does (Hydra saves configs unresolved).

With omegaconf importable (every Hydra user has it) OmegaConf itself resolves them: nested
references (`${model.${which}}`), relative ones (`${..lr}`), escapes (`\\${x}` is the text `${x}`)
and its pure resolvers (`oc.decode`, `oc.select`, ...). Resolvers that depend on where and when they
run (`${now:...}`, `${oc.env:HOME}`, `${hydra:...}`) would give the collecting machine's answer, not
the run's: they stay as written, as do references to missing keys, cycles and `???`. Without
omegaconf, a small resolver here does the same for references and escapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_MAX_DEPTH = 20
MAX_EXPANSION = 1 << 20  # values and characters references may write: a config is not a text generator
_REFERENCE = re.compile(r"(?<!\\)\$\{([^${}]*)\}")
_RESOLVER_CALL = re.compile(r"(?<!\\)\$\{(\s*([A-Za-z_][\w.\-]*)\s*:)")
# OmegaConf's resolvers whose answer depends only on the config
_PURE_RESOLVERS = {"oc.decode", "oc.select", "oc.create", "oc.dict.keys", "oc.dict.values"}


def has_interpolations(value: Any) -> bool:
    """Tell whether any string in a config holds `${`."""
    if isinstance(value, Mapping):
        return any(has_interpolations(item) for item in value.values())
    if isinstance(value, list):
        return any(has_interpolations(item) for item in value)
    return isinstance(value, str) and "${" in value


class InterpolationTooLarge(ValueError):
    """References that expand a config without bound (`a: ${b}${b}`, `b: ${c}${c}`, ...)."""


def resolve_interpolations(config: Mapping[str, Any], budget: int = MAX_EXPANSION) -> Any:
    """Resolve `${a.b}` references to other config keys, as OmegaConf would; resolvers such as
    `${now:...}` or `${oc.env:X}` and references to missing keys stay as written. Raises
    InterpolationTooLarge when the references would write more than `budget` values or characters.

    >>> resolve_interpolations({"model": {"lr": 0.1}, "lr": "${model.lr}", "tag": "lr=${model.lr}"})
    {'model': {'lr': 0.1}, 'lr': 0.1, 'tag': 'lr=0.1'}
    """
    if not has_interpolations(config):  # most configs: OmegaConf would cost ~6 ms to change nothing
        return config
    bounded = resolve_without_omegaconf(config, budget)  # first: OmegaConf itself has no bound
    resolved = _resolve_with_omegaconf(config)
    return resolved if resolved is not None else bounded


def _resolve_with_omegaconf(config: Mapping[str, Any]) -> Any:
    """Resolve with OmegaConf, leaf by leaf; None when omegaconf is absent or refuses the config."""
    try:
        from omegaconf import OmegaConf
    except ImportError:
        return None
    try:
        node = OmegaConf.create(_escape_impure(config))
    except Exception:  # a value its grammar refuses (`${a`): the fallback keeps such text as written
        return None
    return _read_node(config, node)


def _escape_impure(value: Any) -> Any:
    """Escape the resolver calls whose answer depends on the collecting machine: kept as text."""
    if isinstance(value, Mapping):
        return {key: _escape_impure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escape_impure(item) for item in value]
    if isinstance(value, str) and "${" in value:
        return _RESOLVER_CALL.sub(
            lambda m: m.group(0) if m.group(2) in _PURE_RESOLVERS else "\\${" + m.group(1), value
        )
    return value


def _read_node(raw: Any, node: Any) -> Any:
    """Return the resolved value of every leaf; a leaf OmegaConf cannot resolve keeps its text."""
    from omegaconf import DictConfig, ListConfig

    if isinstance(raw, Mapping) and isinstance(node, DictConfig):
        return {key: _read_leaf(raw[key], node, key) for key in raw}
    if isinstance(raw, list) and isinstance(node, ListConfig):
        return [_read_leaf(item, node, index) for index, item in enumerate(raw)]
    return raw


def _read_leaf(raw: Any, parent: Any, key: Any) -> Any:
    from omegaconf import DictConfig, ListConfig, OmegaConf

    if isinstance(raw, (Mapping, list)):
        return _read_node(raw, parent[key])
    try:
        value = parent[key]
    except Exception:  # a missing key, a cycle, `???`, an impure resolver: as written
        return raw
    if isinstance(value, (DictConfig, ListConfig)):  # `${model}`: a reference to a whole section
        try:
            return OmegaConf.to_container(value, resolve=True)
        except Exception:
            return raw
    return value


def resolve_without_omegaconf(config: Mapping[str, Any], budget: int = MAX_EXPANSION) -> Any:
    """Resolve references and escapes as OmegaConf does, without it (resolvers stay as written);
    InterpolationTooLarge past `budget` values and characters written."""
    written = [0]

    def spend(amount: int) -> None:
        written[0] += amount
        if written[0] > budget:
            raise InterpolationTooLarge(
                f"its ${{...}} references expand it past {budget:,} values or characters"
            )

    def resolve(value: Any, path: tuple[Any, ...], depth: int) -> Any:
        spend(1)  # each value resolved counts: references to lists multiply them too
        if isinstance(value, Mapping):
            return {key: resolve(item, (*path, key), depth) for key, item in value.items()}
        if isinstance(value, list):
            return [resolve(item, (*path, index), depth) for index, item in enumerate(value)]
        if not isinstance(value, str) or "${" not in value or depth > _MAX_DEPTH:
            return value
        text = value
        for _ in range(_MAX_DEPTH):  # innermost references first: `${a.${b}}` needs `${b}` first
            whole = _REFERENCE.fullmatch(text)
            if whole is not None and ":" not in whole.group(1):
                found, target = _lookup(config, whole.group(1), path)
                if found is None:
                    return value
                result = resolve(target, found, depth + 1)
                return value if isinstance(result, str) and _unresolved(result) else result

            def substitute(match: re.Match[str]) -> str:
                found, target = _lookup(config, match.group(1), path)
                if found is None:
                    return match.group(0)
                target = resolve(target, found, depth + 1)
                if isinstance(target, (Mapping, list)) or (isinstance(target, str) and _unresolved(target)):
                    return match.group(0)
                text = _as_text(target)
                spend(len(text))
                return text

            replaced = _REFERENCE.sub(substitute, text)
            if replaced == text:
                break
            text = replaced
        if _unresolved(text):
            return value  # a key that is not there: the whole value as written, as OmegaConf does
        return text.replace("\\${", "${")

    return resolve(config, (), 0)


def _unresolved(text: str) -> bool:
    """Tell whether text still holds a reference to a key (a resolver call is kept as text)."""
    return any(":" not in found.group(1) for found in _REFERENCE.finditer(text))


def _lookup(config: Any, reference: str, path: tuple[Any, ...]) -> tuple[tuple[Any, ...] | None, Any]:
    """Return (path, value) of a config key reference, or (None, None) for a resolver or a missing key."""
    reference = reference.strip()
    if not reference or ":" in reference:
        return None, None  # a resolver (now:, oc.env:, hydra:...) needs Hydra itself
    if reference.startswith("."):
        dots = len(reference) - len(reference.lstrip("."))
        parts: list[Any] = list(path[: max(len(path) - dots, 0)])
        reference = reference[dots:]
    else:
        parts = []
    for part in re.split(r"\.|\[(\d+)\]", reference):
        if part:
            parts.append(part)
    node = config
    for index, part in enumerate(parts):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and str(part).isdigit() and int(part) < len(node):
            node = node[int(part)]
            parts[index] = int(part)
        else:
            return None, None
    return tuple(parts), node


def _as_text(value: Any) -> str:
    """Return a value as OmegaConf writes it inside a string."""
    if isinstance(value, bool):
        return "True" if value else "False"
    return "None" if value is None else str(value)
