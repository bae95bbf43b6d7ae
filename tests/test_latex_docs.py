"""docs/latex.md cannot rot: its example documents compile with generated tables, its TOML reads."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from conftest import ROOT
from figure_project import make_project
from paper_pages import compile_page, describe

from resultsbook.outputs.build import build

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOC = (ROOT / "docs/latex.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


TABLES = """
[tables.table1]
metric = "acc"
rows = ["method"]
columns = ["dataset"]
style = "siunitx-S"
multirow = true
outputs = ["results/table1.tex"]

[tables.siunitx_own]
metric = "acc"
rows = ["method"]
columns = ["dataset"]
style = "siunitx"
siunitx = ""
outputs = ["results/siunitx_own.tex"]
"""


def test_the_documented_preambles_compile_with_generated_tables(tmp_path: Path) -> None:
    t1 = TABLES.replace("[tables.table1]", "[tables.t1]").replace("results/table1.tex", "results/t1.tex")
    spec, store = make_project(tmp_path, t1)
    build(spec, store)
    store.close()
    assert r"\sisetup" not in (tmp_path / "results/siunitx_own.tex").read_text()
    documents = [block for block in blocks("latex") if block.startswith(r"\documentclass")]
    assert len(documents) == 2
    for index, document in enumerate(documents):
        folder = tmp_path / f"doc{index}"
        (folder / "results").mkdir(parents=True)
        for table in (tmp_path / "results").glob("*.tex"):
            if table.name != "table1.tex":  # the documents input the siunitx-S table (t1) by that name
                name = "table1.tex" if table.name == "t1.tex" else table.name
                (folder / "results" / name).write_text(table.read_text())
        head, _, rest = document.partition(r"\begin{document}")
        body = rest.rpartition(r"\end{document}")[0]
        options = re.match(r"\\documentclass(?:\[([^\]]*)\])?\{article\}", head)
        assert options is not None
        preamble = head.splitlines()[1:]
        generated = list((folder / "results").glob("*.tex"))
        compiled = compile_page(folder, body, generated, options.group(1) or "", preamble, packages=())
        assert compiled.generated_overfull == [], describe(compiled.generated_overfull)


def test_the_documented_toml_reads(tmp_path: Path) -> None:
    from resultsbook.spec.labels import read_labels

    documents = [tomllib.loads(block) for block in blocks("toml")]
    labels = next(d["labels"] for d in documents if "labels" in d)
    read_labels(labels, "docs/latex.md")
    venue_block = next(block for block in blocks("toml") if block.startswith("venue"))
    top, _, figures = venue_block.partition("\n")
    ablation = next(block for block in blocks("toml") if "ablation" in block)
    extra = (figures + ablation).replace("paper/figures/", "figures/").replace("paper/results/", "results/")
    extra = extra.replace('"test/acc"', '"acc"').replace('"val/acc"', '"acc"').replace("model", "method")
    spec, store = make_project(tmp_path, extra, top=top + "\n")
    build(spec, store)
    assert spec.venue is not None and spec.venue.name == "icml"
    assert spec.figures["curve"].style.width == spec.venue.width("text")
    store.close()
