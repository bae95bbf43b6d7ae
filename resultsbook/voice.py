"""Whom a message speaks to: it names an option, or a command, as its reader gives them.

    option("db", "NEW.db")       command line: --db NEW.db                 Python: db='NEW.db'
    option("pattern")            command line: --pattern                   Python: pattern=
    command("collect")           command line: resultsbook collect PATH    Python: rb.collect('runs/')
    command("problems")          command line: resultsbook problems        Python: book.problems()
    said(words, other_words)     where a message says it differently, not only by another name
    worded(make), file_words(m)  a message that may be written into an output file, and how it is

The messages are built below the command line and the Python API, which both reach them. Python is
spoken to, unless a command is running: the command group speaks to the command line for the length
of a command (`to_command_line`), and the reader processes a collect forks inherit it. An output
file reads the same whoever builds it: a message it holds (a table's note, in its JSON) is written
in the command line's words.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

_command_line = False
_store_given: str | None = None  # the store the user named ("": none): the commands suggested repeat it
_spec_entry = False  # whether messages speak of a root a spec's [[sources]] entry asks for
_spec_table = False  # whether messages speak of a table a spec's [tables.NAME] gives
_store_path_call: str | None = None  # a Python call given the store as its path, not as db= (rb.open)

# the flags not spelled --NAME
_FLAGS = {"option": "-o"}
# how the command line has always shown a value of these (any other: as a shell word, a URL as it is)
_SHELL_VALUES: dict[str, Callable[[str], str]] = {"pattern": repr}
# what Python passes for the flags that are not a keyword argument of the same name
_PYTHON: dict[str, Callable[[str | None], str]] = {
    "columns": lambda value: f"options={{'columns': {(value or 'a,b').split(',')!r}}}",
    "option": lambda value: "options={{{!r}: {!r}}}".format(*(value or "KEY=VALUE").partition("=")[::2]),
    "param": lambda value: "params={{{!r}: {!r}}}".format(*(value or "KEY=VALUE").partition("=")[::2]),
    "where": lambda value: "where={{{!r}: {!r}}}".format(*(value or "KEY=VALUE").partition("=")[::2]),
    "verbose": lambda value: "BuildReport.findings",
    "templates": lambda value: "spec's `templates`",
    "save": lambda value: "table.save",
}
# the options of a collect a [[sources]] entry gives, by the key it writes them under
_ENTRY_KEYS = {
    "pattern": "pattern", "adapter": "adapter", "columns": "columns", "option": "options", "param": "params",
    "derive": "derive",
}  # fmt: skip
# name -> (the command line's command, the Python call doing the same)
_COMMANDS = {
    "collect": ("resultsbook collect", "rb.collect"),
    "build": ("resultsbook build", "rb.build"),
    "runs": ("resultsbook runs", "book.runs"),
    "problems": ("resultsbook problems", "book.problems"),
    "forget": ("resultsbook forget", "rb.forget"),
}
_EXAMPLE_PATHS = {
    "collect": ("PATH", "runs/"),
    "forget": ("FOLDER", "runs/old"),
}  # the command line's placeholder, Python's example


def option(name: str, value: str | None = None) -> str:
    """Return how the reader gives option `name` (a keyword argument's name), with `value` if given.

    >>> option("db", "NEW.db"), option("adapter")
    ("db='NEW.db'", 'adapter=')
    >>> with to_command_line():
    ...     option("db", "NEW.db"), option("adapter")
    ('--db NEW.db', '--adapter')
    """
    if _spec_entry and name in _ENTRY_KEYS:
        return _entry_words(name, value)
    if name == "db" and value is not None:
        value = pasteable_store(value)
    if not _command_line:
        if name in _PYTHON:
            return _PYTHON[name](value)
        return f"{name}=" if value is None else f"{name}={value!r}"
    flag = _FLAGS.get(name, "--" + name.replace("_", "-"))
    return flag if value is None else f"{flag} {_SHELL_VALUES.get(name, _shell_word)(value)}"


# a URL's password as `display_location` prints it: `user:***@`, `?password=***`
_MASKED_USER_PASSWORD = re.compile(r"^([A-Za-z][\w+.-]*://[^:/@]*):\*\*\*@")
_MASKED_QUERY_VALUE = re.compile(r"(?<=[?&])[^=&#]+=\*\*\*(?:&|(?=#)|$)")


def pasteable_store(store: str) -> str:
    """Return a store as a suggested command gives it: a URL whose password is printed as *** without
    it (pasted, *** would be taken for the password; PGPASSWORD or ~/.pgpass gives it)."""
    store = _MASKED_USER_PASSWORD.sub(r"\1@", store)
    if "://" not in store or not _MASKED_QUERY_VALUE.search(store):
        return store
    return _MASKED_QUERY_VALUE.sub("", store).replace("?#", "#").rstrip("?&")


def password_left_out(store: str) -> str:
    """Return what to say after a suggested command naming `store`, a URL whose password it left out."""
    if pasteable_store(store) == store:
        return ""
    return " (with the password as in the URL you gave, or in PGPASSWORD or a line of ~/.pgpass)"


def _entry_words(name: str, value: str | None) -> str:
    """Return how a [[sources]] entry writes a collect's option, with `value` (as the flag takes it) if given.

    >>> _entry_words("pattern", "{model}_{seed}/log.csv"), _entry_words("option", "step=epoch")
    ("pattern = '{model}_{seed}/log.csv'", "options = { step = 'epoch' }")
    """
    key = _ENTRY_KEYS[name]
    if value is None:
        return f"{key} = '…'"
    if name == "columns":
        return f"{key} = {value.split(',')!r}"
    if name in ("option", "param", "derive"):
        inner, _, given = value.partition("=")
        return f"{key} = {{ {inner} = {given if _literal(given) else repr(given)} }}"
    return f"{key} = {value!r}"


def _literal(text: str) -> bool:
    """Tell whether a flag's value is a number or a boolean as TOML writes it (left unquoted)."""
    if text in ("true", "false"):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def command(name: str, path: str | Sequence[str] | None = None, **options: str) -> str:
    """Return the command (`collect`, `build`, `runs`, `problems`) the reader runs, with a path and options.

    >>> command("collect", db="store.db")
    "rb.collect('runs/', db='store.db')"
    >>> with to_command_line():
    ...     command("collect", db="store.db")
    'resultsbook collect PATH --db store.db'
    """
    words, call = _COMMANDS[name]
    placeholder, example = _EXAMPLE_PATHS.get(name, (None, None))
    if _store_given and "db" not in options and (_command_line or call.startswith("rb.")):
        options = {**options, "db": _store_given}  # `book.runs()` knows its store
    given = [option(key, value) for key, value in options.items()]
    paths = [path] if isinstance(path, str) else list(path) if path is not None else None
    if _command_line:
        typed = " ".join(map(_shell_word, paths)) if paths is not None else placeholder
        return " ".join([words, *([typed] if typed else []), *given])
    if paths is not None and not isinstance(path, str):
        shown: str | None = repr(paths)  # rb.forget(['a', 'b'])
    else:
        shown = repr(path if path is not None else example) if (path or example) else None
    return f"{call}({', '.join([*([shown] if shown else []), *given])})"


def said(command_line: str, python: str) -> str:
    """Return the words of the command line or of Python, for a message that says it differently to each."""
    return command_line if _command_line else python


class _Worded(str):
    """A message in its reader's words that keeps the command line's, for the files it is written to."""

    command_line: str


def worded(make: Callable[..., str], *args: Any) -> str:
    """Return the message `make(*args)` builds, in its reader's words, keeping the command line's for
    the output files that hold it (`file_words`)."""
    with to_command_line():
        command_line = make(*args)
    message = _Worded(make(*args))
    message.command_line = command_line
    return message


def file_words(message: str) -> str:
    """Return a message as an output file holds it, whoever builds the file: as the command line says
    it when `worded` built it."""
    return message.command_line if isinstance(message, _Worded) else message


def _shell_word(value: str) -> str:
    """Return a value as a shell word (a store's URL as it is: the command line has always shown it so)."""
    return value if "://" in value else shlex.quote(value)


@contextmanager
def of_spec_entry(entry: bool = True) -> Iterator[None]:
    """Name a collect's options as a [[sources]] entry writes them (`pattern = '…'`, not `--pattern '…'`)
    in the messages built inside, when `entry`: those about a root the spec asks for."""
    global _spec_entry
    before, _spec_entry = _spec_entry, entry
    try:
        yield
    finally:
        _spec_entry = before


@contextmanager
def of_spec_table() -> Iterator[None]:
    """Name a table's settings as a spec's [tables.NAME] writes them (its `where`, not `--where`) in the
    messages built inside: those about a table of the spec."""
    global _spec_table
    before, _spec_table = _spec_table, True
    try:
        yield
    finally:
        _spec_table = before


def spec_table_words() -> bool:
    """Tell whether the messages built now speak of a table a spec gives (`of_spec_table`)."""
    return _spec_table


@contextmanager
def store_as_path(call: str) -> Iterator[None]:
    """Say, in the messages built inside, to give the store as `call`'s path: rb.open has no db=."""
    global _store_path_call
    before, _store_path_call = _store_path_call, call
    try:
        yield
    finally:
        _store_path_call = before


def point_at_store(new: bool = False) -> str:
    """Say to give the store itself (or, with `new`, a new file): point --db (db=) at it, or pass it to
    the call that takes the store as its path (`store_as_path`), which makes none."""
    call = _store_path_call
    if call is None or _command_line:
        return f"point {option('db')} at the store" + (", or at a new file" if new else "")
    return f"pass {call} the store or its spec: {call}('path/to/resultsbook.db')"


def use_copy(name: str) -> str:
    """Say to read a copy of the store instead: pass --db COPY (db='COPY'), or open it with the call that
    takes the store as its path (`store_as_path`)."""
    call = _store_path_call
    if call is None or _command_line:
        return f"pass {option('db', name)}"
    return f"open the copy: {call}({name!r})"


@contextmanager
def given_store(path: str | None, outer_stands: bool = False) -> Iterator[None]:
    """Repeat the store the user named (`--db`, `db=`; a URL with its password as ***, as
    `display_location` shows it) in the commands the messages built inside suggest,
    or a command run as suggested writes another store; with `outer_stands`, an outer caller's word
    stands (a command line passes its resolved store on to the Python API, and says itself whether the
    user named one)."""
    global _store_given
    before = _store_given
    # only a command line's word stands: a Python call names its own store, whatever was left set
    if not (outer_stands and before is not None and _command_line):
        _store_given = path or ""
    try:
        yield
    finally:
        _store_given = before


def store_named() -> bool:
    """Tell whether the user named the store of the running command (`--db`, `db=`)."""
    return bool(_store_given)


def without_given_store(text: str) -> str:
    """Return a message as the store keeps it (a problem): without the store the running command was
    given, which a suggested command repeats for the reader now; a copy of the store, or another
    folder, would be misled by it."""
    if not _store_given:
        return text
    flag = f" --db {_shell_word(pasteable_store(_store_given))}"
    keyword = f", db={pasteable_store(_store_given)!r}"
    return text.replace(flag, "").replace(keyword, "")


@contextmanager
def to_command_line() -> Iterator[None]:
    """Name flags and commands in the messages built inside (the command group runs each command so)."""
    global _command_line
    before, _command_line = _command_line, True
    try:
        yield
    finally:
        _command_line = before
