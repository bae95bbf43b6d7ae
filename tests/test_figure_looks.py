"""Every series of one figure has its own colour and marker, even beyond the palette's size, while a
method keeps its project-wide colour where it can; figures of a table follow the table's order."""

from __future__ import annotations

from pathlib import Path

from figure_project import make_project

from resultsbook.outputs.figures import figure_data
from resultsbook.render.figstyle import FigureStyle
from resultsbook.render.palette import assign_looks, figure_looks


def test_values_sharing_a_palette_slot_in_the_project_get_different_colours_in_one_figure() -> None:
    style = FigureStyle()
    project = assign_looks("model", [f"m{i:02d}" for i in range(12)], style)
    assert project["m00"].color == project["m08"].color  # eight colours for twelve methods
    shown = figure_looks(project, ["m00", "m08", "m03"], style)
    assert shown["m00"] == project["m00"] and shown["m03"] == project["m03"]  # kept where possible
    assert len({look.color for look in shown.values()}) == 3
    assert len({look.marker for look in shown.values()}) == 3


def test_more_series_than_colours_are_still_told_apart_by_marker_and_line_style() -> None:
    style = FigureStyle()
    values = [f"m{i:02d}" for i in range(30)]
    looks = figure_looks(assign_looks("model", values, style), values, style)
    assert len(set(looks.values())) == 30  # every (colour, marker, dash) differs
    first = [looks[v] for v in values[: len(style.palette)]]
    assert len({look.color for look in first}) == len(style.palette)  # all colours used before any repeats
    same_colour = {}
    for look in looks.values():
        same_colour.setdefault(look.color, set()).add((look.marker, look.dash))
    assert all(len(pairs) == sum(1 for l in looks.values() if l.color == colour)  # noqa: E741
               for colour, pairs in same_colour.items())  # fmt: skip


def test_a_bar_figure_follows_the_order_of_its_table(tmp_path: Path) -> None:
    spec, store = make_project(
        tmp_path,
        """
        [figures.bars]
        kind = "bar"
        table = "table1"
        outputs = ["figures/bars.svg"]
        """.replace('table = "table1"', 'table = "ordered"')
        + """
        [tables.ordered]
        metric = "acc"
        rows = ["method"]
        columns = ["dataset"]
        order = { method = ["ours", "big", "base"], dataset = ["b", "a"] }
        outputs = ["results/ordered.md"]
        """,
    )
    data = figure_data(spec, spec.figures["bars"], store, store.runs(), {}).data
    assert [key for key, _, _ in data.legend] == ["ours", "big", "base"]
    assert data.groups == ("b", "a")
    assert [item.key for item in data.panels[0].bars[:3]] == ["ours", "big", "base"]
    store.close()
