"""Commands that start something for people: serve (the app) and demo (a study to try it on)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..errors import EvalstoreError
from .core import command, open_to_write
from .options import base_url_option, db_argument
from .raters import rater_link


@command()
@db_argument
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--address", default="localhost", show_default=True, help="Interface to listen on.")
def serve(db, port, address):
    """Start the app on DB (headless, usage statistics off). Raters use their links; admins the password."""
    from ..auth import admin_password

    db_path = str(Path(db).resolve())
    argv = streamlit_command(db_path, port, address)  # before the password: a missing app is the only line
    conn = open_to_write(db)
    password = admin_password(conn)
    conn.conn.close()  # closed by SQLite before exec, not by the kernel's close-on-exec behind its back
    click.echo(f"admin password: {password}", err=True)
    click.echo(f"app: http://{address}:{port}/", err=True)
    os.execvpe(sys.executable, argv, {**os.environ, "EVALSTORE_DB": db_path})


def streamlit_command(db_path: str, port: int, address: str = "localhost") -> list[str]:
    from ..bundle import app_path

    app = app_path()
    if not app.is_file():
        raise EvalstoreError(f"{app}: the app is missing (reinstall evalstore)")
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
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


@command()
@db_argument
@click.option("--force", is_flag=True, help="Rebuild DB if it exists.")
@base_url_option
@click.option("--sample-dir", type=click.Path(file_okay=False), help="Where outputs.csv and "
              "judgments.csv are (default: the sample data that comes with evalstore).")
def demo(db, force, base_url, sample_dir):
    """Build the demo database from sample_data/ and print the admin password and a rater link."""
    from ..demo import SAMPLE_DIR, build_demo

    info = build_demo(db, sample_dir=sample_dir or SAMPLE_DIR, force=force)
    click.echo(f"demo study '{info.study}': {info.n_items} items, {info.n_judgments} simulated judgments "
               f"from 3 raters, in {info.db_path}")
    click.echo(f"admin password: {info.admin_password}")
    click.echo(f"rater link: {rater_link(base_url, info.rater_token)}")
