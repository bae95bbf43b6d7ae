"""fairseq-train's log: the text `fairseq-train` writes to its stdout (redirected to `train.log`,
`<exp>.log`, `nohup.out`) or to `--log-file`, one line per logging call,
`2024-05-30 16:59:12 | INFO | <logger> | <message>`. The lines read are fairseq's own shapes:

- the configuration, `| INFO | fairseq_cli.train | Namespace(arch='transformer', lr=[0.0005], seed=1, …)`
  (fairseq ≤ 0.10, argparse) or `| INFO | fairseq_cli.train | {'_name': None, 'common': {…, 'seed': 1, …},
  'optimization': {…}, 'model': …}` (fairseq ≥ 0.10.2, the Hydra config): it starts a training;
- the progress lines, whose logger is the tag fairseq printed them under: `train_inner` every
  `--log-interval` updates, `train` (the epoch's average) at the end of each epoch, and one per
  validation, tagged with the validated subset (`valid`), in the `simple` (or `tqdm`) format
  `| INFO | train_inner | epoch 001:    100 / 1132 loss=12.426, …, num_updates=100, …`,
  `| INFO | train | epoch 001 | loss 9.34 | … | num_updates 1000 | …`,
  `| INFO | valid | epoch 001 | valid on 'valid' subset | loss 8.005 | … | num_updates 1000 | best_loss 11`,
  or the `json` format, numbers as strings, the keys of a `train` or validation line prefixed with
  its tag: `| INFO | valid | {"epoch": 1, "valid_loss": "17.953", …, "valid_num_updates": "10"}`;
- `| INFO | fairseq.trainer | loaded checkpoint checkpoints/checkpoint_last.pt (epoch 9 @ 10000
  updates)` (`Loaded` in fairseq ≥ 0.12), which says a training resumed another;
- `| INFO | fairseq_cli.train | done training in 284.1 seconds`, which ends a finished training.

Every curve is stepped by `num_updates` (a validation may come several times an epoch), named
`<tag>_<key>` as fairseq's json format names them (`train_loss`, `valid_loss`, `valid_bleu`,
`valid_best_loss`; `train_inner_loss` for the interval lines). Other lines (the model's printout,
warnings, tqdm bars) are not read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import flatten_params, normalize_value
from resultsbook.sources.fileio import iter_file_chunks, unreadable
from resultsbook.sources.lines import Tally, iter_lines, log_run_name
from resultsbook.sources.pyrepr import printed_config
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import to_float
from resultsbook.voice import option

LOG_SUFFIXES = (".log", ".out")  # what --adapter fairseq reads in a folder: train.log, nohup.out
# `2024-05-30 16:59:12 | INFO | train | …`: fairseq's logging format (fairseq_cli/train.py)
LINE = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \| ([A-Z]+) \| ([^|]+?) \| (.*)")
TRAINER = "fairseq_cli.train"
TRAIN, TRAIN_INNER = "train", "train_inner"
COUNTERS = frozenset({"epoch", "update", "num_updates"})  # counters of the line, not metrics
STEP_KEY = "num_updates"
_INNER = re.compile(r"epoch (\d+):\s+(\d+) / (\d+) (.*)")  # `epoch 001:    100 / 1132 loss=…, …`
_VALID_ON = re.compile(r"valid on '([^']*)' subset")
_LOADED = re.compile(r"(?i:loaded checkpoint) (.+) \(epoch (\d+) @ (\d+) updates\)")
_DONE = "done training in"
_BEFORE_0_10 = re.compile(r"\| epoch \d+(:| \|)")  # fairseq ≤ 0.9: `| epoch 001 | …`, `| epoch 001:  100 / …`
_TRACEBACK = "Traceback (most recent call last)"
# fairseq's --best-checkpoint-metric: which way each is better, to catch a `maximize` flag set the wrong way
_LOWER_BETTER = ("loss", "ppl", "wer", "uer", "cer")
_HIGHER_BETTER = ("bleu", "acc", "accuracy", "f1", "chrf", "bertscore")
_PEEK = 64 * 1024  # bytes of a file the hint of an empty collect reads to tell a fairseq log


class FairseqAdapter(Adapter):
    """Read fairseq-train's text log: one run per training in it, curves stepped by num_updates."""

    name = "fairseq"
    summary = "fairseq-train's text log (train.log, <exp>.log, nohup.out; found by --adapter fairseq)"
    priority = 85
    claims_by_itself = False  # any program writes `.log` files: read when named
    reading_version = 1

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim every `.log` and `.out` file, but only when this adapter was asked for by name."""
        if not forced:
            return None
        names = sorted(n for n in folder.files if n.lower().endswith(LOG_SUFFIXES))
        if not names:
            return None
        return Claim(tuple(self.source(folder.file(n), [folder.file(n)]) for n in names), descend=True)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read a file a path pattern names, when this adapter was asked for by name."""
        return self.source(path, [path]) if forced else None

    def read(self, source: Source) -> ReadResult:
        """Read one fairseq-train log into its runs."""
        return read_log(source.path, log_run_name(source.path))


class _Training:
    """One `fairseq-train` in a log: from its configuration line to the next one."""

    def __init__(self, params: dict[str, Any], line: int) -> None:
        self.params = params
        self.line = line
        self.points: list[tuple[str, float, float]] = []  # (key, num_updates, value) in log order
        self.loaded: tuple[str, float] | None = None  # the checkpoint it started from, and its update
        self.done = False
        self.failed = False


def read_log(path: str, name: str) -> ReadResult:
    """Read the runs of one fairseq-train log at `path`: a training per configuration line, one that
    resumed the training before it (from its checkpoint, at the update where it stopped) joined to it."""
    problems: list[Problem] = []
    tally = Tally()
    trainings: list[_Training] = []
    progress = 0
    old = 0  # lines of fairseq before 0.10, printed without date and logger: `| epoch 001 | loss 9.3 | …`
    try:
        for batch in iter_lines(path, problems, tally):
            for offset, text in enumerate(batch.lines):
                found = LINE.fullmatch(text)
                if found is None:
                    if text.startswith(_TRACEBACK) and trainings:
                        trainings[-1].failed = True
                    elif _BEFORE_0_10.match(text):
                        old += 1
                    continue
                logger, message = found.group(3), found.group(4)
                number = batch.first + offset
                if logger == TRAINER:
                    params = _config(message, path, number, problems)
                    if params is not None:
                        trainings.append(_Training(params, number))
                    elif message.startswith(_DONE) and trainings:
                        trainings[-1].done = True
                    continue
                if logger == "fairseq.trainer" and trainings:
                    loaded = _LOADED.match(message)
                    if loaded is not None:
                        trainings[-1].loaded = (loaded.group(1), float(loaded.group(3)))
                    continue
                points = _progress(logger, message)
                if points is None:
                    continue
                if not points:
                    why = "of no shape fairseq writes (no num_updates, or a value not a number)"
                    kept = "the other lines"
                    tally.add(f"is a {logger} line {why}", f"are {logger} lines {why}", number, kept)
                    continue
                if not trainings:  # the log starts after the configuration (a --log-file begun later)
                    trainings.append(_Training({}, 0))
                trainings[-1].points.extend(points)
                progress += 1
    except OSError as error:
        problems.append(unreadable(path, error, "nothing from this file"))
        return ReadResult((), tuple(problems))
    tally.report(path, problems)
    if not progress and old:
        message = (
            f"holds {old} progress line(s) of fairseq before 0.10 ('| epoch 001 | loss 9.3 | …', printed "
            "without date and logger), which this reader does not read: it reads fairseq ≥ 0.10's logging "
            "lines ('<date> <time> | INFO | train | epoch 001 | …')"
        )
        return ReadResult((), (*problems, Problem(path, message, "nothing from this file")))
    if not progress:
        message = (
            "holds no progress line of fairseq-train ('<date> <time> | INFO | train | epoch 001 | …', "
            "'| valid |' or '| train_inner |'): not a fairseq-train log, or one whose training had not "
            f"logged yet; leave other programs' logs out with {option('pattern')}"
        )
        return ReadResult((), (*problems, Problem(path, message, "nothing from this file")))
    if not trainings[0].line:
        message = (
            "holds no configuration line ('| fairseq_cli.train | Namespace(…)' or '| fairseq_cli.train | "
            "{…}') before its first progress line, so its run has no params (seed, arch, lr)"
        )
        problems.append(Problem(path, message, "the curves"))
    runs = _runs(path, name, trainings, problems)
    return ReadResult(tuple(runs), tuple(problems))


def _runs(path: str, name: str, trainings: list[_Training], problems: list[Problem]) -> list[RunRecord]:
    """Join each training that resumed the one before it, and build a run of each chain."""
    held = [t for t in trainings if t.points]
    chains: list[list[_Training]] = []
    for training in held:
        previous = chains[-1][-1] if chains else None
        if previous is not None and _resumes(training, previous):
            chains[-1].append(training)
        else:
            chains.append([training])
    if len(chains) > 1:
        message = (
            f"holds {len(chains)} trainings (a configuration line starts each) that do not resume one "
            "another from a checkpoint at the update where the one before stopped"
        )
        problems.append(Problem(path, message, f"each as its own run, {name}#1 to {name}#{len(chains)}"))
    runs = []
    for number, chain in enumerate(chains, start=1):
        run_name = name if len(chains) == 1 else f"{name}#{number}"
        start = chain[0].loaded
        if start is not None and start[1] > 0:  # resumed a checkpoint that another log's training saved
            message = (
                f"{'has a training that starts' if len(chains) > 1 else 'starts'} from {start[0]}, saved at "
                f"{start[1]:g} updates by a training this log does not hold: the curves of {run_name} begin "
                "after it, and a reduction (min, max, best) sees only its own updates; the updates before "
                "are in the log of the training that saved it"
            )
            problems.append(Problem(path, message, f"{run_name} from update {start[1]:g} on"))
        runs.append(_run(path, run_name, chain, problems))
    return runs


def _resumes(training: _Training, previous: _Training) -> bool:
    """Tell whether a training started from a checkpoint saved at the last update the one before logged."""
    if training.loaded is None:
        return False
    last = max(step for _, step, _ in previous.points)
    return training.loaded[1] == last


def _run(path: str, name: str, chain: list[_Training], problems: list[Problem]) -> RunRecord:
    """Build one run of a training and the trainings that resumed it: each keeps its points up to the
    update the next one resumed at; the params are the last one's."""
    builder = SeriesBuilder()
    for training, following in zip(chain, [*chain[1:], None]):
        until = following.loaded[1] if following is not None and following.loaded else None
        for key, step, value in training.points:
            if until is None or step <= until:
                builder.add(key, step, value)
    series, series_problems = builder.build(path)
    problems.extend(series_problems)
    last = chain[-1]
    if len(chain) > 1:
        resumed = " and ".join(f"{t.loaded[1]:g}" for t in chain[1:] if t.loaded)
        differ = sorted(
            k for k in {*chain[0].params, *last.params} if chain[0].params.get(k) != last.params.get(k)
        )
        told = (
            f" (they differ in {', '.join(differ[:4])}{', …' if len(differ) > 4 else ''})" if differ else ""
        )
        message = (
            f"holds {len(chain)} trainings, each resuming the one before from its checkpoint "
            f"(at {resumed} updates)"
        )
        kept = f"one run stepped by num_updates, with the params of the last{told}"
        problems.append(Problem(path, message, kept))
    _check_best(path, last.params, series, problems)
    if last.done:
        status = "finished"
    elif last.failed:
        status = "failed"
    else:
        status = "unknown"  # still training, or killed: a log says neither
    return RunRecord(name=name, params=dict(sorted(last.params.items())), metrics=series, status=status)


def _check_best(
    path: str, params: Mapping[str, Any], series: Mapping[str, Any], problems: list[Problem]
) -> None:
    """Say so when fairseq's running best (`valid_best_loss`) was kept the wrong way: a loss with
    --maximize-best-checkpoint-metric, a BLEU without it."""
    metric = params.get("best_checkpoint_metric", params.get("checkpoint.best_checkpoint_metric"))
    maximize = params.get(
        "maximize_best_checkpoint_metric", params.get("checkpoint.maximize_best_checkpoint_metric")
    )
    if not isinstance(metric, str) or not isinstance(maximize, bool):
        return
    lowered = metric.lower()
    lower_better = lowered.endswith(_LOWER_BETTER)
    higher_better = lowered.endswith(_HIGHER_BETTER)
    if not ((lower_better and maximize) or (higher_better and not maximize)):
        return
    best = sorted(key for key in series if key.endswith(f"_best_{metric}"))
    if not best:
        return
    way, other = ("highest", "lowest") if maximize else ("lowest", "highest")
    subset = best[0].removesuffix(f"_best_{metric}")
    message = (
        f"its {best[0]} is the {way} {subset}_{metric} so far, not the {other}: it ran with "
        f"best_checkpoint_metric={metric!r} and maximize_best_checkpoint_metric={maximize} (its "
        f"checkpoint_best.pt is chosen the same way)"
    )
    reduce = "min" if lower_better else "max"
    problems.append(Problem(path, message, f"{best[0]} as logged; {reduce} of {subset}_{metric} is its best"))


def _config(message: str, path: str, number: int, problems: list[Problem]) -> dict[str, Any] | None:
    """Return the params of a configuration line (`Namespace(…)` or the Hydra config `{…}`), None for
    another fairseq_cli.train line."""
    if not (message.startswith("Namespace(") or message.startswith("{")):
        return None
    try:
        value = printed_config(message)
    except ValueError as error:
        longer = str(error).startswith("longer")
        said = (
            f"is a configuration line of fairseq_cli.train {error}: not parsed"
            if longer
            else (f"is a configuration line of fairseq_cli.train that {error}")
        )
        problems.append(Problem(path, f"line {number} {said}", "the training without params"))
        return {}
    if message.startswith("Namespace("):
        return _flat_params(value)
    params = flatten_params(_unwrap_lists(value))
    seed = params.pop("common.seed", None)
    if seed is not None:
        params["seed"] = seed  # the replicate, as the argparse configuration names it
    return params


def _flat_params(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Return argparse's flat configuration as params, lists of one value as that value (lr=[0.0005])."""
    return {str(key): normalize_value(value) for key, value in _unwrap_lists(namespace).items()}


def _unwrap_lists(value: Any) -> Any:
    """Return a configuration with each list of one number (fairseq's per-epoch `lr`, `update_freq`) as
    that number."""
    if isinstance(value, dict):
        return {key: _unwrap_lists(inner) for key, inner in value.items()}
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], (int, float)):
        return value[0]
    return value


def _progress(logger: str, message: str) -> list[tuple[str, float, float]] | None:
    """Return the points of a progress line as (key, num_updates, value); None for a line that is none
    (another logger's); [] for one of a progress logger fairseq never writes so."""
    if message.startswith("{"):
        return _json_points(logger, message)
    if logger == TRAIN_INNER:
        found = _INNER.fullmatch(message)
        if found is None:
            return []
        pairs = [part.partition("=") for part in found.group(4).split(", ")]
        return _points(TRAIN_INNER, [(key.strip(), value) for key, sep, value in pairs if sep])
    parts = message.split(" | ")
    if not re.fullmatch(r"epoch \d+", parts[0]):
        return None if logger != TRAIN else []
    fields = parts[1:]
    if fields and (valid := _VALID_ON.fullmatch(fields[0])) is not None:
        fields = fields[1:]
        if valid.group(1) != logger:
            return []
    elif logger != TRAIN:
        return None
    pairs = [part.partition(" ") for part in fields]
    return _points(logger, [(key, value) for key, sep, value in pairs if sep])


def _json_points(logger: str, message: str) -> list[tuple[str, float, float]] | None:
    """Return the points of a json-format progress line: a train_inner line's keys as they are, a
    train or validation line's prefixed with its tag (`valid_loss`, `valid_num_updates`)."""
    try:
        record = json.loads(message)
    except ValueError:
        return [] if logger in (TRAIN, TRAIN_INNER) else None
    if not isinstance(record, dict):
        return None
    if logger == TRAIN_INNER:
        return _points(TRAIN_INNER, list(record.items()))
    prefix = f"{logger}_"
    keys = [key for key in record if key != "epoch"]
    if not keys or not all(isinstance(key, str) and key.startswith(prefix) for key in keys):
        return None if logger != TRAIN else []
    return _points(logger, [(key.removeprefix(prefix), value) for key, value in record.items()])


def _points(tag: str, pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, float, float]]:
    """Return (`<tag>_<key>`, num_updates, value) of a line's numbers; [] when it has no num_updates or
    a value that is not a number."""
    values: dict[str, float] = {}
    for key, value in pairs:
        number = to_float(value) if not isinstance(value, bool) else None
        if number is None:
            return []
        values[key] = number
    step = values.get(STEP_KEY)
    if step is None:
        return []
    return [(f"{tag}_{key}", step, value) for key, value in values.items() if key not in COUNTERS]


def starts_as_fairseq_log(path: str) -> bool:
    """Tell whether a file's first bytes hold a line of fairseq-train's (its configuration or progress)."""
    try:  # a FIFO in its place is refused, never opened
        head = next(iter_file_chunks(path, _PEEK), b"")
    except OSError:
        return False
    text = head.decode("utf-8", errors="replace")
    for line in text.split("\n"):
        found = LINE.fullmatch(line.rstrip("\r"))
        if found is not None and found.group(3) in (TRAINER, TRAIN, TRAIN_INNER):
            return True
    return False
