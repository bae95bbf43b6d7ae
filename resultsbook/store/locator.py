"""Where a store lives: a SQLite file (the default) or a PostgreSQL database shared by a lab.

    resultsbook.db                          a SQLite file, relative to the spec's folder or the cwd
    postgresql://alice@db.lab.org/results   a PostgreSQL database (postgres:// is accepted too)

The store is chosen by --db, else the RESULTSBOOK_DB environment variable, else the spec's `store`
(or its older name `db`), else resultsbook.db beside the spec, else ./resultsbook.db.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

from resultsbook.errors import SpecError

ENVIRONMENT_VARIABLE = "RESULTSBOOK_DB"
POSTGRES_SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def url_scheme(location: str) -> str | None:
    """Return the scheme of a URL (`postgresql`, `s3`), or None for a plain path."""
    found = _SCHEME.match(location)
    return found.group(1).lower() if found else None


def is_postgres_url(location: str) -> bool:
    """Tell whether a store location names a PostgreSQL database."""
    return url_scheme(location) in POSTGRES_SCHEMES


def check_store_location(location: str, where: str = "--db") -> str:
    """Return a store location unchanged, or refuse (naming `where`) one that cannot hold a store."""
    scheme = url_scheme(location)
    if not location.strip():
        raise SpecError(f"{where} is empty; give a file path (SQLite) or a postgresql://user@host/db URL")
    if scheme is None or scheme in POSTGRES_SCHEMES:
        return location
    if scheme == "sqlite":
        raise SpecError(f"{where}: give a SQLite store as a plain file path (e.g. results.db), not a URL")
    raise SpecError(
        f"{where}: {scheme}:// cannot hold a store; "
        "give a file path (SQLite) or a postgresql://user@host/db URL"
    )


def choose_store_location(flag: str | None, spec_location: str | None, default: str) -> str:
    """Return the store to use: the --db flag, else $RESULTSBOOK_DB, else the spec's, else `default`."""
    if flag:
        return check_store_location(flag, "--db")
    from_environment = os.environ.get(ENVIRONMENT_VARIABLE)
    if from_environment:
        return check_store_location(from_environment, ENVIRONMENT_VARIABLE)
    return spec_location or default


def display_location(location: str) -> str:
    """Return a location safe to print: a password in a URL is replaced by ***."""
    if url_scheme(location) is None:
        return location
    parts = urlsplit(location)
    if parts.password is None:
        return location
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}{port}", parts.path, parts.query, parts.fragment))
