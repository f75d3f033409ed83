"""The analysis engine: prepare the table once, then run each section in order.

Each section is a plain function of (prepared data, options) that returns its keys of the result; it may read
the keys of the sections before it (``Prepared.result``) and adds its warnings to ``Prepared.warnings``, so the
order of this list is the order of the warnings. ``RESULT_KEYS`` is the order of the keys in the JSON
(docs/analysis-json.md describes every one).
"""

from __future__ import annotations

import pandas as pd

from .common import FEW_RESAMPLES, json_ready
from .comparisons import build_comparisons
from .length import build_length_bias
from .methods import build_methods
from .metrics import build_metrics
from .options import AnalysisOptions
from .position import build_position_bias
from .power import build_power
from .prepare import Prepared, prepare
from .raters import build_raters
from .ratings import build_ratings
from .slices import build_slices

RESULT_KEYS = (
    "n_judgments", "n_skipped", "n_items", "n_raters", "scale", "seed", "resamples", "tie_rule", "versions",
    "input_sha256", "excluded_raters", "baseline", "systems", "criteria", "overlap", "headline", "comparisons",
    "tie_sensitivity", "agreement", "position_bias", "raters", "rater_flag_thresholds", "slices", "ratings",
    "power", "metrics", "length_bias", "warnings", "methods",
)


def build_study(prep: Prepared, options: AnalysisOptions) -> dict:
    """The study's counts and the options the result was computed with, and what they say about each other."""
    n_raters = int(len(prep.codes.raters))
    warnings = prep.warnings
    if 0 < n_raters < 3:
        warnings.append(f"only {n_raters} rater(s): agreement and rater checks say little")
    resamples = options.resamples
    if resamples and resamples < FEW_RESAMPLES:
        warnings.append(
            f"only {resamples} bootstrap resamples: the ends of the intervals are noisy (use >= {FEW_RESAMPLES})"
        )
    if resamples == 0:
        warnings.append("no bootstrap resamples: every bootstrap interval is null")
    if not len(prep.data):
        warnings.append("no judgments to analyse")
    return {
        "n_judgments": int(len(prep.data)), "n_skipped": prep.n_skipped, "n_items": int(len(prep.item_ids)),
        "n_raters": n_raters, "scale": prep.scale, "seed": options.seed, "resamples": resamples,
        "tie_rule": options.tie_rule, "input_sha256": options.input_sha256, "excluded_raters": prep.excluded,
        "baseline": prep.baseline, "criteria": prep.criteria, "overlap": options.overlap,
    }


def build_systems(prep: Prepared, options: AnalysisOptions) -> dict:
    """Systems, baseline first; a warning when the others meet only through the baseline."""
    baseline, all_systems = prep.baseline, prep.all_systems
    systems = sorted(all_systems - {baseline}) if baseline else sorted(all_systems)
    comparisons = prep.comparisons
    if len(all_systems) > 2 and comparisons and all(baseline in (c.system_a, c.system_b) for c in comparisons):
        prep.warnings.append(
            f"every comparison is against the baseline {baseline}: two other systems are compared with each other "
            "only through the ratings, never directly"
        )
    return {"systems": ([baseline] if baseline else []) + systems}


#: The sections in the order they run (the order of their warnings).
SECTIONS = (
    build_comparisons,  # comparisons, tie_sensitivity, headline, agreement
    build_study,
    build_raters,
    build_position_bias,
    build_length_bias,
    build_ratings,
    build_slices,
    build_power,
    build_metrics,
    build_systems,
    build_methods,
)


def run(judgments: pd.DataFrame, options: AnalysisOptions, validated: bool = False) -> dict:
    prep = prepare(judgments, options, validated)
    for section in SECTIONS:
        prep.result.update(section(prep, options))
    prep.result["warnings"] = prep.warnings
    result = json_ready({key: prep.result[key] for key in RESULT_KEYS})
    from ..reports.markdown import (  # the words, from the one module that has them
        headline_sentence,
        trust_list,
    )

    for entry in result["headline"]:
        entry["sentence"] = headline_sentence(entry)
        entry["can_i_trust_this"] = trust_list(entry, result)
    return result
