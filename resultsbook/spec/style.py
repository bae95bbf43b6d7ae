"""`[style]`: the look every figure starts from. Apart from `[figures.NAME]` (spec/figures.py), whose
query and plotting modules a spec without figures does not load."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resultsbook.render.figstyle import FigureStyle, parse_style, venue_style
from resultsbook.render.venues import Venue
from resultsbook.spec.keys import check_keys, mapping_at

# the keys of [style] (a figure takes them too), with the line the reference page prints for each
STYLE_KEYS = {
    "width": "figure width in `in`, `cm`, `mm`, `pt` (TeX points) or `bp`; with a `venue`, `column`, `text` "
    'or a fraction such as `"0.48text"` [default: `"3.25in"`, or the venue\'s column]',
    "height": "figure height [default: width × `aspect` per row of panels (≥ 1.2in), "
    "+ 0.3in for a top legend]",
    "aspect": "panel height / panel width [default: 0.62]",
    "font": "`times` (default, or the venue's), `cm`, `serif`, `sans` or an installed font's name; PGF uses "
    "the document's font",
    "font_size": "text size in points; ticks and legend one point smaller [default: 8, or the venue's "
    "caption size]",
    "dpi": "PNG resolution [default: 300]",
    "palette": "`okabe-ito` (default), `tol-bright`, `tol-muted` (colour-blind safe) or a list of `#rrggbb`",
    "markers": 'matplotlib markers, paired with the colours [default: `["o", "s", "^", "D", "v", …]`]',
    "colors": 'a fixed colour for a value, e.g. `{ model = { ours = "#D55E00" } }`',
    "order": 'values that take the first colours and legend places, e.g. `{ model = ["ours", "baseline"] }` '
    "(in a figure: its legend's order only)",
    "legend": "`top` (default), `right`, `inside` or `none`",
    "line_width": "line width in points [default: 1.2]",
    "band_alpha": "opacity of the bands [default: 0.2]",
}


def read_style(document: Mapping[str, Any], where: str, venue: Venue | None = None) -> FigureStyle:
    """Read `[style]`, the look every figure starts from (the venue's sizes and fonts by default)."""
    entry = mapping_at(document, "style", where, "the top level")
    check_keys(entry, STYLE_KEYS, where, "[style]")
    return parse_style(entry, venue_style(venue), f"{where}: [style]", venue)
