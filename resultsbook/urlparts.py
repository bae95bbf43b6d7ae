"""Where a URL's user and password end: a password pasted as typed may hold '@', '/' or '#', and an
MLflow URL's experiment after '#' may hold '@' too (`/Users/alice@corp.com/exp`)."""

from __future__ import annotations

import re


def credentials_end(after_scheme: str, fragment: bool = False) -> int:
    """Return the index of the '@' that ends a URL's user and password (the text after `scheme://`),
    or -1. Where the URL's '#' starts a fragment (an MLflow URL's experiment: a password holding '#' is
    refused there), the first '@' after which no other comes before the fragment; elsewhere the last '@',
    as a password pasted as typed holds '@', '/' and '#' (`p@ss/w#rd`)."""
    if not fragment:
        return after_scheme.rfind("@")
    start = 0
    while (at := after_scheme.find("@", start)) != -1:
        if "@" not in after_scheme[at + 1 :].split("#", 1)[0]:  # the host, path and query hold none
            return at
        start = at + 1
    return -1


def masked(text: str, secrets: set[str], shown: str = "") -> str:
    """Return `text` with each of `secrets` (a password in the forms it may be written) as *** where it is
    quoted whole (libpq's `invalid percent-encoded token: "…"`); not inside other words, nor where it
    spells a part of the URL as `shown` (user, host, port, database): masking the user name or the port
    would hide it and tell the password."""
    from urllib.parse import unquote  # here: only an error needs it

    named = {part for piece in re.split(r"[:/@?&=#\[\]]+", shown) for part in (piece, unquote(piece))}
    for form in sorted(secrets - {""} - named, key=len, reverse=True):
        text = text.replace(f'"{form}"', '"***"').replace(f"'{form}'", "'***'")
    return text
