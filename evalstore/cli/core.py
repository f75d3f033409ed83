"""What every ``evalstore`` command shares: the one error handler, and opening the database.

A user mistake is an ``EvalstoreError``; a locked, damaged or vanished database is a ``sqlite3.Error``; a
file that cannot be written (``-o /no/such/dir/x.md``) is an ``OSError``. All three are the user's to fix,
so each becomes one line on stderr and exit 1, never a traceback. The handler sits on the command class,
not on the group, so a command invoked on its own (``CliRunner().invoke(report, …)``) answers the same.
"""

from __future__ import annotations

import sqlite3

import click

from ..errors import EvalstoreError


def error_line(exc: EvalstoreError | sqlite3.Error | OSError, ctx: click.Context) -> str:
    """The one line a user sees for ``exc``."""
    if isinstance(exc, EvalstoreError):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        return f"database error: {exc}"
    filename, reason = exc.filename, exc.strerror or str(exc)
    if filename is None:
        return reason
    if str(filename) == str(ctx.params.get("output")):
        return f"{filename}: cannot write ({reason})"
    return f"{filename}: {reason}"


class EvalstoreCommand(click.Command):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (EvalstoreError, sqlite3.Error, OSError) as exc:
            click.echo(error_line(exc, ctx), err=True)
            ctx.exit(1)


class EvalstoreGroup(click.Group):
    command_class = EvalstoreCommand


def command(name: str | None = None, **attrs):
    """``click.command`` with the evalstore error handler (every command is made through here)."""
    return click.command(name, cls=EvalstoreCommand, **attrs)


def open_to_write(db_path: str, create: bool = False):
    from ..db import open_db

    return open_db(db_path, create=create)


def open_to_read(db_path: str):
    """For commands that only read: nothing is migrated, no journal mode changed, no lock beyond a read's."""
    from ..db import open_db

    return open_db(db_path, readonly=True)


# ---------------------------------------------------------------------------------------------------------
# library calls that more than one command makes, each in one place


def run_analysis(source: str, study: str | None, options) -> tuple[dict, object]:
    """Load ``source`` (a study database or a judgments file) and analyse it with the parsed
    ``AnalysisOptions``. Returns ``(result, loaded)``."""
    from ..analysis import analyze
    from ..judgments import load_input

    loaded = load_input(source, study=study, scale=options.scale)
    return analyze(loaded, options), loaded


def database_judgments(db_path: str, study: str | None):
    """The canonical judgments table of a study database, read-only (safe beside a running server)."""
    from ..judgments import judgments_frame

    db = open_to_read(db_path)
    try:
        return judgments_frame(db, study)
    finally:
        db.conn.close()


def write_judgments(frame, fmt: str, output: str | None, raw: bool = False) -> None:
    """The judgments writer (csv, jsonl or parquet; stdout without ``output``), then a count on stderr."""
    from ..judgments import write_table

    write_table(frame, fmt, output, raw=raw)
    if output:
        click.echo(f"{len(frame)} judgments written to {output}", err=True)
