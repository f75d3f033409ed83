"""The ``evalstore`` command: thin click commands over the library.

Every user mistake is an ``EvalstoreError``; the group prints its message on
stderr and exits 1 (never a traceback). Messages go to stderr, data to stdout.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import click

from .. import __version__
from ..errors import EvalstoreError

DEFAULT_BASE_URL = "http://localhost:8501"
APP_PATH = Path(__file__).resolve().parents[2] / "app.py"


class EvalstoreGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except EvalstoreError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(1)
        except sqlite3.Error as exc:
            # a locked, damaged or vanished database is the user's to fix, in one line (never a traceback)
            click.echo(f"database error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=EvalstoreGroup)
@click.version_option(__version__, prog_name="evalstore")
def cli():
    """evalstore: blinded side-by-side human evaluation of model outputs, stored in SQLite.

    A typical study: init → import → add-rater (×N) → assign → serve (raters judge) → status → export / analyze.
    """


def _open(db_path: str, create: bool = False):
    from ..db import open_db

    return open_db(db_path, create=create)


def _open_to_read(db_path: str):
    """For commands that only read: nothing is migrated, no journal mode changed, no lock beyond a read's."""
    from ..db import open_db

    return open_db(db_path, readonly=True)


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False))
def init(db):
    """Create an empty study database at DB (or migrate an existing one)."""
    existed = Path(db).exists()
    _open(db, create=True)
    click.echo(f"{'migrated' if existed else 'created'} {db}", err=True)


@cli.command("import")
@click.argument("db", type=click.Path(dir_okay=False))
@click.argument("file", type=click.Path())
@click.option("--study", help="Study to create or add items to (may be left out when the database holds one).")
@click.option("--baseline", help="Baseline system (default: 'base' if present, else the first system).")
@click.option("--layout", type=click.Choice(["wide", "long"]), help="File layout (detected when not given).")
@click.option("--scale", type=click.Choice(["3", "5"]), help="New study: 3-point or 5-point scale [3].")
@click.option("--criteria", help="New study: comma-separated criteria [overall].")
@click.option("--overlap", type=int, help="New study: raters per item [3].")
@click.option("--pairing", type=click.Choice(["vs-baseline", "all-pairs"]), help="New study [vs-baseline].")
@click.option("--instructions", type=click.Path(dir_okay=False),
              help="New study: Markdown file of rater instructions.")
@click.option("--objective", help="New study: what the fine-tune should improve.")
@click.option("--seed", type=int, help="New study: seed for assignment [0].")
@click.option("--require-rationale", is_flag=True, default=None, help="New study: ask a rationale for non-ties.")
def import_(db, file, study, baseline, layout, scale, criteria, overlap, pairing, instructions, objective, seed,
            require_rationale):
    """Import model outputs from FILE (CSV, JSONL or Parquet; wide or long layout) into a study.

    Wide: item_id, prompt, [reference], output_<system>..., [latency_ms_<system>, metric_<name>_<system>],
    other columns = item metadata. Long: item_id, prompt, system, output, [latency_ms, metric_<name>].
    Nothing is written unless the whole file is valid.
    """
    from ..importing import import_file
    from ..studies import get_study

    conn = _open(db, create=True)
    if study is None:
        try:
            study = get_study(conn).name
        except EvalstoreError:
            raise EvalstoreError("--study NAME is required (the study to create or add items to)") from None
    result = import_file(
        conn, file, study=study, baseline=baseline, layout=layout,
        scale=int(scale) if scale else None,
        criteria=[c.strip() for c in criteria.split(",")] if criteria else None,
        overlap=overlap, pairing=pairing,
        instructions=_read_text(instructions) if instructions else None,
        objective=objective, seed=seed, require_rationale=require_rationale)
    verb = "created study" if result.created_study else "study"
    click.echo(f"{verb} '{result.study}' ({', '.join(result.systems)}; {result.layout} layout): "
               f"{result.items_added} items added, {result.items_unchanged} already present", err=True)


def _read_text(path: str) -> str:
    from ..db import is_database_or_companion

    if is_database_or_companion(path):  # its bytes are not ours to read beside a connection (db.is_database)
        raise EvalstoreError(f"{path}: is a SQLite database, not a Markdown file of instructions")
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalstoreError(f"{path}: cannot read instructions ({exc})") from None


@cli.command("add-rater")
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--study", help="Study (may be left out when the database holds one).")
@click.option("--name", required=True, help="The rater's display name.")
@click.option("--base-url", envvar="EVALSTORE_BASE_URL", default=DEFAULT_BASE_URL, show_default=True,
              help="Where raters reach the app (also from EVALSTORE_BASE_URL).")
def add_rater_cmd(db, study, name, base_url):
    """Add a rater and print their personal link (on the last line). Keep it: only its hash is stored."""
    from ..rating import add_rater

    rater, token = add_rater(_open(db), study, name)
    click.echo(f"rater '{rater.name}' added to study '{rater.study.name}'. Their link:")
    click.echo(rater_link(base_url, token))


def rater_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/?token={token}"


@cli.command("deactivate-rater")
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--study")
@click.option("--name", required=True)
def deactivate_rater(db, study, name):
    """Turn off a rater's link; `assign` then gives their open work to others."""
    from ..rating import set_rater_active

    set_rater_active(_open(db), study, name, False)
    click.echo(f"rater '{name}' deactivated", err=True)


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--study")
@click.option("--overlap", type=int, help="Raters per item (default: the study's).")
@click.option("--seed", type=int, help="Random seed (default: the study's).")
def assign(db, study, overlap, seed):
    """Give every item (× pair) to OVERLAP raters, counterbalancing left/right; keeps judged work."""
    from ..assignment import assign_items

    r = assign_items(_open(db), study, overlap=overlap, seed=seed)
    click.echo(f"study '{r.study}': {r.units} units × overlap {r.overlap}; {r.created} assignments created, "
               f"{r.moved} moved, {r.removed} removed (seed {r.seed})", err=True)
    for name, load in r.loads.items():
        click.echo(f"{name}\t{load}")


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--study")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(db, study, fmt):
    """Items, raters, and judgments done/expected."""
    from ..status import study_status

    s = study_status(_open_to_read(db), study)
    if fmt == "json":
        click.echo(json.dumps(s, indent=2))
        return
    click.echo(f"study: {s['study']} ({s['status']}), systems: {', '.join(s['systems'])} "
               f"(baseline {s['baseline']}), scale {s['scale']}, criteria: {', '.join(s['criteria'])}")
    click.echo(f"items: {s['items']}  units: {s['units']}  overlap: {s['overlap']}  raters: {len(s['raters'])}")
    click.echo(f"judgments: {s['judgments_done']} / {s['judgments_expected']} expected "
               f"({s['assignments_done']} of {s['assignments_expected']} assignments done)")
    for r in s["raters"]:
        state = "" if r["active"] else "  (inactive)"
        click.echo(f"  {r['rater']}: {r['done']} / {r['assigned']}{state}")


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--study")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
def export(db, study, fmt, output):
    """Write the canonical judgments table (one row per judgment, system names restored)."""
    from ..judgments import judgments_frame, write_table

    frame = judgments_frame(_open_to_read(db), study)
    write_table(frame, fmt, output)
    if output:
        click.echo(f"{len(frame)} judgments written to {output}", err=True)


def _set_study_status(db: str, study: str | None, status: str) -> str:
    from ..studies import get_study, set_status

    conn = _open(db)
    s = get_study(conn, study)
    set_status(conn, s, status)
    return s.name


@cli.command("close")
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--study")
def close_study(db, study):
    """Close a study: judgments can no longer be added or revised."""
    click.echo(f"study '{_set_study_status(db, study, 'closed')}' closed", err=True)


@cli.command("reopen")
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--study")
def reopen_study(db, study):
    """Reopen a closed study."""
    click.echo(f"study '{_set_study_status(db, study, 'open')}' reopened", err=True)


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--address", default="localhost", show_default=True, help="Interface to listen on.")
def serve(db, port, address):
    """Start the app on DB (headless, usage statistics off). Raters use their links; admins the password."""
    from ..auth import admin_password

    db_path = str(Path(db).resolve())
    conn = _open(db)
    password = admin_password(conn)
    conn.conn.close()  # closed by SQLite before exec, not by the kernel's close-on-exec behind its back
    click.echo(f"admin password: {password}", err=True)
    click.echo(f"app: http://{address}:{port}/", err=True)
    os.execvpe(sys.executable, streamlit_command(db_path, port, address), {**os.environ, "EVALSTORE_DB": db_path})


def streamlit_command(db_path: str, port: int, address: str = "localhost") -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP_PATH),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", address,
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
        "--client.showSidebarNavigation", "false",
        "--server.fileWatcherType", "none",
        "--theme.base", "light",
    ]


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Rebuild DB if it exists.")
@click.option("--base-url", envvar="EVALSTORE_BASE_URL", default=DEFAULT_BASE_URL, show_default=True)
@click.option("--sample-dir", type=click.Path(file_okay=False), help="Where outputs.csv and "
              "judgments.csv are (default: the repository's sample_data/).")
def demo(db, force, base_url, sample_dir):
    """Build the demo database from sample_data/ and print the admin password and a rater link."""
    from ..demo import SAMPLE_DIR, build_demo

    info = build_demo(db, sample_dir=sample_dir or SAMPLE_DIR, force=force)
    click.echo(f"demo study '{info.study}': {info.n_items} items, {info.n_judgments} simulated judgments "
               f"from 3 raters, in {info.db_path}")
    click.echo(f"admin password: {info.admin_password}")
    click.echo(f"rater link: {rater_link(base_url, info.rater_token)}")


# commands that live in their own modules, next to the library code they wrap
from .analysis import analyze  # noqa: E402
from .report import report  # noqa: E402

cli.add_command(analyze)
cli.add_command(report)


def main():
    cli(prog_name="evalstore")


if __name__ == "__main__":
    main()
