"""Text logs: what a training script prints (its stdout redirected to `train.log`, a SLURM job's
`slurm-<id>.out`, a Python logging file, Hydra's `<job>.log`), one run per file. A line that prints
numbers under keys (`Epoch 3/100 - loss: 0.31 - acc: 0.92`, `step=500 loss=0.3`, `| loss 0.3 |`, a JSON
object) is a record, stepped by a counter its lines print (`step`, `iteration`, …, `epoch`; the last
one printed counts for the lines after it, as Keras prints `Epoch 3/100` on a line of its own); the
grammar of a line is sources.keyvalues'. Params come from the pattern's fields, a printed
`Namespace(…)` (`print(args)`), `seed: 3` or Lightning's `Seed set to 3`, and the keys `-o params=`
names. A traceback, a KeyboardInterrupt or SLURM's `CANCELLED … DUE TO TIME LIMIT` after the last
record ends the run failed or interrupted; a counter reaching its total (`Epoch 100/100`) or
Lightning's `Trainer.fit` stopped, finished; else its status is unknown (still running, or killed)."""

from __future__ import annotations

import fnmatch
import math
import re
from array import array
from dataclasses import dataclass, field
from itertools import compress, pairwise
from typing import Any

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder, option_list
from resultsbook.adapters.keras_csv import starts_as_csvlogger
from resultsbook.adapters.optuna_studies import is_optuna_storage
from resultsbook.errors import closest
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import flatten_params, normalize_value
from resultsbook.sources.fileio import iter_file_chunks, unreadable
from resultsbook.sources.keyvalues import COUNTERS, Line, holds_numbers, printed_settings, read_line, seed_set
from resultsbook.sources.lines import Tally, iter_lines, log_run_name
from resultsbook.sources.pyrepr import printed_config
from resultsbook.sources.series import SeriesBuilder
from resultsbook.voice import option

LOG_SUFFIXES = (".log", ".out")  # read unasked when a pattern names them (`.txt`: the csv adapter's)
NAMED_SUFFIXES = (*LOG_SUFFIXES, ".txt")  # what --adapter text reads in a folder
_FAILED = "Traceback (most recent call last)"
_INTERRUPTED = re.compile(r"^KeyboardInterrupt\b|CANCELLED AT .* DUE TO (TIME LIMIT|PREEMPTION)|^Killed$")
_FINISHED = re.compile(r"`Trainer\.fit` stopped|^Training completed\b")  # Lightning's, HF Trainer's
_FRAME = re.compile(r'\bFile "[^"]*", line \d+')  # a traceback's frame, also where no traceback line led
_FAIRSEQ = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| [A-Z]+ \| (train|train_inner|valid) \| ")
_SEED_KEYS = frozenset({"seed", "random_seed"})
# the epoch's last batch done: Keras's `1875/1875 [====…]`, Keras 3's `1875/1875 ━━━`, verbose=2's
# `1875/1875 - 4s`
_FULL_BAR = re.compile(r"(?<!\d)(\d+)/\1(?![\d.])")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Keras 3 colours its bar: `\x1b[1m1875/1875\x1b[0m`
_PEEK = 64 * 1024  # bytes of a file the hint of an empty collect reads to tell a text log of numbers
_PEEK_LINES = 200
Counted = tuple[float, float | None]  # a counter's value on a line, and its total (`3/100`)
_MOST_LINE_CHARS = 65536  # a line that prints numbers is short: a longer one is a dump (an array, a config)


class TextLogAdapter(Adapter):
    """Read a text log that prints its numbers as `key: value` or `key=value`: one run per file."""

    name = "text"
    summary = (
        "text logs printing numbers as `key: value` or `key=value` (stdout, logging files, SLURM .out; "
        "found by --pattern for .log and .out files, or --adapter text)"
    )
    priority = 88  # after fairseq's log (85), before the csv adapter's `.txt` (90)
    claims_by_itself = False  # any program writes `.log` files: read when a pattern or the user names them
    last_resort = True  # a tracker's folder holding a `.log` (W&B's run, a Hydra job) reads it its own way
    # 3: a printed call's arguments, numbers of a list, timings per iteration, rank and v_num are no metrics;
    #    a level name inside the message keeps what precedes it, a decimal comma gives no number, a split
    #    leads a line's later plain keys, a header's total needs a full bar to finish a run
    reading_version = 3
    options = {
        "step": "the counter stepping the records, e.g. epoch (default: the finest printed that never goes "
        "back: step, iteration, ..., epoch; else the order of the lines)",
        "metrics": "keys (globs) to read, e.g. '*loss*,*acc*' (default: every key printed with a number)",
        "params": "keys (globs) whose first value is a param, not a metric, e.g. 'lr,batch_size' (a seed "
        "always is)",
    }

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim every `.log`, `.out` and `.txt` file, but only when this adapter was asked for by name."""
        if not forced:
            return None
        names = sorted(n for n in folder.files if n.lower().endswith(NAMED_SUFFIXES))
        if not names:
            return None
        return Claim(tuple(self.source(folder.file(n), [folder.file(n)]) for n in names), descend=True)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read a `.log` or `.out` file a path pattern names (by its name only: a re-collect costs a stat;
        a Keras CSVLogger file or an Optuna journal is named when read); any file when asked for by name."""
        return self.source(path, [path]) if forced or path.lower().endswith(LOG_SUFFIXES) else None

    def read(self, source: Source) -> ReadResult:
        """Read one text log into one run."""
        return self.read_log(source.path)

    def read_log(self, path: str, counted_only: bool = False) -> ReadResult:
        """Read the text log at `path` into one run; with `counted_only`, only the numbers printed with
        a counter (a job log's other lines are messages: `pid: 13000` in an error is no metric)."""
        problems: list[Problem] = []
        log = _Log(counted_only=counted_only)
        tally = Tally()
        try:
            for batch in iter_lines(path, problems, tally):
                for offset, text in enumerate(batch.lines):
                    log.add(batch.first + offset, text, path, tally, problems)
        except OSError as error:
            return ReadResult((), (unreadable(path, error, "nothing from this file"), *problems))
        tally.report(path, problems)
        if log.fairseq and len(log.fairseq) * 2 >= log.count:
            message = (
                f"is fairseq-train's log (line {log.fairseq[0]}): read it with "
                f"{option('adapter', 'fairseq')}, a run per training, its curves named by their subset "
                "(train_loss, valid_loss)"
            )
            return ReadResult((), (*problems, Problem(path, message, "nothing from this file")))
        if log.count and log.first_record == 1 and is_optuna_storage(path):
            message = (
                "is an Optuna journal (its first line an operation): "
                f"{option('adapter', 'optuna')} reads it, a run per trial"
            )
            return ReadResult((), (*problems, Problem(path, message, "nothing from this file")))
        if not log.count and starts_as_csvlogger(path):
            message = (
                "is a Keras CSVLogger log (a header starting with 'epoch'), not a text log of numbers: "
                f"{option('adapter', 'keras_csv')} reads it under any name, one run per file"
            )
            return ReadResult((), (*problems, Problem(path, message, "nothing from this file")))
        if not log.count:
            message = (
                "prints no number under a key on any line (`loss: 0.31`, `loss=0.31`, `| loss 0.31 |`, a "
                "JSON object): not a text log of numbers, or one whose program had not printed any yet"
            )
            return ReadResult((), (*problems, Problem(path, message, "nothing from this file")))
        run = self._run(path, log, problems)
        return ReadResult((run,), tuple(problems))

    def _run(self, path: str, log: _Log, problems: list[Problem]) -> RunRecord:
        """Build the run of a log's records: params, each metric's curve stepped by its counter, status."""
        wanted_metrics = option_list(self.config.get("metrics"))
        param_keys = [*(option_list(self.config.get("params")) or []), *_SEED_KEYS]
        params = dict(log.params)
        by_key: dict[str, _Column] = {}
        for key, column in log.columns.items():
            kind = _kind(key, param_keys, wanted_metrics)
            if kind == "param":
                params.setdefault(key, normalize_value(column.values[0]))
            elif kind == "metric":
                by_key[key] = column
        preamble = [
            key
            for key, column in by_key.items()
            if log.first_counter
            and column.numbers[-1] < log.first_counter
            and not any(fnmatch.fnmatchcase(key, glob) for glob in wanted_metrics or ())
        ]
        if preamble:
            named = ", ".join(repr(key) for key in preamble[:4]) + (", …" if len(preamble) > 4 else "")
            message = (
                f"prints {named} only before its first counter (line {log.first_counter}): numbers of the "
                f"program's start (a model's size, a dataset's, a printed config), not of its training; "
                f"{option('option', f'params={preamble[0]}')} makes one a param, "
                f"{option('option', f'metrics={preamble[0]}')} a metric"
            )
            problems.append(Problem(path, message, "the numbers printed with a counter"))
            for key in preamble:
                del by_key[key]
        wanted_step = self._wanted_step(path, log, problems)
        builder = SeriesBuilder()
        tally = Tally()
        unstepped = False
        restarts: dict[tuple[str, str, int, float, float], list[str]] = {}
        for key, column in by_key.items():
            counter = wanted_step or _counter_of(column)
            unstepped = unstepped or (counter is None and len(column.numbers) > 1)
            restart = _restart(column, counter) if counter and not wanted_step else None
            rows = np.arange(len(column.numbers))
            if restart is not None and counter is not None:  # a value an epoch: the epoch's last
                restarts.setdefault(restart, []).append(key)
                steps, present = column.counters[counter]
                last = {steps[row]: row for row in range(len(steps)) if present[row]}
                # a line without the counter stays, to be said below
                lacking = [
                    row for row in range(len(column.numbers)) if row >= len(present) or not present[row]
                ]
                rows = np.array(sorted([*last.values(), *lacking]), dtype=np.int64)
            if counter is None:
                builder.add_column(key, np.arange(len(rows), dtype=np.float64), *column.points(rows))
                continue
            steps, present = column.counters.get(counter) or (array("d"), bytearray())
            printed = np.zeros(len(column.numbers), dtype=bool)
            printed[: len(present)] = np.frombuffer(present, dtype=np.uint8).astype(bool)
            without = f"without the {counter!r} counter that steps {key!r}"
            for row in rows[~printed[rows]]:
                tally.add(
                    f"prints {key!r} {without}",
                    f"print {key!r} {without}",
                    column.numbers[row],
                    "the other lines",
                )
            rows = rows[printed[rows]]
            builder.add_column(key, np.frombuffer(steps, dtype=np.float64)[rows], *column.points(rows))
        tally.report(path, problems)
        for (finer, counter, number, value, before), keys in restarts.items():
            named = ", ".join(repr(key) for key in keys[:4]) + (", …" if len(keys) > 4 else "")
            message = (
                f"prints {finer!r} going back (line {number}: {value:g} after {before:g}), a count that "
                f"restarts each {counter}: {named} are stepped by {counter!r}"
            )
            problems.append(Problem(path, message, f"the last value of each {counter}"))
        series, series_problems = builder.build(path)
        problems.extend(series_problems)
        if unstepped:
            message = (
                f"prints no counter ({', '.join(COUNTERS[1:4])}, ..., epoch) beside some of its numbers: "
                "each of those metrics is stepped by the order of its values; "
                f"{option('option', 'step=KEY')} names the key that counts"
            )
            problems.append(Problem(path, message, "the values in the order printed, from step 0"))
        status, start, end = log.status()
        ended = log.ended is not None and status == log.ended[1]
        return RunRecord(
            name=log_run_name(path),
            params=dict(sorted(params.items())),
            metrics=series,
            status=status,
            start_time=start,
            end_time=end,
            provenance={"error": "\n".join(log.error)} if ended and log.error else {},
        )

    def _wanted_step(self, path: str, log: _Log, problems: list[Problem]) -> str | None:
        """Return the counter the `step` option names, when the log prints it (else say so: None)."""
        wanted = self.config.get("step")
        if not wanted:
            return None
        seen = log.counters_seen()
        if str(wanted).lower() in seen:
            return str(wanted).lower()
        guess = closest(str(wanted).lower(), seen)
        meant = f"did you mean {guess!r}?" if guess else f"its counters: {', '.join(seen) or 'none'}"
        problems.append(Problem(path, f"prints no counter {wanted!r}; {meant}", "the counters it prints"))
        return None


def _kind(key: str, param_keys: list[str], wanted_metrics: list[str] | None) -> str:
    """Tell whether the `params` option makes a key a param, else whether it is a metric read."""
    if any(fnmatch.fnmatchcase(key, glob) for glob in param_keys):
        return "param"
    if not wanted_metrics or any(fnmatch.fnmatchcase(key, glob) for glob in wanted_metrics):
        return "metric"
    return "neither"


def _counter_of(column: _Column) -> str | None:
    """Return the counter that steps a metric's records: one whose values never go back, the finest
    (the most values: DSFD's train lines print `iter`, its lines of a test only `epoch`, and stepping
    by the epoch would keep one value an epoch, a test's or a train's), one they all print when that
    ties; None when they print none."""
    if not column.counters:
        return None

    def rank(name: str) -> tuple[bool, int, bool, int]:
        steps, present = column.counters[name]
        values = list(compress(steps, present))
        rising = all(later >= earlier for earlier, later in pairwise(values))
        return rising, len(set(values)), len(values) == len(column.numbers), -COUNTERS.index(name)

    return max(column.counters, key=rank)


def _restart(column: _Column, counter: str) -> tuple[str, str, int, float, float] | None:
    """Return a finer counter all of a metric's records print that goes back, as CycleGAN's `iters`
    restarts each epoch (its name, the counter's, the line, its value and the one before); None if none."""
    for name in COUNTERS[: COUNTERS.index(counter)]:
        steps, present = column.counters.get(name) or (array("d"), bytearray())
        if len(present) < len(column.numbers) or not all(present):
            continue
        for row in range(1, len(steps)):
            if steps[row] < steps[row - 1]:
                return name, counter, column.numbers[row], steps[row], steps[row - 1]
    return None


class _Column:
    """The records of one key, compact (a log of millions of lines keeps no object per line): the
    lines, values and times, and each counter's value on those lines with whether it was printed."""

    __slots__ = ("counters", "numbers", "times", "values")

    def __init__(self) -> None:
        self.numbers = array("q")
        self.values = array("d")
        self.times = array("d")
        self.counters: dict[str, tuple[array[float], bytearray]] = {}

    def add(
        self, number: int, value: float, time: float | None, counters: dict[str, tuple[float, float | None]]
    ) -> None:
        """Append one record of the key."""
        row = len(self.numbers)
        self.numbers.append(number)
        self.values.append(value)
        self.times.append(math.nan if time is None else time)
        for name, (steps, present) in self.counters.items():
            printed = counters.get(name)
            steps.append(math.nan if printed is None else printed[0])
            present.append(printed is not None)
        for name, printed in counters.items():
            if name not in self.counters:
                self.counters[name] = (array("d", [math.nan] * row + [printed[0]]), bytearray(row) + b"\x01")

    def points(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the values and times of some records."""
        values = np.frombuffer(self.values, dtype=np.float64)
        times = np.frombuffer(self.times, dtype=np.float64)
        return values[rows], times[rows]


@dataclass
class _Log:
    """What the lines of one log said, read in order."""

    counted_only: bool = False  # only the numbers printed with a counter are records
    columns: dict[str, _Column] = field(default_factory=dict)  # the records, by key
    count = 0  # how many records
    first_record = 0  # the line of the first
    last_record: tuple[int, Line] | None = None
    names: set[str] = field(default_factory=set)  # the counters the records are printed with
    params: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, tuple[float, float | None]] = field(default_factory=dict)  # the last printed
    ended: tuple[int, str] | None = None  # the last line saying the run failed or was interrupted
    error: list[str] = field(default_factory=list)  # its words: a traceback's last lines, SLURM's line
    finished_at = 0  # the last line saying the training finished
    first_time: float | None = None
    last_time: float | None = None
    fairseq: list[int] = field(default_factory=list)  # lines in fairseq-train's logging format
    settings_read = False
    in_traceback = False  # inside a traceback's indented lines, whose `line 10` is no number of the run
    first_counter = 0  # the first line that prints a counter
    bar_done = True  # no header since the last full bar (Keras's epoch ended)

    def add(self, number: int, text: str, path: str, tally: Tally, problems: list[Problem]) -> None:
        """Take one line: its numbers, counters, time, and what it says of the run."""
        if len(text) > _MOST_LINE_CHARS:
            said = f"longer than {_MOST_LINE_CHARS:,} characters, not read for numbers"
            tally.add(f"is {said}", f"are {said}", number, "the other lines")
            return
        if self.in_traceback:
            self.in_traceback = text[:1].isspace()  # its last line, the exception, is not indented
            self.error = [*self.error[-2:], text.strip()]
            return
        if _FAILED in text:
            self.ended = (number, "failed")
            self.in_traceback = True
            self.error = []
            return
        if _FRAME.search(text):  # TorchScript's error quotes one, glog's prefix hides a traceback's indent
            return
        if _INTERRUPTED.search(text):
            self.ended = (number, "interrupted")
            self.error = [text.strip()]
        elif _FINISHED.search(text):
            self.finished_at = number
        seed = seed_set(text)
        if seed is not None:
            self.params["seed"] = seed
        if _FAIRSEQ.match(text):
            self.fairseq.append(number)
        line = read_line(text)
        if line.time is not None:
            self.first_time = line.time if self.first_time is None else self.first_time
            self.last_time = line.time
        printed = printed_settings(text)
        if printed is not None:  # settings, not numbers of the run
            if not self.settings_read:
                self.settings_read = True
                try:
                    self.params = {**flatten_params(printed_config(printed)), **self.params}
                except ValueError as error:
                    said = f"line {number} prints a Namespace(…) that {error}"
                    problems.append(Problem(path, said, "the run without its settings"))
            return
        own = line.counters
        if own and not line.values:
            self.bar_done = False  # a header: its epoch runs after it
        elif _FULL_BAR.search(_ANSI.sub("", text.rstrip("\r").rpartition("\r")[2])):
            self.bar_done = True
        if own and not self.first_counter:
            self.first_counter = number
        self.counters.update(own)
        if not line.values:
            return
        if line.repeated is not None:
            said = f"prints {line.repeated!r} twice with two values"
            tally.add(
                said, f"print a key twice with two values ({line.repeated!r})", number, "the first value"
            )
        if not own:  # Keras prints `Epoch 3/100` on a line of its own, the numbers on the next
            line.counters = dict(self.counters)
            # a header is printed before its epoch runs: the epoch ended once a bar was full after it
            line.complete = self.bar_done
        if line.counters or not self.counted_only:
            self.count += 1
            self.first_record = self.first_record or number
            self.last_record = (number, line)
            self.names.update(line.counters)
            for key, value in line.values.items():
                column = self.columns.get(key)
                if column is None:
                    column = self.columns[key] = _Column()
                column.add(number, value, line.time, line.counters)

    def counters_seen(self) -> list[str]:
        """Return the counters the records are printed with, finest first."""
        return [name for name in COUNTERS if name in self.names]

    def status(self) -> tuple[str, float | None, float | None]:
        """Return the run's status and its first and last times: failed or interrupted when a line after
        the last record says so, finished when a counter reached its total or the trainer said so."""
        assert self.last_record is not None  # a run is built of a log with records
        last_record, last = self.last_record
        counters = last.counters
        if self.ended is not None and self.ended[0] > last_record:
            return self.ended[1], self.first_time, self.last_time
        totals = [(COUNTERS.index(name), value, total) for name, (value, total) in counters.items() if total]
        # the coarsest (`Epoch 3/3`, not `batch 9/9`), printed on the record's own line or before a full bar
        reached = bool(totals) and max(totals)[1] >= max(totals)[2] and last.complete
        if reached or self.finished_at > last_record:
            return "finished", self.first_time, self.last_time
        return "unknown", self.first_time, None


def first_line_of_numbers(path: str, whole: bool = False) -> str | None:
    """Return the first line of a file's first bytes (of the whole file, `whole`: a log that prints its
    script first) that prints a number under a key (what an empty collect quotes, so a user sees what
    was recognized), stripped; None when none does."""
    try:  # a FIFO in its place is refused, never opened
        if whole:
            batches = (batch.lines for batch in iter_lines(path, []))
            found = next((line for lines in batches for line in lines if holds_numbers(line)), None)
        else:
            head = next(iter_file_chunks(path, _PEEK), b"")
            text = head.decode("utf-8", errors="replace")
            found = next(
                (line for line in (text.split("\n")[:-1] or [text])[:_PEEK_LINES] if holds_numbers(line)),
                None,
            )
    except OSError:
        return None
    return None if found is None else found.rstrip("\r").rpartition("\r")[2].strip()
