"""Per-rater quality (speed, ties, sides, agreement with the others, gold accuracy) and its flags."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.raters import rater_summary
from .options import AnalysisOptions
from .prepare import Prepared


def build_raters(prep: Prepared, options: AnalysisOptions) -> dict:
    data = prep.data
    rater_frame = pd.DataFrame(
        {
            "rater_id": data["rater_id"],
            "unit": prep.units,
            "preference": prep.preference,
            "left_won": prep.left_won,
            "duration_s": data["duration_s"] if "duration_s" in data else np.nan,
            "gold_preference": data["gold_preference"] if "gold_preference" in data else np.nan,
            # the side test's strata (pair, item) and a rater's effect-size strata (criterion, pair)
            "stratum": prep.strata,
            "comparison": prep.comparison_codes.astype(np.int64),
        }
    )
    raters, thresholds = rater_summary(rater_frame, prep.skipped_per_rater, prep.rater_side_tests)
    for row in raters:
        if row["flags"]:
            prep.warnings.append(f"rater {row['rater_id']} flagged: {', '.join(row['flags'])}")
    return {"raters": raters, "rater_flag_thresholds": thresholds}
