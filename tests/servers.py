"""Real servers for the tests of a lab's setup: a throwaway PostgreSQL cluster, an S3 API server
(moto's standalone server) and an `mlflow server` backed by that PostgreSQL.

Each one is started from what is installed (.ci/run installs them on a fresh machine); a test that
needs one that cannot be started here is skipped with the reason and the command that installs it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# a venv holding mlflow (it is heavy, and pins what it likes): .ci/run makes it and sets this variable
MLFLOW_VARIABLE = "RESULTSBOOK_TEST_MLFLOW"


class ServerUnavailable(Exception):
    """A server cannot be started on this machine; the message says why and how to install it."""


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None, seconds: float, what: str) -> None:
    """Wait until something listens on a local port (or the process died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServerUnavailable(f"{what} exited at start (code {process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise ServerUnavailable(f"{what} did not listen on port {port} within {seconds:.0f} s")


# ----------------------------------------------------------------------------------- PostgreSQL
def postgres_bin() -> Path:
    """Return the folder of PostgreSQL's server programs (Debian keeps them off the PATH)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ServerUnavailable("PostgreSQL's server is not installed (apt-get install postgresql; .ci/run does)")


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(part) for part in Path(path).parent.parent.name.split(".") if part.isdigit())


class PostgresCluster:
    """A throwaway PostgreSQL cluster in a temporary folder, run by a non-root user when we are root."""

    def __init__(self, durable: bool = False) -> None:
        self.bin = postgres_bin()
        self.user = _server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="resultsbook-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.durable = durable  # fsync as in production (benchmarks); tests need no durability
        self._databases = 0

    def start(self) -> PostgresCluster:
        """Create the cluster and start its server on 127.0.0.1 and a socket in its folder."""
        if self.user is not None:
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        os.chmod(self.folder, 0o755)
        self._run("initdb", "-D", str(self.data), "-U", "resultsbook", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8" if _has_locale("C.UTF-8") else "--locale=C", "--no-sync")  # fmt: skip
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._options = options
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")
        return self

    def shut_down(self) -> None:
        """Stop the server as an administrator does (`pg_ctl stop -m fast`), keeping the cluster."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def start_again(self) -> None:
        """Start the server again after `shut_down`, on the same port."""
        log = str(self.folder / "log")
        self._run("pg_ctl", "-D", str(self.data), "-o", self._options, "-l", log, "-w", "start")

    def stop(self) -> None:
        """Stop the server and delete the cluster."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """Return the URL of one database of the cluster."""
        return f"postgresql://resultsbook@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        if name is None:
            self._databases += 1
            name = f"t{os.getpid()}_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user.pw_name, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if result.returncode != 0:
            raise ServerUnavailable(f"{program} failed: {(result.stderr or result.stdout).strip()[-400:]}")


def _server_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: as root, use the `postgres` user (else `nobody`)."""
    if os.geteuid() != 0:
        return None
    if not shutil.which("runuser"):
        raise ServerUnavailable("running as root without `runuser` (util-linux) to start PostgreSQL as a user")
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise ServerUnavailable("running as root, and no `postgres` or `nobody` user to start PostgreSQL as")


def _has_locale(name: str) -> bool:
    result = subprocess.run(["locale", "-a"], capture_output=True, text=True)
    return name.lower().replace("-", "") in result.stdout.lower().replace("-", "")


# ----------------------------------------------------------------------------------- MariaDB (MySQL)
class MariadbServer:
    """A throwaway MariaDB server (MySQL's protocol) in a temporary folder, for MLflow's MySQL backend."""

    def __init__(self) -> None:
        self.server = shutil.which("mariadbd") or shutil.which("mysqld") or _sbin("mariadbd", "mysqld")
        self.install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
        if not self.server or not self.install:
            raise ServerUnavailable("MariaDB's server is not installed (apt-get install mariadb-server; .ci/run does)")
        self.folder = Path(tempfile.mkdtemp(prefix="resultsbook-mariadb-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.user = "mysql" if os.geteuid() == 0 else None

    def start(self) -> MariadbServer:
        data = self.folder / "data"
        as_user = [f"--user={self.user}"] if self.user else []
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        result = subprocess.run(
            [self.install, "--no-defaults", f"--datadir={data}", *as_user, "--skip-test-db",
             "--auth-root-authentication-method=normal"],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ServerUnavailable(f"mariadb-install-db failed: {(result.stderr or result.stdout)[-400:]}")
        self.process = subprocess.Popen(
            [self.server, "--no-defaults", f"--datadir={data}", f"--socket={self.folder}/socket",
             f"--port={self.port}", "--bind-address=127.0.0.1", f"--pid-file={self.folder}/pid",
             f"--log-error={self.folder}/log", *as_user],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
        )
        try:
            wait_for_port(self.port, self.process, 60, "MariaDB")
        except ServerUnavailable:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL (user root, no password: a throwaway server)."""
        import pymysql

        conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root", password="")
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        finally:
            conn.close()
        return f"mysql://root@127.0.0.1:{self.port}/{name}"


def _sbin(*names: str) -> str | None:
    for name in names:
        for folder in ("/usr/sbin", "/usr/local/sbin"):
            if os.access(f"{folder}/{name}", os.X_OK):
                return f"{folder}/{name}"
    return None


# ----------------------------------------------------------------------------------- S3 (moto)
class MotoServer:
    """moto's standalone S3 API server in its own process, and the environment s3fs needs for it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        try:
            import moto.server  # noqa: F401
        except ImportError as error:
            raise ServerUnavailable(f"moto's server cannot be imported ({error}); pip install 'moto[server]'") from error
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process, 30, "moto's S3 server")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)

    def environment(self) -> dict[str, str]:
        """Return the variables through which s3fs (botocore) finds this server and its keys."""
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint,
        }


# ----------------------------------------------------------------------------------- MLflow
def mlflow_python() -> Path:
    """Return the Python of the venv that holds mlflow (RESULTSBOOK_TEST_MLFLOW, else ./.venv-mlflow)."""
    configured = os.environ.get(MLFLOW_VARIABLE)
    candidates = [Path(configured)] if configured else [ROOT / ".venv-mlflow" / "bin" / "python"]
    for candidate in candidates:
        if candidate.is_dir():
            candidate = candidate / "bin" / "python"
        if candidate.exists():
            return candidate
    raise ServerUnavailable(
        f"no mlflow venv (set {MLFLOW_VARIABLE}=/path/to/venv; .ci/run makes one with "
        "`python -m venv .venv-mlflow && .venv-mlflow/bin/pip install mlflow psycopg2-binary`)"
    )


class MlflowServer:
    """A real `mlflow server` whose backend store is a PostgreSQL database."""

    def __init__(self, backend_url: str, artifacts: Path) -> None:
        self.python = mlflow_python()
        self.backend_url = backend_url.replace("postgresql://", "postgresql+psycopg2://", 1).replace(
            "mysql://", "mysql+pymysql://", 1
        )
        self.artifacts = artifacts
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = artifacts.parent / f"mlflow-server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MlflowServer:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [
                    *(str(self.python), "-m", "mlflow", "server", "--backend-store-uri", self.backend_url),
                    *("--default-artifact-root", self.artifacts.as_uri(), "--host", "127.0.0.1"),
                    *("--port", str(self.port), "--workers", "1"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
            )
        try:
            self._wait_healthy(180)
        except ServerUnavailable:
            self.stop()
            raise
        return self

    def _wait_healthy(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-600:]
                raise ServerUnavailable(f"mlflow server exited at start: {tail}")
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(f"{self.url}/health", timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.5)
        raise ServerUnavailable(f"mlflow server did not answer /health within {seconds:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def run_client(self, *args: str) -> str:
        """Run the mlflow venv's Python (a script and its arguments, or -c CODE) against this server;
        return the last line it printed (MLflow's client prints links to the UI before it)."""
        result = subprocess.run(
            [str(self.python), *args],
            capture_output=True,
            text=True,
            env={**os.environ, "MLFLOW_TRACKING_URI": self.url},
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"the MLflow client failed: {result.stderr[-2000:]}")
        lines = result.stdout.strip().splitlines()
        return lines[-1] if lines else ""


@contextlib.contextmanager
def started(server: PostgresCluster | MotoServer | MlflowServer) -> Iterator[object]:
    """Start a server for the duration of a block."""
    server.start()
    try:
        yield server
    finally:
        server.stop()
