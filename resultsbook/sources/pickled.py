"""The plain values in a file of pickles, read without unpickling: the opcodes are parsed by
`pickletools`, never run, so a file can build numbers, text, bytes, lists, tuples and dicts, and
numpy's scalars (which ML-Logger and dill write), and nothing else. Unpickling a log would let it run
any code it names."""

from __future__ import annotations

import io
import pickletools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from resultsbook.sources.limits import MAX_DEPTH

_NUMPY_SCALAR_MODULES = frozenset(
    {
        "numpy.core.multiarray",
        "numpy._core.multiarray",
        "numpy.core._multiarray_umath",
        "numpy._core._multiarray_umath",
    }
)
_DTYPE_CODE = re.compile(r"[fiucb]\d{1,2}|\?|[Mm]8")  # f8, i4, u1, c16, b1, ?, M8 (datetime64)
_DATETIME_UNIT = re.compile(r"[YMWDhms]|ms|us|ns|ps|fs|as|generic")
# values a pickle may unfold into, per byte of it: each value written costs an opcode of a byte or more,
# so only a container fetched from the memo again and again unfolds into more
_VALUES_PER_BYTE = 4


class NotPlain(ValueError):
    """A pickle that builds something other than plain values (an object of a class, a call)."""


class Truncated(ValueError):
    """Bytes that end inside a pickle: the file was cut off while it was written."""


@dataclass(frozen=True)
class _Global:
    module: str
    name: str


@dataclass(frozen=True)
class _Module:
    name: str


@dataclass
class _DType:
    code: str
    order: str = "="
    unit: str = ""


@dataclass
class _Machine:
    stack: list[Any] = field(default_factory=list)
    marks: list[list[Any]] = field(default_factory=list)
    memo: dict[int, Any] = field(default_factory=dict)

    def since_mark(self) -> list[Any]:
        items = self.stack
        self.stack = self.marks.pop()
        return items


def iter_pickled(data: bytes) -> Iterator[Any]:
    """Yield the value of each pickle in `data` (pickles written one after another, as ML-Logger
    appends them), or a NotPlain for one that builds anything else (its opcodes are skipped); raise
    ValueError at bytes that are not a pickle or end in the middle of one."""
    stream = io.BytesIO(data)
    while stream.tell() < len(data):
        yield _one(stream)


def _one(stream: io.BytesIO) -> Any:
    """Return the value of the pickle that starts at the stream's position (a NotPlain for one that
    builds objects), leaving the stream after its end."""
    machine = _Machine()
    refused: NotPlain | None = None
    start = stream.tell()
    try:
        for opcode, argument, _ in pickletools.genops(stream):
            name = opcode.name
            if name == "STOP":
                try:
                    budget = _VALUES_PER_BYTE * (stream.tell() - start)
                    return refused if refused is not None else _plain(machine.stack.pop(), budget)
                except NotPlain as why:
                    return why
            if refused is not None:
                continue  # parsed to find the pickle's end, not run
            handler = _HANDLERS.get(name)
            try:
                if handler is not None:
                    handler(machine, argument)
                elif name not in _IGNORED:
                    raise NotPlain(f"it builds objects (pickle opcode {name})")
            except NotPlain as why:
                refused = why
    except (IndexError, KeyError) as error:  # a malformed pickle: a pop or a memo entry that is not there
        what = type(error).__name__
        raise ValueError(f"bytes that are no pickle (its opcodes build no value: {what})") from None
    except ValueError as error:  # pickletools: an opcode that is none, or bytes that end inside one
        if stream.tell() >= len(stream.getbuffer()):
            raise Truncated("it ends in the middle of a pickle") from None
        raise ValueError(f"bytes that are no pickle ({error})") from None
    raise Truncated("it ends in the middle of a pickle")


def _push_argument(machine: _Machine, argument: Any) -> None:
    machine.stack.append(argument)


def _push(value: Any) -> Any:
    def handler(machine: _Machine, _: Any) -> None:
        machine.stack.append(value() if callable(value) else value)

    return handler


def _mark(machine: _Machine, _: Any) -> None:
    machine.marks.append(machine.stack)
    machine.stack = []


def _tuple_of(count: int) -> Any:
    def handler(machine: _Machine, _: Any) -> None:
        if len(machine.stack) < count:
            raise IndexError("a tuple of more items than the stack holds")
        items = tuple(machine.stack[-count:])
        del machine.stack[-count:]
        machine.stack.append(items)

    return handler


def _collection(kind: type) -> Any:
    def handler(machine: _Machine, _: Any) -> None:
        items = machine.since_mark()
        if kind is dict:
            machine.stack.append(_dict(items[0::2], items[1::2]))
        else:
            machine.stack.append(kind(items))

    return handler


def _dict(keys: list[Any], values: list[Any]) -> dict[Any, Any]:
    """Return a dict of keys that are plain and hashable (a list as a key builds no dict)."""
    try:
        return dict(zip(keys, values))
    except TypeError:
        raise NotPlain("it builds a dict keyed by a list or a dict") from None


def _setitem(machine: _Machine, _: Any) -> None:
    value = machine.stack.pop()
    key = machine.stack.pop()
    _target(machine, dict).update(_dict([key], [value]))


def _setitems(machine: _Machine, _: Any) -> None:
    items = machine.since_mark()
    _target(machine, dict).update(_dict(items[0::2], items[1::2]))


def _append(machine: _Machine, _: Any) -> None:
    value = machine.stack.pop()
    _target(machine, list).append(value)


def _appends(machine: _Machine, _: Any) -> None:
    items = machine.since_mark()
    _target(machine, list).extend(items)


def _target(machine: _Machine, kind: type) -> Any:
    """Return the collection on top of the stack, which must be a `kind`."""
    target = machine.stack[-1]
    if type(target) is not kind:
        raise NotPlain(f"it adds items to a {type(target).__name__}")
    return target


def _put(machine: _Machine, argument: Any) -> None:
    machine.memo[argument] = machine.stack[-1]


def _memoize(machine: _Machine, _: Any) -> None:
    machine.memo[len(machine.memo)] = machine.stack[-1]


def _get(machine: _Machine, argument: Any) -> None:
    machine.stack.append(machine.memo[argument])


def _global(machine: _Machine, argument: str) -> None:
    module, _, name = argument.partition(" ")
    machine.stack.append(_Global(module, name))


def _stack_global(machine: _Machine, _: Any) -> None:
    name = machine.stack.pop()
    module = machine.stack.pop()
    if not isinstance(module, str) or not isinstance(name, str):
        raise ValueError("a broken pickle (a global named by a value that is not text)")
    machine.stack.append(_Global(module, name))


def _reduce(machine: _Machine, _: Any) -> None:
    arguments = machine.stack.pop()
    function = machine.stack.pop()
    machine.stack.append(_call(function, arguments))


def _build(machine: _Machine, _: Any) -> None:
    state = machine.stack.pop()
    target = machine.stack[-1]
    if not isinstance(target, _DType) or not isinstance(state, tuple) or len(state) < 2:
        raise NotPlain("it sets the state of an object")
    if state[1] in ("<", ">", "|", "="):
        target.order = state[1]
    if len(state) > 8 and isinstance(state[8], tuple) and len(state[8]) == 2:  # datetime64's metadata
        unit = state[8][1][0] if isinstance(state[8][1], tuple) and state[8][1] else None
        unit = unit.decode("ascii", "replace") if isinstance(unit, bytes) else unit
        if isinstance(unit, str) and _DATETIME_UNIT.fullmatch(unit):
            target.unit = unit


def _pop(machine: _Machine, _: Any) -> None:
    machine.stack.pop()


def _pop_mark(machine: _Machine, _: Any) -> None:
    machine.since_mark()


def _dup(machine: _Machine, _: Any) -> None:
    machine.stack.append(machine.stack[-1])


def _call(function: Any, arguments: Any) -> Any:
    """Return what a call of the few functions that build plain values would return; refuse others."""
    if not isinstance(function, _Global) or not isinstance(arguments, tuple):
        raise NotPlain("it calls something that is not a named function")
    where = (function.module, function.name)
    if where == ("dill._dill", "_import_module") and len(arguments) == 1 and isinstance(arguments[0], str):
        return _Module(arguments[0])  # a module dill names, imported by nobody
    if where == ("dill._dill", "_get_attr") and len(arguments) == 2 and isinstance(arguments[0], _Module):
        return _Global(arguments[0].name, str(arguments[1]))
    if where == ("numpy", "dtype") and arguments and isinstance(arguments[0], str):
        if not _DTYPE_CODE.fullmatch(arguments[0]):
            raise NotPlain(f"it builds a numpy dtype {arguments[0]!r}")
        return _DType(arguments[0])
    if function.name == "scalar" and function.module in _NUMPY_SCALAR_MODULES and len(arguments) == 2:
        return _scalar(*arguments)
    if where == ("_codecs", "encode") and len(arguments) == 2 and isinstance(arguments[0], str):
        return arguments[0].encode("latin-1")  # bytes as protocol 2 writes them
    raise NotPlain(f"it calls {function.module}.{function.name}")


def _scalar(dtype: Any, data: Any) -> Any:
    """Return the Python value of a numpy scalar of `dtype` held in `data` (a datetime64 as seconds
    since 1970)."""
    import numpy as np

    if not isinstance(dtype, _DType) or not isinstance(data, bytes):
        raise NotPlain("it builds a numpy scalar of something other than a dtype and its bytes")
    spec = dtype.code + (f"[{dtype.unit}]" if dtype.code in ("M8", "m8") and dtype.unit else "")
    kind = np.dtype(spec).newbyteorder(">" if dtype.order == ">" else "<" if dtype.order == "<" else "=")
    if len(data) != kind.itemsize:
        raise ValueError(f"a broken pickle (a numpy {spec} scalar of {len(data)} bytes)")
    value = np.frombuffer(data, kind)[0]
    if dtype.code == "M8":
        return float(value.astype("datetime64[ns]").astype(np.int64)) / 1e9 if not np.isnat(value) else None
    if dtype.code == "m8":
        return float(value.astype("timedelta64[ns]").astype(np.int64)) / 1e9 if not np.isnat(value) else None
    return value.item()


def _plain(value: Any, budget: int) -> Any:
    """Return `value`, refusing one that names a class or a module (only a call could use it), holds
    itself, nests deeper than a log's values may, or unfolds into more than `budget` values: a list
    fetched from the memo again and again doubles at each level (281 bytes can hold 2**40 values)."""
    sizes: dict[int, int] = {}  # the unfolded size of each container met, by identity: each is walked once
    walking: set[int] = set()

    def size(item: Any, depth: int) -> int:
        if isinstance(item, (_Global, _Module, _DType)):
            raise NotPlain("it names a class or a module, not a value")
        if not isinstance(item, (dict, list, tuple)):
            return 1
        if depth > MAX_DEPTH:
            raise NotPlain(f"it nests deeper than {MAX_DEPTH} levels")
        known = sizes.get(id(item))
        if known is not None:
            return known
        if id(item) in walking:
            raise NotPlain("it builds a value that holds itself")
        walking.add(id(item))
        total = 1 + sum(
            size(child, depth + 1) for child in (item.values() if isinstance(item, dict) else item)
        )
        walking.discard(id(item))
        if total > budget:
            raise NotPlain(
                f"it unfolds into more values than its {budget // _VALUES_PER_BYTE} bytes can hold"
            )
        sizes[id(item)] = total
        return total

    size(value, 0)
    return value


_VALUE_OPCODES = (
    "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT", "STRING",
    "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8",
)  # fmt: skip
_HANDLERS = {
    **dict.fromkeys(_VALUE_OPCODES, _push_argument),
    **dict.fromkeys(("BINBYTES", "SHORT_BINBYTES", "BINBYTES8"), lambda m, a: m.stack.append(bytes(a))),
    "NONE": _push(None),
    "NEWTRUE": _push(True),
    "NEWFALSE": _push(False),
    "EMPTY_DICT": _push(dict),
    "EMPTY_LIST": _push(list),
    "EMPTY_TUPLE": _push(()),
    "MARK": _mark,
    "DICT": _collection(dict),
    "LIST": _collection(list),
    "TUPLE": _collection(tuple),
    "TUPLE1": _tuple_of(1),
    "TUPLE2": _tuple_of(2),
    "TUPLE3": _tuple_of(3),
    "SETITEM": _setitem,
    "SETITEMS": _setitems,
    "APPEND": _append,
    "APPENDS": _appends,
    "PUT": _put,
    "BINPUT": _put,
    "LONG_BINPUT": _put,
    "MEMOIZE": _memoize,
    "GET": _get,
    "BINGET": _get,
    "LONG_BINGET": _get,
    "GLOBAL": _global,
    "STACK_GLOBAL": _stack_global,
    "REDUCE": _reduce,
    "BUILD": _build,
    "POP": _pop,
    "POP_MARK": _pop_mark,
    "DUP": _dup,
}
_IGNORED = frozenset({"PROTO", "FRAME"})
