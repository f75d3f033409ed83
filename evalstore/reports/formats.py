"""The report formats, as a registry, and the one guarded writer every report file goes through.

A format is one entry: its name, the file extension, and the function that renders a result as text (each
renderer escapes user data for its own format: ``markdown.md_text``, ``html.escape``, ``json``). A new format is
one more entry. ``write_text`` is the only place a report reaches the disk: it refuses a SQLite database or its
-wal/-shm/-journal files, and writes to a temporary file in the target's folder that replaces the target only
once complete, so a failed write leaves nothing half-written behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
    """Write ``text`` (UTF-8, newlines as given) to ``path``, or raise one readable ``EvalstoreError``.

    Refuses a database or its companion files; the text goes to a temporary file in the same folder first and
    replaces ``path`` in one ``os.replace``, so a reader never sees half a report and a failure leaves no file.
    """
    from ..db import refuse_database_output

    refuse_database_output(path)
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise EvalstoreError(f"{path}: cannot write: no folder {folder}")
    if target.is_dir():
        raise EvalstoreError(f"{path}: cannot write: is a folder")
    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, _file_mode(target))  # mkstemp makes it private; a report is an ordinary file
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        raise EvalstoreError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _file_mode(target: Path) -> int:
    """The mode a plain ``open(target, "w")`` would give: the existing file's, else 0o666 less the umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def write_report(result: dict, fmt: str, output: str | os.PathLike, context=None) -> str:
    """Render ``result`` in ``fmt`` and write it to ``output`` through ``write_text``; returns the text."""
    text = render(result, fmt, context)
    write_text(output, text)
    return text
