"""Connecting to a lab's PostgreSQL store: one line naming the URL (password hidden) and the fix for
each way a connection is refused."""

from __future__ import annotations

import os
from typing import Any

from resultsbook.errors import StoreError, first_line
from resultsbook.store.location import display_location, url_password, without_password

_CONNECT_TIMEOUT = 10
# a network that goes silent (a laptop's Wi-Fi, a VPN dropped) ends a command within about a minute,
# not after TCP's 15 minutes of retransmissions, nor never when it waits for a reply: data the server
# has not acknowledged for 60 s, or 30 s of silence and 3 unanswered probes 10 s apart, break the
# connection (a live server's kernel acknowledges both however long its query runs)
NETWORK_PATIENCE = {
    "tcp_user_timeout": "60000",
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
}


def _quiet_driver_warnings() -> None:
    """Keep psycopg's "error ignored terminating <Pipeline…>" off the terminal: the error it ignores is
    the one this store reports, in one line (a program that configures logging still gets it)."""
    import logging

    driver = logging.getLogger("psycopg")
    if not any(isinstance(handler, logging.NullHandler) for handler in driver.handlers):
        driver.addHandler(logging.NullHandler())


def connect(location: str) -> Any:
    """Open an autocommit connection to a PostgreSQL URL, or fail in one line saying what to do."""
    try:
        import psycopg
    except ImportError as error:
        raise StoreError(
            "a postgresql:// store needs the psycopg driver; install it with "
            "pip install 'resultsbook[postgres]'"
        ) from error
    _quiet_driver_warnings()
    try:
        return psycopg.connect(
            location,
            autocommit=True,
            connect_timeout=_CONNECT_TIMEOUT,
            application_name="resultsbook",
            **_unless_given(location, NETWORK_PATIENCE),
        )
    except psycopg.Error as error:
        said = first_line(error).rstrip(".")
        fix = without_password(_connect_fix(location, said), location)  # the advice read from what was said
        refused = StoreError(
            f"cannot connect to {display_location(location)} ({without_password(said, location)}); {fix}"
        )
    except UnicodeDecodeError:  # psycopg decodes the URL's %XX escapes as UTF-8
        reason, fix = _undecodable(location)
        refused = StoreError(f"cannot connect to {display_location(location)} ({reason}); {fix}")
    # raised outside the except clauses: the driver's error quotes the password unmasked, and a traceback
    # prints the exception being handled (its __context__) above this one
    raise refused


# libpq's words for a URL it cannot parse (a password written as typed, not percent-encoded)
_UNENCODED = ("percent-encoded", "unexpected spaces")
ENCODE_PASSWORD = (
    "write the password percent-encoded as UTF-8 in the URL (a space as %20, '%' as %25, 'é' as %C3%A9), "
    "or keep it out of the URL: in PGPASSWORD or a line of ~/.pgpass (chmod 600)"
)


def _undecodable(location: str) -> tuple[str, str]:
    """Return which part of a URL holds %XX escapes that are not UTF-8 text, and what to do."""
    from urllib.parse import unquote_to_bytes

    try:
        unquote_to_bytes(url_password(location) or "").decode()
    except UnicodeDecodeError:
        return "the password in the URL is percent-encoded bytes that are not UTF-8 text", ENCODE_PASSWORD
    return (
        "the URL holds percent-encoded bytes that are not UTF-8 text",
        "percent-encode it as UTF-8 ('é' as %C3%A9)",
    )


def _unless_given(location: str, settings: dict[str, str]) -> dict[str, Any]:
    """Return the settings the URL does not set itself (`?keepalives_idle=5` is the user's to choose)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(location)
    except Exception:  # a URL libpq refuses: it says why when connecting
        return {}
    return {key: value for key, value in settings.items() if key not in given}


def _login() -> str:
    """Return the name of the user running the command, as libpq takes it for the role."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a uid with no name (a container's)
        return "ROLE"


def _connect_fix(location: str, reason: str) -> str:
    """Return what to do about a refused connection, told by libpq's (English) words for its cause."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(location)
    except Exception:  # already connected through it: a URL libpq reads
        parts = {}
    # no user in the URL: libpq connects as $PGUSER, else as the user running the command
    user = parts.get("user") or os.environ.get("PGUSER") or _login()
    database = str(parts.get("dbname") or "DATABASE")
    where = "in PGPASSWORD, or in a line of ~/.pgpass (chmod 600), or percent-encoded in the URL"
    if "password authentication failed" in reason:  # the server's words for a user it does not have too
        named = reason.split('for user "', 1)[-1].rsplit('"', 1)[0] if 'for user "' in reason else user
        return (
            f"check the user name ({named}, before ':' in the URL: the server says the same of a user it "
            f"does not have) and its password: {where}"
        )
    if "no password supplied" in reason:
        return f"check {user}'s password: {where}"
    if any(words in reason for words in _UNENCODED) and without_password(reason, location) != reason:
        return ENCODE_PASSWORD
    if 'for connection option "port"' in reason:
        return "check the port after the host in the URL: a number (PostgreSQL's default: 5432)"
    if "database" in reason and "does not exist" in reason and "dbname" not in parts:
        return (
            f"the URL names no database, so the server looked for one named after the user ({user}): "
            "add the database's name at the end of the URL (…/results)"
        )
    if "database" in reason and "does not exist" in reason and database.endswith("/"):
        meant = database.rstrip("/")
        return f"drop the '/' at the end of the URL: the database is {meant!r}, not {database!r}"
    if "database" in reason and "does not exist" in reason:
        return (
            "check the database's name at the end of the URL, or ask the server's administrator to "
            f"create it (createdb --owner {user} {database})"
        )
    if "role" in reason and "does not exist" in reason:
        return (
            "check the user name before '@' in the URL, or ask the server's administrator to create "
            f"the role (createuser --pwprompt {user})"
        )
    if "resolve host" in reason or "translate host name" in reason:
        return "check the host name in the URL"
    if "Connection refused" in reason:
        return "check that the server is up, and the host and port in the URL (PostgreSQL's default: 5432)"
    if "timeout expired" in reason:
        return (
            f"nothing answered within {_CONNECT_TIMEOUT} s: check the host in the URL, and that this "
            "machine may reach it (a VPN, a firewall)"
        )
    return "check the URL, that the server is up, and the password (PGPASSWORD or ~/.pgpass)"
