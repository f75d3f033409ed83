"""``evalstore report``: a thin click command over ``report.analyze_source`` and the report renderers.

The lead registers it on the ``evalstore`` group (``cli.add_command(report)``). It also runs on its own
(tests call it through click's CliRunner), so it turns user mistakes into one line on stderr and exit 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import EvalstoreError

FORMATS = ("html", "md", "json", "metrics", "csv", "parquet")


@click.command("report")
@click.argument("source", metavar="DB")
@click.option("--study", help="Study to report on when DB holds several.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True,
              help="html: one self-contained file that opens offline; md: for a pull request or a wiki; "
                   "json: the analyze JSON; metrics: flat {name: number} JSON for mlflow.log_metrics; "
                   "csv / parquet: the decoded judgments table (system names restored, one row per judgment).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every bootstrap.")
@click.option("--resamples", type=int, default=2000, show_default=True, help="Bootstrap resamples per interval.")
@click.option("--exclude-rater", "exclude_raters", multiple=True, metavar="ID",
              help="Leave out this rater's judgments (repeatable).")
@click.option("--slice", "slices", multiple=True, metavar="COLUMN",
              help="Break the win rate down by this column (repeatable), e.g. --slice category.")
@click.option("--tie-rule", type=click.Choice(["drop", "half", "against_b"]), default="drop", show_default=True,
              help="How ties enter the headline win rate (every rule is in the tie-sensitivity table).")
@click.option("--scale", type=click.Choice(["3", "5"]),
              help="Preference scale (default: the study's, or inferred from the values).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout; "
              "parquet needs a file).")
@click.option("--generated-at", metavar="ISO-TIME", help="Pin the generation time written in the report "
              "(default: now), e.g. for byte-identical reports in CI.")
def report(source, study, fmt, seed, resamples, exclude_raters, slices, tie_rule, scale, output, generated_at):
    """Write a report of DB (a study database, or a judgments file as `evalstore analyze` reads it).

    The numbers are those of `evalstore analyze` with the same options; the same data and seed give the
    same report apart from the generation time. The report ends with the command that regenerates it.
    """
    try:
        _report(source, study, fmt, seed, resamples, exclude_raters, slices, tie_rule, scale, output, generated_at)
    except EvalstoreError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


def _report(source, study, fmt, seed, resamples, exclude_raters, slices, tie_rule, scale, output, generated_at):
    from .. import reports

    if fmt == "parquet" and not output:
        raise EvalstoreError("Parquet is binary: write it to a file with -o FILE")
    if fmt in ("csv", "parquet"):
        _write_judgments(source, study, fmt, output, exclude_raters, slices)
        return
    result, loaded = reports.analyze_source(
        source, study=study, scale=int(scale) if scale else None, slices=slices, seed=seed, resamples=resamples,
        exclude_raters=exclude_raters, tie_rule=tie_rule)
    result["warnings"] = [*loaded.warnings, *result["warnings"]]  # as `evalstore analyze` (e.g. an inferred scale)
    command = reports.regenerate_command(source, study=loaded.study, fmt=fmt, seed=seed, resamples=resamples,
                                         tie_rule=tie_rule, exclude_raters=exclude_raters, slices=slices,
                                         output=output)
    if scale:
        command[5:5] = ["--scale", scale]
    context = reports.ReportContext(source=str(source), study=loaded.study, command=command,
                                    generated_at=generated_at)
    text = reports.render(result, fmt, context)
    if output:
        from ..db import refuse_database_output

        refuse_database_output(output)
        try:
            Path(output).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise EvalstoreError(f"{output}: cannot write ({exc.strerror or exc})") from None
        click.echo(f"{fmt} report of {result['n_judgments']} judgments written to {output}", err=True)
    else:
        click.echo(text, nl=False)


def _write_judgments(source, study, fmt, output, exclude_raters, slices) -> None:
    """The decoded judgments table: from a database as `evalstore export` writes it, from a file as read."""
    from ..db import is_database, open_db
    from ..judgments import judgments_frame, write_table
    from ..judgments import load_input

    if is_database(source):
        # read-only: a report never migrates the study or changes its journal mode beside a running server
        db = open_db(source, readonly=True)
        try:
            frame = judgments_frame(db, study)
        finally:
            db.conn.close()
    else:
        frame = load_input(source, study=study).frame
    if exclude_raters or slices:
        click.echo("note: --exclude-rater and --slice shape the analysis; the judgments table holds every "
                   "judgment", err=True)
    write_table(frame, fmt, output)
    if output:
        click.echo(f"{len(frame)} judgments written to {output}", err=True)
