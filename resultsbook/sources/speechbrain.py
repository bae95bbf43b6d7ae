"""SpeechBrain's experiment folder, as a recipe's `output_folder` (`results/<experiment>/<seed>/`)
holds it: `train_log.txt`, the line per epoch that `speechbrain.utils.train_logger.FileTrainLogger`
appends, and `hyperparams.yaml`, the recipe's HyperPyYAML file as `create_experiment_directory` copied
it (overrides applied, `!ref` resolved, `!new:`/`!name:`/`!apply:` tags kept), beside `env.log`,
`log.txt` (Python's logging of the run) and the recipe's own outputs (`wer_test.txt`, `save/`).

FileTrainLogger writes `<meta> - <dataset> <stat>: <value>, ... - ...` with numbers between 1 and 100
as `%.2f` and others as `%.2e`:

    epoch: 1, lr: 1.00e+00 - train loss: 3.21 - valid loss: 2.90, valid CER: 12.34, valid WER: 30.12
    Epoch loaded: 20 - test loss: 1.20, test CER: 5.60, test WER: 15.30

(the speaker-id template writes `Epoch:` and `valid error`). The epoch lines are curves stepped by
their epoch (`train/loss`, `valid/WER`, and `lr`); the test line, which `Brain.evaluate` writes once
training has ended, gives the finals (`test/WER`) and `epoch_loaded`, the epoch whose checkpoint was
tested. Only that line shape is read: any other line is reported, not guessed at.

Read as files of other names, train_log.txt was a CSV split at its commas ("kept: the numeric columns,
as one run") and the folder's log.txt was pointed at as the run."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from resultsbook.models import Problem, ReadResult, RunRecord
from resultsbook.params import flatten_params
from resultsbook.sources.fileio import unreadable
from resultsbook.sources.lines import Tally, iter_lines
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import to_float
from resultsbook.sources.yamlio import read_yaml_file
from resultsbook.voice import option

TRAIN_LOG = "train_log.txt"
HPARAMS_FILE = "hyperparams.yaml"
RUN_FILES = (TRAIN_LOG, HPARAMS_FILE)
DATASETS = ("train", "valid", "test")
TESTED = "epoch loaded"  # the key of the test line's meta, lowered: `Epoch loaded: 20`
_ITEM = re.compile(r"([^:,]+?): ([^:,\s]+)")
# where the recipe wrote, not how it trained: with them as params each seed's run would differ from
# its replicates by its own folder (and a table cell would say its runs mix settings)
WHERE_KEYS = frozenset({"output_folder", "save_folder", "train_log"})


def is_run_folder(names: Iterable[str]) -> bool:
    """Tell whether a folder's file names are a SpeechBrain experiment folder's: train_log.txt beside
    hyperparams.yaml (either alone is a name other programs use)."""
    found = set(names)
    return TRAIN_LOG in found and HPARAMS_FILE in found


def run_files(folder: str, names: Collection[str]) -> list[str]:
    """Return the files of an experiment folder that make its run: train_log.txt and hyperparams.yaml."""
    return [os.path.join(folder, name) for name in RUN_FILES if name in names]


def parse_line(line: str) -> tuple[dict[str, str], dict[str, dict[str, str]]] | None:
    """Split one FileTrainLogger line into its meta items and its items per dataset, or None when the
    line is not of that shape (every part `key: value`, each part after the first of one dataset)."""
    parts = line.strip().split(" - ")
    meta = _items(parts[0])
    if meta is None:
        return None
    stats: dict[str, dict[str, str]] = {}
    for part in parts[1:]:
        items = _items(part)
        if items is None:
            return None
        dataset = next(iter(items)).partition(" ")[0]
        if dataset not in DATASETS or dataset in stats:
            return None
        named: dict[str, str] = {}
        for key, value in items.items():
            head, _, stat = key.partition(" ")
            if head != dataset or not stat:
                return None
            named[stat] = value
        stats[dataset] = named
    return meta, stats


def _items(part: str) -> dict[str, str] | None:
    """Return `key: value, key: value` as a mapping, or None when the text is not only that."""
    pieces = part.split(", ")
    items: dict[str, str] = {}
    for piece in pieces:
        found = _ITEM.fullmatch(piece)
        if found is None or found.group(1) in items:
            return None
        items[found.group(1)] = found.group(2)
    return items or None


def read_run(folder: str, files: Sequence[str], name: str) -> ReadResult:
    """Read one experiment folder: curves from the epoch lines of train_log.txt, finals from its test
    line, params from hyperparams.yaml (the seed folder's name as `seed` when it sets none) and the
    `experiment`: the folder above a seed folder (`results/<experiment>/<seed>`), else the folder."""
    problems: list[Problem] = []
    by_name = {os.path.basename(path): path for path in files}
    log = by_name.get(TRAIN_LOG, os.path.join(folder, TRAIN_LOG))
    builder = SeriesBuilder()
    finals: dict[str, float] = {}
    tests = read = other = 0
    tally = Tally()
    try:
        for batch in iter_lines(log, problems, tally):
            for number, line in enumerate(batch.lines, batch.first):
                if not line.strip():
                    continue
                if not _read_line(line, builder, finals, tally, number):
                    other += 1
                    continue
                read += 1
                tests += _is_test(line)
    except OSError as error:
        problems.append(unreadable(log, error, "the run without curves"))
    if other and not read and HPARAMS_FILE not in by_name:  # a pattern named another program's log
        message = (
            f"holds no SpeechBrain train_log line (`epoch: N, lr: ... - train loss: ...`) in its {other} "
            f"line(s); a CSV log of this name is read with {option('adapter', 'csv')}"
        )
        return ReadResult((), (*problems, Problem(log, message, "nothing from this file")))
    tally.report(log, problems)
    series, series_problems = builder.build(log)
    problems.extend(series_problems)
    if tests > 1:
        message = (
            f"holds {tests} test lines ('Epoch loaded: ...'), which name no test set (a recipe testing "
            "several writes one each)"
        )
        problems.append(Problem(log, message, "the last test line's values as the finals"))
    hparams = by_name.get(HPARAMS_FILE)
    params = hyperparams(hparams, problems) if hparams else {}
    own = os.path.basename(os.path.abspath(folder))
    experiment = own
    if own.isdigit():  # results/<experiment>/<seed>: the seed's replicates share the folder above
        params.setdefault("seed", int(own))
        experiment = os.path.basename(os.path.dirname(os.path.abspath(folder)))
    params.setdefault("experiment", experiment)
    run = RunRecord(
        name=name,
        params=dict(sorted(params.items())),
        metrics=series,
        summary=finals,
        # the test line is written once training has ended; before it a running and a killed run look alike
        status="finished" if tests else "unknown",
        experiment=str(params["experiment"]),
    )
    return ReadResult((run,), tuple(problems))


def _read_line(
    line: str, builder: SeriesBuilder, finals: dict[str, float], tally: Tally, number: int
) -> bool:
    """Add one line's values (an epoch's points or the test's finals); count a line of another shape."""
    parsed = parse_line(line)
    meta = {key.lower(): value for key, value in parsed[0].items()} if parsed else {}
    epoch = to_float(meta.get(TESTED, meta.get("epoch")))
    if parsed is None or epoch is None:
        one = "is not a SpeechBrain train_log line (`epoch: N, lr: ... - train loss: ... - valid ...`)"
        tally.add(one, "are not SpeechBrain train_log lines (`epoch: N, ... - train loss: ...`)", number,
                  "the other lines")  # fmt: skip
        return False
    _, stats = parsed
    if TESTED in meta:
        finals.clear()
        finals["epoch_loaded"] = epoch
        for dataset, values in stats.items():
            for stat, text in values.items():
                value = to_float(text)
                if value is not None:
                    finals[f"{dataset}/{stat}"] = value
        return True
    for key, text in meta.items():
        value = to_float(text)
        if key != "epoch" and value is not None:
            builder.add(key, epoch, value)
    for dataset, values in stats.items():
        for stat, text in values.items():
            value = to_float(text)
            if value is not None:
                builder.add(f"{dataset}/{stat}", epoch, value)
    return True


def _is_test(line: str) -> bool:
    return line.lower().startswith(TESTED + ":")


def hyperparams(path: str, problems: list[Problem]) -> dict[str, Any]:
    """Return hyperparams.yaml's settings as params: HyperPyYAML's tags read as plain data (a `!new:`
    object its arguments, `train_logger.save_file`), without where the run wrote (`output_folder` and
    every value under it) and HyperPyYAML's `__set_seed` call (the `seed` key says it)."""
    document = read_yaml_file(path, problems, "no params")
    if not isinstance(document, dict):
        if document is not None:
            problems.append(Problem(path, "does not hold a mapping of hyperparameters", "no params"))
        return {}
    params = flatten_params(document)
    output = params.get("output_folder")
    where = str(output).rstrip("/") + "/" if isinstance(output, str) and output.strip() else None
    return {
        key: value
        for key, value in params.items()
        if key not in WHERE_KEYS
        and not key.startswith("__")
        and not (where is not None and isinstance(value, str) and value.startswith(where))
    }
