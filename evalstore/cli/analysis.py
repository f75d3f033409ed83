"""``evalstore analyze``: a thin click command over ``judgments.load_input`` and ``analysis.analyze``.

Registered on the ``evalstore`` group with ``cli.add_command(analyze_command)``. It also runs on its own
(tests call it through click's CliRunner), so it turns user mistakes into one line on stderr and exit 1.
"""

from __future__ import annotations

import json
import sys

import click

from ..errors import EvalstoreError


@click.command("analyze")
@click.argument("input_path", metavar="INPUT")
@click.option("--study", help="Study to analyse when INPUT is a database holding several.")
@click.option(
    "--format", "output_format", type=click.Choice(["json", "md"]), default="json", show_default=True,
    help="json: every number, unrounded (stable keys); md: a readable report.",
)
@click.option("--slice", "slices", multiple=True, metavar="COLUMN",
              help="Break the win rate down by this column (repeatable), e.g. --slice category.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every bootstrap.")
@click.option("--resamples", type=int, default=2000, show_default=True, help="Bootstrap resamples per interval.")
@click.option("--exclude-rater", "exclude_raters", multiple=True, metavar="ID",
              help="Leave out this rater's judgments (repeatable).")
@click.option("--scale", type=click.Choice(["3", "5"]),
              help="Preference scale (default: the study's, or inferred from the values).")
@click.option("--tie-rule", type=click.Choice(["drop", "half", "against_b"]), default="drop", show_default=True,
              help="How ties enter the headline win rate (every rule is in tie_sensitivity).")
def analyze_command(input_path, study, output_format, slices, seed, resamples, exclude_raters, scale, tie_rule):
    """Win rates, agreement and significance from INPUT: a judgments file (CSV, JSONL, Parquet in the
    canonical layout) or a study database.

    Required columns: item_id, rater_id, system_a, system_b, preference (negative = system_a better,
    positive = system_b better, 0 = tie, empty = skipped). Prompts are the unit of inference: intervals
    resample items with all their judgments. Same input and seed give the same output.
    """
    from ..analysis import analyze
    from ..reports.markdown import render_markdown
    from ..judgments import load_input

    try:
        loaded = load_input(input_path, study=study, scale=int(scale) if scale else None)
        result = analyze(
            loaded.frame,
            scale=int(scale) if scale else loaded.scale,
            slices=slices,
            seed=seed,
            resamples=resamples,
            exclude_raters=exclude_raters,
            baseline=loaded.baseline,
            overlap=loaded.overlap,
            input_sha256=loaded.input_sha256,
            tie_rule=tie_rule,
        )
        result["warnings"] = [*loaded.warnings, *result["warnings"]]  # e.g. "scale: ... inferred ..."
    except EvalstoreError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    if output_format == "md":
        click.echo(render_markdown(result), nl=False)
    else:
        # allow_nan=False: the engine never yields NaN; if it ever did, fail loudly rather than write bad JSON.
        click.echo(json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False))


#: The name ``evalstore.cli`` registers.
analyze = analyze_command
