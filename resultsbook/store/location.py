"""Where a store lives, and what to say when it cannot be used.

    resultsbook.db                          a SQLite file, relative to the spec's folder or the cwd
    file:///home/me/resultsbook.db          the same, as a URL (`STORE_KINDS`)
    postgresql://alice@db.lab.org/results   a PostgreSQL database shared by a lab (postgres://, too)

Any other URL is refused by name instead of becoming a local folder called `gs:`. The store is
chosen by --db (`db=` in Python), else the RESULTSBOOK_DB environment variable, else the spec's
`store` (or its older name `db`), else resultsbook.db beside the spec, else ./resultsbook.db.
"""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
from collections.abc import Callable

from resultsbook.atomic import file_size_limit, on_read_only_filesystem
from resultsbook.errors import NotFoundError, SpecError, StoreError, broken_link
from resultsbook.urlparts import credentials_end, masked
from resultsbook.voice import command, option, point_at_store, said, store_named, use_copy

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_SQLITE_HEADER = b"SQLite format 3\x00"
ENVIRONMENT_VARIABLE = "RESULTSBOOK_DB"
POSTGRES_SCHEMES = ("postgresql", "postgres")  # opened by store/postgres.py, never a local file


def _file_url(location: str) -> str:
    from urllib.parse import unquote, urlsplit  # here: only URLs need it (~2 ms to import)

    parts = urlsplit(location)
    if parts.netloc not in ("", "localhost"):
        raise SpecError(
            f"{location!r}: a file:// URL names a local file, e.g. file:///home/me/resultsbook.db"
        )
    return unquote(parts.path)


# URL scheme → the local SQLite path it names. A new kind of store is one entry here.
STORE_KINDS: dict[str, Callable[[str], str]] = {
    "file": _file_url,
}


def is_url(location: str) -> bool:
    """Tell whether a store location is a URL (`scheme://...`) rather than a path."""
    return _URL.match(location) is not None


def url_scheme(location: str) -> str | None:
    """Return the scheme of a URL (`postgresql`, `s3`), or None for a plain path."""
    found = _URL.match(location)
    return found.group(1).lower() if found else None


def is_postgres_url(location: str) -> bool:
    """Tell whether a store location names a PostgreSQL database."""
    return url_scheme(location) in POSTGRES_SCHEMES


def check_store_location(location: str, where: str | None = None) -> str:
    """Return a store location as commands open it (a file:// URL as its path), or refuse, naming
    `where` (else the db option), one that cannot hold a store."""
    where = where or option("db")
    if not location.strip() and where == ENVIRONMENT_VARIABLE:  # `export RESULTSBOOK_DB="$LAB_DB"`, unset
        raise SpecError(
            f"{where} is empty; set it to a file path (SQLite) or a postgresql://user@host/db URL, "
            "or unset it"
        )
    if not location.strip():
        raise SpecError(f"{where} is empty; give a file path (SQLite) or a postgresql://user@host/db URL")
    _refuse_wrapped(location, where)
    refuse_mistyped_url(location, where)
    if is_postgres_url(location):
        _refuse_unencoded_password(location, where)
        return location
    try:  # `--db=~/s.db` (no shell expands a ~ after =) was a store in a new folder named ~
        return os.path.expanduser(local_path(location))
    except SpecError as error:
        raise SpecError(f"{where}: {error}") from error


def _refuse_wrapped(location: str, where: str) -> None:
    """Refuse a location pasted with spaces or quotes around it: taken as it is, it would be a new
    SQLite file in a folder named `'postgresql:` (or a database named `results `)."""
    bare = location.strip()
    quoted = len(bare) >= 2 and bare[0] == bare[-1] and bare[0] in "'\""
    if quoted:
        bare = bare[1:-1].strip()
    if bare == location:
        return
    around = "quotes" if quoted else "spaces"
    raise SpecError(
        f"{where}: the store {display_location(bare)!r} was given with {around} around it; "
        f"give it without them: {display_location(bare)}"
    )


# postgresq://, postgresql:/, postgresql;//, psql://, postgresql//: a word like the scheme, a separator
# mistyped, then what reads as a URL's user and host (an '@' or a '/'), unlike `postgres_2024T10:00.db`
_MISTYPED_POSTGRES = re.compile(r"^(postgr[a-z]{0,6}|psql)(?::/{0,3}|[;.,]?/{2,3})(?=[^\s]*[@/])", re.I)


def refuse_mistyped_url(location: str, where: str) -> None:
    """Refuse a PostgreSQL URL mistyped (`postgresql:/lab@db/results`, `postgresql//…`, `postgresq://…`):
    taken as it is, it would be a new SQLite file in folders named after it, the password among them."""
    found = _MISTYPED_POSTGRES.match(location)
    if found is None or (is_postgres_url(location) and location[len(found.group(1)) :].startswith("://")):
        return
    rest = location[found.end() :].lstrip("/")
    meant = display_location(f"postgresql://{rest}")
    shown = display_location(location)
    if not is_url(location):  # `postgresql:/lab:pw@…`: its password is where a URL's would be
        shown = re.sub(r"^([^:/]+:?/*[^:@/]*):[^@]*@", r"\1:***@", shown)
    raise SpecError(f"{where}: the store {shown!r} is not a URL resultsbook reads; did you mean {meant}?")


def choose_store_location(flag: str | None, spec_location: str | None, default: str) -> str:
    """Return the store to use: the db option, else $RESULTSBOOK_DB, else the spec's, else `default`."""
    if flag is not None:  # `--db "$LAB_DB"` with the variable unset is refused, not ./resultsbook.db
        return check_store_location(flag)
    from_environment = os.environ.get(ENVIRONMENT_VARIABLE)
    if from_environment is not None:
        return check_store_location(from_environment, ENVIRONMENT_VARIABLE)
    return spec_location or default


def _credentials(location: str) -> tuple[str, str, str, str] | None:
    """Return (scheme, user, password, rest) of a URL that holds a password, else None. The password
    runs to the '@' a host follows (a pasted one may hold '@', '/', '#' or '?', which a URL parser would
    take for the host, the path or the fragment, and so print; a fragment may hold '@' of its own)."""
    if not is_url(location):
        return None
    scheme, after = location.split("://", 1)
    at = credentials_end(after, fragment=scheme.lower().startswith("mlflow+"))
    user, colon, password = after[: max(at, 0)].partition(":")
    if at == -1 or not colon or "/" in user:
        return None
    return scheme, user, password, after[at + 1 :]


# a query's secrets: libpq's password and sslpassword, object storage's pre-signed signatures and tokens
SECRET_KEYS = r"(?:ssl)?password|passwd|pwd|secret|token|sig|signature|x-amz-signature|x-amz-security-token"
_QUERY_PASSWORD = re.compile(rf"([?&](?:{SECRET_KEYS})=)[^&#]*", re.I)


def display_location(location: str) -> str:
    """Return a location safe to print: a password in a URL (`user:pass@`, `?password=`) is ***."""
    shown = _QUERY_PASSWORD.sub(r"\1***", location) if is_url(location) or "://" in location else location
    found = _credentials(shown)
    if found is None:
        return shown
    scheme, user, _, rest = found
    return f"{scheme}://{user}:***@{rest}"


def url_password(location: str) -> str | None:
    """Return the password of a URL (`user:pass@`) as written, or None when it holds none."""
    found = _credentials(location)
    return found[2] if found else None


def without_password(text: str, location: str) -> str:
    """Return `text` (a driver's error about `location`) with the URL's password in it as ***: in the URL
    it quotes, and where it quotes the password alone, as written or percent-decoded (`"Stud pw#1"`)."""
    from urllib.parse import unquote  # here: only an error needs it

    found = _credentials(location)
    secrets = [found[2]] if found else []
    secrets += [match.group(0).split("=", 1)[1] for match in _QUERY_PASSWORD.finditer(location)]
    forms = {
        form for secret in secrets for form in (secret, unquote(secret), unquote(secret, errors="replace"))
    }
    shown = display_location(location)
    return masked(text.replace(location, shown), forms, shown)


def location_without_password(location: str) -> str:
    """Return a location as a file may keep it: a URL's password left out (~/.pgpass or PGPASSWORD
    gives it), as found by `display_location`."""
    location = _QUERY_PASSWORD.sub("", location) if is_url(location) else location
    if "?" not in location and "&" in location:  # `?password=x&sslmode=require` lost its `?`
        location = location.replace("&", "?", 1)
    found = _credentials(location)
    if found is None:
        return location
    scheme, user, _, rest = found
    return f"{scheme}://{user}@{rest}"


def _refuse_unencoded_password(location: str, where: str) -> None:
    """Refuse a store URL whose password holds '@', '/' or '?' as they are: the driver would take a
    piece of it for the host or the database, and say so in its error."""
    found = _credentials(location)
    if found is None or not any(character in found[2] for character in "@/?"):
        return
    raise SpecError(
        f"{where}: the password in the store URL {display_location(location)!r} holds a character a URL "
        "gives another meaning ('@', '/' or '?'); write it percent-encoded (@ as %40, / as %2F, ? as %3F), "
        "or keep it out of the URL: in ~/.pgpass or PGPASSWORD"
    )


def local_path(location: str) -> str:
    """Return the SQLite file a store location names; refuse a URL of a kind resultsbook cannot open."""
    found = _URL.match(location)
    if found is None:
        return location
    scheme = found.group(1).lower()
    if scheme in STORE_KINDS:
        return STORE_KINDS[scheme](location)
    shown = display_location(location)
    base, plus, _ = scheme.partition("+")
    if plus and base in POSTGRES_SCHEMES:  # SQLAlchemy's form, pasted from an MLflow or Alembic config
        plain = "postgresql://" + shown.split("://", 1)[1]
        raise SpecError(
            f"the store {shown!r} is SQLAlchemy's form of a PostgreSQL URL (the driver after '+'); "
            f"give it as {plain}"
        )
    known = ", ".join(f"{kind}://" for kind in STORE_KINDS)
    raise SpecError(
        f"the store {shown!r} is a {scheme}:// URL, which resultsbook cannot open (it opens SQLite "
        f"files: a local path or {known}; and PostgreSQL databases: postgresql://); copy the store to "
        "a local file and give its path"
    )


def missing_store(path: str) -> NotFoundError:
    """Return the error for a store that is not there: the store a typo missed, else how to collect
    into it (never a new store named after a typo), from the command line how to make one."""
    broken = broken_link(path)
    if broken is not None:
        return NotFoundError(
            f"{broken}; relink it to the store, or {said('pass', 'give')} the store's own path"
        )
    folder = path if path.endswith(("/", os.sep)) else os.path.dirname(path) or "."
    nearby = _nearby_store(path, folder) if os.path.isdir(folder) else None
    if not os.path.isdir(folder):
        python = f": there is no folder {folder}; check the path"
    elif nearby:
        python = f"; did you mean {nearby!r}?"
    else:
        python = f"; collect runs into it first: {command('collect', db=path)}"
    # a store named with --db is the one to collect into; the default one may be the wrong file
    command_line = f"; run `{command('collect')}` first" + ("" if store_named() else " or pass --db FILE")
    if nearby and not nearby.endswith(".toml"):  # --db never takes the spec beside the store
        command_line = f"; did you mean {nearby!r}?"
    above = store_above(folder) if not nearby and os.path.isdir(folder) else None
    if above is not None:  # run from a subfolder of the project: collecting here would make a second store
        python = f"; there is one in a folder above: rb.open({above!r})"
        second = "(a collect here starts a second store)"
        command_line = f"; there is one in a folder above: pass {option('db', above)} {second}"
    return NotFoundError(f"no store at {path}" + said(command_line, python))


def store_above(folder: str) -> str | None:
    """Return the nearest resultsbook.db in a folder above `folder`, as the user would type it."""
    from resultsbook.store import DEFAULT_DB_NAME  # here: the package imports this module

    current = os.path.abspath(folder)
    while (parent := os.path.dirname(current)) != current:
        current = parent
        candidate = os.path.join(current, DEFAULT_DB_NAME)
        if os.path.isfile(candidate):
            return min(candidate, os.path.relpath(candidate), key=len)
    return None


def missing_spec(path: str) -> NotFoundError:
    """Return the error for a spec that is not there: the file a typo missed, else to check the path."""
    folder = os.path.dirname(path) or "."
    nearby = _nearby_store(path, folder) if os.path.isdir(folder) else None
    return NotFoundError(
        f"{path} does not exist; " + (f"did you mean {nearby!r}?" if nearby else "check the path of the spec")
    )


def empty_store(path: str) -> NotFoundError:
    """Return the error for an empty file opened to read as a store: it holds no store (yet)."""
    make = said(
        "; `resultsbook collect PATH --db FILE` makes it one", f"; {command('collect', db=path)} makes it one"
    )
    return NotFoundError(
        f"{path} is an empty file, not a store (a collect making it has written nothing yet?){make}"
    )


def _nearby_store(path: str, folder: str) -> str | None:
    """Return the file beside `path` whose name it likely misspells: a store (.db), a spec (.toml), or
    a file of its suffix."""
    import difflib  # here: only a missing store needs it

    suffixes = (".db", ".toml", os.path.splitext(path)[1] or ".db")
    try:
        with os.scandir(folder) as entries:  # a few thousand names at most: this is only an error's hint
            names = [entry.name for _, entry in zip(range(10_000), entries) if entry.name.endswith(suffixes)]
    except OSError:
        return None
    # 0.7: `s.bd` is taken for `s.db`, `new.db` not for `s.db`
    close = difflib.get_close_matches(os.path.basename(path), sorted(names), n=1, cutoff=0.7)
    return os.path.join(os.path.dirname(path), close[0]) if close else None


def new_store_typo(path: str, spec_store: Callable[[], str | None] = lambda: None) -> NotFoundError | None:
    """Return the error for a new store a collect would make under a misspelt name of the store beside
    it (`--db resultbook.db` beside resultsbook.db: a second store, the paper's runs split between the
    two), else None. Only one letter added, dropped, changed or two swapped counts, and only from the
    default store, the spec's (`spec_store`) or a long name; a numbered or lettered store (`results2.db`,
    `p1.db` beside `c1.db`, `runs_b.db` beside `runs_a.db`) is a new store meant."""
    if url_scheme(path) is not None or os.path.lexists(path):
        return None
    folder = os.path.dirname(path) or "."
    name = os.path.basename(path)
    try:
        with os.scandir(folder) as entries:  # a few thousand names at most: this is only a typo's check
            beside = [entry.name for _, entry in zip(range(10_000), entries) if entry.is_file()]
    except OSError:
        return None
    stores = [other for other in beside if other.endswith(STORE_SUFFIXES) and _one_edit(name, other)]
    if len(stores) != 1:
        return None
    meant = os.path.join(os.path.dirname(path), stores[0])
    if not _misspelt(name, stores[0]) and not _is_store(meant, spec_store()):
        return None
    start = said(f"`touch {shlex.quote(path)}`", f"open({path!r}, 'w').close()")
    return NotFoundError(
        f"no store at {path}, and {meant} is beside it; did you mean {option('db', meant)}? (no new store "
        f"is made under a name one letter from another's: to start one there, create the file first, {start})"
    )


STORE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
LONG_STEM = 8  # characters: names shorter than this (`c1`, `p1b`) differ by a letter on purpose


def _is_store(path: str, store: str | None) -> bool:
    """Tell whether `path` is the store `store` names (the spec's)."""
    return store is not None and url_scheme(store) is None and os.path.abspath(path) == os.path.abspath(store)


def _misspelt(typed: str, name: str) -> bool:
    """Tell whether `typed`, one edit from the store `name`, misspells it rather than names a store of
    its own: `name` is the default store, or the suffix alone differs (`td3.bd`), or both stems are long
    and the edit is no lettered variant (`runs_a`/`runs_b`: the letters changed stand alone between
    separators)."""
    from resultsbook.store import DEFAULT_DB_NAME  # here: the package imports this module

    if name == DEFAULT_DB_NAME:
        return True
    typed_stem, name_stem = os.path.splitext(typed)[0], os.path.splitext(name)[0]
    if typed_stem == name_stem:  # `td3.bd` for `td3.db`: the suffix misspelt, whatever the name's length
        return True
    if min(len(typed_stem), len(name_stem)) < LONG_STEM:
        return False
    start, end = _difference(typed_stem, name_stem)
    before = typed_stem[start - 1 : start]
    after = typed_stem[len(typed_stem) - end :][:1]
    return before.isalpha() or after.isalpha()


def _difference(typed: str, name: str) -> tuple[int, int]:
    """Return how many characters `typed` and `name` share at the start, and then at the end."""
    start = 0
    while start < min(len(typed), len(name)) and typed[start] == name[start]:
        start += 1
    end = 0
    while end < min(len(typed), len(name)) - start and typed[-1 - end] == name[-1 - end]:
        end += 1
    return start, end


def _one_edit(typed: str, name: str) -> bool:
    """Tell whether `typed` is `name` with one letter added, dropped or changed, or two swapped (a digit
    in the difference is a numbered store, not a typo)."""
    if typed == name or abs(len(typed) - len(name)) > 1:
        return False
    start, end = _difference(typed, name)
    left, right = typed[start : len(typed) - end], name[start : len(name) - end]
    if any(char.isdigit() for char in left + right):
        return False
    swapped = len(left) == len(right) == 2 and left == right[::-1]
    return swapped or (len(left) <= 1 and len(right) <= 1)


def store_problem(path: str, error: sqlite3.Error, removed: bool = False) -> StoreError:
    """Return the one-line error for an SQLite failure on the store at `path`, with a fix that keeps data;
    `removed` when the command had made the store and removed it again (it had stored nothing)."""
    text = str(error)
    lowered = text.lower()
    quoted = shlex.quote(path)
    if "not a database" in lowered or "encrypted" in lowered:
        if not has_sqlite_header(path):
            return StoreError(
                f"{path} is not a resultsbook store (it is not an SQLite file); {point_at_store()} "
                "(the file was left as it is)"
            )
        return _damaged(path, text, quoted)
    if "malformed" in lowered or "corrupt" in lowered:
        return _damaged(path, text, quoted)
    if "full" in lowered and removed:
        return StoreError(
            f"the disk holding {path} is full ({text}); nothing was stored: the store this command began "
            "is removed again; free some space and run it again"
        )
    if "full" in lowered:
        return StoreError(
            # a collect commits in batches: those before the one that filled the disk are kept
            f"the disk holding {path} is full ({text}); the store is whole: what this command stored "
            "before the disk filled is kept, each source whole, and nothing after it; free some space and "
            "run it again (a collect reads only what is missing)"
        )
    if "locked" in lowered or "busy" in lowered:
        return StoreError(
            f"the store {path} is busy ({text}): another resultsbook is writing to it; "
            "wait for it to finish and run again"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return StoreError(
            f"the store {path} is read-only ({text}); {_how_to_make_writable(path, quoted)} or copy it and "
            f"{use_copy('COPY')}"
        )
    if "unable to open" in lowered:
        folder = os.path.dirname(os.path.abspath(path))
        return StoreError(f"cannot open the store {path} ({text}); check that {folder} is writable")
    if "disk i/o" in lowered:
        limit = file_size_limit()
        if limit is not None:  # what a disk that failed and a store past `ulimit -f` both say
            return StoreError(
                f"the store {path} cannot be written: this shell limits the size of the files its commands "
                f"write to {limit} (ulimit -f), and the store needs more ({text}); raise the limit "
                "(ulimit -f unlimited) and run again"
            )
        return StoreError(f"the disk failed while using the store {path} ({text}); check it and run again")
    return StoreError(f"the store {path} cannot be used ({text}); {_recovery(path, quoted)}")


def _how_to_make_writable(path: str, quoted: str) -> str:
    """Return how to make a read-only store writable: chmod where the file or folder is one's own, its
    owner's word where it belongs to someone else (a lab mate's store: chmod is theirs to run)."""
    if on_read_only_filesystem(path):  # no chmod helps there
        return "it is on a filesystem mounted read-only: mount it writable"
    for target in (os.path.abspath(path), os.path.dirname(os.path.abspath(path))):
        try:
            owner = os.stat(target).st_uid
        except OSError:
            continue
        if not os.access(target, os.W_OK) and _own_id() not in (None, owner):
            return f"{target} belongs to {_user_name(owner)}: ask them to let you write it (chmod g+w)"
    # SQLite makes its journal and index as read-only as the store it opened was: left beside it, they
    # keep it read-only after a chmod of the store alone
    beside = [f"{path}{suffix}" for suffix in ("-wal", "-shm")]
    leftover = [shlex.quote(name) for name in beside if os.path.exists(name) and not os.access(name, os.W_OK)]
    named = " ".join([quoted, *leftover])
    return f"make it and its folder writable (chmod u+w {named})"


def _own_id() -> int | None:
    """Return this process's user id, None where there is none (Windows)."""
    return os.geteuid() if hasattr(os, "geteuid") else None


def _user_name(uid: int) -> str:
    """Return the login name of a user id, or the id where it has none."""
    try:
        import pwd  # here: POSIX only, and only an unwritable store needs it

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"user {uid}"


def folder_problem(path: str, error: OSError) -> StoreError:
    """Return the one-line error for a store file that cannot be made where `path` puts it."""
    where = error.filename or os.path.dirname(os.path.abspath(path))
    if isinstance(error, (NotADirectoryError, FileExistsError)):
        blocking = _existing_ancestor(os.path.dirname(os.path.abspath(path)))
        return StoreError(
            f"cannot create the store {path}: {blocking} is not a folder; "
            f"pass {option('db')} with a path in a folder"
        )
    reason = error.strerror or str(error)
    return StoreError(
        f"cannot create the store {path} ({reason}: {where}); pass {option('db')} with a writable folder"
    )


def _existing_ancestor(folder: str) -> str:
    """Return the deepest part of a path that exists (what stands where a folder was wanted)."""
    while not os.path.lexists(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    return folder


def _damaged(path: str, text: str, quoted: str) -> StoreError:
    return StoreError(f"the store {path} is damaged ({text}); {_recovery(path, quoted)}")


def _recovery(path: str, quoted: str) -> str:
    stem, _ = os.path.splitext(path)
    return (
        f"copy what it still holds into a new file with `resultsbook recover {quoted}` and "
        f"{use_copy(f'{stem}-recovered.db')}, or collect the logs again into a new file with "
        f"{option('db', 'NEW.db')} "
        "(the damaged file is left as it is)"
    )


def has_sqlite_header(path: str) -> bool:
    """Tell whether a file starts as every SQLite database does."""
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == _SQLITE_HEADER
    except OSError:
        return False
