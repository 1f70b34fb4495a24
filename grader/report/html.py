"""The HTML side of the reports: one Jinja environment, the page's security policy, inline images.

Every page is a single self-contained file: CSS inline, plots as inline SVG,
the students' figures as ``data:`` URIs, at most one script of ours.
Student-controlled text (submission names, messages, tracebacks, printed output)
only ever reaches a page through autoescaped template variables (or, inside a
plot, through :func:`markupsafe.escape` in :mod:`grader.report.plots`), and each page carries a Content-Security-Policy
that forbids any network access and runs no script but ours (pinned by its
hash), so even a mistake in escaping could not run a student's ``<script>``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
import markupsafe

from grader.png import png_size

_TEMPLATES = resources.files("grader.report") / "templates"


@dataclass(frozen=True)
class Image:
    """A PNG ready for ``<img>``: its ``data:`` URI and pixel size (so the layout does not jump)."""

    uri: str
    width: int
    height: int


def inline_png(data: bytes) -> Image:
    """``data`` must already be a PNG that :func:`grader.png.sanitize_png` accepted (a figure from a record)."""
    width, height = png_size(data)
    return Image(uri="data:image/png;base64," + base64.b64encode(data).decode("ascii"), width=width, height=height)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (_TEMPLATES / name).read_text(encoding="utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_ENV = _environment()


def security_policy(script: str | None) -> str:
    """No fetches of any kind; inline styles and ``data:`` images only; our script by hash, or none."""
    scripts = "'none'"
    if script is not None:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        scripts = f"'sha256-{digest}'"
    return f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src {scripts}; base-uri 'none'; form-action 'none'"


def sort_script() -> str:
    return (_TEMPLATES / "sort_table.js").read_text(encoding="utf-8")


def render(template: str, page: Any, script: str | None = None) -> str:
    """Render a page template; ``script`` (ours, never student text) is inlined and allowed by hash."""
    # The policy is our own constant text (no student data): inserted as is, so the page source reads plainly.
    return _ENV.get_template(template).render(page=page, script=script, csp=markupsafe.Markup(security_policy(script)))


__all__ = ["Image", "inline_png", "render", "security_policy", "sort_script"]
