"""Where a URL's user and password end: a password pasted as typed may hold '@', '/' or '#', and an
experiment's name after '#' may hold '@' too (MLflow's `/Users/alice@corp.com/exp`)."""

from __future__ import annotations


def credentials_end(after_scheme: str) -> int:
    """Return the index of the '@' that ends a URL's user and password (the text after `scheme://`),
    or -1: the first '@' after which no other '@' comes before the fragment; an '@' before it belongs
    to the password (`p@ss/w0rd`), one in the fragment after it to an experiment's name."""
    start = 0
    while (at := after_scheme.find("@", start)) != -1:
        if "@" not in after_scheme[at + 1 :].split("#", 1)[0]:  # the host, path and query hold none
            return at
        start = at + 1
    return -1
