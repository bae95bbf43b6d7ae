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
from itertools import repeat

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
# (not `12.3s`, `5:00` of an ETA, the `,234` of a count printed with thousands separators, nor a unit
# after a space: `Time Taken: 210 sec`, `timer: 13.8 sec.`, `memory: 4.1 GB`)
# detectron2's `Inference: 0.0390 s/iter`, its `training speed: 16007 iterations in 3:02:16`; a value
# followed by a comma and a digit is an item of a list (detectron2's `copypaste: 14.2124,27.5222,…`) or
# a decimal comma's (`acc: 0,95`): no number, rather than its whole part
_UNIT = (
    r"(?i:s|secs?|seconds?|ms|mins?|minutes?|h|hrs?|hours?|[kmgt]i?b|it/s|s/it|s/iters?|iters?/s"
    r"|iterations(?!\s*[:=]|\s+\d))"
)
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
_SEGMENT = re.compile(rf"\s*((?:(?i:{_SPLIT}) ){{0,2}}{_WORD})\s+({_NUMBER})%?\s*")
_ONLY_SPLIT = re.compile(rf"(?i:{_SPLIT})")
# the splits a line's first key carries to its later plain keys (not a summary's `best`, `mean`), and a
# key that names its own split (`val_loss`, `test/acc`), which keeps it
_CARRIED_SPLIT = re.compile(r"(?i:train|training|val|valid|validation|eval|evaluation|test|testing|dev)")
_NAMES_SPLIT = re.compile(rf"(?i:{_SPLIT})(?:$|[_./@-])")
_SEPARATOR = re.compile(r"[|,;\t]|:\s|\s-\s")  # no `\s*` around it: a long run of spaces stays linear
_LEAD = re.compile(r"[^\w\s]*\s*([A-Za-z]\w*(?:\s+[A-Za-z]\w*){0,2})\s+")  # a key's words, after a separator
_STAMP = re.compile(
    r"\s*\[?(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\]?"
)  # logging's asctime, ISO 8601, in brackets or not, at the line's start
# a counter's name after these words is a total, a setting (`Num steps = 8242`, `Num Epochs = 3`,
# `Total optimization steps = 1000`, `Gradient Accumulation steps = 1`), not the counter of the lines
_TOTAL = re.compile(r"(?i:\b(?:num|number of|total|max|accumulation|warmup)(?: \w{1,40})?\s*)$")
# a source file's line, `caffe.cpp:211]` of glog's prefix, `gpu_device.cc:1115]`, is no key and value
_SOURCE = re.compile(r"\.(?i:py|pyx|c|cc|cpp|cxx|cu|h|hpp|java|go|rs|js|ts)$")
# a logging format's level name: what precedes it is the record's prefix (`host:0\tolmo.train:979\tINFO\t`
# of OLMo's, `[__main__][INFO] - ` of Hydra's), no numbers of the run
_LEVEL = re.compile(r"(?<![A-Za-z])(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)(?![A-Za-z])")
_PREFIX_CHARS = 200  # how far into a line a level name ends a logging prefix
_TOTAL_CHARS = 80  # how far before a counter's name `_TOTAL` looks (`Total optimization steps = `)
_NAMESPACE = "Namespace("
_SHAPE = str.maketrans("123456789", "000000000")  # a line's shape: its digits as 0
_LAYOUTS: dict[str, _Layout] = {}  # the layouts of the shapes last read (a log's lines share a few)
_MOST_LAYOUTS = 4096
_MOST_SHAPE_CHARS = 1024  # a longer line is matched without keeping its layout
# a process's number, a logger's version: Lightning's `[rank: 0] Seed set to 42`, its bar's `v_num=0`
_NOT_OF_THE_RUN = frozenset({"rank", "v_num"})
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
    if len(text) > _MOST_SHAPE_CHARS:
        return _numbers(_layout(text), text)
    shape = text.translate(_SHAPE)
    layout = _LAYOUTS.get(shape)
    if layout is None:
        if len(_LAYOUTS) >= _MOST_LAYOUTS:
            _LAYOUTS.clear()
        layout = _LAYOUTS[shape] = _layout(shape)
    return _numbers(layout, text)


@dataclass(frozen=True)
class _Layout:
    """Where a line's stamp, counters and pairs are: what the grammar finds in it, kept by its shape
    (its digits as 0: every pattern of the grammar tells a digit from a letter, none one digit from
    another), so a log's lines of one shape are matched once (spans in the text after the prefix)."""

    stamp: tuple[int, int] | None
    start: int  # where the text after the stamp and the level name starts
    counters: tuple[tuple[str, tuple[int, int], tuple[int, int] | None], ...]
    pairs: tuple[tuple[tuple[int, int] | None, tuple[int, int], tuple[int, int], int], ...]


def _layout(text: str) -> _Layout:
    """Find a line's stamp, counters and pairs (a key's leading words, the key, the number, where the
    pair starts: -1 for a key and value alone between separators)."""
    stamp_at: tuple[int, int] | None = None
    start = 0
    stamp = _STAMP.match(text)
    if stamp is not None:
        stamp_at = stamp.span(1)
        start = stamp.end()
    text = text[start:]
    prefix = _prefix_end(text)
    start += prefix
    text = text[prefix:]
    counters = tuple(
        (found.group(1).lower(), found.span(2), found.span(3) if found.group(3) else None)
        for found in _COUNTER.finditer(text)
        if not _is_total(text, found.start())
    )
    calls = _in_calls(text) if "(" in text and "=" in text else None
    ends = [separator.end() for separator in _SEPARATOR.finditer(text)]
    led: set[int] = set()  # separators whose first pair was tried: a later pair's span holds a pair
    pairs = [
        (_lead(text, m, ends, led), m.span(1), m.span(2), m.start())
        for m in _PAIR.finditer(text)
        if calls is None or not (calls[m.start()] and "=" in text[m.end(1) : m.start(2)])
    ]
    edges = [0, *(edge for found in _SEPARATOR.finditer(text) for edge in found.span()), len(text)]
    segments = [m for m in map(_SEGMENT.fullmatch, repeat(text), edges[::2], edges[1::2]) if m]
    # `Train 100: loss:0.28`: a split's name and a whole number are its batch, no key and value
    pairs += [
        (None, m.span(1), m.span(2), -1)
        for m in segments
        if not (_ONLY_SPLIT.fullmatch(m[1]) and m[2].isdigit())
    ]
    return _Layout(stamp_at, start, counters, tuple(pairs))


def _numbers(layout: _Layout, text: str) -> Line:
    """Read the numbers of a line where its layout says they are."""
    line = Line()
    if layout.stamp is not None:
        line.time = to_timestamp(text[layout.stamp[0] : layout.stamp[1]].replace(",", "."))
    text = text[layout.start :]
    message = text.strip()
    if message.startswith("{") and _read_json(message, line):
        return line
    for name, (start, end), total in layout.counters:
        of = float(text[total[0] : total[1]]) if total else None
        line.counters.setdefault(name, (float(text[start:end]), of))
    split = ""  # `train Loss: 0.5 Acc: 0.8`: the split a line's first key names is its other keys' too
    for lead, (key_start, key_end), (start, end), at in layout.pairs:
        key = text[key_start:key_end]
        if lead is not None:
            key = " ".join(text[lead[0] : lead[1]].split()) + " " + key
        number = text[start:end]
        value = to_float(number)
        if value is None or _SOURCE.search(key) or key.lower() in _NOT_OF_THE_RUN:
            continue
        if at >= 0 and number.isdigit() and _ONLY_SPLIT.fullmatch(key):
            continue  # timm's `Train: 0 [ 100/1251 (  8%)]`: a split's name and its epoch, no key and value
        if key.lower().rpartition(" ")[2] in _COUNTER_NAMES and key.lower() not in _COUNTER_NAMES:
            continue  # DSFD's `test epoch:0`: the counter of a split's line, read as a counter above
        if key.lower() in _COUNTER_NAMES:
            if at >= 0 and _is_total(text, at):
                continue  # `Num steps = 8242`: a setting
            line.counters.setdefault(key.lower(), (value, None))
            continue
        first = key.partition(" ")[0]
        if _ONLY_SPLIT.fullmatch(first) and " " in key:
            split = first if _CARRIED_SPLIT.fullmatch(first) else ""
        elif split and at >= 0 and " " not in key and not _NAMES_SPLIT.match(key):
            key = f"{split} {key}"
        if key not in line.values:
            line.values[key] = value
        elif line.values[key] != value and line.repeated is None:
            line.repeated = key
    return line


def _in_calls(text: str) -> list[bool]:
    """Tell for each character of a line whether it lies inside a printed call's parentheses (a word
    then `(`): its `key=value` is an argument of an object's repr (detectron2's
    `ResizeShortestEdge(short_edge_length=(640, 800), max_size=1333)`), no number of the run."""
    inside = [False] * len(text)
    opened: list[bool] = []  # for each open parenthesis, whether it opens a call
    calls = 0
    for index, char in enumerate(text):
        if char == "(":
            call = index > 0 and (text[index - 1].isalnum() or text[index - 1] == "_")
            opened.append(call)
            calls += call
        elif char == ")" and opened:
            calls -= opened.pop()
        inside[index] = calls > 0
    return inside


def _lead(text: str, pair: re.Match[str], ends: list[int], led: set[int]) -> tuple[int, int] | None:
    """Return where the one to three words a separator (or the line's start) leads a pair's key with
    when that key is one plain word, as printed and followed by a space (`| Token Acc: 0.05 |`, `->> pal1
    conf loss:11.1 ||`, `- Batch loss: 12.1`), else None (`found vocab_size = 65` names vocab_size);
    `ends`: where the line's separators end; `led`: those whose first pair was looked at (a later pair
    after the same separator has that pair between: no lead, and no rescan of a long stretch)."""
    start = pair.start(1)
    before = bisect_right(ends, start) - 1
    if before in led:
        return None
    led.add(before)
    if not pair.group(1).isalpha():
        return None
    lead = _LEAD.fullmatch(text, ends[before] if before >= 0 else 0, start)
    return lead.span(1) if lead else None


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
