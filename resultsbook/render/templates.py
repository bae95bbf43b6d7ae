"""Find and load Jinja2 templates: the user's folders first, then the built-in ones.

jinja2 is imported when a template is first rendered: reading a spec (which names LaTeX options) or
printing a table for the terminal does not pay for it."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from resultsbook.errors import RenderError, closest
from resultsbook.voice import option

if TYPE_CHECKING:
    import jinja2


def builtin_template_dir() -> str:
    """Return the built-in templates folder (inside the installed package, or the source tree's)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    installed = os.path.join(package, "templates")
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(package), "templates")


def template_environment(user_dirs: tuple[str, ...] = ()) -> jinja2.Environment:
    """Return an environment whose delimiters cannot clash with LaTeX braces: ((( x ))), ((* if *))."""
    return _template_environment(_existing(user_dirs))


def html_environment(user_dirs: tuple[str, ...] = ()) -> jinja2.Environment:
    """Return the environment of HTML templates: Jinja2's own delimiters and autoescape on, so every
    value from logs or the spec is escaped by the template engine, not by hand."""
    return _html_environment(_existing(user_dirs))


def _existing(user_dirs: tuple[str, ...]) -> tuple[str, ...]:
    # the environments' cache key: a templates folder made later (during a watch) is searched too
    return tuple(d for d in user_dirs if os.path.isdir(d))


def get_template(environment: jinja2.Environment, name: str, user_dirs: Sequence[str]) -> jinja2.Template:
    """Return a template, loaded again when an override of it was made in a user folder since."""
    template = environment.get_template(name)
    try:
        source = os.path.abspath(template_source_path(name, user_dirs))
    except RenderError:
        return template
    if (
        template.filename is not None
        and os.path.abspath(template.filename) != source
        and environment.cache is not None
    ):
        environment.cache.clear()  # Jinja2 checks only that the file it loaded did not change
        template = environment.get_template(name)
    return template


@functools.cache
def _template_environment(existing: tuple[str, ...]) -> jinja2.Environment:
    import jinja2

    folders = [*existing, builtin_template_dir()]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        block_start_string="((*",
        block_end_string="*))",
        variable_start_string="(((",
        variable_end_string=")))",
        comment_start_string="((=",
        comment_end_string="=))",
        keep_trailing_newline=True,
        trim_blocks=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
    )


@functools.cache
def _html_environment(existing: tuple[str, ...]) -> jinja2.Environment:
    import jinja2

    folders = [*existing, builtin_template_dir()]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=_inert,
    )
    environment.filters["isolate_rtl"] = _isolated
    return environment


def _inert(value: object) -> object:
    """Show the control characters and bidi overrides of a plain text value (from logs) instead of
    letting the page obey them; markup the code made (`Markup`, `tojson`) is left as it is."""
    import markupsafe

    from resultsbook.render.escape import page_inert

    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return page_inert(value)
    return value


def _isolated(value: object) -> object:
    """Escape a plain text value for element content with its right-to-left stretches isolated (the
    `isolate_rtl` filter); markup the code made is left as it is."""
    import markupsafe

    from resultsbook.render.escape import isolate_rtl

    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(isolate_rtl(value, markupsafe.escape))  # as autoescape writes
    return value


def render_template(name: str, user_dirs: Sequence[str] = (), **context: object) -> str:
    """Render a template by name with the given context: LaTeX and Markdown templates (*.j2) take
    values already escaped for their target; HTML templates (*.html.j2) escape every value themselves."""
    import jinja2

    environment = html_environment if name.endswith(".html.j2") else template_environment
    try:
        template = get_template(environment(tuple(user_dirs)), name, user_dirs)
    except jinja2.TemplateNotFound as error:
        raise RenderError(
            f"template {name!r} not found in {', '.join(user_dirs) or 'the built-in templates'}; "
            + _template_hint(name, user_dirs)
        ) from error
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(
            f"template {error.filename}:{error.lineno}: {error.message}; fix the template"
        ) from error
    try:
        return template.render(**context)
    except jinja2.TemplateError as error:  # a user's template naming a value that does not exist
        raise RenderError(f"template {template.filename}: {error}; fix the template") from error


def template_source_path(name: str, user_dirs: Sequence[str] = ()) -> str:
    """Return the file a template name resolves to (its bytes go into the lock digest)."""
    for folder in [*user_dirs, builtin_template_dir()]:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    folders = ", ".join(user_dirs) or "the built-in templates"
    raise RenderError(f"template {name!r} not found in {folders}; {_template_hint(name, user_dirs)}")


def _template_hint(name: str, user_dirs: Sequence[str]) -> str:
    """Return the end of a template-not-found message: the template meant, else where to look."""
    names = [
        entry
        for folder in [*user_dirs, builtin_template_dir()]
        if os.path.isdir(folder)
        for entry in os.listdir(folder)
    ]
    guess = closest(name, names)
    return f"did you mean {guess!r}?" if guess else f"check the name or the {option('templates')} folder"
