"""``evalstore analyze``: win rates, agreement and significance, as JSON or a Markdown report."""

from __future__ import annotations

import json

import click

from .core import command, run_analysis
from .options import analysis_options, study_option


@command("analyze")
@click.argument("input_path", metavar="INPUT")
@study_option("Study to analyse when INPUT is a database holding several.")
@click.option(
    "--format", "output_format", type=click.Choice(["json", "md"]), default="json", show_default=True,
    help="json: every number, unrounded (stable keys); md: a readable report.",
)
@analysis_options
def analyze_command(input_path, study, output_format, analysis):
    """Win rates, agreement and significance from INPUT: a judgments file (CSV, JSONL, Parquet in the
    canonical layout) or a study database.

    Required columns: item_id, rater_id, system_a, system_b, preference (negative = system_a better,
    positive = system_b better, 0 = tie, empty = skipped). Prompts are the unit of inference: intervals
    resample items with all their judgments. Same input and seed give the same output.
    """
    result, _loaded = run_analysis(input_path, study, analysis)
    if output_format == "md":
        from ..reports.markdown import render_markdown

        click.echo(render_markdown(result), nl=False)
    else:
        # allow_nan=False: the engine never yields NaN; if it ever did, fail loudly rather than write bad JSON.
        click.echo(json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False))


#: The name ``evalstore.cli`` registers.
analyze = analyze_command
