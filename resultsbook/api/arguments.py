"""What a notebook passes, checked where it enters: an argument of the wrong kind is one error naming
it, what it takes and an example, never a TypeError from deep inside."""

from __future__ import annotations

import contextlib
import decimal
import functools
import inspect
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from resultsbook.errors import SpecError, closest
from resultsbook.params import plain_value

P = ParamSpec("P")
R = TypeVar("R")


def known_keywords(call: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Refuse arguments the function does not take (`metirc=`, a missing `rows`) as one error naming
    `call` and the fix, rather than Python's TypeError, which names neither the fix nor the others."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(function)
        takes = [
            name
            for name, parameter in signature.parameters.items()
            if name != "self" and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
        ]
        listing = "it takes " + ", ".join(f"{name}=" for name in takes)

        @functools.wraps(function)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            for name in kwargs:
                if name not in takes:
                    guess = closest(name, takes)
                    hint = f"did you mean {guess}=?" if guess else listing
                    raise SpecError(f"{call}() has no argument {name}=; {hint}")
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:  # a missing or an extra positional argument
                missing = [t for t in takes if f"argument: {t!r}" in str(error)]
                fix = f"give {missing[0]}=" if missing else listing
                raise SpecError(f"{call}(): {error}; {fix}") from None
            return function(*_with_defaults(call, bound, signature).args, **bound.kwargs)

        return checked

    return decorate


def _with_defaults(
    call: str, bound: inspect.BoundArguments, signature: inspect.Signature
) -> inspect.BoundArguments:
    """Give an argument that takes no None its default when passed None (`reduce=None` is
    `reduce="last"`), as a notebook means it; refuse a flag given as anything but True or False
    (`include_missing="yes"`)."""
    for name, value in list(bound.arguments.items()):
        parameter = signature.parameters[name]
        default = parameter.default
        takes_none = "None" in str(parameter.annotation)  # max_points=None: no limit, not the default
        if value is None and default not in (inspect.Parameter.empty, None) and not takes_none:
            bound.arguments[name] = default
        elif isinstance(default, bool) and value is not None and not _is_flag(value):
            raise SpecError(
                f"{call}(): {name}={brief(value)} must be True or False, e.g. {name}={not default}"
            )
    return bound


def _is_flag(value: object) -> bool:
    """Tell whether a value is True or False (numpy's bools and 0 and 1 among them), not a text."""
    if isinstance(value, (str, bytes)):
        return False
    try:
        return bool(value in (True, False))
    except (TypeError, ValueError):  # an array or a Series: no one truth value
        return False


def brief(value: object) -> str:
    """Return a value as a one-line message shows it: a pandas or numpy object by its kind and shape,
    not its every line."""
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, (str, bytes)):
        kind = type(value)
        return f"<{kind.__module__.split('.')[0]} {kind.__name__} of shape {shape}>"
    text = " ".join(repr(value).split())
    return text if len(text) <= 100 else text[:97] + "..."


def path_argument(name: str, value: object, example: str) -> str:
    """Return a path given as a str or a pathlib.Path; refuse anything else (a list, a number), or none."""
    if isinstance(value, str) or (isinstance(value, os.PathLike) and isinstance(os.fspath(value), str)):
        path = os.fspath(value)
        if not path.strip():
            raise SpecError(f"{name}={path!r} names no path; give one: {name}={example!r}")
        return path
    raise SpecError(
        f"{name}={value!r} is not a path; give one, as a str or a pathlib.Path: {name}={example!r}"
    )


def paths_argument(name: str, value: object, example: str) -> list[str]:
    """Return one path or several (a list or tuple of them) as a list of paths."""
    if not isinstance(value, (list, tuple)):
        return [path_argument(name, value, example)]
    if not value:
        raise SpecError(f"{name}={value!r} names no path; give one or several: {name}=[{example!r}, ...]")
    for item in value:
        if not isinstance(item, (str, os.PathLike)):
            raise SpecError(
                f"{name}={value!r} holds {item!r}, which is not a path; give folders or files as str or "
                f"pathlib.Path: {name}=[{example!r}, ...]"
            )
    return [path_argument(name, item, example) for item in value]


def name_argument(name: str, value: object, example: str) -> str | None:
    """Return one name (an adapter's...), or None; refuse a list or anything else."""
    if value is None or isinstance(value, str):
        return value
    raise SpecError(f"{name}={value!r} must be one name, e.g. {name}={example!r}")


def mapping_argument(name: str, value: object, example: Mapping[str, Any]) -> dict[str, Any]:
    """Return a mapping given (None: an empty one); refuse a list of 'KEY=VALUE' texts or a str."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    raise SpecError(f"{name}={value!r} must be a mapping, e.g. {name}={dict(example)!r}")


def order_argument(order: object) -> dict[str, tuple[Any, ...]]:
    """Return `order` as a table's query takes it: each key's values listed first, in that order (None:
    no order); refuse a key given one value or a text, which would order its characters."""
    listed = mapping_argument("order", order, {"model": ["logreg", "mlp"]})
    given = {  # a NumPy array is the list it holds; np.float32(0.1) is 0.1, as a config stores it
        key: [plain_value(value) for value in values]
        if isinstance(values, (list, tuple))
        else plain_value(values)
        for key, values in listed.items()
    }
    for key, values in given.items():
        if not isinstance(values, (list, tuple)):
            raise SpecError(
                f"order={{{key!r}: {values!r}}}: list the values of {key!r} in the order wanted, "
                f"e.g. order={{{key!r}: [{values!r}, ...]}}"
            )
    return {str(key): tuple(values) for key, values in given.items()}


def progress_argument(value: Any, methods: Sequence[str]) -> Any:
    """Return a progress display (None or False: none); refuse what lacks its methods (progress=True)."""
    if value is None or value is False:
        return None
    if all(callable(getattr(value, method, None)) for method in methods):
        return value
    calls = [_PROGRESS_CALLS[method] for method in methods]
    listed = ", ".join(calls[:-1]) + " and " + calls[-1]
    raise SpecError(
        f"progress={brief(value)} must be a progress display, an object with the methods {listed} "
        "(as the commands' progress bar); leave it out for none"
    )


_PROGRESS_CALLS = {"start": "start(total)", "step": "step(what)", "advance": "advance()"}


def check_numbers(**given: Any) -> None:
    """Refuse a number given as text (ddof="0"), or NaN or infinite as the command line does, naming the
    argument; None means the default."""
    import numbers

    for name, value in given.items():
        whole = name in ("ddof", "digits", "skip_first", "expected", "max_points")
        number = isinstance(value, numbers.Integral if whole else numbers.Real) and not isinstance(
            value, bool
        )
        if value is None or (number and (whole or _finite(value))):
            continue
        kind = "a whole number" if whole else ("a finite number" if number else "a number")
        fix = f", e.g. {name}={1 if whole else 1.0}"
        shown = _number_text(value) if number else repr(value)
        if isinstance(value, str):  # digits="2": the number meant, without quotes
            with contextlib.suppress(ValueError):
                fix = f": give {name}={(int if whole else float)(value.strip())!r}, without quotes"
        raise SpecError(f"{name}={shown} must be {kind}{fix}")


def _number_text(value: Any) -> str:
    """Return a number as Python writes it, a huge one as 1.00e+400 (it overflows a float)."""
    try:
        return repr(float(value))
    except OverflowError:
        return f"{decimal.Decimal(value):.3g}"


def _finite(value: Any) -> bool:
    """Return whether a number is finite as a float (10**400 is not: it overflows one)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def check_names(**given: object) -> None:
    """Refuse what is neither a name nor a list of names (a pathlib.Path, a number), naming the argument."""
    for name, value in given.items():
        if value is None or isinstance(value, str):
            continue
        example = _NAME_EXAMPLES.get(name, "model")
        if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping, os.PathLike)):
            listed = value if isinstance(value, (list, tuple, set, frozenset)) else ()  # a generator: once
            for item in listed:  # metric=[{"name": "acc", "reduce": "max"}] was looked up as its str()
                if not isinstance(item, str):
                    fix = f"list names as text, e.g. {name}={example!r}"
                    raise SpecError(f"{name}={value!r}: {item!r} is not a name; {fix}")
            continue
        count = ""  # replicate=5: the keys that tell replicates apart; the count is expected=5
        if name == "replicate" and isinstance(value, int) and not isinstance(value, bool):
            count = f"; for the number of seeds each cell should have, give expected={value}"
        raise SpecError(f"{name}={value!r} must be a name or a list of names, e.g. {name}={example!r}{count}")


_NAME_EXAMPLES: dict[str, str | list[str]] = {
    "metric": "val/acc",
    "metrics": ["val/acc", "test/acc"],
    "columns": "dataset",
    "stats": ["mean", "std"],
    "replicate": "seed",
    "tasks": "game",
    "aggregates": ["mean", "iqm"],
    "tables": ["table1"],
}
