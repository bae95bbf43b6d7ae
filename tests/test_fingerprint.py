"""Data fingerprints: SHA-256 of files and folders, and the size/mtime cache that spares rehashing."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from resultsbook.runlog import fingerprint
from resultsbook.runlog.fingerprint import FingerprintCache, fingerprint_path

OLD = 1_600_000_000 * 10**9  # an mtime far enough in the past not to be "racy"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTSBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(fingerprint, "CACHE_MIN_BYTES", 0)  # cache even these small test files


def write(path, text, mtime_ns=OLD):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def test_a_file_digest_is_its_sha256(tmp_path):
    path = write(tmp_path / "train.csv", "x,y\n1,2\n")
    found = fingerprint_path(str(path))
    assert found.digest == "sha256:" + hashlib.sha256(b"x,y\n1,2\n").hexdigest()
    assert (found.files, found.bytes) == (1, 8)


def test_a_folder_digest_changes_with_any_content_name_or_file(tmp_path):
    data = tmp_path / "data"
    write(data / "a.txt", "1")
    write(data / "sub" / "b.txt", "2")
    first = fingerprint_path(str(data))
    assert (first.files, first.bytes) == (2, 2)
    write(data / "sub" / "b.txt", "3", mtime_ns=OLD + 1)  # an edit moves the mtime
    changed = fingerprint_path(str(data))
    os.rename(data / "a.txt", data / "c.txt")
    renamed = fingerprint_path(str(data))
    write(data / "d.txt", "")
    added = fingerprint_path(str(data))
    assert len({first.digest, changed.digest, renamed.digest, added.digest}) == 4


def test_a_folder_digest_does_not_depend_on_modification_times(tmp_path):
    data = tmp_path / "data"
    write(data / "a.txt", "1")
    before = fingerprint_path(str(data)).digest
    write(data / "a.txt", "1", mtime_ns=OLD + 10**9)
    assert fingerprint_path(str(data)).digest == before


def test_an_unchanged_size_and_mtime_is_served_from_the_cache_without_reading(tmp_path):
    path = write(tmp_path / "big.bin", "aaaa")
    cached = fingerprint_path(str(path)).digest
    # same size, same mtime, other bytes: only a cache hit can still give the old digest
    write(path, "bbbb")
    assert fingerprint_path(str(path)).digest == cached
    write(path, "bbbb", mtime_ns=OLD + 1)
    assert fingerprint_path(str(path)).digest == "sha256:" + hashlib.sha256(b"bbbb").hexdigest()


def test_an_unchanged_folder_listing_is_served_from_the_cache(tmp_path):
    data = tmp_path / "data"
    write(data / "a.txt", "1")
    cached = fingerprint_path(str(data)).digest
    write(data / "a.txt", "2")
    assert fingerprint_path(str(data)).digest == cached
    write(data / "a.txt", "2", mtime_ns=OLD + 1)
    assert fingerprint_path(str(data)).digest != cached


def test_a_file_modified_just_now_is_not_cached(tmp_path):
    path = tmp_path / "fresh.bin"
    path.write_text("aaaa")  # mtime: now, could change again within the clock's resolution
    fingerprint_path(str(path))
    assert FingerprintCache.load().entries == {}


def test_small_files_are_rehashed_rather_than_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(fingerprint, "CACHE_MIN_BYTES", 1 << 20)
    fingerprint_path(str(write(tmp_path / "small.txt", "tiny")))
    assert not any(key.startswith("file:") for key in FingerprintCache.load().entries)


def test_a_damaged_cache_is_ignored_and_rewritten(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "fingerprints.json").write_text("{not json")
    path = write(tmp_path / "a.bin", "abc")
    assert fingerprint_path(str(path)).digest == "sha256:" + hashlib.sha256(b"abc").hexdigest()
    assert json.loads((cache / "fingerprints.json").read_text())["version"] == fingerprint.CACHE_VERSION


def test_the_cache_keeps_only_the_most_recent_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(fingerprint, "MAX_CACHE_ENTRIES", 2)
    for name in "abc":
        fingerprint_path(str(write(tmp_path / f"{name}.bin", name)))
    keys = [key.rsplit(os.sep, 1)[-1] for key in FingerprintCache.load().entries]
    assert keys == ["b.bin", "c.bin"]


def test_a_missing_path_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        fingerprint_path(str(tmp_path / "nope"))


def test_track_data_records_the_fingerprint_in_run_json(tmp_path):
    import resultsbook

    data = tmp_path / "data"
    write(data / "a.txt", "1")
    with resultsbook.Run(tmp_path / "runs", config={}, code_dir=tmp_path) as run:
        digest = run.track_data(data)
        run.track_data(data / "a.txt", name="labels")
    info = json.loads((tmp_path / "runs" / run.name / "run.json").read_text())
    assert info["data"][str(data)] == {"digest": digest, "path": str(data), "files": 1, "bytes": 1}
    assert info["data"]["labels"]["digest"] == "sha256:" + hashlib.sha256(b"1").hexdigest()
