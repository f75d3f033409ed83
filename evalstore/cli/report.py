"""``evalstore report``: one analysis rendered as HTML, Markdown, JSON or metrics, or the judgments table."""

from __future__ import annotations

import click

from ..errors import EvalstoreError
from .core import command, database_judgments, run_analysis, write_judgments
from .options import analysis_options, output_options, study_option

FORMATS = ("html", "md", "json", "metrics", "csv", "parquet")
TABLE_FORMATS = ("csv", "parquet")


@command("report")
@click.argument("source", metavar="DB")
@study_option("Study to report on when DB holds several.")
@output_options(FORMATS, default="html", output_help="; parquet needs a file",
                help="html: one self-contained file that opens offline; md: for a pull request or a wiki; "
                     "json: the analyze JSON; metrics: flat {name: number} JSON for mlflow.log_metrics; "
                     "csv / parquet: the decoded judgments table (system names restored, one row per judgment).")
@analysis_options
@click.option("--generated-at", metavar="ISO-TIME", help="Pin the generation time written in the report "
              "(default: now), e.g. for byte-identical reports in CI.")
def report(source, study, fmt, output, analysis, generated_at):
    """Write a report of DB (a study database, or a judgments file as `evalstore analyze` reads it).

    The numbers are those of `evalstore analyze` with the same options; the same data and seed give the
    same report apart from the generation time. The report ends with the command that regenerates it.
    """
    if fmt in TABLE_FORMATS:
        _write_judgments(source, study, fmt, output, analysis)
        return
    from .. import reports

    result, loaded = run_analysis(source, study, analysis)
    command = reports.regenerate_command(source, analysis, study=loaded.study, fmt=fmt, output=output)
    context = reports.ReportContext(source=str(source), study=loaded.study, command=command,
                                    generated_at=generated_at)
    if output:
        reports.write_report(result, fmt, output, context)
        click.echo(f"{fmt} report of {result['n_judgments']} judgments written to {output}", err=True)
    else:
        click.echo(reports.render(result, fmt, context), nl=False)


def _write_judgments(source, study, fmt, output, analysis) -> None:
    """The decoded judgments table: from a database as `evalstore export` writes it, from a file as read."""
    from ..db import is_database
    from ..judgments import load_input

    if fmt == "parquet" and not output:
        raise EvalstoreError("Parquet is binary: write it to a file with -o FILE")
    frame = database_judgments(source, study) if is_database(source) else load_input(source, study=study).frame
    if analysis.exclude_raters or analysis.slices:
        click.echo("note: --exclude-rater and --slice shape the analysis; the judgments table holds every "
                   "judgment", err=True)
    write_judgments(frame, fmt, output)
