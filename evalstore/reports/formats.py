"""The report formats, as a registry, and the one guarded writer every report file goes through.

A format is one entry: its name, the file extension, and the function that renders a result as text (each
renderer escapes user data for its own format: ``markdown.md_text``, ``html.escape``, ``json``). A new format is
one more entry. ``write_text`` is the only place a report reaches the disk: it refuses a SQLite database or its
-wal/-shm/-journal files, and writes to a temporary file in the target's folder that replaces the target only
once complete, so a failed write leaves nothing half-written behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import EvalstoreError


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    media_type: str
    render: Callable  # (result, context) -> str
    description: str


def _registry() -> dict[str, Format]:
    from . import render_json, render_metrics
    from .html import render_html
    from .markdown import render_md

    return {f.name: f for f in (
        Format("html", "html", "text/html", render_html, "one self-contained file that opens offline"),
        Format("md", "md", "text/markdown", render_md, "for a pull request or a wiki"),
        Format("json", "json", "application/json", render_json, "the analyze JSON"),
        Format("metrics", "json", "application/json", render_metrics,
               "flat {name: number} JSON for mlflow.log_metrics"),
    )}


#: The names of the report formats, in the order they are offered.
FORMATS = ("html", "md", "json", "metrics")


def get_format(name: str) -> Format:
    formats = _registry()
    if name not in formats:
        raise EvalstoreError(f"report format must be one of {', '.join(formats)}, not {name}")
    return formats[name]


def render(result: dict, fmt: str, context=None) -> str:
    """The report of ``result`` in ``fmt`` (html, md, json or metrics)."""
    return get_format(fmt).render(result, context)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through the one guarded writer (``evalstore.files.write_file``)."""
    from ..files import write_file

    write_file(path, lambda handle: handle.write(text))


def write_report(result: dict, fmt: str, output: str | os.PathLike, context=None) -> str:
    """Render ``result`` in ``fmt`` and write it to ``output`` through ``write_text``; returns the text."""
    text = render(result, fmt, context)
    write_text(output, text)
    return text
