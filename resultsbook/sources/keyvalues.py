"""The numbers a text log prints on its lines: `loss: 0.31 - acc: 0.92`, `step=100 loss=0.3`, `| loss 0.3 |`,
a JSON object per line; the counters that step them (`Epoch 3/100`, `step 500`, `iter=20`); the time a
logging format stamps the line with (`2024-05-01 10:01:00,123`, `[2024-05-01 10:01:00]`).

A key is one word (`val_loss`, `val/acc@1`, `Loss`), or a word after one or two of the words that name
a split or a summary (`train loss`, `valid CER`, `Test Acc`, `best val acc`), as printed. A value is a
number (`nan`, `inf` too), a percentage its number as printed (`93.5%` is 93.5); a value followed by
anything else (`12.3s`, `5:00`, `1,234,567`) is no number of the line."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

import orjson

from resultsbook.params import flatten_fields
from resultsbook.sources.textio import to_float, to_timestamp

# names of counters, in the order one is chosen to step a log's records: the finest first
COUNTERS = (
    "global_step",
    "step",
    "steps",
    "iteration",
    "iter",
    "itr",
    "num_updates",
    "update",
    "updates",
    "timesteps",
    "total_timesteps",
    "env_step",
    "env_steps",
    "frame",
    "frames",
    "episode",
    "batch",
    "round",
    "iters",
    "ep",
    "epoch",
)
_COUNTER_NAMES = frozenset(COUNTERS)
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?i:nan|inf(?:inity)?)"
# what may follow a value: a space, a separator, the line's end, a closing bracket, a sentence's period
# (not `12.3s`, `5:00` of an ETA, the `,234` of a count printed with thousands separators or the `,95`
# of a decimal comma, nor a unit after a space: `Time Taken: 210 sec`, `timer: 13.8 sec.`, `memory: 4.1 GB`)
_UNIT = r"(?i:s|secs?|seconds?|ms|mins?|minutes?|h|hrs?|hours?|[kmgt]i?b|it/s|s/it)"
_END = rf"(?=$|[\s;|)\]}}>'\"]|,(?!\d)|\.(?!\w))(?!\s+{_UNIT}(?![\w/]))"
_WORD = r"[A-Za-z_][\w./@-]*"
_SPLIT = (
    r"(?:train|training|val|valid|validation|eval|evaluation|test|testing|dev|best|mean|avg|average|final)"
)
# a value printed for a reader, `loss: 0.5` or `loss=0.5` (not `host:0` of a logging prefix)
_SPACED_PAIR = re.compile(rf"(?<![\w./@:=-]){_WORD}\s*(?:=|:\s)\s*(?:{_NUMBER})")
_PAIR = re.compile(rf"(?<![\w./@:=-])((?:(?i:{_SPLIT}) ){{0,2}}{_WORD})['\"]?\s*[:=]\s*({_NUMBER})(%?){_END}")
_COUNTER = re.compile(
    rf"(?<![\w./@-])({'|'.join(sorted(COUNTERS, key=len, reverse=True))})(?:\s*[:=#]\s*|\s+)\[?(\d+)"
    r"(?:\s*/\s*(\d+))?\]?(?![\w.])",
    re.IGNORECASE,
)
# `| loss 9.34 |`, `iter 200: loss 2.1234, mfu 12.34%`: a key and its value alone between separators
_SEGMENT = re.compile(rf"((?:(?i:{_SPLIT}) ){{0,2}}{_WORD})\s+({_NUMBER})%?")
_ONLY_SPLIT = re.compile(rf"(?i:{_SPLIT})")
_SEPARATOR = re.compile(r"[|,;\t]|:\s|\s-\s")  # no `\s*` around it: a long run of spaces stays linear
_LEAD = re.compile(r"[^\w\s]*\s*([A-Za-z]\w*(?:\s+[A-Za-z]\w*)?)\s+")  # a key's words, after a separator
_STAMP = re.compile(
    r"\s*\[?(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\]?"
)  # logging's asctime, ISO 8601, in brackets or not, at the line's start
# a counter's name after these words is a total, a setting (`Num steps = 8242`, `Num Epochs = 3`,
# `Total optimization steps = 1000`, `Gradient Accumulation steps = 1`), not the counter of the lines
_TOTAL = re.compile(r"(?i:\b(?:num|number of|total|max|accumulation|warmup)(?: \w+)?\s*)$")
# a source file's line, `caffe.cpp:211]` of glog's prefix, `gpu_device.cc:1115]`, is no key and value
_SOURCE = re.compile(r"\.(?i:py|pyx|c|cc|cpp|cxx|cu|h|hpp|java|go|rs|js|ts)$")
# a logging format's level name: what precedes it is the record's prefix (`host:0\tolmo.train:979\tINFO\t`
# of OLMo's, `[__main__][INFO] - ` of Hydra's), no numbers of the run
_LEVEL = re.compile(r"(?<![A-Za-z])(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)(?![A-Za-z])")
_PREFIX_CHARS = 200  # how far into a line a level name ends a logging prefix
_TOTAL_CHARS = 40  # how far before a counter's name `_TOTAL` looks (`Total optimization steps = `)
_NAMESPACE = "Namespace("
_SEED = re.compile(r"(?i:(?:global )?seed set to) (\d+)")  # Lightning's seed_everything


@dataclass
class Line:
    """The numbers of one line: its counters (value, and the total of `3/100`), values and time."""

    counters: dict[str, tuple[float, float | None]] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    time: float | None = None
    repeated: str | None = None  # a key the line prints twice with another value (the first is kept)
    complete: bool = True  # False for numbers printed under a counter of an earlier line, mid-way


def read_line(text: str) -> Line:
    """Return the numbers of one line of a text log (what follows the last carriage return: a
    progress bar's final state)."""
    text = text.rstrip("\r").rpartition("\r")[2]
    line = Line()
    stamp = _STAMP.match(text)
    if stamp is not None:
        line.time = to_timestamp(stamp.group(1).replace(",", "."))
        text = text[stamp.end() :]
    text = text[_prefix_end(text) :]
    message = text.strip()
    if message.startswith("{") and _read_json(message, line):
        return line
    for found in _COUNTER.finditer(text):
        if _is_total(text, found.start()):
            continue
        total = found.group(3)
        name = found.group(1).lower()
        line.counters.setdefault(name, (float(found.group(2)), float(total) if total else None))
    ends = [separator.end() for separator in _SEPARATOR.finditer(text)]
    pairs = [(_lead(text, m, ends) + m.group(1), m.group(2), m.start()) for m in _PAIR.finditer(text)]
    segments = [m for part in _SEPARATOR.split(text) if (m := _SEGMENT.fullmatch(part.strip()))]
    # `Train 100: loss:0.28`: a split's name and a whole number are its batch, no key and value
    pairs += [(m[1], m[2], -1) for m in segments if not (_ONLY_SPLIT.fullmatch(m[1]) and m[2].isdigit())]
    split = ""  # `train Loss: 0.5 Acc: 0.8`: the split a line's first key names is its other keys' too
    for key, number, start in pairs:
        value = to_float(number)
        if value is None or _SOURCE.search(key):
            continue
        if key.lower().rpartition(" ")[2] in _COUNTER_NAMES and key.lower() not in _COUNTER_NAMES:
            continue  # DSFD's `test epoch:0`: the counter of a split's line, read as a counter above
        if key.lower() in _COUNTER_NAMES:
            if start >= 0 and _is_total(text, start):
                continue  # `Num steps = 8242`: a setting
            line.counters.setdefault(key.lower(), (value, None))
            continue
        first = key.partition(" ")[0]
        if _ONLY_SPLIT.fullmatch(first) and " " in key:
            split = first
        elif split and start >= 0 and " " not in key and not _ONLY_SPLIT.fullmatch(key):
            key = f"{split} {key}"
        if key not in line.values:
            line.values[key] = value
        elif line.values[key] != value and line.repeated is None:
            line.repeated = key
    return line


def _prefix_end(text: str) -> int:
    """Return where a logging format's prefix ends: after its level name (`[__main__][INFO] - `,
    `INFO:root:`, OLMo's `host:0\tolmo.train:979\tINFO\t`) when nothing before it is a counter or a
    value printed as `key: value` or `key=value`; 0 when the line has none, or the level name is a
    word of its message (`step 100 loss: 0.5 WARNING: grad overflow`, `(ERROR rate 2%)`)."""
    level = _LEVEL.search(text, 0, _PREFIX_CHARS)
    if level is None:
        return 0
    before = text[: level.start()]
    if _COUNTER.search(before) or _SPACED_PAIR.search(before):
        return 0
    return level.end()


def _is_total(text: str, start: int) -> bool:
    """Tell whether a counter's name at `start` follows a total's words (`Num steps = 8242`)."""
    return _TOTAL.search(text, max(0, start - _TOTAL_CHARS), start) is not None


def _lead(text: str, pair: re.Match[str], ends: list[int]) -> str:
    """Return the one or two words a separator (or the line's start) leads a pair's key with when that
    key is one plain word, as printed and followed by a space (`| Token Acc: 0.05 |`, `->> pal1 conf
    loss:11.1 ||`, `- Batch loss: 12.1`), else '' (`found vocab_size = 65` names vocab_size); `ends`:
    where the line's separators end."""
    start = pair.start(1)
    if not pair.group(1).isalpha():
        return ""
    before = bisect_right(ends, start) - 1
    lead = _LEAD.fullmatch(text, ends[before] if before >= 0 else 0, start)
    return " ".join(lead.group(1).split()) + " " if lead else ""


def _read_json(message: str, line: Line) -> bool:
    """Read a line that is a JSON object: its numbers, counters by name; False when it is none."""
    try:
        record = orjson.loads(message)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(record, dict):
        return False
    for key, value in flatten_fields(record).items():
        number = (
            None if isinstance(value, bool) else to_float(value) if isinstance(value, (int, float)) else None
        )
        if number is None:
            continue
        if key.lower() in _COUNTER_NAMES:
            line.counters[key.lower()] = (number, None)
        else:
            line.values[key] = number
    return True


def printed_settings(text: str) -> str | None:
    """Return the `Namespace(…)` a line prints (argparse's arguments, `print(args)`), if any."""
    start = text.find(_NAMESPACE)
    return text[start:].strip() if start >= 0 else None


def seed_set(text: str) -> int | None:
    """Return the seed a line says was set (Lightning's `Seed set to 42`), if it says so."""
    found = _SEED.search(text)
    return int(found.group(1)) if found else None


def holds_numbers(text: str) -> bool:
    """Tell whether a line prints a number under a key (what makes a file a text log of numbers)."""
    line = read_line(text)
    return bool(line.values)
