"""Runs on object storage and remote file systems (s3://, gs://, az://, ssh://…), through fsspec.

A collect lists a remote root once, in parallel (`list_tree`): every object's size, modification
time and ETag, kept as a tree of folders. The walk, the adapters' claims and the sources' signatures
are answered from that listing without another request, so an unchanged remote run costs nothing
but its share of the listing; a changed one is fetched in one concurrent request per source
(`prefetched`) and read by the same adapter code as a local run. Credentials come from each
provider's usual environment variables and files (botocore's for S3, and so on): resultsbook reads
none itself.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import stat as stat_module
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from resultsbook.adapters.base import Folder
from resultsbook.errors import SpecError, first_line
from resultsbook.sources.walk import skipped
from resultsbook.store.location import display_location, is_url
from resultsbook.voice import command, option, password_left_out, pasteable_store

LISTING_THREADS = 16
PREFETCH_MAX_BYTES = 64 << 20  # larger files are fetched when read, not held ahead
# protocol -> the resultsbook extra that installs its fsspec driver
EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs", "az": "azure", "abfs": "azure",
          "abfss": "azure", "adl": "azure", "ssh": "ssh", "sftp": "ssh"}  # fmt: skip
# where each provider's own libraries look for credentials (resultsbook passes nothing of its own)
CREDENTIALS = {
    "s3": "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE and ~/.aws/credentials "
    "(and AWS_ENDPOINT_URL for an S3-compatible server)",
    "gcs": "GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`",
    "azure": "AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT_NAME with `az login`",
    "ssh": "your SSH agent or ~/.ssh keys",
}
# botocore's per-request limits for S3 (seconds), one attempt per s3fs attempt, and s3fs's attempts
S3_WAITS: dict[str, Any] = {"connect_timeout": 5, "read_timeout": 10, "retries": {"total_max_attempts": 1}}
S3_ATTEMPTS = 3
# a server that answered nothing for this long while a collect reads (each request bounded as above,
# but 16 readers each waiting out their own requests would hold it for hours) has stopped answering
STALL_SECONDS = 60.0
# what the providers' libraries raise when no server answers (not a matter of credentials)
_UNANSWERED = ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ClientConnectorError")
_ETAG_KEYS = ("ETag", "etag", "md5Hash", "generation", "VersionId")
_MTIME_KEYS = ("LastModified", "last_modified", "mtime", "updated", "modified", "created")


_BUCKET_SCHEMES = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl"}


def normalize(url: str) -> str:
    """Return a root URL as stores name it: no trailing slash."""
    return url.rstrip("/") if not url.endswith("://") else url


@dataclass(frozen=True)
class FileInfo:
    """What a listing says of one object."""

    size: int
    mtime: float
    etag: str

    def version(self) -> str:
        return f"{self.size}:{int(self.mtime * 1e9)}:{self.etag}"


@dataclass
class RemoteTree:
    """Everything under one remote root, as one listing saw it."""

    root: str
    files: dict[str, FileInfo] = field(default_factory=dict)
    folders: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)  # names, sub-folders


class RemoteStat:
    """The part of `os.stat_result` the readers use, for a remote object or folder."""

    def __init__(self, info: FileInfo | None) -> None:
        self.st_size = info.size if info else 0
        self.st_mtime = info.mtime if info else 0.0
        self.st_mtime_ns = int(self.st_mtime * 1e9)
        self.st_mode = stat_module.S_IFREG | 0o444 if info else stat_module.S_IFDIR | 0o555
        self.etag = info.etag if info else ""


class RemoteEntry:
    """The part of `os.DirEntry` the readers use."""

    def __init__(self, folder: str, name: str, is_folder: bool) -> None:
        self.name = name
        self.path = f"{folder}/{name}"
        self._is_folder = is_folder

    def is_dir(self, follow_symlinks: bool = True) -> bool:
        return self._is_folder

    def is_file(self, follow_symlinks: bool = True) -> bool:
        return not self._is_folder

    def is_symlink(self) -> bool:
        return False

    def stat(self, follow_symlinks: bool = True) -> RemoteStat:
        return stat(self.path)


_trees: dict[str, RemoteTree] = {}
_trees_lock = threading.Lock()
_prefetch = threading.local()
_gone = threading.local()  # objects found missing by this thread's reads (`noting_gone`)
_last_answer = [time.monotonic()]  # when the storage server last answered a request of this process


def answered() -> None:
    """Note that the storage server answered now (with an object, or with why not)."""
    _last_answer[0] = time.monotonic()


def stopped_answering() -> bool:
    """Tell whether no storage server answered for `STALL_SECONDS`."""
    return time.monotonic() - _last_answer[0] > STALL_SECONDS


def _answered_unless_unanswered(error: BaseException) -> None:
    """Note an answer when a request failed for another reason than a server that did not answer."""
    if type(error).__name__ not in _UNANSWERED and not isinstance(error, TimeoutError):
        answered()


# ----------------------------------------------------------------------------------- listing
def list_tree(url: str) -> RemoteTree:
    """List everything under a remote root (in parallel), keep it for the walk and the readers, and
    return it; raise SpecError, in one line naming the fix, when it cannot be listed."""
    root = normalize(url)
    scheme, _, after = root.partition("://")
    # s3://KEY:SECRET@bucket: fsspec reads no credentials there (an ssh:// user@host is its host)
    if scheme.lower() in _BUCKET_SCHEMES and "@" in after.split("/", 1)[0]:
        raise SpecError(
            f"{display_location(root)}: an object-storage URL holds no credentials; give the bucket alone "
            f"({scheme}://{after.split('@', 1)[1]}) and the credentials as the cloud's tools read them "
            "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, GOOGLE_APPLICATION_CREDENTIALS)"
        )
    fs, path = filesystem(root)
    with _explained(root):
        fs.invalidate_cache(path)
        if fs.isfile(path):
            entries = {path: fs.info(path)}
        else:
            entries = _list_all(fs, path)
            if not entries and not fs.exists(path):
                raise FileNotFoundError(root)
    tree = RemoteTree(root)
    prefix_length = len(path.rstrip("/"))
    for name, info in entries.items():
        if info.get("type") != "file" or name.endswith("/"):
            continue  # folder markers some tools write
        tree.files[root + name[prefix_length:]] = _file_info(info)
    _fill_folders(tree)
    with _trees_lock:
        _trees[root] = tree
    answered()
    return tree


def _list_all(fs: Any, path: str) -> dict[str, Mapping[str, Any]]:
    """Return {path: info} of every object under `path`: the first level, then each part of the
    tree below it listed by its own thread."""
    top = fs.ls(path, detail=True)
    found: dict[str, Mapping[str, Any]] = {entry["name"]: entry for entry in top if entry["type"] == "file"}
    folders = sorted(entry["name"] for entry in top if entry["type"] == "directory")
    if not folders:
        return found
    jobs: list[Callable[[], dict[str, Any]]]
    if len(folders) > LISTING_THREADS and _lists_by_prefix(fs):
        # many small folders: a few listings of key ranges beat one request per folder
        names = [folder.rsplit("/", 1)[-1] for folder in folders]
        jobs = [_find_job(fs, path, prefix) for prefix in name_prefixes(names, LISTING_THREADS)]
    else:
        jobs = [_find_job(fs, folder, None) for folder in folders]
    with ThreadPoolExecutor(min(LISTING_THREADS, len(jobs))) as pool:
        for listed in pool.map(lambda job: job(), jobs):
            found.update(listed)
    return found


def _find_job(fs: Any, path: str, prefix: str | None) -> Callable[[], dict[str, Any]]:
    if prefix is None:
        return lambda: fs.find(path, detail=True)
    return lambda: fs.find(path, detail=True, prefix=prefix)


def _lists_by_prefix(fs: Any) -> bool:
    """Tell whether a file system lists a key range in one request (S3 and GCS: `find(prefix=)`)."""
    import inspect

    try:
        return "prefix" in inspect.signature(fs.find).parameters
    except (TypeError, ValueError):
        return False


def name_prefixes(names: list[str], wanted: int) -> list[str]:
    """Return name prefixes that together cover every name, about `wanted` of them (fewer when the
    names do not split further); one listing per prefix lists every folder once or more, never none."""
    length = 1
    longest = max(len(name) for name in names)
    prefixes = sorted({name[:length] for name in names})
    while len(prefixes) < wanted and length < longest:
        length += 1
        finer = sorted({name[:length] for name in names})
        if len(finer) > wanted * 4:
            break
        prefixes = finer
    return prefixes


def _fill_folders(tree: RemoteTree) -> None:
    """Build every folder's lists of files and sub-folders from the objects' paths."""
    folders: dict[str, tuple[set[str], set[str]]] = {tree.root: (set(), set())}
    for path in tree.files:
        parent, name = path.rsplit("/", 1)
        folders.setdefault(parent, (set(), set()))[0].add(name)
        while len(parent) > len(tree.root) and parent.startswith(tree.root):
            grand, sub = parent.rsplit("/", 1)
            entry = folders.setdefault(grand, (set(), set()))
            if sub in entry[1]:
                break
            entry[1].add(sub)
            parent = grand
    tree.folders = {path: (sorted(files), sorted(dirs)) for path, (files, dirs) in folders.items()}


def walk_remote_folders(
    root: str, descend: Callable[[Folder], bool], max_depth: int | None = None
) -> Iterator[Folder]:
    """Yield the folders of a listed remote root top-down, sorted, as `walk_folders` does locally
    (object storage has no links: every folder is reached once)."""
    tree = _tree_of(root) or list_tree(root)
    stack = [(normalize(root), 0)]
    while stack:
        path, depth = stack.pop()
        listed = tree.folders.get(path)
        if listed is None:
            continue
        names, dirs = listed
        folder = Folder(path=path, files=frozenset(names), dirs=tuple(dirs))
        deeper = descend(folder)
        yield folder
        if deeper and (max_depth is None or depth < max_depth):
            stack.extend(
                (f"{path}/{name}", depth + 1) for name in reversed(dirs) if not skipped(folder, name)
            )


# ----------------------------------------------------------------------------------- the seam's answers
def exists(path: str) -> bool:
    return isfile(path) or isdir(path)


def isfile(path: str) -> bool:
    tree = _tree_of(path)
    if tree is not None:
        return path in tree.files
    fs, stripped = filesystem(path)
    with contextlib.suppress(OSError):
        return bool(fs.isfile(stripped))
    return False


def isdir(path: str) -> bool:
    tree = _tree_of(path)
    if tree is not None:
        return normalize(path) in tree.folders
    fs, stripped = filesystem(path)
    with contextlib.suppress(OSError):
        return bool(fs.isdir(stripped))
    return False


class RemoteScandir:
    """What `os.scandir` returns, for a listed remote folder: an iterator and a context manager."""

    def __init__(self, entries: list[RemoteEntry]) -> None:
        self._entries = iter(entries)

    def __iter__(self) -> Iterator[RemoteEntry]:
        return self._entries

    def __next__(self) -> RemoteEntry:
        return next(self._entries)

    def __enter__(self) -> RemoteScandir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._entries = iter(())


def scandir(path: str) -> RemoteScandir:
    folder = normalize(path)
    tree = _tree_of(folder)
    if tree is None:
        tree = list_tree(folder)
    listed = tree.folders.get(folder)
    if listed is None:
        raise FileNotFoundError(errno.ENOENT, "no such folder", folder)
    names, dirs = listed
    entries = [RemoteEntry(folder, name, True) for name in dirs]
    return RemoteScandir(entries + [RemoteEntry(folder, name, False) for name in names])


def stat(path: str) -> RemoteStat:
    tree = _tree_of(path)
    if tree is not None:
        if path in tree.files:
            return RemoteStat(tree.files[path])
        if normalize(path) in tree.folders:
            return RemoteStat(None)
        raise FileNotFoundError(errno.ENOENT, "no such object", path)
    return RemoteStat(_info(path))


def version(path: str) -> str:
    tree = _tree_of(path)
    if tree is not None:
        info = tree.files.get(path)
        if info is None:
            raise FileNotFoundError(errno.ENOENT, "no such object", path)
        return info.version()
    return _info(path).version()


def read_bytes(path: str) -> bytes:
    """Return an object's bytes: from this source's prefetch when there is one, else fetched now."""
    cached = getattr(_prefetch, "data", None)
    if cached is not None and path in cached:
        return bytes(cached[path])
    fs, stripped = filesystem(path)
    try:
        data = bytes(fs.cat_file(stripped))
    except FileNotFoundError as error:
        answered()
        noted = getattr(_gone, "paths", None)
        if noted is not None:
            noted.add(path)
        raise FileNotFoundError(errno.ENOENT, "no such object", path) from error
    except Exception as error:  # the provider's own errors (access denied, throttling…) as OSError
        _answered_unless_unanswered(error)
        raise OSError(errno.EIO, f"cannot be fetched: {type(error).__name__}: {error}", path) from error
    answered()
    return data


def open_binary(path: str) -> IO[bytes]:
    """Open an object for reading: a small one from memory, one larger than the prefetch cap (a 10 GB
    metrics.jsonl) streamed a block at a time, never held whole."""
    cached = getattr(_prefetch, "data", None)
    if (cached is None or path not in cached) and not _small(path):
        fs, stripped = filesystem(path)
        try:
            opened = fs.open(stripped, "rb")
        except FileNotFoundError as error:
            answered()
            noted = getattr(_gone, "paths", None)
            if noted is not None:
                noted.add(path)
            raise FileNotFoundError(errno.ENOENT, "no such object", path) from error
        except Exception as error:
            _answered_unless_unanswered(error)
            raise OSError(errno.EIO, f"cannot be fetched: {type(error).__name__}: {error}", path) from error
        answered()
        return opened
    return io.BytesIO(read_bytes(path))


@contextlib.contextmanager
def local_copy(path: str) -> Iterator[str]:
    """Yield a temporary local copy of a remote file (and of its `-wal` beside it)."""
    folder = tempfile.mkdtemp(prefix="resultsbook-remote-")
    try:
        local = os.path.join(folder, path.rsplit("/", 1)[-1])
        with open(local, "wb") as handle:
            handle.write(read_bytes(path))
        if exists(f"{path}-wal"):
            with open(f"{local}-wal", "wb") as handle:
                handle.write(read_bytes(f"{path}-wal"))
        yield local
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def prefetched(paths: Iterable[str]) -> Iterator[None]:
    """Fetch a source's remote files in one concurrent request and serve `read_bytes` from them for
    this thread until the block ends (a source's files are then read with no further round trip)."""
    wanted = [path for path in paths if is_url(path) and _small(path)]
    if not wanted:
        yield
        return
    fs, _ = filesystem(wanted[0])
    stripped = {fs._strip_protocol(path): path for path in wanted}
    try:
        fetched = fs.cat(list(stripped), on_error="omit")
    except Exception:  # a failed prefetch is not an error: each file is fetched (and reported) when read
        fetched = {}
    if fetched:
        answered()
    _prefetch.data = {stripped[key]: value for key, value in fetched.items() if key in stripped}
    try:
        yield
    finally:
        _prefetch.data = None


@contextlib.contextmanager
def noting_gone() -> Iterator[set[str]]:
    """Yield the set of the objects this thread's reads find missing until the block ends (deleted
    since the listing)."""
    _gone.paths = set()
    try:
        yield _gone.paths
    finally:
        _gone.paths = None


def _small(path: str) -> bool:
    tree = _tree_of(path)
    info = tree.files.get(path) if tree is not None else None
    return info is None or info.size <= PREFETCH_MAX_BYTES


# ----------------------------------------------------------------------------------- fsspec
def filesystem(url: str) -> tuple[Any, str]:
    """Return the fsspec file system of a URL and the path within it; one line on what to install."""
    scheme = url.split("://", 1)[0].lower()
    if scheme == "sqlite":  # MLFLOW_TRACKING_URI's form of an mlflow.db, given as it is
        path = url.split("://", 1)[1][1:] or "mlflow.db"
        message = f"{url} is MLflow's name for the file {path}"
        raise SpecError(f"{message}: collect it (`{command('collect', path)}`)")
    if scheme in ("postgresql", "postgres"):  # a store's URL given as the runs to collect
        shown = display_location(url)
        raise SpecError(
            f"{shown} is a database, not a folder of runs: to collect into it as the store, give it as "
            f"{option('db', shown)}; to read MLflow runs kept in it, collect mlflow+{pasteable_store(shown)}"
            f"{password_left_out(shown)}"
        )
    extra = EXTRAS.get(scheme)
    install = f"pip install 'resultsbook[{extra}]'" if extra else "install the fsspec driver of that protocol"
    try:
        import fsspec
    except ImportError as error:
        raise SpecError(f"reading {scheme}:// needs fsspec; {install}") from error
    try:
        fs, path = fsspec.core.url_to_fs(url, **_bounded_waits(scheme))
    except ImportError as error:
        raise SpecError(f"reading {scheme}:// needs its fsspec driver; {install}") from error
    except ValueError as error:
        raise SpecError(f"{scheme}:// is not a protocol fsspec knows ({error}); check the URL") from error
    if EXTRAS.get(scheme) == "s3":
        fs.retries = min(fs.retries, S3_ATTEMPTS)
    return fs, path


def _bounded_waits(scheme: str) -> dict[str, Any]:
    """Return the options that keep a server that never answers from holding a collect for minutes.

    botocore retries a timed-out request 4 times inside each of s3fs's 5 attempts: 25 waits of 15 s
    for one request, and a listing makes two. Here each request is tried `S3_ATTEMPTS` times by s3fs
    (which also waits out throttling), once each by botocore: about a minute in all before the one-line
    error. The user's own fsspec configuration of these keys wins."""
    if EXTRAS.get(scheme) != "s3":
        return {}
    import fsspec.config

    configured = fsspec.config.conf.get(scheme, {}).get("config_kwargs", {})
    return {"config_kwargs": {**S3_WAITS, **configured}}


@contextlib.contextmanager
def _explained(url: str) -> Iterator[None]:
    """Turn what a provider raises while listing into one line that says what to check."""
    where = CREDENTIALS.get(EXTRAS.get(url.split("://", 1)[0].lower(), ""))
    hint = f"; credentials come from {where}" if where else ""
    try:
        yield
    except SpecError:
        raise
    except FileNotFoundError as error:
        raise SpecError(f"{url} does not exist ({_what_is_missing(url)}); check the URL") from error
    except PermissionError as error:
        raise SpecError(f"{url} cannot be listed (access denied){hint}") from error
    except Exception as error:
        name = type(error).__name__
        first = first_line(error)
        if name in _UNANSWERED:  # not a matter of credentials: the server is away or the endpoint wrong
            hint = f"; the storage server did not answer{unanswered_hint(url)}"
        web = web_address_hint(url)
        hint += f"; {web}" if web else ""
        raise SpecError(f"{url} cannot be listed ({name}: {first}){hint}") from error


def unanswered_hint(url: str) -> str:
    """Return what to check when the storage server of a URL does not answer."""
    hint = ": check that it is up"
    if EXTRAS.get(url.split("://", 1)[0].lower()) == "s3":
        hint += " and the endpoint (AWS_ENDPOINT_URL for an S3-compatible server)"
    return hint


def listed_root(path: str) -> str:
    """Return the remote root whose listing holds a path (the path itself when none does)."""
    tree = _tree_of(path)
    return tree.root if tree is not None else path


def _what_is_missing(url: str) -> str:
    """Say whether a URL's bucket is missing, or only the prefix in it (with the one it likely meant)."""
    from resultsbook.errors import closest

    scheme, _, rest = url.partition("://")
    bucket, _, prefix = rest.partition("/")
    try:
        fs, _ = filesystem(f"{scheme}://{bucket}")
        if not fs.exists(bucket):
            return f"there is no bucket {bucket!r}{_bucket_meant(fs, url, bucket)}"
        if not prefix:
            return "nothing is stored in it"
        parts = prefix.strip("/").split("/")
        for depth in range(len(parts) - 1, -1, -1):  # the deepest folder there is names the missing part
            parent, name = "/".join(parts[:depth]), parts[depth]
            with contextlib.suppress(FileNotFoundError):
                listed = fs.ls(f"{bucket}/{parent}".rstrip("/"), detail=False)
                break
        else:
            return "nothing is stored under it"
    except Exception:  # a provider that cannot tell: say what is sure
        return "nothing is stored under it"
    names = [entry.rstrip("/").rsplit("/", 1)[-1] for entry in listed[:1000]]
    meant = closest(name, names)
    where = f"{bucket}/{parent}" if parent else bucket
    guess = f"; did you mean {scheme}://{where}/{meant}?" if meant else ""
    return f"nothing is stored under {name!r} in {scheme}://{where}{guess}"


def _bucket_meant(fs: Any, url: str, bucket: str) -> str:
    """Return "; did you mean URL?" with the bucket likely meant, among those these credentials may list."""
    from resultsbook.errors import closest

    try:
        buckets = [entry.rstrip("/") for entry in fs.ls("", detail=False, refresh=True)[:1000]]
    except Exception:  # credentials that may not list buckets: say what is sure
        return ""
    meant = closest(bucket, buckets)
    scheme, _, rest = url.partition("://")
    return f"; did you mean {scheme}://{meant}{rest[len(bucket) :]}?" if meant else ""


def web_address_hint(url: str) -> str:
    """Return how to read an MLflow tracking server when `url` is a web address (the form of
    MLFLOW_TRACKING_URI, which a user may give as it is); empty for any other URL."""
    if not url.lower().startswith(("http://", "https://")):
        return ""
    return f"an MLflow tracking server is collected as 'mlflow+{url}'"


def _tree_of(path: str) -> RemoteTree | None:
    """Return the listing that holds a path, when a collect listed its root."""
    with _trees_lock:
        trees = list(_trees.values())
    best = None
    for tree in trees:
        if (path == tree.root or path.startswith(tree.root + "/")) and (
            best is None or len(tree.root) > len(best.root)
        ):
            best = tree
    return best


def _info(path: str) -> FileInfo:
    fs, stripped = filesystem(path)
    try:
        info = fs.info(stripped)
    except FileNotFoundError as error:
        raise FileNotFoundError(errno.ENOENT, "no such object", path) from error
    except Exception as error:
        raise OSError(errno.EIO, f"cannot be looked at: {type(error).__name__}: {error}", path) from error
    if info.get("type") != "file":
        raise IsADirectoryError(path)
    return _file_info(info)


def _file_info(info: Mapping[str, Any]) -> FileInfo:
    """Return size, modification time and ETag (or what the provider has instead) of a listing entry."""
    size = int(info.get("size") or info.get("Size") or 0)
    etag = next((str(info[key]).strip('"') for key in _ETAG_KEYS if info.get(key)), "")
    return FileInfo(size, _timestamp(next((info[k] for k in _MTIME_KEYS if info.get(k)), None)), etag)


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return 0.0
