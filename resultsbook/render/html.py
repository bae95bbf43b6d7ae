"""The HTML results page, rendered from `report.html.j2` with Jinja2's autoescape: callers pass plain
values (text, numbers, laid-out tables) and the template engine escapes every one of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from resultsbook.render.templates import get_template, html_environment, render_template

REPORT_TEMPLATE = "report.html.j2"
TABLES_TEMPLATE = "tables.html.j2"  # the macros the report draws its tables with


def render_report_page(page: Mapping[str, Any], template_dirs: Sequence[str] = ()) -> str:
    """Return the whole page: `page` holds title, spec_name, db_name and sections (each a mapping with
    anchor, heading, kind — table, figure, numbers or runs — and that kind's plain values)."""
    text = render_template(REPORT_TEMPLATE, template_dirs, page=page)
    return text if text.endswith("\n") else text + "\n"


def render_results_table(layout: Any, template_dirs: Sequence[str] = ()) -> str:
    """Return one laid-out table as HTML, as the report shows it (with its notes): for notebooks."""
    template = get_template(html_environment(tuple(template_dirs)), TABLES_TEMPLATE, template_dirs)
    return str(template.module.results_table(layout))  # type: ignore[attr-defined]
