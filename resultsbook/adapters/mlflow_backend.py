"""MLflow's SQL backend behind a tracking server (PostgreSQL or MySQL), read with the same queries as
mlflow.db (mlflow_sqlite.py): a cheap listing of every run's version, then the changed runs in chunks,
each chunk in one read-only snapshot. Drivers: psycopg (resultsbook[postgres]), PyMySQL
(resultsbook[mysql]); credentials from the URL, PGPASSWORD/~/.pgpass, or MySQL's option files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from resultsbook.adapters.mlflow_sqlite import MLFLOW_TABLES, SqlBackend
from resultsbook.errors import SpecError, first_line
from resultsbook.urlparts import masked

_DRIVERS = {"postgresql": ("psycopg", "postgres"), "mysql": ("pymysql", "mysql")}


def connect(target: str, server: str) -> SqlBackend:
    """Connect read-only to a backend URL (postgresql://… or mysql://…); one line naming the `server`
    (its URL without credentials) when it cannot."""
    dialect = target.split("://", 1)[0]
    module, extra = _DRIVERS[dialect]
    try:
        driver = __import__(module)
    except ImportError as error:
        raise SpecError(
            f"reading MLflow's {dialect} backend needs {module}; pip install 'resultsbook[{extra}]'"
        ) from error
    try:
        if dialect == "postgresql":
            conn = driver.connect(target, autocommit=True, connect_timeout=10, application_name="resultsbook")
        else:
            parts = urlsplit(target)
            conn = driver.connect(
                host=parts.hostname or "localhost",
                port=parts.port or 3306,
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                database=parts.path.lstrip("/"),
                read_default_file="~/.my.cnf",
                connect_timeout=10,
            )
    except Exception as error:
        said = first_line(error)
        first = _without_password(said, target)
        fix = _without_password(_connect_fix(dialect, target, said), target)  # read from what was said
        raise SpecError(f"{server}: cannot connect to MLflow's {dialect} backend ({first}); {fix}") from error
    backend = SqlBackend(conn, dialect)
    # another application's database, or a resultsbook store: name it, never an internal error
    missing = ", ".join(sorted((MLFLOW_TABLES | {"latest_metrics"}) - backend.tables()))
    if missing:
        conn.close()
        raise SpecError(
            f"the {dialect} database is not an MLflow tracking database (it has no table {missing}); "
            "check the database name in the URL: the one MLflow's server keeps its runs in"
        )
    return backend


def _without_password(text: str, target: str) -> str:
    """Return a driver's error with the URL's password in it, as written or decoded, as ***."""
    password = urlsplit(target).password
    if not password:
        return text
    shown = target.replace(f":{password}@", ":***@", 1)
    return masked(text.replace(target, shown), {password, unquote(password)}, shown)


def _connect_fix(dialect: str, target: str, reason: str) -> str:
    """Return what to do about a refused connection: where the password goes when it is the cause."""
    parts = urlsplit(target)
    if dialect == "postgresql" and ("no password supplied" in reason or "password authentication" in reason):
        user = unquote(parts.username or "") or os.environ.get("PGUSER") or _login()
        database = parts.path.lstrip("/") or "*"
        line = f"{parts.hostname or 'localhost'}:{parts.port or 5432}:{database}:{user}:PASSWORD"
        passfile = os.environ.get("PGPASSFILE") or "~/.pgpass"
        return (
            f"check {user}'s password: in PGPASSWORD, or in a line {line} of {passfile} (chmod 600), or "
            "percent-encoded in the URL"
        )
    if dialect == "mysql" and "Access denied" in reason:
        return "check the user and its password: in ~/.my.cnf (chmod 600), or percent-encoded in the URL"
    return "check the URL"


def _login() -> str:
    """Return the name of the user running the command, as libpq takes it for the role."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a uid with no name (a container's)
        return "ROLE"


def experiment(db: SqlBackend, name_or_id: str) -> tuple[str, str]:
    """Return (id, name) of an experiment given by id or name."""
    rows = []
    if name_or_id.isdigit():
        rows = db.rows(
            f"SELECT experiment_id, name FROM experiments WHERE experiment_id = {db.mark}", [int(name_or_id)]
        )
    rows = rows or db.rows(
        f"SELECT experiment_id, name FROM experiments WHERE name = {db.mark}", [name_or_id]
    )
    if not rows:
        raise SpecError(f"has no experiment {name_or_id!r}")
    return str(rows[0][0]), str(rows[0][1])


def run_versions(db: SqlBackend, experiment_id: str | None, keep_deleted: bool) -> list[tuple[str, str, str]]:
    """Return (run id, experiment id, version) of every run: the version changes with the run's status,
    end time and stage, and with its latest metrics (MLflow's last update of each) and its params and
    tags (their number)."""
    condition, args = "", []
    if experiment_id is not None:
        condition, args = f" WHERE r.experiment_id = {db.mark}", [int(experiment_id)]
    runs = db.rows(
        "SELECT r.run_uuid, r.experiment_id, r.status, r.end_time, r.lifecycle_stage, e.lifecycle_stage "
        f"FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id{condition}",
        args,
    )
    within = f" WHERE run_uuid IN (SELECT run_uuid FROM runs r{condition})"
    latest = {
        row[0]: row[1:]
        for row in db.rows(
            "SELECT run_uuid, count(*), max(timestamp), sum(step) "
            f"FROM latest_metrics{within} GROUP BY run_uuid",
            args,
        )
    }
    counts = {
        table: dict(db.rows(f"SELECT run_uuid, count(*) FROM {table}{within} GROUP BY run_uuid", args))
        for table in ("params", "tags")
    }
    found = []
    for run_id, experiment_id_, status, end_time, stage, experiment_stage in runs:
        if not keep_deleted and "deleted" in (stage, experiment_stage):
            continue
        parts = [status, end_time, stage, experiment_stage, latest.get(run_id), counts["params"].get(run_id),
                 counts["tags"].get(run_id)]  # fmt: skip
        found.append((str(run_id), str(experiment_id_), json.dumps(parts, default=str)))
    return found


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """Cut a list into consecutive pieces of at most `size`."""
    return [items[start : start + size] for start in range(0, len(items), size)]
