"""Where a URL's user and password end: a password pasted as typed may hold '@', '/' or '#', and an
MLflow URL's experiment after '#' may hold '@' too (`/Users/alice@corp.com/exp`)."""

from __future__ import annotations


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


_UNQUOTED_SECRET = 4  # characters: a password shorter than this is masked only where it is quoted


def masked(text: str, secrets: set[str]) -> str:
    """Return `text` with each of `secrets` (a password in the forms it may be written) as ***; a short
    one only where quoted, not inside every word."""
    for form in sorted(secrets - {""}, key=len, reverse=True):
        text = text.replace(f'"{form}"', '"***"').replace(f"'{form}'", "'***'")
        if len(form) >= _UNQUOTED_SECRET:
            text = text.replace(form, "***")
    return text
