"""Options that several commands share, each written once (sqlite-utils' ``output_options`` is the model).

``analysis_options`` puts the six options of ``analyze`` and ``report`` on a command and hands it ONE
``evalstore.analysis.AnalysisOptions`` instead of six arguments: the same object runs the analysis and spells
the argv of the command that regenerates a report (``AnalysisOptions.argv``), so the two cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import click

DEFAULT_BASE_URL = "http://localhost:8501"
TIE_RULES = ("drop", "half", "against_b")  # stats.winrates.TIE_RULES, without importing numpy (a test compares)


def analysis_default(name: str):
    """The analysis engine's own default for option ``name``, read when needed: importing the engine pulls in
    numpy, pandas and scipy, which ``evalstore --help`` and the database commands should not wait for."""
    from .. import analysis

    return {"resamples": analysis.DEFAULT_RESAMPLES, "tie_rule": analysis.DEFAULT_TIE_RULE}[name]


class LazyDefaultOption(click.Option):
    """An option whose default is a function, shown in ``--help`` as its value (click shows "(dynamic)")."""

    def get_default(self, ctx, call=True):
        return super().get_default(ctx, call=True)


def _apply(fn: Callable, decorators) -> Callable:
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


db_argument = click.argument("db", type=click.Path(dir_okay=False))


def study_option(help: str = "Study (may be left out when the database holds one).") -> Callable:
    return click.option("--study", help=help)


base_url_option = click.option(
    "--base-url", envvar="EVALSTORE_BASE_URL", default=DEFAULT_BASE_URL, show_default=True,
    help="Where raters reach the app (also from EVALSTORE_BASE_URL).")


def output_options(formats: tuple[str, ...], *, default: str, help: str, output_help: str = "") -> Callable:
    """``--format`` among ``formats`` and ``-o/--output FILE`` (stdout when left out)."""
    def decorate(fn: Callable) -> Callable:
        return _apply(fn, [
            click.option("--format", "fmt", type=click.Choice(formats), default=default, show_default=True,
                         help=help),
            click.option("-o", "--output", type=click.Path(dir_okay=False),
                         help=f"File to write (default: stdout{output_help})."),
        ])
    return decorate


def analysis_options(fn: Callable) -> Callable:
    """--slice, --seed, --resamples, --exclude-rater, --scale, --tie-rule → ``analysis: AnalysisOptions``."""
    @functools.wraps(fn)
    def wrapper(*args, slices, seed, resamples, exclude_raters, scale, tie_rule, **kwargs):
        from ..analysis.options import AnalysisOptions  # here, not at import: --help stays free of numpy

        options = AnalysisOptions(slices=tuple(slices), seed=seed, resamples=resamples,
                                  exclude_raters=tuple(exclude_raters), scale=int(scale) if scale else None,
                                  tie_rule=tie_rule)
        return fn(*args, analysis=options, **kwargs)

    return _apply(wrapper, [
        click.option("--slice", "slices", multiple=True, metavar="COLUMN",
                     help="Break the win rate down by this column (repeatable), e.g. --slice category."),
        click.option("--seed", type=int, default=0, show_default=True, help="Seed of every bootstrap."),
        click.option("--resamples", type=int, cls=LazyDefaultOption, default=lambda: analysis_default("resamples"),
                     show_default=True, help="Bootstrap resamples per interval."),
        click.option("--exclude-rater", "exclude_raters", multiple=True, metavar="ID",
                     help="Leave out this rater's judgments (repeatable)."),
        click.option("--scale", type=click.Choice(["3", "5"]),
                     help="Preference scale (default: the study's, or inferred from the values)."),
        click.option("--tie-rule", type=click.Choice(TIE_RULES), cls=LazyDefaultOption,
                     default=lambda: analysis_default("tie_rule"), show_default=True,
                     help="How ties enter the headline win rate (every rule is in the tie sensitivity)."),
    ])
