"""Judgment tables that between them make ``analyze`` emit every section of its result.

Plain pandas frames in the canonical shape (``judgments.validate_judgments``), built from a seeded generator,
so a test can run the engine on a study with slices, metrics, several criteria, three systems, output
lengths, gold answers, a handful of items, or nothing but ties, without a database.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def rich_study(n_items: int = 60, *, seed: int = 0, systems=("base", "finetuned", "other"),
               criteria=("overall", "accuracy"), raters: int = 6, per_item: int = 3) -> pd.DataFrame:
    """Every column the engine reads: criteria, three systems against a baseline and each other, sides,
    durations, gold answers, a slice column with an empty value, a metric and output lengths."""
    rng = np.random.default_rng(seed)
    pairs = [(systems[0], s) for s in systems[1:]] + [(systems[1], systems[2])] if len(systems) > 2 else \
        [(systems[0], systems[1])]
    rows = []
    for item in range(n_items):
        category = ["support", "code", "summaries", ""][item % 4]
        skill = rng.normal(0.3, 1.0)
        for pair_index, (a, b) in enumerate(pairs):
            length_a, length_b = int(rng.integers(80, 900)), int(rng.integers(80, 900))
            latency_a, latency_b = float(rng.gamma(3, 100)), float(rng.gamma(3, 120))
            for slot in range(per_item):
                rater = f"r{(item + slot * 2 + pair_index) % raters}"
                left = a if (item + slot) % 2 == 0 else b
                for criterion in criteria:
                    latent = skill + 0.002 * (length_b - length_a) + rng.normal(0, 1)
                    preference = 1 if latent > 0.4 else (-1 if latent < -0.4 else 0)
                    if rng.random() < 0.02:
                        preference = None  # a skipped judgment
                    rows.append({
                        "item_id": f"item-{item:03d}", "rater_id": rater, "criterion": criterion,
                        "system_a": a, "system_b": b, "preference": preference, "left_system": left,
                        "duration_s": float(rng.gamma(4, 8)) if rater != "r0" else 1.0,
                        "gold_preference": 1 if item % 10 == 0 else None,
                        "category": category,
                        "metric_latency_ms_a": latency_a, "metric_latency_ms_b": latency_b,
                        "metric_length_chars_a": float(length_a), "metric_length_chars_b": float(length_b),
                    })
    return pd.DataFrame(rows)


def small_study(n_items: int = 4, *, seed: int = 1) -> pd.DataFrame:
    """A handful of items: every interval withheld, every small-sample warning."""
    frame = rich_study(n_items, seed=seed, systems=("base", "finetuned"), criteria=("overall",), raters=3,
                       per_item=1)
    return frame


def all_ties_study(n_items: int = 12) -> pd.DataFrame:
    """Every judgment a tie, without sides or lengths."""
    rows = [{"item_id": f"t{i}", "rater_id": f"r{(i + k) % 4}", "criterion": "overall", "system_a": "base",
             "system_b": "finetuned", "preference": 0}
            for i in range(n_items) for k in range(2)]
    return pd.DataFrame(rows)


def one_sided_study(n_items: int = 40, *, seed: int = 2) -> pd.DataFrame:
    """system_b wins every judgment, on the 5-point scale, the pair given both ways round."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_items):
        for k in range(2):
            flipped = k == 1 and i % 3 == 0
            strength = int(rng.integers(1, 3))
            rows.append({"item_id": f"w{i}", "rater_id": f"r{(i + k) % 5}", "criterion": "overall",
                         "system_a": "finetuned" if flipped else "base",
                         "system_b": "base" if flipped else "finetuned",
                         "preference": -strength if flipped else strength,
                         "left_system": "base" if (i + k) % 2 else "finetuned"})
    return pd.DataFrame(rows)
