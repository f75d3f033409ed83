"""Export: the canonical judgments table, oriented to (system_a, system_b), in csv / jsonl / parquet."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from study_builders import study_rows, write_rows
from evalstore.errors import EvalstoreError
from evalstore.judgments import CANONICAL_COLUMNS, judgments_frame, write_table
from evalstore.importing import import_file
from evalstore.rating import add_rater, next_assignment, record_judgment, skip_item
from evalstore.assignment import assign_items

CANONICAL = ["item_id", "rater_id", "criterion", "system_a", "system_b", "preference", "left_system", "flag",
             "rationale", "duration_s", "submitted_at", "scale"]
METRICS = ["metric_latency_ms_a", "metric_latency_ms_b", "metric_score_a", "metric_score_b",
           "metric_length_chars_a", "metric_length_chars_b"]


@pytest.fixture
def judged(make_study):
    """3-system vs-baseline study; r1 judges 3 items (a preference with a tricky rationale, a skip, a
    both-bad tie), r2 judges 1."""
    handle = make_study(name="s", systems=("base", "finetuned", "other"), n_items=4, raters=2, overlap=2)
    db, t1, t2 = handle.db, handle.tokens["r1"], handle.tokens["r2"]
    a = next_assignment(db, t1)
    record_judgment(db, t1, a.assignment_id, "overall", -1, rationale='says "no", then\nstops, abruptly')
    skip_item(db, t1, next_assignment(db, t1).assignment_id, "cant_judge")
    record_judgment(db, t1, next_assignment(db, t1).assignment_id, "overall", 0, both_bad=True)
    record_judgment(db, t2, next_assignment(db, t2).assignment_id, "overall", 1)
    return handle


def stored(db):
    """What the database says, by names: {(rater, item, system_b): (left, preference, skip, both_bad, text_a, text_b)}."""
    rows = db.conn.execute(
        """SELECT r.name, i.item_id, sa.name, sb.name, sl.name, j.preference, j.skip_reason, j.both_bad,
                  oa.text, ob.text, oa.metrics, ob.metrics, j.duration_s, j.submitted_at, j.rationale
           FROM judgment j JOIN assignment a ON a.id = j.assignment_id JOIN rater r ON r.id = a.rater_id
           JOIN item i ON i.id = a.item_id JOIN system sa ON sa.id = a.system_a_id
           JOIN system sb ON sb.id = a.system_b_id JOIN system sl ON sl.id = a.left_system_id
           JOIN output oa ON oa.item_id = i.id AND oa.system_id = sa.id
           JOIN output ob ON ob.item_id = i.id AND ob.system_id = sb.id""").fetchall()
    return {(r[0], r[1], r[3]): r for r in rows}


def test_header_is_the_canonical_table_then_metadata_then_metric_pairs(judged):
    frame = judgments_frame(judged.db, "s")
    assert CANONICAL_COLUMNS == CANONICAL
    assert list(frame.columns) == CANONICAL + ["category", "difficulty"] + METRICS
    assert len(frame) == 4


def test_rows_match_the_database(judged):
    frame = judgments_frame(judged.db, "s")
    truth = stored(judged.db)
    rows_by_item = {r["item_id"]: r for r in study_rows(4, ("base", "finetuned", "other"))}
    for rec in frame.to_dict(orient="records"):
        key = (rec["rater_id"], rec["item_id"], rec["system_b"])
        (_r, _i, sa, sb, left, pref, skip, both_bad, text_a, text_b, ma, mb, duration, submitted,
         rationale) = truth[key]
        assert (rec["system_a"], rec["left_system"], rec["criterion"]) == (sa, left, "overall")
        assert sa == "base"  # vs-baseline: system_a is the baseline
        assert (None if pd.isna(rec["preference"]) else rec["preference"]) == pref
        assert rec["flag"] == ";".join((["both_bad"] if both_bad else []) + ([f"skip:{skip}"] if skip else []))
        assert rec["rationale"] == (rationale or "")
        assert rec["duration_s"] == pytest.approx(duration)
        assert rec["submitted_at"] == submitted
        assert rec["metric_length_chars_a"] == len(text_a) and rec["metric_length_chars_b"] == len(text_b)
        assert rec["metric_latency_ms_a"] == json.loads(ma)["latency_ms"]
        assert rec["metric_score_b"] == json.loads(mb)["score"]
        src = rows_by_item[rec["item_id"]]
        assert (rec["category"], rec["difficulty"]) == (src["category"], src["difficulty"])
    flags = sorted(frame["flag"])
    assert flags == ["", "", "both_bad", "skip:cant_judge"]


def test_preference_is_oriented_to_the_pair_whatever_the_side(judged):
    # r1's first judgment said "left is better" (-1): stored -1 when system_a was on the left, +1 otherwise
    frame = judgments_frame(judged.db, "s")
    first = frame[frame["rationale"].str.startswith("says")].iloc[0]
    expected = -1 if first["left_system"] == first["system_a"] else 1
    assert first["preference"] == expected


def test_all_pairs_puts_the_baseline_first_otherwise_import_order(make_study):
    handle = make_study(name="ap", systems=("alpha", "beta", "gamma"), baseline="beta", n_items=2, raters=2,
                        overlap=2, pairing="all-pairs")
    db = handle.db
    for token in handle.tokens.values():
        while (shown := next_assignment(db, token)) is not None:
            record_judgment(db, token, shown.assignment_id, "overall", 1)
    frame = judgments_frame(db, "ap")
    pairs = set(zip(frame["system_a"], frame["system_b"]))
    assert pairs == {("beta", "alpha"), ("beta", "gamma"), ("alpha", "gamma")}
    assert len(frame) == 2 * 3 * 2


def test_metric_length_chars_counts_characters_not_bytes(fresh_db, tmp_path):
    rows = [{"item_id": "u", "prompt": "p", "output_base": "héllo wörld ✓", "output_ft": "日本語"}]
    import_file(fresh_db, write_rows(tmp_path / "u.jsonl", rows), study="u", overlap=1)
    _r, token = add_rater(fresh_db, "u", "r")
    assign_items(fresh_db, "u")
    record_judgment(fresh_db, token, next_assignment(fresh_db, token).assignment_id, "overall", 0)
    frame = judgments_frame(fresh_db, "u")
    assert list(frame.columns) == CANONICAL + ["metric_length_chars_a", "metric_length_chars_b"]
    assert (frame.loc[0, "metric_length_chars_a"], frame.loc[0, "metric_length_chars_b"]) == (13, 3)


def test_no_judgments_exports_the_header_alone(make_study, capsys):
    handle = make_study(name="empty", n_items=3, raters=2)
    frame = judgments_frame(handle.db, "empty")
    assert len(frame) == 0
    assert list(frame.columns) == CANONICAL + ["category", "difficulty"] + METRICS
    write_table(frame, "csv", None)
    out = capsys.readouterr().out
    assert out == ",".join(list(frame.columns)) + "\n"
    write_table(frame, "jsonl", None)
    assert capsys.readouterr().out == ""


def test_csv_is_utf8_without_bom_with_rfc4180_quoting(judged, tmp_path, capsys):
    frame = judgments_frame(judged.db, "s")
    path = tmp_path / "out.csv"
    write_table(frame, "csv", path)
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b'"says ""no"", then\nstops, abruptly"' in data
    back = pd.read_csv(io.BytesIO(data), dtype={"item_id": str}, keep_default_na=False)
    assert list(back.columns) == list(frame.columns)
    assert back["rationale"].tolist() == frame["rationale"].tolist()
    write_table(frame, "csv", None)
    assert capsys.readouterr().out.encode("utf-8") == data  # stdout gets the same bytes


def test_jsonl_has_one_object_per_judgment_with_nulls(judged, tmp_path):
    frame = judgments_frame(judged.db, "s")
    path = tmp_path / "out.jsonl"
    write_table(frame, "jsonl", path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(frame)
    records = [json.loads(line) for line in lines]
    assert all(list(r) == list(frame.columns) for r in records)
    skipped = [r for r in records if r["flag"] == "skip:cant_judge"]
    assert len(skipped) == 1 and skipped[0]["preference"] is None
    assert all(isinstance(r["preference"], int) for r in records if r["flag"] != "skip:cant_judge")


def test_parquet_round_trip_and_needs_a_file(judged, tmp_path):
    frame = judgments_frame(judged.db, "s")
    with pytest.raises(EvalstoreError, match="-o"):
        write_table(frame, "parquet", None)
    path = tmp_path / "out.parquet"
    write_table(frame, "parquet", path)
    back = pd.read_parquet(path)
    assert list(back.columns) == list(frame.columns)
    assert back["preference"].tolist() == frame["preference"].tolist()
    assert back["item_id"].tolist() == frame["item_id"].tolist()


def test_empty_parquet_keeps_the_header(make_study, tmp_path):
    handle = make_study(name="empty", n_items=2, raters=1, overlap=1)
    path = tmp_path / "empty.parquet"
    write_table(judgments_frame(handle.db, "empty"), "parquet", path)
    assert list(pd.read_parquet(path).columns) == CANONICAL + ["category", "difficulty"] + METRICS


def test_unknown_format(judged):
    with pytest.raises(EvalstoreError, match="format"):
        write_table(judgments_frame(judged.db, "s"), "xlsx", None)


def test_judgments_frame_from_a_path(judged, db_path):
    assert len(judgments_frame(db_path, "s")) == 4
    with pytest.raises(EvalstoreError, match="no such database"):
        judgments_frame(db_path.with_name("missing.db"), "s")
