"""How figures look: size in paper units, fonts, a colour-blind-safe palette, and the explicit
matplotlib settings that make every figure the same bytes on every rebuild."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from resultsbook.errors import SpecError, closest
from resultsbook.render.venues import VENUES, Venue

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. Yellow comes late because it is faint on white paper.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
# Paul Tol's qualitative schemes (personal.sron.nl/~pault), also colour-blind safe.
TOL_BRIGHT = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")
TOL_MUTED = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
)
PALETTES = {"okabe-ito": OKABE_ITO, "tol-bright": TOL_BRIGHT, "tol-muted": TOL_MUTED}
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
FONTS = {
    # family list (fallback order) and the mathtext set used for tick offsets such as x10^6
    "times": (["STIXGeneral", "DejaVu Serif"], "stix"),
    "serif": (["DejaVu Serif"], "dejavuserif"),
    "sans": (["DejaVu Sans"], "dejavusans"),
    "cm": (["cmr10", "DejaVu Serif"], "cm"),  # Computer Modern, as LaTeX's default (Springer LNCS)
    # acmart's text font (its `libertine` package); matplotlib ships none of these, STIX stands in
    "libertine": (
        ["Linux Libertine O", "Linux Libertine", "Libertinus Serif", "STIXGeneral", "DejaVu Serif"],
        "stix",
    ),
}
LEGENDS = ("top", "right", "inside", "none")
_UNITS = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72.27, "bp": 1 / 72.0}
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(in|cm|mm|pt|bp)\s*$")
_VENUE_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)?\s*(column|text)\s*$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class FigureStyle:
    """Size, fonts, colours and markers shared by the figures of a project (overridable per figure)."""

    width: float = 3.25  # inches
    height: float | None = None  # inches; None: width * aspect (per facet row)
    aspect: float = 0.62
    font: str = "times"
    font_size: float = 8.0
    dpi: int = 300
    palette: tuple[str, ...] = OKABE_ITO
    markers: tuple[str, ...] = MARKERS
    colors: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # key -> value text -> colour
    order: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)  # key -> values placed first
    legend: str = "top"
    line_width: float = 1.2
    band_alpha: float = 0.2


def parse_length(text: Any, where: str, venue: Venue | None = None) -> float:
    """Return a length in inches from `3.25in`, `8.5cm`, `85mm`, `241.14749pt` (TeX points), `72bp`,
    or, with a venue preset, `column`, `text` or a fraction such as `0.48text`."""
    relative = _VENUE_LENGTH.match(str(text))
    if relative is not None:
        if venue is None:
            raise SpecError(
                f'{where} = {text!r} needs a venue preset: venue = "icml" at the top of the spec '
                f'(presets: {", ".join(VENUES)}), or a length such as "3.25in"'
            )
        return float(relative.group(1) or 1.0) * venue.width(relative.group(2))
    found = _LENGTH.match(str(text))
    word = str(text).lstrip("0123456789.")
    fraction = str(text)[: len(str(text)) - len(word)]
    meant = closest(word, ("column", "text")) if found is None and venue is not None and word else None
    if meant is not None:  # `colum`, `0.48txt`: a venue's width misspelt
        raise SpecError(f"{where} = {text!r} is not a length; did you mean {fraction + meant!r}?")
    if found is None:
        raise SpecError(
            f'{where} = {text!r} is not a length; write e.g. "3.25in", "8.5cm", "column" (with a venue '
            'preset) or, for a LaTeX \\columnwidth, the points \\the\\columnwidth prints: "241.14749pt"'
        )
    return float(found.group(1)) * _UNITS[found.group(2)]


def venue_style(venue: Venue | None) -> FigureStyle:
    """Return the style figures start from: the defaults, or a venue's column width, font and size."""
    if venue is None:
        return FigureStyle()
    return FigureStyle(width=venue.width("column"), font=venue.font, font_size=venue.figure_font_size)


def parse_style(
    entry: Mapping[str, Any], base: FigureStyle, where: str, venue: Venue | None = None
) -> FigureStyle:
    """Return `base` with the style keys of a spec entry applied (`[style]` or one figure's keys)."""
    changes: dict[str, Any] = {}
    if "width" in entry:
        changes["width"] = parse_length(entry["width"], f"{where} width", venue)
    if "height" in entry:
        changes["height"] = parse_length(entry["height"], f"{where} height", venue)
    for key, most in (("aspect", 10.0), ("font_size", 72.0), ("line_width", 20.0), ("band_alpha", 1.0)):
        if key in entry:
            changes[key] = _positive(entry[key], f"{where} {key}", most)
    if "dpi" in entry:
        changes["dpi"] = int(_positive(entry["dpi"], f"{where} dpi", 2400.0))
    if "font" in entry:
        changes["font"] = str(entry["font"])
    if "legend" in entry:
        if entry["legend"] not in LEGENDS:
            raise SpecError(f"{where} legend = {entry['legend']!r}; use one of {', '.join(LEGENDS)}")
        changes["legend"] = entry["legend"]
    if "palette" in entry:
        changes["palette"] = _palette(entry["palette"], where)
    if "markers" in entry:
        markers = entry["markers"]
        if not isinstance(markers, list) or not markers:
            raise SpecError(f'{where} markers must be a list of matplotlib markers, e.g. ["o", "s", "^"]')
        changes["markers"] = tuple(str(m) for m in markers)
    if "colors" in entry:
        changes["colors"] = _colors(entry["colors"], where)
    if "order" in entry:
        order = entry["order"]
        if not isinstance(order, Mapping) or not all(isinstance(v, list) for v in order.values()):
            raise SpecError(
                f'{where} order must map keys to value lists, e.g. order = {{ model = ["a", "b"] }}'
            )
        changes["order"] = {str(k): tuple(v) for k, v in order.items()}
    return FigureStyle(**{**base.__dict__, **changes})


def _positive(value: Any, where: str, most: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= most:
        raise SpecError(f"{where} = {value!r} must be a number above 0 and at most {most:g}")
    return float(value)


def _palette(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        if value not in PALETTES:
            meant = closest(value, PALETTES)
            hint = f"did you mean {meant!r}? (" if meant else ""
            raise SpecError(
                f"{where} palette = {value!r}; {hint}use {', '.join(PALETTES)} or a list of #rrggbb colours"
                + (")" if meant else "")
            )
        return PALETTES[value]
    if not isinstance(value, list) or not value or not all(_COLOR.match(str(c)) for c in value):
        raise SpecError(f'{where} palette must be a name or a list of colours like ["#0072B2", "#D55E00"]')
    return tuple(str(c) for c in value)


def _colors(value: Any, where: str) -> dict[str, dict[str, str]]:
    if not isinstance(value, Mapping):
        raise SpecError(
            f'{where} colors must map keys to colours by value, e.g. colors.model = {{ mlp = "#0072B2" }}'
        )
    out: dict[str, dict[str, str]] = {}
    for key, mapping in value.items():
        if not isinstance(mapping, Mapping) or not all(_COLOR.match(str(c)) for c in mapping.values()):
            raise SpecError(f'{where} colors.{key} must map values to "#rrggbb" colours')
        out[str(key)] = {str(k): str(c) for k, c in mapping.items()}
    return out


def font_families(font: str) -> list[str]:
    """Return the families a figure font names, in the order matplotlib should try them."""
    return FONTS.get(font, ([font, "DejaVu Sans"], ""))[0]


def installed_families(font: str) -> list[str]:
    """Return the families of a figure font that matplotlib has (it logs each one it lacks, at every
    text drawn): DejaVu Sans, which it ships, when none is."""
    return [family for family in font_families(font) if font_file(family) is not None] or ["DejaVu Sans"]


@functools.cache
def font_file(family: str) -> str | None:
    """Return the file matplotlib draws a font family from, or None when it is not installed."""
    from matplotlib import font_manager

    try:
        found = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        return str(found)
    except ValueError:
        return None


def rc_params(style: FigureStyle, pgf: bool, preamble: Sequence[str] = ()) -> dict[str, Any]:
    """Return every matplotlib setting a figure depends on, so no matplotlibrc changes the output;
    `preamble` is what LaTeX needs to measure a PGF figure's labels."""
    _, mathtext = FONTS.get(style.font, ([style.font, "DejaVu Sans"], "dejavusans"))
    families = installed_families(style.font)
    size = style.font_size
    small = max(size - 1, 5.0)
    return {
        "font.family": "serif" if pgf else families,
        "font.size": size,
        "axes.titlesize": size,
        "axes.labelsize": size,
        "xtick.labelsize": small,
        "ytick.labelsize": small,
        "legend.fontsize": small,
        "figure.titlesize": size,
        "mathtext.fontset": mathtext,
        "axes.formatter.use_mathtext": False,
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.linewidth": 0.4,
        "grid.alpha": 0.5,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "xtick.major.size": 2.5,
        "ytick.major.size": 2.5,
        "lines.linewidth": style.line_width,
        "lines.markersize": 3.5,
        "errorbar.capsize": 2.0,
        "legend.frameon": False,
        "legend.handlelength": 1.8,
        "legend.columnspacing": 1.2,
        "figure.constrained_layout.use": True,
        "figure.constrained_layout.h_pad": 0.02,
        "figure.constrained_layout.w_pad": 0.02,
        "savefig.dpi": style.dpi,
        "savefig.bbox": None,  # a tight bbox would change the size the spec asked for
        "pdf.fonttype": 42,  # TrueType: accepted by conference checkers, unlike Type 3
        "svg.fonttype": "path",
        "svg.hashsalt": "resultsbook",
        "pgf.rcfonts": False,  # text is typeset in the paper's own font
        "pgf.texsystem": "pdflatex",
        "pgf.preamble": "\n".join(preamble),
        "path.simplify": True,
    }
