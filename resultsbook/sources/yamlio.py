"""Read YAML written by other tools safely: Python-specific tags become plain data, never objects;
aliases may not multiply a document ("billion laughs") nor refer to themselves; nesting is bounded."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import yaml

from resultsbook.models import Problem
from resultsbook.sources.limits import CONFIG, MAX_DEPTH, YAML_ALIAS_NODES, Limit
from resultsbook.sources.textio import read_nonempty_text

_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LenientSafeLoader(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """A SafeLoader that reads unknown tags (`!!python/tuple`, `!!python/object:...`) as plain data.

    Lightning's `hparams.yaml` is written with `yaml.dump`, so it can hold such tags; the safe loader
    refuses them, the full loader would run code. A tuple becomes a list, an object its state mapping.
    A torch module passed to `save_hyperparameters` keeps its public attributes only (its weights,
    hooks and submodules are state, not settings); a function (`!!python/name:torch.tanh`) reads as
    its name, a tensor as its shape, bytes as their size and digest: no pickled data in the params.
    """


_TENSOR_REBUILDERS = (
    "python/object/apply:torch._utils._rebuild_tensor",
    "python/object/apply:torch._utils._rebuild_parameter",
)
_NAME_TAG = re.compile(r"python/(?:name|module):(.+)$")
_TORCH_MODULE_STATE = frozenset({"_modules", "_parameters", "_buffers"})


def _construct_plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    """Build a tagged node as the plain scalar, list or mapping it is written as."""
    if any(rebuilder in suffix for rebuilder in _TENSOR_REBUILDERS):
        return _tensor_summary(loader, suffix, node)
    if isinstance(node, yaml.MappingNode):
        mapping = loader.construct_mapping(node, deep=True)
        if "python/object" in suffix and mapping.keys() >= _TORCH_MODULE_STATE:
            return {key: value for key, value in mapping.items() if not str(key).startswith("_")}
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        named = _NAME_TAG.search(suffix)
        return named.group(1) if named and not value else value  # `!!python/name:torch.tanh ''`
    return None


def _tensor_summary(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> str:
    """Return `<tensor of shape 10x5>` for a pickled torch tensor or parameter, without its data."""
    arguments = node.value if isinstance(node, yaml.SequenceNode) else []
    if "_rebuild_parameter" in suffix and arguments:  # (tensor, requires_grad, hooks)
        inner = loader.construct_object(arguments[0], deep=True)
        return inner if isinstance(inner, str) else "<tensor>"
    if len(arguments) > 2 and isinstance(arguments[2], yaml.SequenceNode):  # (storage, offset, size, ...)
        shape = loader.construct_sequence(arguments[2], deep=True)
        if all(isinstance(size, int) for size in shape):
            return f"<tensor of shape {'x'.join(map(str, shape)) or '()'}>"
    return "<tensor>"


def _construct_binary_summary(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """Return `<N bytes, sha256 0123abcd>` for a `!!binary` value: runs still differ when it does."""
    data = yaml.SafeLoader.construct_yaml_binary(loader, node)
    return f"<{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:8]}>"


LenientSafeLoader.add_multi_constructor("", _construct_plain)
LenientSafeLoader.add_constructor("tag:yaml.org,2002:binary", _construct_binary_summary)


class StrictSafeLoader(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """A SafeLoader (a tag it does not know is an error); its own class, so loading stays bounded."""


class UnsafeYaml(yaml.YAMLError):
    """A YAML document refused before it is built: aliases that multiply it, or nesting too deep."""


def load_yaml_text(text: str, lenient: bool = True) -> Any:
    """Parse YAML text with `LenientSafeLoader` (or the plain safe loader); raises yaml.YAMLError on
    invalid or unsafe YAML.

    The node graph is checked before any value is built: aliases may add at most
    `YAML_ALIAS_NODES` nodes by repetition, none may contain itself, and nesting stops at `MAX_DEPTH`.
    """
    loader = (LenientSafeLoader if lenient else StrictSafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if lenient:
            node = unwrap_omegaconf(node)
        check_node_graph(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


_OMEGACONF_TAG = "tag:yaml.org,2002:python/object:omegaconf."
_OMEGACONF_HOLDS = ("_content", "_val")  # a DictConfig's or ListConfig's values, a value node's value


def unwrap_omegaconf(root: yaml.Node) -> yaml.Node:
    """Replace each OmegaConf config or value `yaml.dump` pickled whole (a `DictConfig` among a
    script's hparams) by what it holds, as `OmegaConf.to_container` would: its `_metadata` and the
    `_parent` alias that points back up (which the alias check refuses, with every other param) go."""

    def held(node: yaml.Node) -> yaml.Node:
        seen: set[int] = set()
        while _is_omegaconf(node) and id(node) not in seen:
            seen.add(id(node))
            inner = next((value for key, value in node.value if key.value in _OMEGACONF_HOLDS), None)
            if inner is None:
                return yaml.ScalarNode("tag:yaml.org,2002:null", "", node.start_mark, node.end_mark)
            node = inner
        return node

    root = held(root)
    done: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in done:
            continue
        done.add(id(node))
        if isinstance(node, yaml.MappingNode):
            node.value = [(key, held(value)) for key, value in node.value]
            stack.extend(value for _, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            node.value = [held(item) for item in node.value]
            stack.extend(node.value)
    return root


def _is_omegaconf(node: yaml.Node) -> bool:
    return isinstance(node, yaml.MappingNode) and node.tag.startswith(_OMEGACONF_TAG)


def check_node_graph(root: yaml.Node) -> None:
    """Raise UnsafeYaml when aliases expand a composed document too far, loop, or it nests too deep."""
    size: dict[int, int] = {}  # nodes of the expanded subtree, by node id
    depth: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            visiting.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in children)
            depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            if depth[key] > MAX_DEPTH:
                raise UnsafeYaml(f"it nests deeper than {MAX_DEPTH} levels")
            continue
        if key in size:
            continue
        if key in visiting:  # in progress: an ancestor of the node that refers to it
            raise UnsafeYaml(f"an alias refers to a node that contains it (line {node.start_mark.line + 1})")
        visiting.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in size)
    if size[id(root)] > len(size) + YAML_ALIAS_NODES:
        raise UnsafeYaml(
            f"its aliases expand it to {size[id(root)]:,} values from {len(size):,} written "
            f'(a "billion laughs"; at most {YAML_ALIAS_NODES:,} more are allowed)'
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def read_yaml_file(
    path: str,
    problems: list[Problem],
    kept: str = "nothing from this file",
    limit: Limit = CONFIG,
    fast: Callable[[str], Any] | None = None,
    lenient: bool = True,
) -> Any:
    """Read a YAML file leniently and safely, or return None and report why it could not be read.

    The writers of these files end them with a newline: a last line without one may be cut short
    (`lr: 0.1` of `lr: 0.15`), so it is dropped and reported. `fast(text)` may parse a simple file
    quickly, returning None when the YAML parser is needed. Unknown tags are read as plain data,
    or refused when not `lenient`.
    """
    text = read_nonempty_text(path, problems, kept, limit)
    if text is None:
        return None
    text = drop_cut_last_line(path, text, problems)
    parsed = fast(text) if fast is not None else None
    if parsed is not None:
        return parsed
    try:
        return load_yaml_text(text, lenient)
    except UnsafeYaml as error:
        problems.append(Problem(path, f"is refused: {error}", kept))
        return None
    except (yaml.YAMLError, ValueError, RecursionError, OverflowError) as error:
        # ValueError: an integer of more than 4300 digits; a file rewritten while read fails anyhow
        problems.append(Problem(path, f"is not valid YAML ({error})".replace("\n", " "), kept))
        return None


def drop_cut_last_line(path: str, text: str, problems: list[Problem]) -> str:
    """Return YAML text without a last line that has no newline (reported), unless the text is one
    closed flow collection (`{...}`, `[...]`), which cannot be cut short."""
    if text.endswith("\n"):
        return text
    stripped = text.strip()
    if stripped[:1] + stripped[-1:] in ("{}", "[]"):
        return text
    head, _, _ = text.rpartition("\n")
    lines = head.count("\n") + 1 if head else 0
    problems.append(
        Problem(
            path,
            f"last line ({lines + 1}) is cut off (no newline at its end: written while being read?)",
            f"the {lines} line(s) before it" if lines else "nothing from this file",
        )
    )
    return head + "\n" if head else ""
