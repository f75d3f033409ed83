"""Reading and validating canonical judgments files: every problem as FILE:ROW:COLUMN: message."""

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from evalstore.errors import EvalstoreError, InvalidInput, InvalidInputFile
from evalstore.judgments import (
    frame_sha256, infer_scale, judgments_frame, load_input, read_judgments, validate_judgments,
)

HEADER = "item_id,rater_id,criterion,system_a,system_b,preference,left_system,duration_s,category\n"
GOOD_ROWS = [
    "q1,ann,overall,base,ft,1,base,12.5,support\n",
    "q1,bob,overall,base,ft,-1,ft,8,support\n",
    "q2,ann,overall,base,ft,0,ft,3,summaries\n",
    "q2,bob,overall,base,ft,,base,,summaries\n",
]


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _problems(excinfo) -> list[str]:
    return str(excinfo.value).splitlines()


# ---------------------------------------------------------------- reading the three formats


def _records():
    return [
        {"item_id": "q1", "rater_id": "ann", "system_a": "base", "system_b": "ft", "preference": 1, "category": "x"},
        {"item_id": "q1", "rater_id": "bob", "system_a": "base", "system_b": "ft", "preference": None, "category": "x"},
        {"item_id": "q2", "rater_id": "ann", "system_a": "base", "system_b": "ft", "preference": -2, "category": "y"},
    ]


def _expected_frame():
    return pd.DataFrame(
        {
            "item_id": ["q1", "q1", "q2"],
            "rater_id": ["ann", "bob", "ann"],
            "criterion": ["overall"] * 3,
            "system_a": ["base"] * 3,
            "system_b": ["ft"] * 3,
            "preference": [1.0, np.nan, -2.0],
            "category": ["x", "x", "y"],
        }
    )


def _same(frame, expected):
    assert list(frame.columns) == list(expected.columns)
    for column in expected:
        if column == "preference":
            np.testing.assert_array_equal(frame[column].to_numpy(float), expected[column].to_numpy(float))
        else:
            assert frame[column].tolist() == expected[column].tolist()


def test_reads_csv_jsonl_parquet_to_the_same_table(tmp_path):
    records = _records()
    csv_path = tmp_path / "j.csv"
    pd.DataFrame(records).to_csv(csv_path, index=False)
    jsonl_path = _write(tmp_path, "j.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    parquet_path = tmp_path / "j.parquet"
    pd.DataFrame(records).to_parquet(parquet_path, index=False)
    for path in (csv_path, jsonl_path, parquet_path):
        _same(read_judgments(path), _expected_frame())


def test_input_sha256_is_the_file_bytes(tmp_path):
    path = _write(tmp_path, "j.csv", HEADER + "".join(GOOD_ROWS))
    loaded = load_input(path)
    assert loaded.input_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.kind == "csv"


def test_canonical_dtypes_and_defaults(tmp_path):
    frame = read_judgments(_write(tmp_path, "j.csv", HEADER + "".join(GOOD_ROWS)))
    assert frame["preference"].dtype == np.float64 and np.isnan(frame["preference"].iloc[3])
    assert frame["duration_s"].dtype == np.float64
    assert frame["item_id"].tolist() == ["q1", "q1", "q2", "q2"]
    assert list(frame.columns[:7]) == ["item_id", "rater_id", "criterion", "system_a", "system_b", "preference",
                                       "left_system"]


def test_missing_criterion_column_defaults_to_overall_and_empty_cells_too(tmp_path):
    text = "item_id,rater_id,system_a,system_b,preference\nq1,ann,a,b,1\n"
    assert read_judgments(_write(tmp_path, "j.csv", text))["criterion"].tolist() == ["overall"]
    text = HEADER + "q1,ann,,base,ft,1,base,1,x\n"
    assert read_judgments(_write(tmp_path, "k.csv", text))["criterion"].tolist() == ["overall"]


def test_ids_keep_leading_zeros_and_numeric_ids_from_jsonl_become_text(tmp_path):
    csv_frame = read_judgments(_write(tmp_path, "j.csv", "item_id,rater_id,system_a,system_b,preference\n007,1,a,b,1\n"))
    assert csv_frame["item_id"].tolist() == ["007"] and csv_frame["rater_id"].tolist() == ["1"]
    line = json.dumps({"item_id": 7, "rater_id": 1, "system_a": "a", "system_b": "b", "preference": 1})
    jsonl_frame = read_judgments(_write(tmp_path, "j.jsonl", line + "\n"))
    assert jsonl_frame["item_id"].tolist() == ["7"]


def test_infer_scale():
    assert infer_scale(np.array([-1.0, 0.0, 1.0, np.nan])) == 3
    assert infer_scale(np.array([-2.0, 0.0])) == 5


# ---------------------------------------------------------------- problems, located


def test_preference_out_of_range(tmp_path):
    path = _write(tmp_path, "j.csv", HEADER + GOOD_ROWS[0] + "q3,ann,overall,base,ft,3,base,1,x\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [f"{path}:3:preference: preference 3 is out of range: it must be from -2 to 2"]


def test_preference_out_of_range_for_a_given_3_point_scale(tmp_path):
    path = _write(tmp_path, "j.csv", HEADER + GOOD_ROWS[0] + "q3,ann,overall,base,ft,-2,base,1,x\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path, scale=3)
    assert _problems(excinfo) == [
        f"{path}:3:preference: preference -2 is out of range: it must be from -1 to 1 on the 3-point scale"
    ]


def test_non_numeric_and_fractional_preference(tmp_path):
    path = _write(tmp_path, "j.csv", HEADER + "q1,ann,overall,base,ft,better,base,1,x\nq2,ann,overall,base,ft,0.5,base,1,x\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    lines = _problems(excinfo)
    assert lines[0].startswith(f"{path}:2:preference: preference must be a whole number") and "'better'" in lines[0]
    assert lines[1].startswith(f"{path}:3:preference: preference must be a whole number") and "'0.5'" in lines[1]


def test_same_system_on_both_sides(tmp_path):
    path = _write(tmp_path, "j.csv", HEADER + GOOD_ROWS[0] + "q2,ann,overall,ft,ft,1,ft,1,x\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [
        f"{path}:3:system_b: system_a and system_b are both 'ft': a judgment compares two different systems"
    ]


def test_duplicate_judgment_reported_at_second_occurrence(tmp_path):
    # The same rater, item, pair (in either order) and criterion twice.
    path = _write(tmp_path, "j.csv", HEADER + "".join(GOOD_ROWS) + "q1,ann,overall,ft,base,-1,ft,4,support\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [
        f"{path}:6:rater_id: rater 'ann' already judged item 'q1' (ft vs base, criterion 'overall') on line 2"
    ]


def test_same_rater_and_item_on_another_criterion_is_fine(tmp_path):
    path = _write(tmp_path, "j.csv", HEADER + GOOD_ROWS[0] + "q1,ann,fluency,base,ft,1,base,4,support\n")
    assert len(read_judgments(path)) == 2


def test_left_system_not_in_pair(tmp_path):
    path = _write(tmp_path, "j.csv", HEADER + "q1,ann,overall,base,ft,1,other,1,x\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [
        f"{path}:2:left_system: left_system 'other' is neither system_a ('base') nor system_b ('ft')"
    ]


def test_missing_required_columns(tmp_path):
    path = _write(tmp_path, "j.csv", "item_id,system_a,system_b\nq1,a,b\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [
        f"{path}:1:rater_id: missing required column",
        f"{path}:1:preference: missing required column",
    ]


def test_empty_required_value(tmp_path):
    path = _write(tmp_path, "j.csv", HEADER + "q1,,overall,base,ft,1,base,1,x\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [f"{path}:2:rater_id: rater_id is empty"]


def test_bad_duration_and_metric(tmp_path):
    text = "item_id,rater_id,system_a,system_b,preference,duration_s,metric_bleu_a,metric_bleu_b\n"
    text += "q1,ann,a,b,1,-3,0.5,x\n"
    path = _write(tmp_path, "j.csv", text)
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [
        f"{path}:2:duration_s: duration_s must be >= 0, not -3",
        f"{path}:2:metric_bleu_b: metric_bleu_b must be a number, not 'x'",
    ]


def test_empty_file_and_header_only(tmp_path):
    empty = _write(tmp_path, "empty.csv", "")
    with pytest.raises(InvalidInputFile) as excinfo:
        read_judgments(empty)
    assert str(excinfo.value) == f"{empty}:1:-: the file is empty"
    header_only = _write(tmp_path, "header.csv", HEADER)
    with pytest.raises(InvalidInputFile) as excinfo:
        read_judgments(header_only)
    assert str(excinfo.value) == f"{header_only}:2:-: the file has a header but no rows"


def test_rows_are_file_lines_with_quoted_line_breaks_and_blank_lines(tmp_path):
    text = (
        "item_id,rater_id,system_a,system_b,preference,rationale\n"
        'q1,ann,a,b,1,"two\nlines"\n'  # lines 2-3
        "\n"  # line 4, blank
        "q2,ann,a,b,9,fine\n"  # line 5
    )
    path = _write(tmp_path, "j.csv", text)
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [f"{path}:5:preference: preference 9 is out of range: it must be from -2 to 2"]


def test_jsonl_rows_are_record_numbers(tmp_path):
    lines = [json.dumps(r) for r in _records()]
    bad = dict(_records()[0], item_id="q9", system_b="base")
    path = _write(tmp_path, "j.jsonl", lines[0] + "\n\n" + lines[1] + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [
        f"{path}:3:system_b: system_a and system_b are both 'base': a judgment compares two different systems"
    ]


def test_parquet_rows_are_record_numbers(tmp_path):
    records = _records() + [dict(_records()[0], item_id="q5", preference=5)]
    path = tmp_path / "j.parquet"
    pd.DataFrame(records).to_parquet(path, index=False)
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [f"{path}:4:preference: preference 5 is out of range: it must be from -2 to 2"]


def test_wrong_number_of_fields(tmp_path):
    path = _write(tmp_path, "j.csv", HEADER + GOOD_ROWS[0] + "q2,ann,overall,base,ft,1\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [f"{path}:3:-: expected 9 fields as in the header, found 6"]


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "j.csv"
    path.write_bytes((HEADER + GOOD_ROWS[0]).encode() + "q2,jos\xe9,overall,base,ft,1,base,1,x\n".encode("latin-1"))
    with pytest.raises(InvalidInputFile) as excinfo:
        read_judgments(path)
    # the byte's field is named, as for every file the one reader reads
    assert str(excinfo.value).startswith(f"{path}:3:rater_id: undecodable byte 0xe9")


def test_wrong_extension_content_and_unknown_type(tmp_path):
    fake = _write(tmp_path, "j.parquet", HEADER + GOOD_ROWS[0])
    with pytest.raises(InvalidInputFile, match="not a Parquet file"):
        read_judgments(fake)
    other = _write(tmp_path, "j.xlsx", HEADER + GOOD_ROWS[0])
    with pytest.raises(InvalidInputFile, match=r"unsupported file type '\.xlsx'.*or a study database"):
        read_judgments(other)
    with pytest.raises(InvalidInputFile, match="no such file"):
        read_judgments(tmp_path / "missing.csv")


def test_invalid_json_line(tmp_path):
    path = _write(tmp_path, "j.jsonl", json.dumps(_records()[0]) + "\n{not json\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo)[0].startswith(f"{path}:2:-: not valid JSON")


def test_problems_sorted_by_row_and_capped(tmp_path):
    rows = "".join(f"q{i},ann,overall,base,ft,7,base,1,x\n" for i in range(250))
    path = _write(tmp_path, "j.csv", HEADER + rows)
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    lines = _problems(excinfo)
    assert lines[0].startswith(f"{path}:2:preference:") and lines[1].startswith(f"{path}:3:preference:")
    assert lines[-1] == "... and 230 more problems"
    assert excinfo.value.total == 250


def test_study_name_with_a_file_is_a_user_error(tmp_path):
    path = _write(tmp_path, "j.csv", HEADER + GOOD_ROWS[0])
    with pytest.raises(EvalstoreError, match="not a study database"):
        load_input(path, study="demo")


def test_validate_a_frame_directly_uses_record_numbers():
    raw = pd.DataFrame(
        {"item_id": ["a", "b"], "rater_id": ["r", "r"], "system_a": ["x", "x"], "system_b": ["y", "y"],
         "preference": [1, 4]}
    )
    with pytest.raises(InvalidInput) as excinfo:
        validate_judgments(raw, path="<table>")
    assert _problems(excinfo) == ["<table>:2:preference: preference 4 is out of range: it must be from -2 to 2"]


def test_database_input(demo_study):
    loaded = load_input(demo_study.db_path)
    assert loaded.kind == "database" and loaded.study == demo_study.study
    assert loaded.scale in (3, 5) and loaded.baseline == "base" and loaded.overlap >= 1
    exported = judgments_frame(demo_study.db, demo_study.study)
    assert len(loaded.frame) == len(exported)


def test_database_hash_is_of_the_rows_and_stable(demo_study):
    first = load_input(demo_study.db_path).input_sha256
    assert load_input(demo_study.db_path).input_sha256 == first  # the same rows, the same hash
    assert first == frame_sha256(load_input(demo_study.db_path).frame)
    demo_study.db.conn.execute("UPDATE judgment SET rationale = 'changed' WHERE id = (SELECT min(id) FROM judgment)")
    demo_study.db.conn.commit()
    assert load_input(demo_study.db_path).input_sha256 != first


def test_database_unknown_study(demo_study):
    with pytest.raises(EvalstoreError, match="unknown study 'nope'"):
        load_input(demo_study.db_path, study="nope")


# ---------------------------------------------------------------- one spelling per system

NAMES_HEADER = "item_id,rater_id,system_a,system_b,preference,left_system\n"


def test_system_names_differing_by_case_are_refused_naming_both_spellings(tmp_path):
    path = _write(tmp_path, "j.csv", NAMES_HEADER + "q1,ann,base,finetuned,1,base\nq2,ann,base,Finetuned,1,Finetuned\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [
        f"{path}:3:system_b: system name 'Finetuned' and 'finetuned' (on line 2) differ only by case or "
        "surrounding spaces: spell one system one way",
        f"{path}:3:left_system: system name 'Finetuned' and 'finetuned' (on line 2) differ only by case or "
        "surrounding spaces: spell one system one way",
    ]


def test_system_names_differing_by_surrounding_spaces_are_refused(tmp_path):
    path = _write(tmp_path, "j.csv", NAMES_HEADER + "q1,ann,base,finetuned,1,base\nq2,ann,base, finetuned ,-1,base\n")
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(path)
    assert _problems(excinfo) == [
        f"{path}:3:system_b: system name ' finetuned ' and 'finetuned' (on line 2) differ only by case or "
        "surrounding spaces: spell one system one way"
    ]
    records = [
        {"item_id": "q1", "rater_id": "ann", "system_a": "base", "system_b": "finetuned", "preference": 1},
        {"item_id": "q2", "rater_id": "ann", "system_a": "finetuned ", "system_b": "base", "preference": 1},
    ]
    jsonl = _write(tmp_path, "j.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(InvalidInput) as excinfo:
        read_judgments(jsonl)
    assert _problems(excinfo) == [
        f"{jsonl}:2:system_a: system name 'finetuned ' and 'finetuned' (on record 1) differ only by case or "
        "surrounding spaces: spell one system one way"
    ]


def test_one_spelling_with_spaces_throughout_is_one_system(tmp_path):
    path = _write(tmp_path, "j.csv", NAMES_HEADER + "q1,ann,base, ft ,1,base\nq2,ann,base, ft ,-1, ft \n")
    frame = read_judgments(path)
    assert frame["system_b"].tolist() == ["ft", "ft"] and frame["left_system"].tolist() == ["base", "ft"]


# ---------------------------------------------------------------- the scale is declared or said to be inferred

SCALE_HEADER = "item_id,rater_id,system_a,system_b,preference,left_system,scale\n"
SCALE_ROWS = "q1,ann,base,ft,1,base\nq1,bob,base,ft,0,ft\nq2,ann,base,ft,2,ft\nq2,bob,base,ft,-1,base\n"


def test_a_stray_value_outside_the_declared_scale_is_an_error(tmp_path):
    path = _write(tmp_path, "j.csv", NAMES_HEADER + SCALE_ROWS)
    with pytest.raises(InvalidInput) as excinfo:
        load_input(path, scale=3)
    assert _problems(excinfo) == [
        f"{path}:4:preference: preference 2 is out of range: it must be from -1 to 1 on the 3-point scale"
    ]


def test_without_a_declared_scale_it_is_inferred_and_said_so(tmp_path):
    loaded = load_input(_write(tmp_path, "j.csv", NAMES_HEADER + SCALE_ROWS))
    assert (loaded.scale, loaded.scale_source) == (5, "inferred")
    assert loaded.warnings == [
        f"scale: 5-point, inferred from the values of {tmp_path / 'j.csv'} (1 preference is -2 or 2, the first "
        "on line 4); give --scale or a scale column to declare it (a value outside a declared scale is an error)"
    ]
    three = load_input(_write(tmp_path, "k.csv", NAMES_HEADER + "q1,ann,base,ft,1,base\n"))
    assert (three.scale, three.scale_source) == (3, "inferred") and "3-point, inferred" in three.warnings[0]
    declared = load_input(_write(tmp_path, "m.csv", NAMES_HEADER + "q1,ann,base,ft,1,base\n"), scale=5)
    assert (declared.scale, declared.scale_source, declared.warnings) == (5, "option", [])


def test_a_scale_column_is_honoured(tmp_path):
    rows = "".join(line.rstrip("\n") + ",3\n" for line in SCALE_ROWS.splitlines(keepends=True))
    path = _write(tmp_path, "j.csv", SCALE_HEADER + rows)
    with pytest.raises(InvalidInput) as excinfo:
        load_input(path)
    assert _problems(excinfo) == [
        f"{path}:4:preference: preference 2 is out of range: it must be from -1 to 1 on the 3-point scale"
    ]
    five = _write(tmp_path, "five.csv", SCALE_HEADER + "q1,ann,base,ft,1,base,5\nq1,bob,base,ft,-1,ft,\n")
    loaded = load_input(five)
    assert (loaded.scale, loaded.scale_source, loaded.warnings) == (5, "column", [])  # no ±2, yet 5-point
    assert load_input(five, scale=5).scale == 5


def test_a_scale_column_that_conflicts_or_varies_is_an_error(tmp_path):
    path = _write(tmp_path, "j.csv", SCALE_HEADER + "q1,ann,base,ft,1,base,5\nq1,bob,base,ft,-1,ft,5\n")
    with pytest.raises(InvalidInput) as excinfo:
        load_input(path, scale=3)
    assert _problems(excinfo) == [
        f"{path}:2:scale: the scale column says 5-point but the scale given (--scale) is 3-point"
    ]
    mixed = _write(tmp_path, "k.csv", SCALE_HEADER + "q1,ann,base,ft,1,base,3\nq1,bob,base,ft,-1,ft,5\n"
                   "q2,bob,base,ft,-1,ft,7\n")
    with pytest.raises(InvalidInput) as excinfo:
        load_input(mixed)
    assert _problems(excinfo) == [
        f"{mixed}:3:scale: scale 5 differs from scale 3 on line 2: a judgments file has one scale",
        f"{mixed}:4:scale: scale must be 3 or 5 (the preference scale of the file), not '7'",
    ]


def test_a_study_database_always_uses_its_own_scale(demo_study):
    loaded = load_input(demo_study.db_path)
    assert loaded.scale_source == "study" and loaded.warnings == []
    assert load_input(demo_study.db_path, scale=loaded.scale).scale == loaded.scale
    other = 5 if loaded.scale == 3 else 3
    with pytest.raises(EvalstoreError, match=f"uses the {loaded.scale}-point scale; a study database always uses "
                                             f"its own scale, so --scale {other} does not apply"):
        load_input(demo_study.db_path, scale=other)
