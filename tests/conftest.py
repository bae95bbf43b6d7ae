"""Shared fixtures: run folders built from dicts, a store, the CLI runner, a read-only mount, the shared
real data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from resultsbook.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REALDATA = SHARED / "realdata"


def write_native_run(
    folder: Path,
    config: Mapping[str, Any] | None = None,
    metrics: Sequence[Mapping[str, Any]] = (),
    run: Mapping[str, Any] | None = None,
) -> Path:
    """Write a native run folder: config.json, metrics.jsonl (one record per line), run.json."""
    folder.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (folder / "config.json").write_text(json.dumps(config))
    (folder / "metrics.jsonl").write_text("".join(json.dumps(record) + "\n" for record in metrics))
    if run is not None:
        (folder / "run.json").write_text(json.dumps(run))
    return folder


def curve(values: Sequence[float], key: str = "acc", every: int = 1) -> list[dict[str, Any]]:
    """Return metrics.jsonl records logging `values` of one key at steps every, 2*every, ..."""
    return [{"step": (index + 1) * every, key: value} for index, value in enumerate(values)]


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    """Return a function writing a native run folder under tmp_path/runs/<name>."""

    def make(
        name: str,
        config: Mapping[str, Any] | None = None,
        metrics: Sequence[Mapping[str, Any]] = (),
        run: Mapping[str, Any] | None = None,
    ) -> Path:
        return write_native_run(tmp_path / "runs" / name, config, metrics, run)

    return make


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Return an empty store in tmp_path."""
    opened = Store.open(str(tmp_path / "resultsbook.db"))
    yield opened
    opened.close()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Return a function invoking the CLI inside tmp_path; it returns click's Result."""
    from resultsbook.cli import cli as command

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(command, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def tmpfs_mount(tmp_path: Path) -> Iterator[tuple[Path, Callable[[str], None]]]:
    """Return a tmpfs mounted at tmp_path/mnt and a function remounting it read-only ("ro") or
    writable ("rw"): a real read-only filesystem. Skips unless root may mount one here."""
    import subprocess

    folder = tmp_path / "mnt"
    folder.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    if subprocess.run(["mount", "-t", "tmpfs", "none", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("this machine does not let tests mount a tmpfs")

    def remount(mode: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True)

    try:
        yield folder, remount
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.fixture
def realdata() -> Path:
    """Return ../shared/realdata, skipping the test when it is absent."""
    if not REALDATA.is_dir():
        pytest.skip(f"{REALDATA} is absent: the real published results are not available here")
    return REALDATA


def require_pdflatex() -> str:
    """Return the pdflatex path, skipping (with the reason) when TeX is not installed."""
    path = shutil.which("pdflatex")
    if path is None:
        pytest.skip("pdflatex is not installed: apt-get install texlive-latex-base texlive-latex-extra")
    return path


def compile_latex(folder: Path, body: str, packages: Sequence[str] = ("booktabs",)) -> Path:
    """Compile a document around `body` with pdflatex; fail with the log's errors if it does not."""
    import subprocess

    pdflatex = require_pdflatex()
    preamble = "".join(f"\\usepackage{{{p}}}\n" for p in packages)
    (folder / "doc.tex").write_text(
        f"\\documentclass{{article}}\n{preamble}\\begin{{document}}\n{body}\n\\end{{document}}\n"
    )
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = (folder / "doc.log").read_text(errors="replace") if (folder / "doc.log").exists() else result.stdout
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert result.returncode == 0, f"pdflatex failed: {errors or log[-2000:]}"
    return folder / "doc.pdf"


def env_without(*names: str) -> dict[str, str]:
    """Return the environment without some variables."""
    return {k: v for k, v in os.environ.items() if k not in names}


SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def assert_snapshot(name: str, text: str) -> None:
    """Compare text with tests/snapshots/<name>; RESULTSBOOK_UPDATE_SNAPSHOTS=1 rewrites it."""
    path = SNAPSHOTS / name
    if os.environ.get("RESULTSBOOK_UPDATE_SNAPSHOTS") == "1" or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text)
        if os.environ.get("RESULTSBOOK_UPDATE_SNAPSHOTS") != "1":
            pytest.fail(f"snapshot {name} did not exist and was written; review it and run again")
    assert text == path.read_text(), f"output differs from tests/snapshots/{name}"


@pytest.fixture(scope="session")
def postgres_cluster() -> Any:
    """Return a throwaway PostgreSQL cluster for the session (skipped, saying why, when none can start)."""
    from servers import PostgresCluster, ServerUnavailable

    try:
        cluster = PostgresCluster().start()
    except ServerUnavailable as error:
        pytest.skip(f"no PostgreSQL server here: {error}")
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(postgres_cluster: Any) -> str:
    """Return the URL of a new, empty PostgreSQL database."""
    return postgres_cluster.create_database()


@pytest.fixture(scope="session")
def s3_server() -> Any:
    """Return moto's S3 API server, started for the session."""
    from servers import MotoServer, ServerUnavailable

    try:
        server = MotoServer().start()
    except ServerUnavailable as error:
        pytest.skip(f"no S3 API server here: {error}")
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    """Return s3://<a new bucket> on the S3 API server, with the environment s3fs finds it by."""
    import s3fs

    for name, value in s3_server.environment().items():
        monkeypatch.setenv(name, value)
    bucket = "b-" + "".join(c if c.isalnum() else "-" for c in request.node.name.lower())[:50].strip("-")
    s3fs.S3FileSystem().mkdir(bucket)
    return f"s3://{bucket}"


def train_seed(project: Path, seed: int, out: Path) -> None:
    """Train the quickstart's MLP on moons for one seed, its run folder written under `out`."""
    subprocess.run(
        [
            sys.executable,
            "train.py",
            "--seeds",
            str(seed),
            "--models",
            "mlp",
            "--datasets",
            "moons",
            "--out",
            str(out),
        ],
        cwd=project,
        check=True,
        capture_output=True,
    )
