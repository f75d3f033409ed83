"""The analysis engine: one function from a judgments table to every number evalstore reports.

``analyze`` is what ``evalstore analyze``, the analysis page and the reports all call; nothing computes a
statistic its own way. It returns a JSON-ready dict (plain Python values, None where a number is undefined,
never NaN) whose keys are a stable contract, written down in docs/analysis-json.md.

Items (prompts) are the unit of inference: intervals come from an item-clustered bootstrap and the tests
work on one number per item, because judgments of the same item are not independent. Every random draw comes
from a generator seeded by ``seed`` and the name of what it is drawn for, so the same input and seed give the
same JSON byte for byte, and adding a slice does not move the intervals of the comparisons.

The package: ``options`` (every option and its default, once), ``prepare`` (the table as codes), one module
per section (``comparisons``, ``headline``, ``length``, ``position``, ``raters``, ``ratings``, ``slices``,
``power``, ``metrics``, ``methods``) and ``engine``, which runs them in order.
"""

from __future__ import annotations


from .common import ALPHA, FEW_ITEMS, FEW_RESAMPLES, SMALL_SLICE_ITEMS
from .options import DEFAULT_RESAMPLES, DEFAULT_TIE_RULE, AnalysisOptions

__all__ = ["ALPHA", "AnalysisOptions", "DEFAULT_RESAMPLES", "DEFAULT_TIE_RULE", "FEW_ITEMS", "FEW_RESAMPLES",
           "SMALL_SLICE_ITEMS", "analyze"]


def analyze(judgments, options: AnalysisOptions | None = None, **kwargs) -> dict:
    """Analyse a table of pairwise judgments: win rates, agreement, significance, ratings, power, bias.

    The one entry of the analysis: ``evalstore analyze``, ``evalstore report``, the analysis page and the
    study-rounds comparison all come through here.

    Parameters
    ----------
    judgments : DataFrame or judgments.JudgmentsInput
        What ``judgments.load_input`` read (a study database or a judgments file): it was validated when
        read, its study's scale, baseline and overlap fill the options left unset, its hash is the input's,
        and its warnings (e.g. an inferred scale) come first in ``warnings``. Or the canonical judgments
        table itself (``judgments.validate_judgments`` describes it; raw text columns are fine), validated
        here: a problem raises ``InvalidInput``. Skipped judgments (empty preference) are counted and left out.
    options : AnalysisOptions, optional
        Every option below in one frozen object (the defaults when None). Keyword arguments override its
        fields: ``analyze(df, seed=1, tie_rule="half")`` is ``analyze(df, AnalysisOptions(seed=1,
        tie_rule="half"))``.

    The options (fields of ``AnalysisOptions``, or keyword arguments):

    scale : {3, 5}, optional
        Preference scale; inferred from the values when None (any ±2 → 5).
    slices : sequence of str
        Columns to break the win rate down by (e.g. ``category``); each gives ``slices[]`` entries with
        Holm and Benjamini–Hochberg adjusted p-values over that column's tests.
    seed : int
        Seed of every bootstrap (>= 0). Same input and seed → the same result, byte for byte as JSON.
    resamples : int
        Bootstrap resamples per interval (0 disables the intervals: they are None).
    exclude_raters : sequence of str
        Rater ids removed before anything is computed; listed in ``excluded_raters``.
    baseline : str, optional
        System fixed at 1000 in ``ratings``; default the system most often in ``system_a``.
    overlap : int, optional
        Raters per item in the study design, for the judgments figure of ``power``; default the observed
        judgments per item of each comparison.
    input_sha256 : str, optional
        Hash of the input, copied to the result for the reproducibility block.
    tie_rule : {"drop", "half", "against_b"}
        The rule of the ``headline`` entries (the verdict sentence); every rule is in ``tie_sensitivity``.

    Returns
    -------
    dict
        JSON-ready (``json.dumps(result, allow_nan=False)`` works), keys in ``engine.RESULT_KEYS`` order;
        docs/analysis-json.md describes every key. Every confidence interval is ``[low, high]`` at 95 %.

    Raises
    ------
    EvalstoreError
        Bad options (``AnalysisOptions`` checks the values; an unknown rater to exclude, slice column or
        baseline is found here) or an invalid table. An unknown keyword argument is a TypeError.
    """
    from .engine import run

    options = AnalysisOptions.of(options, **kwargs)
    from ..judgments import JudgmentsInput

    if not isinstance(judgments, JudgmentsInput):
        return run(judgments, options)
    result = run(judgments.frame, options.for_input(judgments), validated=True)
    result["warnings"] = [*judgments.warnings, *result["warnings"]]
    return result
