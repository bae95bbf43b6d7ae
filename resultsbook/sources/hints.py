"""What a folder holds, looked at only to explain an empty collect: the log files no adapter claimed."""

from __future__ import annotations

import csv
import fnmatch
import itertools
import os
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence

from resultsbook.sources.settings_names import is_settings_name, settings_file_among

LOG_SUFFIXES = (
    ".csv",
    ".tsv",
    ".txt",
    ".json",
    ".jsonl",
    ".ndjson",
    ".yaml",
    ".yml",
    ".npy",
    ".npz",
)  # --pattern reads them
# arrays and pickles no adapter reads as they are
DATA_SUFFIXES = (
    ".pkl",
    ".pickle",
    ".pt",
    ".pth",
    ".h5",
    ".hdf5",
    ".mat",
    ".parquet",
    ".feather",
)
DATABASE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
# compressed logs no adapter reads, and the command that decompresses one beside itself
COMPRESSORS = {".gz": "gunzip -k", ".bz2": "bunzip2 -k", ".xz": "unxz -k"}
_MOST_ENTRIES = 5000  # a bounded look: an empty collect of a huge tree must still answer at once
_SKIP = {"resultsbook.db", "resultsbook.toml", "resultsbook.lock"}
_PEEK_BYTES = 64 * 1024  # how much of a CSV the hint reads to tell a file of many runs
_DIGITS = re.compile(r"\d+")
_MOST_NAME_PARTS = 6  # more parts than this in a file name are no settings a pattern should name
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
CONSOLE_LOG = "log.txt"  # what a logger printed (OpenAI Baselines' logger.configure writes it): no table


def log_file_paths(root: str, name: str) -> list[str]:
    """Return the paths, relative to root and '/'-separated, of the files named `name` (or matching
    it: `*.stats.json`) a bounded look saw."""
    seen = _look(root).paths
    named = (
        seen.get(name, [])
        if "*" not in name
        else (p for n, ps in seen.items() if fnmatch.fnmatchcase(n, name) for p in ps)
    )
    return [path.replace(os.sep, "/") for path in named]


def common_log_file(root: str) -> tuple[str, str, str] | None:
    """Return the most common log file name under a local folder (a log of metrics seen more than once
    before settings such as config.json or args.yaml, however many; then by count, metrics before
    settings, a name that says results before others, then the shallowest), how many there
    are ("at least N" when the look stopped early) and the path of one of them relative to root; None
    when there is none. Files that each have a name of their own (one CSV per metric) are named by their
    suffix: `*.csv`; files numbered in each folder (`data_0.npz` … `data_29.npz`, one per seed) by their
    name with a `*` for the number."""
    looked = _look(root)
    counts, examples = looked.names, looked.examples
    if not counts:
        return None
    from resultsbook.sources.fields import is_results_file  # only to explain
    from resultsbook.sources.raytune import is_trial_folder
    from resultsbook.sources.speechbrain import TRAIN_LOG

    def rank(key: str) -> tuple[bool, int, bool, bool, bool, bool, bool, int]:
        # beside as many params.json, predictions.json, label_mapping.json: pred_metrics.json; a Ray
        # Tune trial's result.json (a result a line) no adapter reads, its progress.csv the csv adapter does
        trial = key == "result.json" and is_trial_folder(os.path.join(root, os.path.dirname(examples[key])))
        # a log of metrics in several folders before more settings files: timm's args.yaml is written
        # when a run starts, its summary.csv after the first epoch, so runs that died early leave more
        # SpeechBrain's train_log.txt (its epochs) before the log.txt beside it (Python's logging of the run);
        # OpenAI Baselines' progress.csv before the log.txt its logger writes beside it (the console's text)
        return (
            counts[key] > 1 and not is_settings_name(key),
            counts[key],
            key == TRAIN_LOG,
            key != CONSOLE_LOG,
            not is_settings_name(key),
            not trial,
            is_results_file(key),
            -examples[key].count(os.sep),
        )

    name = max(counts, key=rank)
    suffix = os.path.splitext(name)[1].lower()
    example = examples[name].replace(os.sep, "/")
    if counts[name] == 1 and looked.suffixes[suffix] > 1:
        # among files each named once, a family numbered alike (`seed_0.json` … `seed_4.json` beside a
        # `seed_sweep_summary.json`, a `freeze.json`) is the runs, the others what was made of them
        found = numbered_family(counts)
        if found is not None and found[0].lower().endswith(suffix):
            glob, size, first = found
            return glob, looked.counted(size), examples[first].replace(os.sep, "/")
        return f"*{suffix}", looked.counted(looked.suffixes[suffix]), example
    glob = _DIGITS.sub("*", name)
    numbered = [other for other in counts if _DIGITS.sub("*", other) == glob]
    if len(numbered) > 1:
        return glob, looked.counted(sum(counts[other] for other in numbered)), example
    return name, looked.counted(counts[name]), example


def numbered_family(names: Iterable[str]) -> tuple[str, int, str] | None:
    """Return the largest family of file names numbered alike (`seed_0.json` … `seed_4.json` beside a
    `seed_sweep_summary.json`, a `freeze.json`: the runs, the others what was made of them) as its glob,
    how many names it has and the first of them; families one word apart are one (`summary_unet_s*.json`,
    `summary_fpn_s*.json`: one per model, or a pattern would read one model's runs and leave the others
    without a word). None when no two names are numbered alike."""
    names = [name for name in names if _DIGITS.search(name)]
    families = Counter(_DIGITS.sub("*", name) for name in names)
    family, size = max(families.items(), key=lambda item: (item[1], item[0]), default=("", 0))
    if size < 2:
        return None
    first = min((name for name in names if _DIGITS.sub("*", name) == family), key=lambda n: (len(n), n))
    apart = {other: _word_apart(other, family) for other, n in families.items() if n > 1}
    word = min((i for i in apart.values() if i is not None), default=None)
    if word is None:
        return family, size, first
    glob = "_".join("*" if i == word else part for i, part in enumerate(family.split("_")))
    return glob, size + sum(families[other] for other, i in apart.items() if i == word), first


def _word_apart(name: str, other: str) -> int | None:
    """Return the one `_`-separated word two file names differ in, not the last (the suffix's): 1 for
    `summary_fpn_s*.json` and `summary_unet_s*.json`, a word for the model; None when they differ else."""
    words, others = name.split("_"), other.split("_")
    apart = [i for i, (a, b) in enumerate(zip(words, others)) if a != b]
    return apart[0] if len(words) == len(others) and len(apart) == 1 and apart[0] < len(words) - 1 else None


def _numbered_alike(numbered: str, glob: str) -> bool:
    """Tell whether a name with its numbers starred is of a family: the family's glob itself, or one
    of the families it joins word for word (`summary_unet_s*.json` of `summary_*_s*.json`)."""
    alike = numbered.count("_") == glob.count("_") and fnmatch.fnmatchcase(numbered, glob)
    return numbered == glob or alike


def numbered_only(root: str, name: str) -> str:
    """Return the glob `**/NAME` that reads the files of a numbered family (`seed_*.json`), or, when it
    would match a file beside them not numbered so (`seed_sweep_summary.json`, a summary of the seeds),
    the pattern that matches the numbered ones alone: `**/seed_{_:[0-9]+}.json`."""
    if "*" in name[1:] and any(
        fnmatch.fnmatchcase(other, name) and not _numbered_alike(_DIGITS.sub("*", other), name)
        for other in _look(root).names
    ):
        return "**/" + name.replace("*", "{_:[0-9]+}")  # no backslash a shell or repr() would double
    return f"**/{name}"


def settings_beside(root: str, example: str) -> str | None:
    """Return the name of a settings file (parameters.json, config.yaml) in the folder of a log found
    under a local root (`example`, relative to it), for `-o config` to read beside each log; None if none."""
    try:
        names = sorted(os.listdir(os.path.join(root, os.path.dirname(example))))
    except OSError:
        return None
    return settings_file_among(names)


def compressed_log(path: str) -> tuple[str, str] | None:
    """Return the name a compressed log file (`scores.json.gz`, DreamerV3's published scores) has once
    decompressed and the command that does it, keeping the original; None for any other file."""
    stem, suffix = os.path.splitext(path)
    command = COMPRESSORS.get(suffix.lower())
    if command is None or os.path.splitext(stem)[1].lower() not in LOG_SUFFIXES:
        return None
    return stem, command


def compressed_logs(root: str) -> tuple[str, str, str] | None:
    """Return the most common suffix (`.json.gz`) of the compressed log files under a local folder, how
    many there are and the path of one relative to root; None when it holds none."""
    looked = _look(root)
    if not looked.compressed:
        return None
    suffix = max(looked.compressed, key=lambda key: looked.compressed[key])
    example = looked.compressed_examples[suffix].replace(os.sep, "/")
    return suffix, looked.counted(looked.compressed[suffix]), example


def unread_data_file(root: str) -> tuple[str, str, str] | None:
    """Return the most common suffix of the data files under a local folder that no adapter reads
    (`.npy` curves, pickles), how many there are and the path of one relative to root; None if none."""
    looked = _look(root)
    if not looked.data:
        return None
    suffix = max(looked.data, key=lambda key: looked.data[key])
    return suffix, looked.counted(looked.data[suffix]), looked.data_examples[suffix].replace(os.sep, "/")


class _Look:
    """What a bounded walk of a folder saw: log files by name and suffix, data files by suffix."""

    def __init__(self) -> None:
        self.names: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.paths: dict[str, list[str]] = {}
        self.suffixes: Counter[str] = Counter()
        self.data: Counter[str] = Counter()
        self.data_examples: dict[str, str] = {}
        self.compressed: Counter[str] = Counter()  # compressed logs by their two suffixes (`.json.gz`)
        self.compressed_examples: dict[str, str] = {}
        self.logs: list[str] = []  # `.log` files: text logs, or Keras CSVLogger files named so
        self.outs: list[str] = []  # `.out` files: a SLURM job's output, nohup.out
        self.databases: list[str] = []  # SQLite files (`.db`, `.sqlite`): an Optuna storage of any name
        self.archives: list[str] = []  # `.zip` files: a Comet offline archive renamed
        self.stopped = False

    def counted(self, count: int) -> str:
        """Say a count, as "at least N" when the walk stopped early."""
        return f"at least {count}" if self.stopped else str(count)


def _look(root: str) -> _Look:
    looked = _Look()
    seen = 0
    for folder, folders, files in os.walk(root):
        folders.sort()
        folders[:] = [name for name in folders if not name.startswith(".")]
        seen += 1 + len(files)  # folders count too: a tree of empty folders is bounded as well
        for name in sorted(files):
            suffix = os.path.splitext(name)[1].lower()
            relative = os.path.relpath(os.path.join(folder, name), root)
            if suffix in LOG_SUFFIXES and name not in _SKIP:
                looked.names[name] += 1
                looked.suffixes[suffix] += 1
                looked.examples.setdefault(name, relative)
                looked.paths.setdefault(name, []).append(relative)
            elif suffix in DATA_SUFFIXES:
                looked.data[suffix] += 1
                looked.data_examples.setdefault(suffix, relative)
            elif suffix == ".log":
                looked.logs.append(relative)
            elif suffix == ".out":
                looked.outs.append(relative)
            elif compressed_log(name) is not None:
                both = os.path.splitext(os.path.splitext(name)[0])[1].lower() + suffix
                looked.compressed[both] += 1
                looked.compressed_examples.setdefault(both, relative)
            elif suffix in DATABASE_SUFFIXES and name not in _SKIP:
                looked.databases.append(relative)
            elif suffix == ".zip":
                looked.archives.append(relative)
        if seen >= _MOST_ENTRIES:
            looked.stopped = True
            break
    return looked


def keras_logs(root: str) -> tuple[str, str] | None:
    """Return how many `.log` files a local folder holds and one of them (relative to root), when that
    one is a Keras CSVLogger file (`training_logs191017(2).log`), which no adapter claims by such a
    name; None otherwise."""
    from resultsbook.adapters.keras_csv import starts_as_csvlogger  # only to explain

    logs = _look(root).logs
    if not logs or not starts_as_csvlogger(os.path.join(root, logs[0])):
        return None
    return str(len(logs)), logs[0].replace(os.sep, "/")


_MOST_FILE_PEEKS = (
    5  # files of one kind looked into (Optuna's, Comet's, fairseq's): an empty collect answers at once
)


def _first_such(
    looked: _Look, paths: list[str], root: str, such: Callable[[str], bool]
) -> tuple[str, str] | None:
    """Return how many `paths` (relative to root) there are and the first of the few looked into that
    is `such` a file (given its full path); None when none of those is."""
    for relative in paths[:_MOST_FILE_PEEKS]:
        if such(os.path.join(root, relative)):
            return looked.counted(len(paths)), relative.replace(os.sep, "/")
    return None


def optuna_storages(root: str) -> tuple[str, str, str] | None:
    """Return how many SQLite (or `.log`) files a local folder holds, the first of them (relative to
    root) that is an Optuna storage (Optuna's tables in it, or its journal's operations) and which of the
    two kinds they are, looking into a few of each; None when none of those is one."""
    from resultsbook.adapters.optuna_studies import is_optuna_storage  # only to explain

    looked = _look(root)
    for kind, paths in (("SQLite", looked.databases), (".log", looked.logs)):
        found = _first_such(looked, paths, root, is_optuna_storage)
        if found is not None:
            return *found, kind
    return None


def comet_archives(root: str) -> tuple[str, str] | None:
    """Return how many `.zip` files a local folder holds and the first of them (relative to root) that
    is a Comet offline archive under a name that is no experiment key (renamed), looking into a few;
    None when none of those is one."""
    from resultsbook.adapters.comet import is_comet_archive  # only to explain

    looked = _look(root)
    return _first_such(looked, looked.archives, root, is_comet_archive)


def comet_scratch(root: str) -> tuple[str, str] | None:
    """Return how many messages.json files a local folder holds and the first of them (relative to root)
    that is Comet's (the scratch folder a run killed before `end()` left), looking into a few; None
    when none of those is."""
    from resultsbook.adapters.comet import starts_as_comet_messages  # only to explain
    from resultsbook.sources.fileio import iter_file_chunks

    def starts_as_messages(path: str) -> bool:
        try:  # a FIFO in its place is refused, never opened
            return starts_as_comet_messages(next(iter_file_chunks(path, 4096), b""))
        except OSError:
            return False

    looked = _look(root)
    return _first_such(looked, looked.paths.get("messages.json", []), root, starts_as_messages)


def fairseq_logs(root: str) -> tuple[str, str] | None:
    """Return how many `.log` files a local folder holds and the first of them (relative to root) whose
    first bytes hold fairseq-train's lines (a preprocess.log may come first), looking into a few; None
    when none of those is one."""
    from resultsbook.adapters.fairseq import starts_as_fairseq_log  # only to explain

    looked = _look(root)
    return _first_such(looked, looked.logs, root, starts_as_fairseq_log)


def text_logs(root: str) -> tuple[str, str, str, str] | None:
    """Return the suffix (`.log` or `.out`) of the text logs a local folder holds, how many, the first
    of the few looked into that prints numbers under keys (`loss: 0.31`) and its first such line; None
    when none of those does."""
    from resultsbook.adapters.textlog import first_line_of_numbers  # only to explain

    lines: dict[str, str] = {}  # the line each file looked into prints numbers on: each read once

    def prints_numbers(path: str) -> bool:
        lines[path] = first_line_of_numbers(path) or ""
        return bool(lines[path])

    looked = _look(root)
    for suffix, paths in ((".log", looked.logs), (".out", looked.outs)):
        found = _first_such(looked, paths, root, prints_numbers)
        if found is not None:
            return suffix, *found, lines[os.path.join(root, found[1])]
    return None


def rsl_rl_settings(root: str) -> tuple[str, str] | None:
    """Return how many `params/agent.yaml` a local folder holds and one of them (relative to root): the
    settings Isaac Lab's and legged_gym's RSL-RL training write beside their event files, which the
    tensorboard adapter reads with them; seen by an empty collect, their event files were not kept."""
    looked = _look(root)
    found = [
        path
        for path in looked.paths.get("agent.yaml", [])
        if os.path.basename(os.path.dirname(path)) == "params"
    ]
    if not found:
        return None
    return looked.counted(len(found)), found[0].replace(os.sep, "/")


AIM_METADATA = "run_metadata.sqlite"  # in every Aim 3 repository (`.aim/`), beside its RocksDB folders


def aim_repository(root: str) -> str | None:
    """Return the Aim repository a folder is or holds (`.aim`, or `<folder>/.aim` of one of its first
    folders; relative to root, "" for root itself), which no adapter reads; None when there is none."""
    candidates = ["", ".aim"]
    try:
        with os.scandir(root) as entries:
            folders = sorted(entry.name for entry in itertools.islice(entries, 1000) if entry.is_dir())
    except OSError:
        folders = []
    candidates += [os.path.join(name, ".aim") for name in folders]
    return next((path for path in candidates if os.path.isfile(os.path.join(root, path, AIM_METADATA))), None)


def guild_home(root: str) -> str | None:
    """Return the Guild home a local folder holds in a hidden folder the walk passes over (relative to
    root): a project's `.guild` (GUILD_HOME set there) or a virtualenv's `<venv>/.guild`, with runs/ in
    it; None when there is none."""
    candidates = [".guild"]
    try:
        with os.scandir(root) as entries:
            candidates += sorted(
                os.path.join(entry.name, ".guild")
                for entry in entries
                if entry.is_dir() and os.path.isfile(os.path.join(entry.path, "pyvenv.cfg"))
            )
    except OSError:
        return None
    return next((path for path in candidates if os.path.isdir(os.path.join(root, path, "runs"))), None)


def pattern_for(
    example: str, name: str | None = None, paths: Sequence[str] = (), taken: Collection[str] = ()
) -> str:
    """Return a --pattern that makes each folder of `example` a param: 'a/b/x.csv' -> '{group}/{run}/x.csv'
    with the fields named after their depth ({group}, {run}, ...), or `seed_{seed}` where every one of
    `paths` (all the files, when known) has a folder there named one key and a number, or `{run}_gain={gain}`
    where each names the same settings, or `{date}-{time}-{run}` where each begins with the date and time
    its run started (timm's `{date}-{time}-{model}-{resolution}`); the file part is `name` when given (a
    glob such as `*.csv`), or `data_{data}.npz` for files numbered in each folder (`data_*.npz`). The
    fields are `{level1}`, `{level2}`, ... when `{run}` or `{group}` would name a param of `taken` the runs
    already have (the records adapter's `run`), which the path's value would contradict."""
    from resultsbook.sources.bare import glued_field, numbered_field, settings_field, stamped_field

    parts = example.split("/")
    depth = len(parts) - 1
    names = {1: ["run"], 2: ["group", "run"]}.get(depth) or []
    if not names or set(names) & set(taken):
        names = [f"level{i + 1}" for i in range(depth)]
    split = [path.split("/") for path in paths]
    fields = [f"{{{field}}}" for field in names]
    if split and all(len(each) == depth + 1 for each in split):
        levels = [{each[level] for each in split} for level in range(depth)]
        fields = [
            numbered_field(names)
            or settings_field(names, field[1:-1])
            or glued_field(names)
            or stamped_field(names, field[1:-1])
            or field
            for names, field in zip(levels, fields)
        ]
    stem, suffix = os.path.splitext(parts[-1])
    numbered = numbered_field({stem}) if name and "*" in name[1:] else None
    if numbered is None and name and name.startswith("*") and _named_alike_in_folders(paths):
        # each file a run of its own (`1.stats.json`, `2.stats.json` per folder): its name a param too,
        # or the runs of one folder would look like seeds of one config
        field = f"level{depth + 1}" if "level1" in names or "file" in taken else "file"
        return "/".join([*fields, f"{{{field}}}{name[1:]}"])
    if (
        numbered is None
        and name
        and "*" in name
        and len({path.rpartition("/")[0] for path in paths}) < len(paths)
    ):
        # several runs' files in a folder, told apart by the parts of their names (TD3_Ant-v1_0.npy)
        from resultsbook.sources.bare import fielded_name

        file_names = [path.rpartition("/")[2] for path in paths]
        dated = any(_DATE.search(each) or _UUID.search(each) for each in file_names)  # a stamp, no setting
        fielded = None if dated else fielded_name(file_names, depth + 1)
        if fielded is not None:
            numbered_levels = [
                f"{{level{i + 1}}}" if field == f"{{{names[i]}}}" else field for i, field in enumerate(fields)
            ]
            return "/".join([*numbered_levels, fielded])
    folder = example.rpartition("/")[0]
    if name and not numbered and _all_in(folder, paths, name) and not any(mark in folder for mark in "{}*?["):
        # a field of the folders would hold one value for every run: the file names tell them apart
        field = "level1" if "file" in taken else "file"
        return f"{folder}/{{{field}}}{name[1:]}" if folder else f"{{{field}}}{name[1:]}"
    return "/".join([*fields, f"{numbered}{suffix}" if numbered else name or parts[-1]])


def _all_in(folder: str, paths: Sequence[str], name: str) -> bool:
    """Tell whether several files named each their own way (`name` a glob such as `*.csv`) all lie in
    `folder`."""
    return (
        name.startswith("*") and len(paths) > 1 and all(path.rpartition("/")[0] == folder for path in paths)
    )


def _named_alike_in_folders(paths: Sequence[str]) -> bool:
    """Tell whether some folder holds more than one of these files and their names recur from folder
    to folder (`1.stats.json` … `3.stats.json` in each): a name then says what a run is (a task), not
    which run it is (modded-nanogpt's `<uuid>.txt`, every name its own)."""
    folders = {path.rpartition("/")[0] for path in paths}
    names = Counter(path.rpartition("/")[2] for path in paths)
    return len(folders) < len(paths) and any(count > 1 for count in names.values())


def name_parts_pattern(root: str, example: str) -> str | None:
    """Return a --pattern that makes the parts of the file names beside `example` params, when most
    such names split alike (`cnn-histone-accuracy.csv`, `rnn-splice-roc.csv` give
    `{level1}-{level2}-{level3}.csv`, which leaves out a combined `accuracy.csv` beside them); None when
    they do not, or hold one part."""
    folder, _, file_name = example.rpartition("/")
    suffix = os.path.splitext(file_name)[1]
    paths = [path.replace(os.sep, "/") for paths in _look(root).paths.values() for path in paths]
    stems = [
        os.path.splitext(os.path.basename(path))[0]
        for path in paths
        if os.path.dirname(path) == folder and path.endswith(suffix)
    ]
    # a date or a run's id splits at '-' into no settings (lm-eval's results_2025-01-24T19-02-29.392595.json,
    # modded-nanogpt's records/<record>/<uuid4>.txt)
    stems = [stem for stem in stems if not _DATE.search(stem) and not _UUID.search(stem)]
    # at '-' only: '_' joins the words of one name as often (train_loss.csv, one CSV per metric)
    counts = Counter(len(stem.split("-")) for stem in stems)
    parts, alike = counts.most_common(1)[0] if counts else (0, 0)
    if alike < 2 or 2 * alike < len(stems) or not 1 < parts <= _MOST_NAME_PARTS:
        return None
    fields = "-".join(f"{{level{index + 1}}}" for index in range(parts))
    if any(os.path.dirname(path) != folder for path in paths if path.endswith(suffix)):
        folder = pattern_for(example).rpartition("/")[0]  # one folder's name would read its files alone
    return f"{folder}/{fields}{suffix}" if folder else f"{fields}{suffix}"


def wandb_chart_export(path: str) -> str | None:
    """Return a `<run> - <metric>` column of a CSV whose header is a W&B chart export's, else None."""
    from resultsbook.sources.fileio import iter_file_chunks
    from resultsbook.sources.seed_columns import wandb_chart_column

    try:
        head = next(iter(iter_file_chunks(path, _PEEK_BYTES)), b"")
        header = next(csv.reader([head.decode("utf-8", errors="replace").split("\n", 1)[0]]), [])
    except (OSError, csv.Error):
        return None
    return wandb_chart_column(cell.strip() for cell in header)


_LM_EVAL_HEAD = re.compile(rb'^\s*\{\s*"results"\s*:\s*\{')


def lm_eval_results(path: str) -> bool:
    """Tell whether a .json file begins as an lm-evaluation-harness results file: `{"results": {` of tasks
    holding an `alias` or a `*_stderr` (a bounded look at its head, never the whole file)."""
    from resultsbook.sources.fileio import iter_file_chunks

    if not path.lower().endswith(".json"):
        return False
    try:
        head = next(iter(iter_file_chunks(path, _PEEK_BYTES)), b"")
    except OSError:
        return False
    return bool(_LM_EVAL_HEAD.match(head)) and (b'"alias"' in head or b"_stderr" in head)


_LIGHTEVAL_HEAD = re.compile(rb'^\s*\{\s*"config_general"\s*:\s*\{')


def lighteval_results(path: str) -> bool:
    """Tell whether a .json file begins as a lighteval (Open LLM Leaderboard) results file:
    `{"config_general": {` naming its `model_name` or `lighteval_sha`, and `"results"` (a bounded look at
    its head, never the whole file)."""
    from resultsbook.sources.fileio import iter_file_chunks

    if not path.lower().endswith(".json"):
        return False
    try:
        head = next(iter(iter_file_chunks(path, _PEEK_BYTES)), b"")
    except OSError:
        return False
    named = b'"model_name"' in head or b'"lighteval_sha"' in head
    return bool(_LIGHTEVAL_HEAD.match(head)) and named and b'"results"' in head


_OPENCOMPASS_HEADER = ["dataset", "version", "metric", "mode"]


def opencompass_summary(path: str) -> bool:
    """Tell whether a CSV is OpenCompass's summary_<time>.csv: the header `dataset,version,metric,mode`
    then one column per model (its rows datasets, its cells scores rounded to 2 decimals)."""
    from resultsbook.sources.fileio import iter_file_chunks

    if not path.lower().endswith(".csv"):
        return False
    try:
        head = next(iter(iter_file_chunks(path, _PEEK_BYTES)), b"")
        header = next(csv.reader([head.decode("utf-8", errors="replace").split("\n", 1)[0]]), [])
    except (OSError, csv.Error):
        return False
    cells = [cell.strip() for cell in header]
    return cells[:4] == _OPENCOMPASS_HEADER and len(cells) > 4


def opencompass_pattern(example: str) -> tuple[str, str]:
    """Return the --pattern reading the results/<model>/<dataset>.json of the OpenCompass run folder
    holding `example` (`<work_dir>/<time>/summary/summary_<time>.csv`, '/'-separated, relative to the
    collected root) and that folder's results/ path; its time folder is the param `stamp`."""
    run_dir = posixpath.dirname(posixpath.dirname(example))
    parts = run_dir.split("/") if run_dir else []
    prefix = "/".join([*parts[:-1], "{stamp}"]) + "/" if parts else ""
    return f"{prefix}results/{{model}}/{{dataset}}.json", posixpath.join(run_dir, "results")


def sklearn_cv_results(path: str) -> bool:
    """Tell whether a CSV/TSV's header is that of a scikit-learn `cv_results_` written with pandas."""
    from resultsbook.sources.cv_results import is_cv_results
    from resultsbook.sources.fileio import iter_file_chunks
    from resultsbook.sources.tabular import guess_delimiter

    try:
        head = next(iter(iter_file_chunks(path, _PEEK_BYTES)), b"")
        line = head.decode("utf-8", errors="replace").split("\n", 1)[0]
        header = next(csv.reader([line], delimiter=guess_delimiter(path, line)), [])
    except (OSError, csv.Error):
        return False
    return is_cv_results(cell.strip() for cell in header)


_MOST_PEEKS = 20  # tables looked into for a seed column: an empty collect must still answer at once


def seeded_table(root: str) -> tuple[str, list[str]] | None:
    """Return a CSV/TSV under a local folder (the shallowest first, a few at most) whose rows are runs
    told apart by a seed or run column, as a paper's per_seed_results.csv is, with the columns that say
    so (`many_runs_columns`), its path relative to root and '/'-separated; None when none is."""
    from resultsbook.sources.tabular import RUN_COLUMNS  # only to explain

    looked = _look(root)
    tables = [
        path
        for name, paths in looked.paths.items()
        if name.lower().endswith((".csv", ".tsv"))
        for path in paths
    ]
    tables.sort(key=lambda path: (path.count(os.sep), path))
    for path in tables[:_MOST_PEEKS]:
        columns = many_runs_columns(os.path.join(root, path))
        if any(column.lower() in RUN_COLUMNS for column in columns):
            return path.replace(os.sep, "/"), columns
    return None


def _head_rows(path: str) -> list[list[str]]:
    """Return the rows of the first bytes of a CSV/TSV (its last line left out when it may be cut off)."""
    from resultsbook.sources.tabular import guess_delimiter

    if not os.path.isfile(path):  # a FIFO or a device would never end the read
        return []
    try:
        with open(path, "rb") as handle:
            head = handle.read(_PEEK_BYTES)
        lines = head.decode("utf-8", errors="replace").splitlines()
        if not head.endswith(b"\n"):  # the last line may be cut off
            lines = lines[:-1]
        delimiter = guess_delimiter(path, lines[0] if lines else "")
        return [row for row in csv.reader(lines, delimiter=delimiter) if row]
    except (OSError, csv.Error):
        return []


def rows_a_run(path: str, columns: Sequence[str]) -> bool:
    """Tell whether the first rows of a CSV/TSV hold several rows of one set of `columns`' values (a
    run's curve, a row per step) rather than a row per run: a step column beside them, whose values
    repeat for another set (a sweep's `lr,width,seed,test_acc` repeats its seeds, a row per run)."""
    from resultsbook.adapters.csvlog import usual_step_column  # only to explain

    rows = _head_rows(path)
    if not rows:
        return False
    header = [cell.strip() for cell in rows[0]]
    if usual_step_column(header) is None:
        return False
    at = [header.index(column) for column in columns if column in header]
    body = [tuple(row[i] for i in at) for row in rows[1:] if len(row) == len(header)]
    return len(set(body)) < len(body)


def text_varies(path: str, columns: Sequence[str]) -> bool:
    """Tell whether any of `columns` holds two texts in the first rows of a CSV/TSV."""
    rows = _head_rows(path)
    if not rows:
        return False
    header = [cell.strip() for cell in rows[0]]
    at = [header.index(column) for column in columns if column in header]
    body = [row for row in rows[1:] if len(row) == len(header)]
    return any(len({row[i].strip() for row in body}) > 1 for i in at)


def many_runs_columns(path: str) -> list[str]:
    """Return the columns that make the first rows of a CSV/TSV look like rows of several runs: a
    seed/run column that varies, or text that varies and repeats (env, agent; not a timestamp, which
    never repeats), with the constant text columns beside them; none for a log of one run."""
    from resultsbook.sources.tabular import RUN_COLUMNS
    from resultsbook.sources.textio import to_float

    rows = _head_rows(path)
    if len(rows) < 3:
        return []
    header = [cell.strip() for cell in rows[0]]
    body = [row for row in rows[1:] if len(row) == len(header)]
    varying: list[str] = []
    constant: list[str] = []
    for index, name in enumerate(header):
        cells = [row[index].strip() for row in body]
        distinct = len(set(cells))
        if not name or not cells:
            continue
        if name.lower() in RUN_COLUMNS and distinct > 1:
            varying.append(name)
        elif all(cell and to_float(cell) is None for cell in cells) and distinct < len(cells):
            (varying if distinct > 1 else constant).append(name)
    return [name for name in header if name in varying or name in constant] if varying else []
