"""Run the damaged-file battery and print its totals per adapter (what docs/damaged-logs.md reports).

python tests/battery/run_battery.py            # the representative sample
python tests/battery/run_battery.py --full     # every case (about 1,000; several minutes)
python tests/battery/run_battery.py --full --trees csv,native --failures
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import VERDICTS, Battery
from trees import TREES


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="every case, not the sample")
    parser.add_argument("--trees", help="comma-separated tree names (default: all)")
    parser.add_argument("--families", help="comma-separated kinds of damage (default: all)")
    parser.add_argument("--failures", action="store_true", help="list every case that is not ok")
    parser.add_argument("--json", help="write every outcome to this file")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    names = args.trees.split(",") if args.trees else list(TREES)
    battery = Battery()
    counts: dict[str, Counter[str]] = {}
    notes: Counter[str] = Counter()
    records = []
    try:
        cases = [case for name in names for case in battery.cases(name, args.full)]
        if args.families:
            cases = [case for case in cases if case.family in args.families.split(",")]
        for outcome in battery.run_all(cases, args.workers):
            counts.setdefault(outcome.case.tree, Counter())[outcome.verdict] += 1
            if outcome.note:
                notes[outcome.case.tree] += 1
            records.append(
                {
                    "case": outcome.case.id,
                    "verdict": outcome.verdict,
                    "detail": outcome.detail,
                    "seconds": round(outcome.seconds, 2),
                    "note": outcome.note,
                }
            )
            if args.failures and outcome.verdict != "ok":
                print(
                    f"{outcome.verdict:18} {outcome.case.id}: {outcome.detail}", file=sys.stderr, flush=True
                )
    finally:
        battery.close()
    header = ["adapter", "cases", *VERDICTS, "undetectable"]
    rows = []
    for name in names:
        tally = counts.get(name, Counter())
        rows.append([name, sum(tally.values()), *(tally[v] for v in VERDICTS), notes[name]])
    rows.append(["total", *(sum(row[i] for row in rows) for i in range(1, len(header)))])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
