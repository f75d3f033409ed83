"""Commands on raters: add-rater (prints their link), deactivate-rater."""

from __future__ import annotations

import click

from .core import command, open_to_write
from .options import base_url_option, db_argument, study_option


def rater_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/?token={token}"


@command("add-rater")
@db_argument
@study_option()
@click.option("--name", required=True, help="The rater's display name.")
@base_url_option
def add_rater_cmd(db, study, name, base_url):
    """Add a rater and print their personal link (on the last line). Keep it: only its hash is stored."""
    from ..rating import add_rater

    rater, token = add_rater(open_to_write(db), study, name)
    click.echo(f"rater '{rater.name}' added to study '{rater.study.name}'. Their link:")
    click.echo(rater_link(base_url, token))


@command("deactivate-rater")
@db_argument
@study_option()
@click.option("--name", required=True, help="The rater's display name.")
def deactivate_rater(db, study, name):
    """Turn off a rater's link; `assign` then gives their open work to others."""
    from ..rating import set_rater_active

    set_rater_active(open_to_write(db), study, name, False)
    click.echo(f"rater '{name}' deactivated", err=True)
