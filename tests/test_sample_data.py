"""The demo set in sample_data/: regenerable byte for byte, well formed, and showing what the README promises."""

import importlib.util
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest

SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"

OUTPUT_COLUMNS = [
    "item_id", "prompt", "reference", "category", "language", "difficulty",
    "output_base", "output_finetuned", "latency_ms_base", "latency_ms_finetuned",
]
JUDGMENT_COLUMNS = [
    "item_id", "rater_id", "criterion", "system_a", "system_b", "preference", "left_system", "flag",
    "rationale", "duration_s", "submitted_at", "scale", "category", "language", "difficulty",
    "metric_latency_ms_a", "metric_latency_ms_b", "metric_length_chars_a", "metric_length_chars_b",
]
CATEGORIES = {"support", "summarization", "extraction", "code_explanation", "safety"}


def load_generator():
    spec = importlib.util.spec_from_file_location("sample_data_generate", SAMPLE_DATA / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(name: str) -> pd.DataFrame:
    # Everything as text, empty cells as "" (not NaN), exactly as a CSV importer sees them.
    return pd.read_csv(SAMPLE_DATA / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def outputs() -> pd.DataFrame:
    return read("outputs.csv")


@pytest.fixture(scope="module")
def judgments() -> pd.DataFrame:
    df = read("judgments.csv")
    df["pref"] = pd.to_numeric(df["preference"].replace("", np.nan))
    return df


@pytest.fixture(scope="module")
def decided(judgments) -> pd.DataFrame:
    """Judgments that prefer one side (no ties, no skips)."""
    return judgments[judgments["pref"].notna() & (judgments["pref"] != 0)]


@pytest.mark.parametrize("name", ["outputs.csv", "judgments.csv"])
def test_committed_file_is_what_the_generator_writes(tmp_path, name):
    load_generator().main(tmp_path)
    assert (tmp_path / name).read_bytes() == (SAMPLE_DATA / name).read_bytes()


@pytest.mark.parametrize("name", ["outputs.csv", "judgments.csv"])
def test_utf8_without_bom(name):
    data = (SAMPLE_DATA / name).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    data.decode("utf-8")


def test_outputs_layout_and_items(outputs):
    assert list(outputs.columns) == OUTPUT_COLUMNS
    assert 55 <= len(outputs) <= 65
    assert outputs["item_id"].is_unique
    assert set(outputs["category"]) == CATEGORIES
    assert set(outputs["language"]) <= {"en", "de", "fr", "es"}
    assert (outputs["language"] == "en").mean() > 0.5
    assert set(outputs["difficulty"]) == {"easy", "medium", "hard"}
    for column in ["prompt", "output_base", "output_finetuned"]:
        assert (outputs[column].str.strip() != "").all(), column
    assert (outputs["reference"] != "").any() and (outputs["reference"] == "").any()
    assert (outputs["output_base"] != outputs["output_finetuned"]).all()
    assert outputs["prompt"].is_unique


def test_latencies_are_positive_integers(outputs):
    for column in ["latency_ms_base", "latency_ms_finetuned"]:
        assert outputs[column].str.fullmatch(r"[1-9][0-9]*").all(), column


def test_judgments_layout(judgments, outputs):
    assert list(judgments.columns[: len(JUDGMENT_COLUMNS)]) == JUDGMENT_COLUMNS
    assert len(judgments.columns) == len(JUDGMENT_COLUMNS) + 1  # + the "pref" helper column
    assert set(judgments["item_id"]) <= set(outputs["item_id"])
    assert set(judgments["rater_id"]) == {"alice", "bob", "carol"}
    assert set(judgments["criterion"]) == {"overall"}
    assert set(judgments["system_a"]) == {"base"}
    assert set(judgments["system_b"]) == {"finetuned"}
    assert set(judgments["preference"]) <= {"-1", "0", "1", ""}
    assert set(judgments["left_system"]) == {"base", "finetuned"}
    assert not judgments.duplicated(["item_id", "rater_id", "criterion"]).any()


def test_skips_have_no_preference_and_a_reason(judgments):
    skipped = judgments["preference"] == ""
    assert 1 <= skipped.sum() <= 2
    assert (judgments.loc[skipped, "flag"] == "skip:cant_judge").all()
    assert set(judgments.loc[~skipped, "flag"]) <= {"", "both_bad"}


def test_metric_columns_come_from_the_outputs(judgments, outputs):
    merged = judgments.merge(outputs, on="item_id", suffixes=("", "_item"))
    assert len(merged) == len(judgments)
    assert (merged["metric_latency_ms_a"] == merged["latency_ms_base"]).all()
    assert (merged["metric_latency_ms_b"] == merged["latency_ms_finetuned"]).all()
    assert (merged["metric_length_chars_a"].astype(int) == merged["output_base"].str.len()).all()
    assert (merged["metric_length_chars_b"].astype(int) == merged["output_finetuned"].str.len()).all()
    for column in ["category", "language", "difficulty"]:
        assert (merged[column] == merged[f"{column}_item"]).all(), column


def test_timestamps_are_utc_and_leave_room_for_each_judgment(judgments):
    assert judgments["submitted_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    for rater, rows in judgments.groupby("rater_id"):
        rows = rows.assign(at=pd.to_datetime(rows["submitted_at"], utc=True)).sort_values("at")
        gaps = rows["at"].diff().dt.total_seconds().iloc[1:]
        # A judgment is submitted at least its own duration after the previous one (timestamps are
        # truncated to whole seconds, hence the 1 s slack).
        assert (gaps >= rows["duration_s"].astype(float).iloc[1:] - 1).all(), rater


@pytest.mark.parametrize("rater, low, high", [("alice", 40, 150), ("bob", 20, 90), ("carol", 3, 8)])
def test_durations_match_each_raters_care(judgments, rater, low, high):
    durations = judgments.loc[judgments["rater_id"] == rater, "duration_s"].astype(float)
    assert durations.between(low, high).all()


def test_each_item_has_three_raters_with_alternating_sides(judgments, outputs):
    per_item = judgments.groupby("item_id")
    assert per_item["rater_id"].nunique().eq(3).all()
    assert set(per_item.size().index) == set(outputs["item_id"])
    base_left = per_item["left_system"].apply(lambda s: (s == "base").sum())
    assert set(base_left) <= {1, 2}


def test_left_side_balanced_per_rater(judgments):
    for rater, rows in judgments.groupby("rater_id"):
        base_left = (rows["left_system"] == "base").sum()
        assert abs(base_left - len(rows) / 2) <= 1, rater


def _picked_left(rows: pd.DataFrame) -> pd.Series:
    winner = np.where(rows["pref"] > 0, "finetuned", "base")
    return pd.Series(winner == rows["left_system"].to_numpy(), index=rows.index)


def test_carol_mostly_picks_the_left_side(decided):
    carol = decided[decided["rater_id"] == "carol"]
    assert len(carol) >= 40
    assert _picked_left(carol).mean() >= 0.8


def test_finetuned_wins_overall(decided):
    win_rate = (decided["pref"] > 0).mean()
    assert 0.55 <= win_rate <= 0.75


def test_category_effects_visible_without_the_careless_rater(decided):
    careful = decided[decided["rater_id"] != "carol"]
    by_category = (careful["pref"] > 0).groupby(careful["category"]).mean()
    for target in ["support", "extraction", "safety"]:
        assert by_category[target] > 0.75, target
    assert by_category["code_explanation"] < 0.5  # the regression the analysis should surface
    assert 0.3 <= by_category["summarization"] <= 0.7


def test_agreement_drops_when_carol_is_included(judgments):
    table = judgments.pivot(index="rater_id", columns="item_id", values="pref")

    def alpha(raters):
        return krippendorff.alpha(reliability_data=table.loc[raters].to_numpy(float),
                                  level_of_measurement="ordinal")

    careful = alpha(["alice", "bob"])
    everyone = alpha(["alice", "bob", "carol"])
    assert 0.5 <= careful <= 0.75
    assert careful - everyone >= 0.2
