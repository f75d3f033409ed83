"""The ``evalstore`` command: one click group of thin commands over the library.

Every user mistake is an ``EvalstoreError``; the one handler (``core.EvalstoreCommand``) prints its message
on stderr and exits 1, never a traceback. Messages go to stderr, data to stdout. Options that several
commands share are written once, in ``options``. The commands live by subject: ``study`` (init, import,
assign, status, export, close, reopen), ``raters``, ``analysis``, ``report``, ``serve`` (serve, demo).
"""

from __future__ import annotations

import click

from .. import __version__
from .analysis import analyze
from .core import EvalstoreGroup
from .options import DEFAULT_BASE_URL
from .raters import add_rater_cmd, deactivate_rater, rater_link
from .report import report as report_command  # the name `report` stays the module
from .serve import demo, serve, streamlit_command
from .study import assign, close_study, export, import_, init, reopen_study, status


@click.group(cls=EvalstoreGroup)
@click.version_option(__version__, prog_name="evalstore")
def cli():
    """evalstore: blinded side-by-side human evaluation of model outputs, stored in SQLite.

    A typical study: init → import → add-rater (×N) → assign → serve (raters judge) → status → export / analyze.
    """


# in the order of a study's life (--help sorts them by name)
for _command in (init, import_, add_rater_cmd, deactivate_rater, assign, status, export, close_study,
                 reopen_study, serve, demo, analyze, report_command):
    cli.add_command(_command)


def main():
    cli(prog_name="evalstore")


__all__ = ["DEFAULT_BASE_URL", "cli", "main", "rater_link", "streamlit_command"]
