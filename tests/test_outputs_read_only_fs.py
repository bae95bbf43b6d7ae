"""Outputs on a filesystem mounted read-only (a CI artifact, a container's volume): build, report and a
failed write say the filesystem is read-only and what helps, not "chmod u+w", which cannot. Needs root
to mount a tmpfs (skipped otherwise)."""

from __future__ import annotations

import pytest
from figure_project import make_project

from resultsbook.errors import OutputError
from resultsbook.outputs.build import write_files


@pytest.fixture
def built_read_only(tmpfs_mount, cli, monkeypatch):
    """A project built on a tmpfs, then remounted read-only; the commands run in it."""
    folder, remount = tmpfs_mount
    _, store = make_project(folder)
    store.close()
    monkeypatch.chdir(folder)
    assert cli("build", "--no-collect").exit_code == 0
    remount("ro")
    return folder


def test_build_says_the_filesystem_is_read_only_not_chmod(built_read_only, cli):
    result = cli("build", "--no-collect")
    assert result.exit_code == 74
    assert result.output == (
        "Error: results/table1.tex is on a read-only filesystem, so build cannot write it; mount it "
        "writable, or point the spec's outputs (and its lock) to a writable folder\n"
    )


def test_report_says_so_and_writing_the_page_elsewhere_works(built_read_only, cli, tmp_path):
    result = cli("report", "--no-collect")
    assert result.exit_code == 74
    assert result.output == (
        "Error: resultsbook-report.html is on a read-only filesystem, so report cannot write it; mount it "
        "writable, or write the page elsewhere with --output FILE\n"
    )
    elsewhere = tmp_path / "page.html"  # beside the mount, on a writable disk
    assert cli("report", "--no-collect", "--output", str(elsewhere)).exit_code == 0
    assert "Table table1" in elsewhere.read_text()


def test_a_write_that_meets_a_read_only_filesystem_says_so(built_read_only):
    """A filesystem remounted read-only between the check and the write (or a caller that skips it)."""
    with pytest.raises(OutputError, match=r"^cannot write new/t\.tex: its filesystem is read-only; it is as"):
        write_files({str(built_read_only / "new" / "t.tex"): b"x"})
