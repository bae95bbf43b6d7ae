"""CSV outputs are plain CSV (no comment line); what made them is in the lock and, when asked, in a
W3C CSVW sidecar; `check` compares both."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from figure_project import make_project

from resultsbook.freshness.check import check
from resultsbook.outputs.build import build
from resultsbook.outputs.lock import read_lock

SIDECAR = """
[tables.final]
metric = "acc"
rows = ["method"]
columns = ["dataset"]
caption = "Final accuracy"
csv_metadata = true
outputs = ["results/final.csv"]
"""


def test_a_csv_output_is_plain_csv_and_its_sidecar_describes_it(tmp_path: Path) -> None:
    spec, store = make_project(tmp_path, SIDECAR)
    report = build(spec, store)
    text = (tmp_path / "results/final.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert text.splitlines()[0] == "method,dataset,mean,std,n" and len(rows) == 6
    assert not text.startswith("#")
    sidecar = json.loads((tmp_path / "results/final.csv-metadata.json").read_text())
    assert sidecar["@context"] == "http://www.w3.org/ns/csvw" and sidecar["url"] == "final.csv"
    assert (
        sidecar["dc:title"] == "Final accuracy"
        and sidecar["dc:source"] == "[tables.final] in resultsbook.toml"
    )
    assert sidecar["dc:description"].startswith("Mean ± std (ddof = 1) over n = 3 seeds")
    columns = sidecar["tableSchema"]["columns"]
    assert [c["name"] for c in columns] == ["method", "dataset", "mean", "std", "n"]
    assert columns[0]["titles"] == "Method" and columns[-1]["datatype"] == "integer"
    lock = read_lock(spec.lock)["tables.final"]
    assert set(lock.outputs) == {"final.csv", "final.csv-metadata.json"}
    assert str(tmp_path / "results/final.csv-metadata.json") in report.written
    # check compares the CSV and its sidecar like any output
    assert all(o.state == "current" for o in check(spec, store).outputs)
    (tmp_path / "results/final.csv").write_text(text.replace("method,", "Method,"))
    states = {Path(o.path).name: o.state for o in check(spec, store).outputs}
    assert states["final.csv"] == "edited" and states["final.csv-metadata.json"] == "current"
    store.close()
