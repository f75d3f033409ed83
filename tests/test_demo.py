"""`evalstore demo` rebuilds the sample study faithfully and leaves work for the new rater."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from evalstore.cli import cli
from evalstore.db import open_db
from evalstore.demo import SAMPLE_DIR, build_demo
from evalstore.errors import EvalstoreError
from evalstore.judgments import judgments_frame
from evalstore.rating import next_assignment, progress


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    return build_demo(path)


def test_export_equals_the_sample_judgments(demo):
    exported = judgments_frame(open_db(demo.db_path), "demo")
    sample = pd.read_csv(SAMPLE_DIR / "judgments.csv", dtype={"item_id": str})
    assert list(exported.columns) == list(sample.columns)
    key = ["rater_id", "item_id", "criterion"]
    exported = exported.sort_values(key).reset_index(drop=True)
    sample = sample.sort_values(key).reset_index(drop=True)
    for column in ["item_id", "rater_id", "system_a", "system_b", "left_system", "submitted_at"]:
        assert exported[column].tolist() == sample[column].tolist(), column
    assert exported["preference"].astype("Float64").tolist() == sample["preference"].astype("Float64").tolist()
    assert exported["flag"].fillna("").tolist() == sample["flag"].fillna("").tolist()
    assert exported["rationale"].fillna("").tolist() == sample["rationale"].fillna("").tolist()
    pd.testing.assert_series_equal(exported["duration_s"], sample["duration_s"].astype(float))
    for column in ["metric_length_chars_a", "metric_length_chars_b", "metric_latency_ms_a", "metric_latency_ms_b"]:
        assert exported[column].astype(float).tolist() == sample[column].astype(float).tolist(), column


def test_new_rater_gets_every_item_and_none_is_judged(demo):
    db = open_db(demo.db_path)
    p = progress(db, demo.rater_token)
    assert (p.done, p.total) == (0, demo.n_items)
    shown = next_assignment(db, demo.rater_token)
    assert shown is not None and shown.number == 1
    lefts = db.conn.execute(
        "SELECT s.name, count(*) FROM assignment a JOIN rater r ON r.id = a.rater_id "
        "JOIN system s ON s.id = a.left_system_id WHERE r.name = 'you' GROUP BY s.name").fetchall()
    counts = dict(lefts)
    assert abs(counts["base"] - counts["finetuned"]) <= 1


def test_demo_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "demo.db"
    build_demo(path)
    with pytest.raises(EvalstoreError, match="--force"):
        build_demo(path)
    again = build_demo(path, force=True)
    assert again.n_judgments == len(pd.read_csv(SAMPLE_DIR / "judgments.csv"))


def test_cli_prints_password_and_link(tmp_path):
    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "d.db"), "--base-url", "http://host:9000"])
    assert result.exit_code == 0, result.output
    assert "admin password: " in result.output
    assert result.output.strip().splitlines()[-1].startswith("rater link: http://host:9000/?token=")
