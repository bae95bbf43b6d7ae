"""MLflow's REST API (`/api/2.0/mlflow/...`), read with the standard library: experiments, a search of
runs (their info, params, tags and latest metrics) and each metric's history.

Requests run on kept-alive connections, one per thread; a busy server (429, 502-504) or a dropped
connection is retried with a pause. Credentials are MLflow's own environment variables:
MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (basic), or MLFLOW_TRACKING_TOKEN (bearer);
MLFLOW_TRACKING_INSECURE_TLS=true and MLFLOW_TRACKING_SERVER_CERT_PATH for HTTPS.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import numpy as np

from resultsbook.adapters.mlflow_runs import add_points, make_run_record, restore_infinities, series_builder
from resultsbook.models import Problem, RunRecord

API = "/api/2.0/mlflow"
PAGE = 1000  # runs per search page
HISTORY_PAGE = 25_000  # metric points per history page
_RETRIES = 5
_BUSY = {429, 502, 503, 504}
_TIMEOUT = 20.0  # seconds a request waits for an answer
_SILENCES = 3  # timed-out tries before a server that stopped answering is given up on: about a minute


class MlflowServerError(Exception):
    """A request the server refused or could not answer; the message says which and why, `status`
    the HTTP status of a refusal."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ServerUnreachable(MlflowServerError):
    """No answer at all: the server is down, or the URL names no server."""


class MlflowRest:
    """A client of one tracking server (http[s]://host:port[/prefix])."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or "localhost"
        self.port = parts.port
        self.prefix = parts.path.rstrip("/")
        self.headers = {"Content-Type": "application/json", "User-Agent": "resultsbook"}
        self.headers.update(_credentials(parts.username, parts.password))
        self._local = threading.local()
        self._opened: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self.gone: ServerUnreachable | None = None  # once a request found no server, the rest fail at once

    def close(self) -> None:
        """Close every connection this client opened (in any thread)."""
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()

    # ----------------------------------------------------------------- the API
    def experiment(self, name_or_id: str) -> tuple[str, str]:
        """Return (id, name) of an experiment given by name or id."""
        found = self.experiment_info(name_or_id)
        return str(found["experiment_id"]), str(found["name"])

    def experiment_info(self, name_or_id: str) -> dict[str, Any]:
        """Return what the server says of an experiment given by name or id (its lifecycle stage too)."""
        if name_or_id.isdigit():
            try:
                return dict(self.call("GET", "/experiments/get", {"experiment_id": name_or_id})["experiment"])
            except ServerUnreachable:
                raise
            except MlflowServerError:
                pass  # a name made of digits
        try:
            found = self.call("GET", "/experiments/get-by-name", {"experiment_name": name_or_id})[
                "experiment"
            ]
        except ServerUnreachable:
            raise
        except MlflowServerError as error:
            raise MlflowServerError(f"has no experiment {name_or_id!r} ({error})") from error
        return dict(found)

    def experiments(self, keep_deleted: bool) -> dict[str, tuple[str, str]]:
        """Return {id: (name, lifecycle stage)} of every experiment."""
        found: dict[str, tuple[str, str]] = {}
        body: dict[str, Any] = {"max_results": PAGE, "view_type": "ALL" if keep_deleted else "ACTIVE_ONLY"}
        while True:
            page = self.call("POST", "/experiments/search", body=body)
            for experiment in page.get("experiments", []):
                found[str(experiment["experiment_id"])] = (
                    str(experiment["name"]),
                    str(experiment.get("lifecycle_stage", "active")),
                )
            if not page.get("next_page_token"):
                return found
            body = {**body, "page_token": page["next_page_token"]}

    def search_runs(self, experiment_ids: list[str], keep_deleted: bool) -> Iterator[dict[str, Any]]:
        """Yield every run of some experiments as the search returns it (info, params, tags, and the
        latest value of each metric)."""
        for start in range(0, len(experiment_ids), 100):  # the search takes a bounded list of ids
            body: dict[str, Any] = {
                "experiment_ids": experiment_ids[start : start + 100],
                "max_results": PAGE,
                "run_view_type": "ALL" if keep_deleted else "ACTIVE_ONLY",
                "order_by": ["attributes.start_time ASC"],
            }
            while True:
                page = self.call("POST", "/runs/search", body=body)
                yield from page.get("runs", [])
                if not page.get("next_page_token"):
                    break
                body = {**body, "page_token": page["next_page_token"]}

    def run(self, run_id: str) -> dict[str, Any]:
        """Return one run (info and data)."""
        return dict(self.call("GET", "/runs/get", {"run_id": run_id})["run"])

    def history(self, run_id: str, key: str) -> list[Mapping[str, Any]]:
        """Return every point of one metric of one run."""
        points: list[Mapping[str, Any]] = []
        query: dict[str, Any] = {"run_id": run_id, "metric_key": key, "max_results": HISTORY_PAGE}
        while True:
            page = self.call("GET", "/metrics/get-history", query)
            points.extend(page.get("metrics", []))
            if not page.get("next_page_token"):
                return points
            query = {**query, "page_token": page["next_page_token"]}

    # ----------------------------------------------------------------- HTTP
    def call(
        self, method: str, endpoint: str, query: Mapping[str, Any] | None = None, body: Any = None
    ) -> dict[str, Any]:
        """Send one request and return its JSON; retry a busy server or a dropped connection."""
        path = f"{self.prefix}{API}{endpoint}" + (f"?{urlencode(query)}" if query else "")
        payload = None if body is None else json.dumps(body).encode()
        silences = 0
        for attempt in range(_RETRIES):
            if self.gone is not None:
                raise self.gone
            conn = self._connection()
            try:
                conn.request(method, path, payload, self.headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                self._drop(conn)
                silences += isinstance(error, TimeoutError)
                if attempt == _RETRIES - 1 or silences == _SILENCES:
                    self.gone = ServerUnreachable(_unreachable(error))
                    raise self.gone from error
                time.sleep(0.2 * 2**attempt)
                continue
            if response.status in _BUSY and attempt < _RETRIES - 1:
                time.sleep(0.2 * 2**attempt)
                continue
            if response.status >= 400:
                raise MlflowServerError(_refusal(response.status, data), response.status)
            try:
                return dict(json.loads(data or b"{}"))
            except ValueError as error:
                raise MlflowServerError(f"answered {endpoint} with something that is not JSON") from error
        raise MlflowServerError("stayed busy")  # pragma: no cover - the loop returns or raises

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self.https:
                conn = http.client.HTTPSConnection(self.host, self.port, timeout=_TIMEOUT, context=_tls())
            else:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=_TIMEOUT)
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def _drop(self, conn: http.client.HTTPConnection) -> None:
        conn.close()
        self._local.conn = None


def run_version(run: Mapping[str, Any]) -> str:
    """Return what changes when a run does, from its search result: status, end time, stage,
    params, tags and latest metrics (each metric's last point: MLflow's last update of it)."""
    info, data = run.get("info", {}), run.get("data", {})
    parts = [
        info.get("status"),
        info.get("end_time"),
        info.get("lifecycle_stage"),
        sorted(
            (m["key"], str(m.get("value")), m.get("timestamp"), m.get("step"))
            for m in data.get("metrics", [])
        ),
        sorted((p["key"], p.get("value")) for p in data.get("params", [])),
        sorted((t["key"], t.get("value")) for t in data.get("tags", [])),
    ]
    return json.dumps(parts, default=str)


def read_run(
    client: MlflowRest,
    run: Mapping[str, Any],
    experiment: str | None,
    where: str,
    problems: list[Problem],
    histories: Mapping[str, list[Mapping[str, Any]]],
) -> RunRecord:
    """Build one run from its search result and the histories of its metrics."""
    info = dict(run.get("info", {}))
    info["run_id"] = info.get("run_id") or info.get("run_uuid")
    data = run.get("data", {})
    params = {p["key"]: "" if p.get("value") is None else str(p["value"]) for p in data.get("params", [])}
    tags = {t["key"]: "" if t.get("value") is None else str(t["value"]) for t in data.get("tags", [])}
    builder = series_builder()
    for key in sorted(histories):
        points = histories[key]
        if not points:
            continue
        steps = np.array([int(point.get("step", 0)) for point in points], dtype=np.float64)
        times = np.array([float(point.get("timestamp", 0)) for point in points], dtype=np.float64)
        values = np.array([_value(point.get("value")) for point in points], dtype=np.float64)
        restore_infinities(values)
        order = np.argsort(steps, kind="stable")  # as the SQL reader orders them: by step
        add_points(builder, key, steps[order], times[order], values[order])
    series, series_problems = builder.build(where)
    problems.extend(series_problems)
    return make_run_record(info, params, tags, series, experiment)


def metric_keys(run: Mapping[str, Any]) -> list[str]:
    """Return the keys of the metrics a run logged (from its latest values)."""
    return sorted({m["key"] for m in run.get("data", {}).get("metrics", [])})


def _value(raw: Any) -> float:
    """Return a metric value as JSON gives it: a number, or "NaN", "Infinity", "-Infinity"."""
    try:
        return float(raw)
    except (TypeError, ValueError):
        return float("nan")


def _credentials(user: str | None, password: str | None) -> dict[str, str]:
    """Return the Authorization header MLflow's client would send."""
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    user = user or os.environ.get("MLFLOW_TRACKING_USERNAME")
    password = password or os.environ.get("MLFLOW_TRACKING_PASSWORD")
    if user and password:
        encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {encoded}"}
    if token:
        return {"Authorization": f"Bearer {token}"}
    return {}


def _tls() -> ssl.SSLContext:
    if os.environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").lower() == "true":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH") or None)


def _unreachable(error: BaseException) -> str:
    """Say why the server gave no answer: nothing there, or a server that stopped answering."""
    if isinstance(error, TimeoutError):
        waited = round(_TIMEOUT * _SILENCES)
        return f"accepts connections but answered nothing for {waited} s (hung, or stopped)"
    return f"cannot be reached ({_reason(error)})"


def _reason(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return str(error) or type(error).__name__


def _refusal(status: int, data: bytes) -> str:
    """Return why the server refused a request, from MLflow's JSON error when it sends one."""
    try:
        message = str(json.loads(data).get("message", "")).strip().splitlines()[0]
    except (ValueError, AttributeError, IndexError):
        message = ""
    if status in (401, 403):
        return (
            f"refused the credentials (HTTP {status}); set MLFLOW_TRACKING_USERNAME and "
            "MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN"
        )
    return f"answered HTTP {status}" + (f": {message}" if message else "")
