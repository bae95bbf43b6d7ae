"""Venue presets: the page of a paper template, measured, so that figures are \\columnwidth-exact and
the preview typesets on the venue's page.

Every width is what `\\the\\columnwidth` and `\\the\\textwidth` print in a document that loads the
venue's own style file (measured with pdflatex, TeX Live 2022); `source` names the file and the
settings the numbers come from. The style files themselves are not part of resultsbook: the preview
imitates their page with the geometry package. tueplots (PyPI) has similar sizes for some of these
venues; resultsbook keeps its own table so that it also covers ACL, IEEE and LNCS, states its
sources, and adds no dependency for a few numbers.

Figure text is set at the venue's caption size, at most 9 pt (tick labels and legends one point
smaller), in the venue's text font.
"""

from __future__ import annotations

from dataclasses import dataclass

from resultsbook.errors import RenderError, closest

PT_PER_IN = 72.27


@dataclass(frozen=True)
class Venue:
    """One venue's page: columns, widths in TeX points, paper, fonts, and the packages its template loads."""

    name: str
    title: str
    columns: int
    column_width: float  # pt, as \the\columnwidth prints in the venue's template
    text_width: float  # pt
    column_sep: float  # pt
    text_height: float  # pt
    paper: str  # geometry's paper option
    font_size: str  # the class option: 10pt, 11pt
    font: str  # figure font: times or cm (Computer Modern)
    figure_font_size: float  # pt
    font_package: str  # the preamble line that sets the text font ("" for Computer Modern)
    template_packages: tuple[str, ...]  # preamble lines of the venue's example paper that outputs rely on
    source: str
    table_font: str = ""  # the size the class sets table floats in (IEEEtran: \footnotesize), "" normal
    class_tweaks: tuple[str, ...] = ()  # preamble lines doing what the class does to the text's widths

    def width(self, name: str) -> float:
        """Return `column` or `text` width in inches."""
        return (self.column_width if name == "column" else self.text_width) / PT_PER_IN


VENUES = {
    venue.name: venue
    for venue in (
        Venue(
            "icml",
            "ICML 2025",
            2,
            234.8775,
            487.8225,
            18.06749,
            650.43,
            "letterpaper",
            "10pt",
            "times",
            8,
            r"\usepackage{times}",
            (),
            "icml2025.sty: \\textwidth 6.75in, \\columnsep 0.25in, \\textheight 9in, \\twocolumn, times; "
            "captions \\footnotesize",
        ),
        Venue(
            "neurips",
            "NeurIPS 2024",
            1,
            397.48499,
            397.48499,
            10.0,
            650.43,
            "letterpaper",
            "10pt",
            "times",
            9,
            r"\usepackage{times}",
            (r"\usepackage[T1]{fontenc}",),
            "neurips_2024.sty: textwidth=5.5in, textheight=9in, \\rmdefault ptm; the example paper loads "
            "T1 fontenc",
        ),
        Venue(
            "iclr",
            "ICLR 2024",
            1,
            397.48499,
            397.48499,
            10.0,
            650.43,
            "letterpaper",
            "10pt",
            "times",
            9,
            r"\usepackage{times}",
            (),
            "iclr2024_conference.sty: \\textwidth 5.5 true in, \\textheight 9.0 true in; the example paper "
            "loads times",
        ),
        Venue(
            "aaai",
            "AAAI 2025",
            2,
            239.39438,
            505.89,
            27.10124,
            650.43,
            "letterpaper",
            "10pt",
            "times",
            9,
            r"\usepackage{times}",
            (),
            "aaai25.sty: \\textwidth 7.0in, \\columnsep 0.375in, \\textheight 9.0in, \\twocolumn; "
            "\\footnotesize is 9 pt; the example paper loads times",
        ),
        Venue(
            "acl",
            "ACL (acl.sty)",
            2,
            219.08614,
            455.24411,
            17.07182,
            704.60031,
            "a4paper",
            "11pt",
            "times",
            9,
            r"\usepackage{times}",
            (r"\usepackage[T1]{fontenc}",),
            "acl.sty: A4, margin=2.5cm, \\columnsep 0.6cm, \\twocolumn; acl_latex.tex: 11pt, times, "
            "T1 fontenc",
        ),
        Venue(
            "ieee",
            "IEEE conference (IEEEtran)",
            2,
            252.0,
            516.0,
            12.0,
            672.0,
            "letterpaper",
            "10pt",
            "times",
            8,
            r"\usepackage{times}",
            (),
            "IEEEtran.cls [conference], letter paper, 10pt: \\columnwidth 252pt, \\textwidth 516pt; "
            "captions \\footnotesize; tables \\footnotesize (its \\@floatboxreset); interword space 0.35em "
            "(its \\@IEEEtunefonts); \\_ a 0.5em rule (its \\textunderscore); \\small 9/10pt, \\footnotesize "
            "8/9pt, \\lineskip 0pt",
            table_font=r"\footnotesize",
            # IEEEtran widens the space between words to 0.35em (bold 0.375em) in upright and italic
            # text, and draws \_ as a 0.5em rule (article: 0.36em): tables get wider
            class_tweaks=(
                r"\AtBeginDocument{{\def\rbtune{\fontdimen2\font=0.35em{\bfseries\fontdimen2\font=0.375em}}"
                r"\def\rbshapes{\normalfont\rbtune\itshape\rbtune}"
                r"\tiny\rbshapes\scriptsize\rbshapes\footnotesize\rbshapes\small\rbshapes\normalsize\rbshapes}}",
                r"\DeclareTextCommandDefault{\textunderscore}"
                r"{\leavevmode\vbox{\hrule width 0.5em height 0.5pt\kern-0.3ex}}",
                # and its \small and \footnotesize lines are 10pt and 9pt apart (article: 11pt, 9.5pt)
                r"\makeatletter\renewcommand\small{\@setfontsize\small\@ixpt{10}}"
                r"\renewcommand\footnotesize{\@setfontsize\footnotesize\@viiipt{9}}\makeatother",
                # the class sets its text in Times at once: booktabs' rule spacing (in ex) is of Times;
                # lines that would touch get no \lineskip (LaTeX's default; article's is 1pt)
                r"\normalfont\setlength{\lineskip}{0pt}\setlength{\normallineskip}{0pt}",
            ),
        ),
        Venue(
            "lncs",
            "Springer LNCS (llncs)",
            1,
            347.12354,
            347.12354,
            10.0,
            549.13828,
            "a4paper",
            "10pt",
            "cm",
            9,
            "",
            (),
            "llncs.cls: \\textwidth 12.2cm, \\textheight 19.3cm, Computer Modern 10pt; captions \\small; "
            "floats \\small (its \\@floatboxreset); \\tabcolsep 1.4pt; \\footnotesize is \\small",
            table_font=r"\small",
            # llncs sets notes in \small too: its \footnotesize is \small
            class_tweaks=(
                r"\setlength{\tabcolsep}{1.4pt}\setlength{\arraycolsep}{1.4pt}\let\footnotesize\small",
            ),
        ),
        Venue(
            "acm",
            "ACM conference (acmart sigconf)",
            2,
            241.14749,
            506.295,
            24.0,
            626.0,
            "letterpaper",
            "9pt",
            "libertine",
            9,
            r"\IfFileExists{libertine.sty}{\usepackage{libertine}}{}",
            (),
            "acmart.cls [sigconf], TeX Live 2022: \\columnwidth 241.14749pt, \\textwidth 506.295pt, "
            "\\columnsep 24pt, \\textheight 626pt, letter paper, 9pt; captions and tables 9pt; "
            "\\tabcolsep 5pt; Linux Libertine when the libertine package is installed (else acmart sets "
            "Computer Modern)",
            class_tweaks=(r"\setlength{\tabcolsep}{5pt}",),
        ),
        Venue(
            "cvpr",
            "CVPR (author kit)",
            2,
            237.13594,
            496.85625,
            22.58437,
            641.39624,
            "letterpaper",
            "10pt",
            "times",
            9,
            r"\usepackage{times}",
            (r"\usepackage{amssymb}",),
            "cvpr.sty (cvpr-org/author-kit): \\textwidth 6.875in, \\columnsep 0.3125in; captions \\small; "
            "loads times and amssymb",
        ),
    )
}


def venue_preset(name: str) -> Venue:
    """Return a venue preset by name (case-insensitive), or say which exist."""
    venue = VENUES.get(name.strip().lower())
    if venue is None:
        guess = closest(name.strip(), VENUES)
        presets = ", ".join(VENUES)
        said = f"did you mean {guess!r}? (presets: {presets})" if guess is not None else f"presets: {presets}"
        raise RenderError(f"no venue preset {name!r}; {said}")
    return venue


def geometry_preamble(venue: Venue) -> list[str]:
    """Return the preamble that imitates a venue's page with the geometry package (its style file is
    not needed): class options, geometry, the text font, the size of its tables and the packages its
    template loads."""
    geometry = (
        f"{venue.paper}, textwidth={venue.text_width}pt, textheight={venue.text_height}pt, "
        f"columnsep={venue.column_sep}pt, centering"
    )
    lines = [rf"\usepackage[{geometry}]{{geometry}}"]
    if venue.font_package:
        lines.append(venue.font_package)
    if venue.table_font:  # as the class does: table floats in a smaller size
        lines.append(
            r"\makeatletter\g@addto@macro\@floatboxreset{\def\rb@table{table}"
            rf"\ifx\@captype\rb@table{venue.table_font}\fi}}\makeatother"
        )
    return lines + list(venue.class_tweaks) + list(venue.template_packages)


def document_class(venue: Venue) -> str:
    """Return the class that sets a venue's text size: article, or extarticle for 8 and 9 pt."""
    return "article" if venue.font_size in ("10pt", "11pt", "12pt") else "extarticle"


def class_options(venue: Venue) -> list[str]:
    """Return the article class options of a venue's page."""
    return [venue.font_size, *(["twocolumn"] if venue.columns == 2 else [])]
