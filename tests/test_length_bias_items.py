"""Length bias over items: the sign test over items' "longer output won" score, recomputed from the raw rows with
pandas and scipy.stats.binomtest, and the warning when only the judgment-level test is significant."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalstore.analysis import analyze
from evalstore.reports.markdown import render_markdown
from evalstore.judgments import read_judgments

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "judgments.csv"
OLD_KEYS = ["n_non_tie", "longer_share", "p_value", "n_equal_length"]
NEW_KEYS = ["n_items", "items_favouring_longer", "items_favouring_shorter", "p_value_items"]


def _reference(raw: pd.DataFrame, unit_columns: list[str]) -> dict:
    """Item-level and judgment-level length bias from the raw rows, with pandas and scipy alone."""
    rows = raw[raw["preference"].notna() & (raw["preference"] != 0)
               & (raw["metric_length_chars_a"] != raw["metric_length_chars_b"])].copy()
    rows["pair"] = [" / ".join(sorted(p)) for p in zip(rows["system_a"], rows["system_b"])]
    b_longer = rows["metric_length_chars_b"] > rows["metric_length_chars_a"]
    rows["longer_won"] = (rows["preference"] > 0) == b_longer
    rows["score"] = np.where(rows["longer_won"], 1.0, -1.0)
    means = rows.groupby(unit_columns + ["pair"])["score"].mean()
    longer, shorter = int((means > 0).sum()), int((means < 0).sum())
    wins = int(rows["longer_won"].sum())
    return {
        "n_non_tie": len(rows),
        "p_value": stats.binomtest(wins, len(rows), 0.5, alternative="two-sided").pvalue,
        "n_items": len(means),
        "items_favouring_longer": longer,
        "items_favouring_shorter": shorter,
        "p_value_items": stats.binomtest(longer, longer + shorter, 0.5, alternative="two-sided").pvalue,
    }


def _check(entry: dict, expected: dict) -> None:
    for key in ["n_non_tie", "n_items", "items_favouring_longer", "items_favouring_shorter"]:
        assert entry[key] == expected[key], key
    assert entry["p_value"] == pytest.approx(expected["p_value"], rel=1e-12)
    assert entry["p_value_items"] == pytest.approx(expected["p_value_items"], rel=1e-12)


def test_sample_data_matches_scipy():
    raw = pd.read_csv(SAMPLE)
    result = analyze(read_judgments(SAMPLE), resamples=0)
    lb = result["length_bias"]
    assert list(lb) == OLD_KEYS + NEW_KEYS + ["per_comparison"]
    assert all(list(e)[3:] == OLD_KEYS + NEW_KEYS for e in lb["per_comparison"])
    expected = _reference(raw, ["item_id"])
    _check(lb, expected)
    _check(lb["per_comparison"][0], expected)
    # the figures behind the review: judgments look far more conclusive than the items do
    assert lb["p_value"] == pytest.approx(0.000166, rel=1e-2)
    assert lb["p_value_items"] == pytest.approx(0.00646, rel=1e-2)
    assert lb["p_value_items"] < 0.05  # both significant: no length-bias warning
    assert not any("length bias" in w for w in result["warnings"])
    assert "p_value_items" in result["methods"]["length_bias"]
    assert "sign test over items: p = 0.006" in render_markdown(result)


def _random_judgments(seed: int) -> pd.DataFrame:
    """Several criteria and pairs, ties, skipped judgments, equal lengths, rows written in either orientation, and
    raters who agree within an item (so items and judgments tell different stories)."""
    rng = np.random.default_rng(seed)
    systems = ["base", "ft", "big"]
    rows = []
    for item in range(70):
        length = {s: int(rng.integers(100, 130)) for s in systems}
        lean = rng.normal(0.3, 1.5)  # the item's own pull towards its longer output
        for criterion in ["overall", "style"]:
            for a, b in [("base", "ft"), ("base", "big"), ("ft", "big")]:
                sign = 1.0 if length[b] > length[a] else -1.0
                for rater in ["r1", "r2", "r3", "r4"][: int(rng.integers(1, 5))]:
                    latent = sign * lean + rng.normal(0, 0.7)
                    pref = -1.0 if latent < -0.3 else (1.0 if latent > 0.3 else 0.0)
                    row = {"item_id": f"i{item:02d}", "rater_id": rater, "criterion": criterion,
                           "system_a": a, "system_b": b, "preference": np.nan if rng.random() < 0.03 else pref,
                           "metric_length_chars_a": float(length[a]), "metric_length_chars_b": float(length[b])}
                    if rng.random() < 0.2:  # the same judgment written the other way round
                        row.update(system_a=b, system_b=a, preference=-row["preference"],
                                   metric_length_chars_a=float(length[b]), metric_length_chars_b=float(length[a]))
                    rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_data_matches_scipy(seed):
    raw = _random_judgments(seed)
    result = analyze(raw, resamples=0)
    lb = result["length_bias"]
    # overall: an item's judgments of one pair of outputs form one unit, whatever the criterion
    _check(lb, _reference(raw, ["item_id"]))
    assert lb["n_equal_length"] > 0 or (raw["metric_length_chars_a"] != raw["metric_length_chars_b"]).all()
    assert len(lb["per_comparison"]) == 6
    raw_pairs = raw.assign(pair=[" / ".join(sorted(p)) for p in zip(raw["system_a"], raw["system_b"])])
    for entry in lb["per_comparison"]:
        pair = " / ".join(sorted([entry["system_a"], entry["system_b"]]))
        part = raw_pairs[(raw_pairs["criterion"] == entry["criterion"]) & (raw_pairs["pair"] == pair)]
        _check(entry, _reference(part.drop(columns="pair"), ["item_id"]))
    # one warning per comparison where only the judgment-level test is significant
    warned = [e for e in lb["per_comparison"] if e["p_value"] < 0.05 <= e["p_value_items"]]
    assert warned
    for entry in lb["per_comparison"]:
        name = f"{entry['criterion']}: {entry['system_a']} vs {entry['system_b']}: length bias"
        assert any(w.startswith(name) for w in result["warnings"]) == (entry in warned)
    # some items are even (their mean is 0) and are dropped from the sign test
    assert any(e["items_favouring_longer"] + e["items_favouring_shorter"] < e["n_items"]
               for e in lb["per_comparison"])


def _agreeing_raters(n_longer: int, n_shorter: int, n_raters: int = 20) -> pd.DataFrame:
    """Every rater of an item agrees: n_longer items all for the longer output, n_shorter all for the shorter."""
    rows = []
    for item in range(n_longer + n_shorter):
        pref = 1.0 if item < n_longer else -1.0  # system_b is always the longer output
        for rater in range(n_raters):
            rows.append({"item_id": f"i{item:02d}", "rater_id": f"r{rater:02d}", "system_a": "base",
                         "system_b": "ft", "preference": pref, "metric_length_chars_a": 100.0,
                         "metric_length_chars_b": 150.0})
    return pd.DataFrame(rows)


def test_warning_when_only_judgments_look_significant():
    result = analyze(_agreeing_raters(12, 8), resamples=0)
    lb = result["length_bias"]
    assert lb["n_non_tie"] == 400 and lb["longer_share"] == 0.6
    assert lb["p_value"] == pytest.approx(stats.binomtest(240, 400).pvalue) and lb["p_value"] < 0.05
    assert (lb["n_items"], lb["items_favouring_longer"], lb["items_favouring_shorter"]) == (20, 12, 8)
    assert lb["p_value_items"] == pytest.approx(stats.binomtest(12, 20).pvalue) and lb["p_value_items"] >= 0.05
    (warning,) = [w for w in result["warnings"] if "length bias" in w]
    assert "12 of 20" in warning and "sign test p = 0.5" in warning


def test_no_warning_when_neither_or_both_are_significant():
    for n_longer, n_shorter in [(10, 10), (18, 2)]:
        result = analyze(_agreeing_raters(n_longer, n_shorter), resamples=0)
        assert not any("length bias" in w for w in result["warnings"])
