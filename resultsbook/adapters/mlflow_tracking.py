"""Runs in an MLflow tracking server, read without MLflow, one source per run.

    mlflow+http://host:5000                    every experiment, through the REST API
    mlflow+https://host/#my-experiment         one experiment (by name or id)
    mlflow+http://host:5000/#/experiments/3    the same, as MLflow's pages name it (…/runs/<id>: one run)
    mlflow+postgresql://user@dbhost/mlflow     the server's SQL backend, read directly (faster)
    mlflow+mysql://user@dbhost/mlflow#3        (the same for MySQL)

A collect lists every run with a version that changes with its status, end time and latest metrics
(MLflow's last update), and reads only the runs whose version changed. Runs are named
`<server>/#<experiment id>/<run id>`, without credentials, so that every member collecting the same
server stores the same runs. Deleted runs are left out, as MLflow's own search leaves them out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from resultsbook.adapters.base import Adapter, Served, option_choice
from resultsbook.errors import AdapterError, ServerGoneError, SpecError, did_you_mean
from resultsbook.models import Problem, ReadResult, Source
from resultsbook.urlparts import credentials_end
from resultsbook.voice import option

_SCHEME = re.compile(r"^mlflow\+(https?|postgres(?:ql)?|mysql)(?:\+[a-z0-9_]+)?://", re.IGNORECASE)
_PAGE = re.compile(r"^experiments/([^/?]+)(?:/runs/([^/?]+))?(?:[/?].*)?$")  # the fragment of MLflow's pages
_DELETED_CHOICES = ("skip", "keep")
CHUNK = 500  # runs read from a SQL backend in one snapshot
THREADS = 16  # metric histories fetched at once from a REST API


@dataclass(frozen=True)
class TrackingLocation:
    """Where a tracking server is and what to read from it."""

    kind: str  # "rest" or "sql"
    server: str  # how runs are named: mlflow+<scheme>://host[:port][/path], no credentials
    target: str  # what to connect to: http(s)://… or postgresql://… / mysql://… with credentials
    experiment: str | None  # a name or id, from the #fragment
    run: str | None = None  # one run's id, from a run page's #/experiments/<id>/runs/<run id>


def parse_location(location: str) -> TrackingLocation | None:
    """Return the tracking server a location names, or None when it is not an mlflow+ URL."""
    found = _SCHEME.match(location)
    if found is None:
        return None
    scheme = found.group(1).lower()
    scheme = "postgresql" if scheme == "postgres" else scheme
    parts = urlsplit(f"{scheme}://{location[found.end() :]}")
    host = parts.hostname or "localhost"
    try:
        port = parts.port
    except ValueError as error:  # `rb:ab#cd@host`: the password up to its '#' taken for a port
        _refuse_unencoded_password(location, found.group(0), scheme)
        raise SpecError(
            f"{_masked(location, found.group(0))}: the port after the host is not a number; check the URL"
        ) from error
    if parts.password is not None:  # `rb:Stud pw@host`, `rb:50%zz@host`: what the driver cannot read
        _refuse_unencoded_password(location, found.group(0), scheme)
    netloc = host + (f":{port}" if port else "")
    path = parts.path.rstrip("/")
    experiment = parts.fragment.strip("/") or None
    page = _PAGE.match(experiment or "")
    run = None
    if page is not None:  # a URL copied from MLflow's pages: #/experiments/3 or #/experiments/3/runs/<id>
        experiment, run = page.group(1), page.group(2)
    kind = "rest" if scheme in ("http", "https") else "sql"
    server = f"mlflow+{scheme}://{netloc}{path}"
    target = urlunsplit((scheme, parts.netloc, path if kind == "rest" else parts.path, parts.query, ""))
    return TrackingLocation(kind, server, target, experiment, run)


# where a password is kept out of the URL, for each kind of server
_PASSWORD_ELSEWHERE = {
    "postgresql": "in PGPASSWORD or a line of ~/.pgpass (chmod 600)",
    "mysql": "in ~/.my.cnf (chmod 600)",
    "http": "in MLFLOW_TRACKING_PASSWORD",
    "https": "in MLFLOW_TRACKING_PASSWORD",
}


def _credentials(location: str, prefix: str) -> tuple[str, str, str] | None:
    """Return (user, password, host and the rest) of a URL holding a password; the password runs to the
    '@' a host follows, as one pasted as typed does (an experiment's name may hold '@' too)."""
    after = location[len(prefix) :]
    at = credentials_end(after, fragment=True)
    user, colon, password = after[: max(at, 0)].partition(":")
    if at == -1 or not colon or "/" in user:
        return None
    return user, password, after[at + 1 :]


def _masked(location: str, prefix: str) -> str:
    """Return an mlflow+ URL with its password as ***."""
    found = _credentials(location, prefix)
    return location if found is None else f"{prefix}{found[0]}:***@{found[2]}"


def _refuse_unencoded_password(location: str, prefix: str, scheme: str) -> None:
    """Refuse a password written as typed: a URL parser takes what follows its '#', '/' or '?' for the
    experiment or the database and the rest for the port, a driver refuses its spaces or a stray '%'."""
    from urllib.parse import unquote_to_bytes

    found = _credentials(location, prefix)
    if found is None:
        return
    password = found[1]
    special = sorted({character for character in password if character.isspace() or character in "#/?@"})
    if special:
        codes = ", ".join(f"{character!r} as %{ord(character):02X}" for character in special)
        fault, fix = "holds a character a URL gives another meaning", f"write it percent-encoded ({codes})"
    elif re.search(r"%(?![0-9A-Fa-f]{2})", password):
        fault, fix = "holds a '%' that starts no percent-encoded character", "write '%' as %25"
    else:
        try:
            unquote_to_bytes(password).decode()
            return
        except UnicodeDecodeError:
            fault, fix = (
                "is percent-encoded bytes that are not UTF-8 text",
                "percent-encode it as UTF-8 ('é' as %C3%A9)",
            )
    raise SpecError(
        f"the password in the URL {_masked(location, prefix)!r} {fault}; {fix}, or keep it out of the URL: "
        f"{_PASSWORD_ELSEWHERE[scheme]}"
    )


class MlflowTrackingAdapter(Adapter):
    """Read the runs of an MLflow tracking server (REST API) or of its SQL backend."""

    name = "mlflow_server"
    summary = (
        "MLflow tracking servers: mlflow+http(s)://host:port[/#experiment] (REST API), "
        "mlflow+postgresql://… or mlflow+mysql://… (MLflow's SQL backend)"
    )
    priority = 90
    claims_by_itself = False  # never claims a folder: it answers for mlflow+ URLs only
    reads_in_batches = True
    # 2: a SCHEDULED run (not started) is queued, not running; 3: a metric logged without steps is a curve
    reading_version = 3
    options = {"deleted": "runs deleted in MLflow: skip (default, as MLflow's search does) or keep"}

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.keep_deleted = option_choice(self.config, "deleted", _DELETED_CHOICES) == "keep"
        self._listed: dict[str, tuple[TrackingLocation, Any]] = {}  # source path -> (server, its run)
        self._experiments: dict[tuple[str, str], str] = {}  # (server, experiment id) -> name

    # ----------------------------------------------------------------- listing
    def sources_at(self, location: str) -> Served | None:
        """Return every run at a tracking-server URL, each with its version."""
        where = parse_location(location)
        if where is None:
            return None
        experiment_id, listed, empty = (
            self._list_rest(where) if where.kind == "rest" else (*self._list_sql(where), "")
        )
        if where.run is not None:
            listed = [entry for entry in listed if entry[0] == where.run]
            if not listed:
                raise SpecError(
                    f"{where.server}: experiment {experiment_id} has no run {where.run!r} (deleted, or a "
                    f"typo?); collect {where.server}/#{experiment_id} for all of its runs"
                )
        sources = []
        for run_id, run_experiment, version, run in listed:
            path = f"{where.server}/#{run_experiment}/{run_id}"
            self._listed[path] = (where, run)
            sources.append(Source(adapter=self.name, path=path, files=(), version=version))
        root = where.server if experiment_id is None else f"{where.server}/#{experiment_id}"
        if where.run is not None:
            root = f"{root}/{where.run}"
        return Served(root, tuple(sorted(sources, key=lambda source: source.path)), empty)

    def _list_rest(self, where: TrackingLocation) -> tuple[str | None, list[tuple[str, str, str, Any]], str]:
        from resultsbook.adapters.mlflow_rest import MlflowRest, MlflowServerError, run_version

        client = MlflowRest(where.target)
        experiment_id = None
        try:
            if where.experiment is not None:
                named = self._experiment_info(client, where)
                experiment_id = str(named["experiment_id"])
                experiments = {
                    experiment_id: (str(named["name"]), str(named.get("lifecycle_stage", "active")))
                }
            else:
                experiments = client.experiments(self.keep_deleted)
            for listed_id, (name, _) in experiments.items():
                self._experiments[(where.server, listed_id)] = name
            found = []
            for run in client.search_runs(sorted(experiments), self.keep_deleted):
                info = run.get("info", {})
                if experiments.get(str(info.get("experiment_id")), ("", ""))[1] == "deleted":
                    run["info"] = {**info, "lifecycle_stage": "deleted"}
                run_id = str(info.get("run_id") or info.get("run_uuid"))
                found.append((run_id, str(info.get("experiment_id")), run_version(run), run))
            empty = ""
            if experiment_id is not None and not found:
                name, stage = experiments[experiment_id]
                empty = _no_runs(where, experiment_id, name, stage == "deleted" and not self.keep_deleted)
            return experiment_id, found, empty
        except MlflowServerError as error:
            raise SpecError(f"{where.server}: the server {error}; check the URL and that it runs") from error
        finally:
            client.close()

    def _experiment_info(self, client: Any, where: TrackingLocation) -> dict[str, Any]:
        """Return the experiment a URL names; a name the server lacks gets did-you-mean from its names."""
        from resultsbook.adapters.mlflow_rest import MlflowServerError, ServerUnreachable

        assert where.experiment is not None
        try:
            return dict(client.experiment_info(where.experiment))
        except ServerUnreachable:
            raise
        except MlflowServerError as error:
            try:
                names = [name for name, _ in client.experiments(True).values()]
            except MlflowServerError:
                raise error from None
            raise SpecError(
                f"{where.server}: the server has no experiment {where.experiment!r}; "
                f"{did_you_mean(where.experiment, names, 'its experiments')}"
            ) from error

    def _list_sql(self, where: TrackingLocation) -> tuple[str | None, list[tuple[str, str, str, Any]]]:
        from resultsbook.adapters import mlflow_backend

        db = mlflow_backend.connect(where.target, where.server)
        try:
            experiment_id = None
            if where.experiment is not None:
                try:
                    experiment_id, _ = mlflow_backend.experiment(db, where.experiment)
                except SpecError as error:
                    raise SpecError(f"{where.server} {error}; check the name after #") from error
            listed = mlflow_backend.run_versions(db, experiment_id, self.keep_deleted)
            return experiment_id, [
                (run_id, experiment, version, None) for run_id, experiment, version in listed
            ]
        finally:
            db.conn.close()

    # ----------------------------------------------------------------- reading
    def read(self, source: Source) -> ReadResult:
        """Read one run."""
        return next(self.read_many([source]))

    def read_many(self, sources: Sequence[Source]) -> Iterator[ReadResult]:
        """Read runs, in order: from a SQL backend a chunk per snapshot, from a REST API with the
        histories of every metric fetched at once."""
        start = 0
        while start < len(sources):
            where = self._where(sources[start])
            end = start
            while end < len(sources) and end - start < CHUNK and self._where(sources[end]) == where:
                end += 1
            chunk = sources[start:end]
            if where.kind == "rest":
                yield from self._read_rest(where, chunk)
            else:
                yield from self._read_sql(where, chunk)
            start = end

    def _where(self, source: Source) -> TrackingLocation:
        listed = self._listed.get(source.path)
        if listed is not None:
            return listed[0]
        server, _, rest = source.path.partition("/#")
        where = parse_location(server)
        if where is None or not rest:
            raise AdapterError(f"{source.path} is not a run of an MLflow tracking server")
        return where

    def _read_rest(self, where: TrackingLocation, sources: Sequence[Source]) -> Iterator[ReadResult]:
        from resultsbook.adapters.mlflow_rest import MlflowRest, MlflowServerError, metric_keys, read_run

        client = MlflowRest(where.target)
        try:
            runs: dict[str, Any] = {}
            failed: dict[str, str] = {}
            gone: set[str] = set()  # runs the server no longer has
            for source in sources:
                listed = self._listed.get(source.path)
                try:
                    runs[source.path] = listed[1] if listed and listed[1] else client.run(_run_id(source))
                except MlflowServerError as error:
                    if error.status == 404:
                        gone.add(source.path)
                    failed[source.path] = str(error)
            jobs = [(path, key) for path, run in runs.items() for key in metric_keys(run)]

            def fetch(job: tuple[str, str]) -> Any:
                try:
                    return client.history(_run_id_of(job[0]), job[1])
                except MlflowServerError as error:
                    return error

            with ThreadPoolExecutor(THREADS) as pool:
                fetched = dict(zip(jobs, pool.map(fetch, jobs)))
            if client.gone is not None:  # the runs not read whole would be stored as if they were
                raise ServerGoneError(
                    f"{where.server}: the server went away during the collect: it {client.gone}; check that "
                    "it runs, then collect again: the runs not stored yet are read then"
                )
            for source in sources:
                if source.path in gone:
                    yield ReadResult((), (_deleted_since_listed(source),))
                    continue
                if source.path in failed:
                    yield _unreadable(source, failed[source.path])
                    continue
                problems: list[Problem] = []
                histories: dict[str, Any] = {}
                for key in metric_keys(runs[source.path]):
                    points = fetched[(source.path, key)]
                    if isinstance(points, MlflowServerError):
                        what = f"metric {key!r}: the server {points}"
                        # unread: the run is not stored as read whole, so the next collect reads it again
                        problems.append(Problem(source.path, what, "the other metrics", unread=True))
                        continue
                    histories[key] = points
                if histories and not any(histories.values()) and _gone(client, source):
                    yield ReadResult((), (_deleted_since_listed(source),))  # every history came back empty
                    continue
                experiment = self._experiment_name(client, where, runs[source.path])
                try:
                    record = read_run(client, runs[source.path], experiment, source.path, problems, histories)
                except (TypeError, ValueError, KeyError, AttributeError) as error:  # one run's damaged answer
                    damaged = f"could not be read ({type(error).__name__}: {error})"
                    yield ReadResult((), (Problem(source.path, damaged, "nothing from this run"),))
                    continue  # the others of the batch are read: one run never stops the collect
                yield ReadResult((record,), tuple(problems))
        finally:
            client.close()

    def _experiment_name(self, client: Any, where: TrackingLocation, run: Mapping[str, Any]) -> str | None:
        experiment_id = str(run.get("info", {}).get("experiment_id"))
        key = (where.server, experiment_id)
        if key not in self._experiments:
            try:
                self._experiments[key] = client.experiment(experiment_id)[1]
            except Exception:  # a run of an experiment we cannot look up keeps no experiment name
                return None
        return self._experiments[key]

    def _read_sql(self, where: TrackingLocation, sources: Sequence[Source]) -> Iterator[ReadResult]:
        from resultsbook.adapters import mlflow_backend
        from resultsbook.adapters.mlflow_sqlite import read_runs

        by_run = {_run_id(source): source.path for source in sources}
        problems: list[Problem] = []
        try:
            db = mlflow_backend.connect(where.target, where.server)
        except SpecError as error:
            for source in sources:
                yield _unreadable(source, str(error).removeprefix(f"{where.server}: "))  # its path says it
            return
        try:
            runs = read_runs(db, where.server, True, problems, list(by_run), lambda run_id: by_run[run_id])
        except Exception as error:
            for source in sources:
                yield _unreadable(source, f"{type(error).__name__}: {error}")
            return
        finally:
            db.conn.close()
        found = {run.key: run for run in runs}
        shared = [p for p in problems if p.path not in by_run.values()]  # about the whole chunk
        for source in sources:
            run = found.get(_run_id(source))
            own = [p for p in problems if p.path == source.path]
            if run is None and not own:
                own.append(_deleted_since_listed(source))
            yield ReadResult((run,) if run is not None else (), (*own, *shared))


def _no_runs(where: TrackingLocation, experiment_id: str, name: str, deleted: bool) -> str:
    """Say why an experiment a URL names gave no run: it is deleted in MLflow, or it has none."""
    what = f"{where.server}: experiment {name!r} (id {experiment_id})"
    if deleted:
        return f"{what} is deleted in MLflow; {option('option', 'deleted=keep')} collects its runs"
    return f"{what} has no runs; check the name after # (or log a run to it first)"


def _run_id(source: Source) -> str:
    return _run_id_of(source.path)


def _run_id_of(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _gone(client: Any, source: Source) -> bool:
    """Tell whether the server no longer has a run (asked when its listed metrics have no points)."""
    from resultsbook.adapters.mlflow_rest import MlflowServerError

    try:
        client.run(_run_id(source))
    except MlflowServerError as error:
        return error.status == 404
    return False


def _deleted_since_listed(source: Source) -> Problem:
    """The problem of a run listed by the server and deleted for good before it was read."""
    gone = "was deleted from the server's database since it was listed (`mlflow gc`?)"
    return Problem(source.path, gone, "nothing; the next collect marks it missing")


def _unreadable(source: Source, why: str) -> ReadResult:
    problem = Problem(source.path, f"could not be read ({why})", "nothing from this run", unread=True)
    return ReadResult((), (problem,))
