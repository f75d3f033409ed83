"""Import: every bad input is refused with FILE:ROW:COLUMN and leaves every table as it was.

ROW is the 1-based line of the file for CSV (header = line 1; a quoted field may span lines, so a
record's line is not its record number) and the 1-based record number for JSONL and Parquet.
COLUMN is the file's own column name, or ``-`` for a problem with the file as a whole.
Each bad file is imported into a database that already holds a study with raters, assignments and a
judgment, so a partial write anywhere would change some table's row count.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from study_builders import study_rows, wide_to_long, write_rows
from evalstore.db import open_db, table_counts
from evalstore.errors import MAX_REPORTED_PROBLEMS, EvalstoreError, InvalidInput, InvalidInputFile
from evalstore.importing import import_file, read_table
from evalstore.rating import next_assignment, record_judgment
from evalstore.studies import get_study

FORMATS = ["csv", "jsonl", "parquet"]
SYSTEMS = ("base", "finetuned", "other")


@pytest.fixture
def populated(make_study):
    """A database with study 'existing' (3 systems), 3 raters, assignments and one judgment."""
    handle = make_study(name="existing", systems=SYSTEMS, n_items=3, raters=3)
    token = handle.tokens["r1"]
    shown = next_assignment(handle.db, token)
    record_judgment(handle.db, token, shown.assignment_id, "overall", 1)
    return handle


def rejected(db, path, *, study="new-study", **options) -> list[str]:
    """Import ``path``, expect a refusal, check nothing changed; return the message's lines."""
    before = table_counts(db)
    with pytest.raises(EvalstoreError) as info:
        import_file(db, path, study=study, **options)
    assert isinstance(info.value, (InvalidInput, InvalidInputFile)), repr(info.value)
    assert table_counts(db) == before
    return str(info.value).splitlines()


def one_problem(db, path, row, column, *, contains=(), **options) -> str:
    """The refusal has exactly one problem, located at ``path:row:column``."""
    lines = rejected(db, path, **options)
    assert len(lines) == 1, lines
    prefix = f"{path}:{row}:{column}: "
    assert lines[0].startswith(prefix), (lines[0], prefix)
    for word in contains:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def rows_of(n=3, systems=SYSTEMS, **kw):
    return study_rows(n, systems, **kw)


# ---------------------------------------------------------------- missing required column


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("missing", ["item_id", "prompt"])
def test_wide_missing_required_column(populated, tmp_path, fmt, missing):
    rows = [{k: v for k, v in r.items() if k != missing} for r in rows_of()]
    path = write_rows(tmp_path / f"no-{missing}.{fmt}", rows)
    one_problem(populated.db, path, 1, missing, contains=["missing required column"])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("missing", ["item_id", "prompt", "output"])
def test_long_missing_required_column(populated, tmp_path, fmt, missing):
    rows = [{k: v for k, v in r.items() if k != missing} for r in wide_to_long(rows_of(), SYSTEMS)]
    path = write_rows(tmp_path / f"long-no-{missing}.{fmt}", rows)
    one_problem(populated.db, path, 1, missing, contains=["missing required column"])


def test_long_missing_system_column_with_layout_given(populated, tmp_path):
    rows = [{k: v for k, v in r.items() if k != "system"} for r in wide_to_long(rows_of(), SYSTEMS)]
    path = write_rows(tmp_path / "long-no-system.csv", rows)
    one_problem(populated.db, path, 1, "system", contains=["missing required column"], layout="long")


def test_no_output_columns_at_all(populated, tmp_path):
    path = write_rows(tmp_path / "nothing.csv", [{"item_id": "a", "prompt": "p", "text": "t"}])
    one_problem(populated.db, path, 1, "-", contains=["layout"])


# ---------------------------------------------------------------- duplicate item_id


@pytest.mark.parametrize("fmt,row", [("csv", 5), ("jsonl", 4), ("parquet", 4)])
def test_duplicate_item_id_reported_at_second_occurrence(populated, tmp_path, fmt, row):
    rows = rows_of(3)
    rows.append(dict(rows[1]))  # record 4 repeats record 2
    path = write_rows(tmp_path / f"dup.{fmt}", rows)
    line = one_problem(populated.db, path, row, "item_id", contains=["duplicate", rows[1]["item_id"]])
    first_at = {"csv": 3, "jsonl": 2, "parquet": 2}[fmt]
    assert f"first at row {first_at}" in line


def test_csv_row_is_the_file_line_when_a_quoted_field_spans_lines(populated, tmp_path):
    path = tmp_path / "multiline.csv"
    path.write_text(
        "item_id,prompt,output_base,output_finetuned\n"            # line 1
        'a,"first line\nsecond line\nthird line",x,y\n'             # lines 2-4
        'b,p,"one\r\ntwo",z\n'                                      # lines 5-6 (CRLF inside the field)
        "a,p,x,y\n",                                                # line 7: duplicate of a (record 3)
        encoding="utf-8", newline="")
    one_problem(populated.db, path, 7, "item_id", contains=["duplicate", "first at row 2"])


def test_csv_multiline_record_problem_is_reported_at_its_first_line(populated, tmp_path):
    path = tmp_path / "multiline-empty.csv"
    path.write_text(
        "item_id,prompt,output_base,output_finetuned\n"
        'a,"several\nlines\nof prompt",x,y\n'
        'b,"again\ntwo lines",x,\n',  # record 2 starts at line 5; empty output_finetuned
        encoding="utf-8", newline="")
    one_problem(populated.db, path, 5, "output_finetuned", contains=["empty output", "'finetuned'"])


@pytest.mark.parametrize("fmt,row", [("csv", 5), ("jsonl", 4), ("parquet", 4)])
def test_long_duplicate_output_of_a_system(populated, tmp_path, fmt, row):
    rows = wide_to_long(rows_of(1), SYSTEMS)
    rows.append(dict(rows[1]))  # record 4 repeats (item, finetuned)
    path = write_rows(tmp_path / f"long-dup.{fmt}", rows)
    one_problem(populated.db, path, row, "system", contains=["duplicate", "finetuned"])


@pytest.mark.parametrize("fmt,row", [("csv", 4), ("jsonl", 3), ("parquet", 3)])
def test_long_system_names_differing_only_by_case_are_refused(populated, tmp_path, fmt, row):
    rows = wide_to_long(rows_of(1), SYSTEMS)
    rows[2]["system"] = rows[1]["system"].capitalize()  # 'Finetuned' would silently be a fourth system
    path = write_rows(tmp_path / f"long-case.{fmt}", rows)
    lines = rejected(populated.db, path)
    assert lines[0].startswith(f"{path}:{row}:system: ") and "'Other'" not in lines[0]
    assert any("differ only by case" in line for line in lines)


def test_wide_output_columns_differing_only_by_case_are_refused(populated, tmp_path):
    path = tmp_path / "wide-case.csv"
    path.write_text("item_id,prompt,output_finetuned,output_Finetuned\nq1,p,x,y\n", encoding="utf-8")
    one_problem(populated.db, path, 1, "output_Finetuned", contains=["'Finetuned'", "'finetuned'", "only by case"])


# ---------------------------------------------------------------- missing and empty outputs


@pytest.mark.parametrize("fmt,row", [("csv", 3), ("jsonl", 2), ("parquet", 2)])
def test_wide_item_without_output_for_one_system(populated, tmp_path, fmt, row):
    rows = rows_of(3)
    rows[1]["output_other"] = None  # CSV: empty cell, JSONL: key left out, Parquet: null
    path = write_rows(tmp_path / f"no-output.{fmt}", rows)
    one_problem(populated.db, path, row, "output_other", contains=["no output", "'other'", rows[1]["item_id"]])


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_wide_item_with_null_output(populated, tmp_path, fmt):
    rows = rows_of(2)
    path = tmp_path / f"null.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows[:1]) + json.dumps({**rows[1], "output_base": None}) + "\n")
    else:
        rows[1]["output_base"] = None
        write_rows(path, rows)
    one_problem(populated.db, path, 2, "output_base", contains=["'base'"])


@pytest.mark.parametrize("fmt,row", [("csv", 5), ("jsonl", 4), ("parquet", 4)])
def test_long_item_without_a_row_for_one_system(populated, tmp_path, fmt, row):
    rows = wide_to_long(rows_of(2), SYSTEMS)  # item 1: records 1-3, item 2: records 4-6
    del rows[5]  # item 2 has no row for 'other'
    path = write_rows(tmp_path / f"long-missing.{fmt}", rows)
    one_problem(populated.db, path, row, "system", contains=["no output for system 'other'"])


@pytest.mark.parametrize("fmt,row", [("csv", 4), ("jsonl", 3), ("parquet", 3)])
@pytest.mark.parametrize("blank", ["", "   ", "\n\t "])
def test_wide_empty_output(populated, tmp_path, fmt, row, blank):
    rows = rows_of(3)
    rows[2]["output_finetuned"] = blank
    path = write_rows(tmp_path / f"empty-output.{fmt}", rows)
    one_problem(populated.db, path, row, "output_finetuned", contains=["empty output"])


@pytest.mark.parametrize("fmt,row", [("csv", 3), ("jsonl", 2), ("parquet", 2)])
def test_long_empty_output(populated, tmp_path, fmt, row):
    rows = wide_to_long(rows_of(1), SYSTEMS)
    rows[1]["output"] = "  "
    path = write_rows(tmp_path / f"long-empty.{fmt}", rows)
    one_problem(populated.db, path, row, "output", contains=["empty output"])


# ---------------------------------------------------------------- systems and baseline


@pytest.mark.parametrize("fmt", FORMATS)
def test_wide_fewer_than_two_systems(populated, tmp_path, fmt):
    path = write_rows(tmp_path / f"one-system.{fmt}", rows_of(3, ("base",)))
    one_problem(populated.db, path, 1, "-", contains=["at least two systems", "found 1"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_long_fewer_than_two_systems(populated, tmp_path, fmt):
    path = write_rows(tmp_path / f"long-one-system.{fmt}", wide_to_long(rows_of(3, ("base",)), ("base",)))
    one_problem(populated.db, path, 1, "system", contains=["at least two systems", "found 1"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_baseline_wide(populated, tmp_path, fmt):
    path = write_rows(tmp_path / f"baseline.{fmt}", rows_of())
    one_problem(populated.db, path, 1, "-", contains=["unknown baseline 'gpt'", "base, finetuned, other"],
                baseline="gpt")


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_baseline_long(populated, tmp_path, fmt):
    path = write_rows(tmp_path / f"long-baseline.{fmt}", wide_to_long(rows_of(), SYSTEMS))
    one_problem(populated.db, path, 1, "system", contains=["unknown baseline 'gpt'"], baseline="gpt")


def test_systems_differing_from_the_existing_study(populated, tmp_path):
    path = write_rows(tmp_path / "two-systems.csv", rows_of(2, ("base", "finetuned"), start=50))
    one_problem(populated.db, path, 1, "-", study="existing", contains=["compares", "base, finetuned, other"])


# ---------------------------------------------------------------- undecodable bytes


def test_csv_undecodable_byte_names_line_column_and_encoding(populated, tmp_path):
    text = "item_id,prompt,category,output_base,output_finetuned\na,p,x,o1,o2\nb,p,café,o1,o2\n"
    path = tmp_path / "latin1.csv"
    path.write_bytes(text.encode("latin-1"))
    one_problem(populated.db, path, 3, "category", contains=["0xe9", "UTF-8"])


def test_csv_undecodable_byte_inside_a_multiline_field(populated, tmp_path):
    path = tmp_path / "latin1-multiline.csv"
    path.write_bytes(b"item_id,prompt,output_base,output_finetuned\n"
                     b'a,"line one\nline two",x,y\n'
                     b'b,p,"first\nsecond \xff here",z\n')  # the byte is on line 5, in output_base
    one_problem(populated.db, path, 5, "output_base", contains=["0xff", "UTF-8"])


def test_csv_utf16_is_named(populated, tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes("item_id,prompt,output_base,output_finetuned\na,p,x,y\n".encode("utf-16"))
    one_problem(populated.db, path, 1, "-", contains=["UTF-16", "UTF-8"])


def test_csv_with_utf8_bom_is_fine(populated, tmp_path):
    path = tmp_path / "bom.csv"
    write_rows(path, rows_of(2, start=70))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = import_file(populated.db, path, study="bom")
    assert result.items_added == 2
    assert populated.db.conn.execute("SELECT count(*) FROM item WHERE item_id = 'item-070'").fetchone()[0] == 1


def test_jsonl_undecodable_byte_is_located_by_record_and_key(populated, tmp_path):
    rows = rows_of(3)
    lines = [json.dumps(r).encode() for r in rows]
    lines[2] = lines[2].replace(b"Prompt number 3", b"Prompt \xe9 number 3")
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b"\n".join([lines[0], b"", lines[1], b"", lines[2]]) + b"\n")  # blank lines: record != line
    one_problem(populated.db, path, 3, "prompt", contains=["0xe9", "UTF-8"])


def _invalid_utf8_string_array(values: list[bytes]) -> pa.Array:
    """A Parquet *string* column holding bytes that are not UTF-8 (other writers do produce these)."""
    return pa.Array.from_buffers(pa.string(), len(values), pa.array(values, type=pa.binary()).buffers())


@pytest.mark.parametrize("column_type", ["string", "binary"])
def test_parquet_undecodable_text(populated, tmp_path, column_type):
    rows = rows_of(3)
    values = [r["output_finetuned"].encode() for r in rows]
    values[1] = b"caf\xe9"
    column = _invalid_utf8_string_array(values) if column_type == "string" else pa.array(values, pa.binary())
    data = {k: [r[k] for r in rows] for k in rows[0]}
    data["output_finetuned"] = column
    path = tmp_path / f"bad-{column_type}.parquet"
    pq.write_table(pa.table(data), path)
    one_problem(populated.db, path, 2, "output_finetuned", contains=["0xe9", "UTF-8"])


def test_parquet_binary_text_column_is_decoded(fresh_db, tmp_path):
    rows = rows_of(2)
    data = {k: [r[k] for r in rows] for k in rows[0]}
    data["output_base"] = pa.array([r["output_base"].encode() for r in rows], pa.binary())
    path = tmp_path / "binary-ok.parquet"
    pq.write_table(pa.table(data), path)
    import_file(fresh_db, path, study="s")
    texts = [r[0] for r in fresh_db.conn.execute(
        "SELECT o.text FROM output o JOIN system s ON s.id = o.system_id WHERE s.name = 'base' ORDER BY o.id")]
    assert texts == [r["output_base"] for r in rows]


# ---------------------------------------------------------------- wrong type in a metric column


@pytest.mark.parametrize("fmt,row", [("csv", 3), ("jsonl", 2), ("parquet", 2)])
@pytest.mark.parametrize("column", ["latency_ms_finetuned", "metric_score_base"])
def test_wide_metric_not_a_number(populated, tmp_path, fmt, row, column):
    rows = rows_of(3)
    for r in rows:
        r[column] = str(r[column])  # a text column in JSONL and Parquet too
    rows[1][column] = "fast"
    path = write_rows(tmp_path / f"metric.{fmt}", rows)
    one_problem(populated.db, path, row, column, contains=["expected a number", "'fast'"])


@pytest.mark.parametrize("value", [True, "12ms", [1, 2], {"ms": 3}, "inf"])
def test_jsonl_metric_of_the_wrong_json_type(populated, tmp_path, value):
    rows = rows_of(2)
    rows[1]["latency_ms_base"] = value
    path = write_rows(tmp_path / "metric-type.jsonl", rows)
    one_problem(populated.db, path, 2, "latency_ms_base", contains=["expected a number"])


@pytest.mark.parametrize("fmt,row", [("csv", 4), ("jsonl", 3), ("parquet", 3)])
def test_long_metric_not_a_number(populated, tmp_path, fmt, row):
    rows = wide_to_long(rows_of(1), SYSTEMS)
    for r in rows:
        r["latency_ms"] = str(r["latency_ms"])
    rows[2]["latency_ms"] = "n/a"
    path = write_rows(tmp_path / f"long-metric.{fmt}", rows)
    one_problem(populated.db, path, row, "latency_ms", contains=["expected a number", "'n/a'"])


def test_empty_metric_cell_is_a_missing_value_not_an_error(fresh_db, tmp_path):
    rows = rows_of(2)
    rows[0]["latency_ms_base"] = None
    import_file(fresh_db, write_rows(tmp_path / "gaps.csv", rows), study="s")
    metrics = [json.loads(m) for (m,) in fresh_db.conn.execute(
        "SELECT o.metrics FROM output o JOIN system s ON s.id = o.system_id WHERE s.name = 'base' ORDER BY o.id")]
    assert "latency_ms" not in metrics[0]
    assert metrics[1]["latency_ms"] == rows[1]["latency_ms_base"]


# ---------------------------------------------------------------- not what the extension says


def test_csv_named_parquet(populated, tmp_path):
    path = write_rows(tmp_path / "real.csv", rows_of())
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(path.read_bytes())
    one_problem(populated.db, fake, 1, "-", contains=["not a Parquet file"])


@pytest.mark.parametrize("ext", ["csv", "jsonl"])
def test_parquet_named_as_text(populated, tmp_path, ext):
    real = write_rows(tmp_path / "real.parquet", rows_of())
    fake = tmp_path / f"fake.{ext}"
    fake.write_bytes(real.read_bytes())
    one_problem(populated.db, fake, 1, "-", contains=["Parquet file", ".parquet"])


@pytest.mark.parametrize("content", [
    b"this is not json at all\n",
    b"item_id,prompt,output_base,output_finetuned\na,p,x,y\n",  # a CSV named .jsonl
    bytes(range(256)) * 4,  # binary garbage
])
def test_garbage_jsonl(populated, tmp_path, content):
    path = tmp_path / "garbage.jsonl"
    path.write_bytes(content)
    one_problem(populated.db, path, 1, "-")


def test_jsonl_array_instead_of_objects(populated, tmp_path):
    path = tmp_path / "array.jsonl"
    path.write_text(json.dumps(rows_of(1)[0]) + "\n" + json.dumps(rows_of(2)) + "\n")
    one_problem(populated.db, path, 2, "-", contains=["JSON object"])


def test_jsonl_bad_line_after_good_ones(populated, tmp_path):
    rows = rows_of(3)
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(rows[0]) + "\n\n" + json.dumps(rows[1])[:-5] + "\n" + json.dumps(rows[2]) + "\n")
    one_problem(populated.db, path, 2, "-", contains=["not valid JSON"])


def test_truncated_parquet(populated, tmp_path):
    real = write_rows(tmp_path / "whole.parquet", rows_of(20))
    path = tmp_path / "truncated.parquet"
    path.write_bytes(real.read_bytes()[: len(real.read_bytes()) // 2])
    one_problem(populated.db, path, 1, "-", contains=["Parquet"])


# ---------------------------------------------------------------- empty and header-only files


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file(populated, tmp_path, fmt, content):
    path = tmp_path / f"empty.{fmt}"
    path.write_bytes(content)
    one_problem(populated.db, path, 1, "-", contains=["empty"])


def test_csv_header_only(populated, tmp_path):
    path = write_rows(tmp_path / "header.csv", [], columns=list(rows_of(1)[0]))
    one_problem(populated.db, path, 2, "-", contains=["header but no rows"])


def test_csv_header_followed_by_blank_lines(populated, tmp_path):
    path = tmp_path / "header-blank.csv"
    path.write_text("item_id,prompt,output_base,output_finetuned\n\n\n")
    one_problem(populated.db, path, 2, "-", contains=["no rows"])


def test_parquet_with_columns_but_no_records(populated, tmp_path):
    columns = list(rows_of(1)[0])
    path = tmp_path / "header.parquet"
    pq.write_table(pa.table({c: pa.array([], pa.string()) for c in columns}), path)
    one_problem(populated.db, path, 1, "-", contains=["no records"])


def test_jsonl_of_empty_objects(populated, tmp_path):
    path = tmp_path / "objects.jsonl"
    path.write_text("{}\n{}\n")
    one_problem(populated.db, path, 1, "-", contains=["layout"])


# ---------------------------------------------------------------- re-import


@pytest.mark.parametrize("fmt", FORMATS)
def test_reimport_unchanged_adds_nothing(make_study, tmp_path, fmt):
    handle = make_study(name="s", systems=SYSTEMS, n_items=4, raters=3, fmt=fmt)
    token = handle.tokens["r2"]
    shown = next_assignment(handle.db, token)
    record_judgment(handle.db, token, shown.assignment_id, "overall", -1)
    before = table_counts(handle.db)
    result = import_file(handle.db, handle.path, study="s")
    assert (result.items_added, result.items_unchanged, result.created_study) == (0, 4, False)
    assert table_counts(handle.db) == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_items_in_another_layout_and_format_are_unchanged(make_study, tmp_path, fmt):
    handle = make_study(name="s", systems=SYSTEMS, n_items=4, raters=2, fmt="csv")
    before = table_counts(handle.db)
    path = write_rows(tmp_path / f"same-long.{fmt}", wide_to_long(rows_of(4), SYSTEMS))
    result = import_file(handle.db, path, study="s")
    assert (result.items_added, result.items_unchanged, result.layout) == (0, 4, "long")
    assert table_counts(handle.db) == before


def test_reimport_with_new_items_adds_only_those(make_study, tmp_path):
    handle = make_study(name="s", systems=SYSTEMS, n_items=3, raters=2)
    before = table_counts(handle.db)
    path = write_rows(tmp_path / "more.csv", rows_of(5))
    result = import_file(handle.db, path, study="s")
    assert (result.items_added, result.items_unchanged) == (2, 3)
    after = table_counts(handle.db)
    assert after["item"] == before["item"] + 2
    assert after["output"] == before["output"] + 2 * len(SYSTEMS)
    assert {k: v for k, v in after.items() if k not in ("item", "output")} == \
           {k: v for k, v in before.items() if k not in ("item", "output")}


@pytest.mark.parametrize("fmt,row", [("csv", 3), ("jsonl", 2), ("parquet", 2)])
@pytest.mark.parametrize("change", ["output", "prompt", "metadata", "metric"])
def test_existing_item_id_with_different_content(populated, tmp_path, fmt, row, change):
    rows = rows_of(3)  # the same items as 'existing' (item-001..003)
    key = {"output": "output_other", "prompt": "prompt", "metadata": "category",
           "metric": "latency_ms_base"}[change]
    rows[1][key] = 9999 if change == "metric" else "changed"
    rows.append(rows_of(1, start=90)[0])  # a new item: it must not be added either
    path = write_rows(tmp_path / f"changed.{fmt}", rows)
    one_problem(populated.db, path, row, "item_id", study="existing",
                contains=["already in study 'existing'", "different content", "item-002"])


def test_several_changed_items_are_all_reported(populated, tmp_path):
    rows = rows_of(3)
    for r in rows:
        r["output_base"] = "new text"
    path = write_rows(tmp_path / "changed-all.csv", rows)
    lines = rejected(populated.db, path, study="existing")
    assert [line.split(": ")[0] for line in lines] == [f"{path}:{n}:item_id" for n in (2, 3, 4)]


# ---------------------------------------------------------------- many problems


def test_many_problems_are_listed_up_to_a_limit_then_counted(populated, tmp_path):
    rows = rows_of(30)
    for r in rows:
        r["output_base"] = ""
    path = write_rows(tmp_path / "many.csv", rows)
    lines = rejected(populated.db, path)
    assert len(lines) == MAX_REPORTED_PROBLEMS + 1
    for n, line in enumerate(lines[:-1], start=2):
        assert line.startswith(f"{path}:{n}:output_base: empty output")
    assert lines[-1] == f"... and {30 - MAX_REPORTED_PROBLEMS} more problems"


def test_different_problems_in_one_file_are_all_reported(populated, tmp_path):
    rows = rows_of(5)
    rows[0]["output_finetuned"] = ""                 # line 2
    rows[1]["latency_ms_other"] = "slow"             # line 3
    rows[2]["item_id"] = rows[0]["item_id"]          # line 4: duplicate
    rows[3]["prompt"] = ""                           # line 5
    path = write_rows(tmp_path / "mixed.csv", rows)
    lines = rejected(populated.db, path)
    assert [line.split(": ")[0] for line in lines] == [
        f"{path}:2:output_finetuned", f"{path}:3:latency_ms_other", f"{path}:4:item_id", f"{path}:5:prompt"]


def test_huge_number_of_problems_is_counted_exactly(populated, tmp_path):
    rows = rows_of(300)
    for r in rows:
        r["output_base"] = r["output_other"] = ""
    path = write_rows(tmp_path / "very-many.csv", rows)
    lines = rejected(populated.db, path)
    assert lines[-1] == f"... and {600 - MAX_REPORTED_PROBLEMS} more problems"


def test_ragged_csv_row(populated, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("item_id,prompt,output_base,output_finetuned\na,p,x,y\nb,p,x\n")
    one_problem(populated.db, path, 3, "-", contains=["expected 4 fields", "found 3"])


def test_duplicate_header_column(populated, tmp_path):
    path = tmp_path / "dup-header.csv"
    path.write_text("item_id,prompt,output_base,output_finetuned,prompt\na,p,x,y,q\n")
    one_problem(populated.db, path, 1, "prompt", contains=["twice"])


# ---------------------------------------------------------------- what a good import stores


def _stored(db, study):
    s = get_study(db, study)
    items = {}
    for iid, prompt, reference, meta, rid in db.conn.execute(
            "SELECT item_id, prompt, reference, metadata, id FROM item WHERE study_id = ? ORDER BY id", [s.id]):
        outputs = {name: (text, json.loads(metrics)) for name, text, metrics in db.conn.execute(
            "SELECT s.name, o.text, o.metrics FROM output o JOIN system s ON s.id = o.system_id WHERE o.item_id = ?",
            [rid])}
        items[iid] = (prompt, reference, json.loads(meta), outputs)
    return s, items


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layout", ["wide", "long"])
def test_good_import_stores_items_outputs_metadata_and_metrics(fresh_db, tmp_path, fmt, layout):
    rows = rows_of(4)
    path = write_rows(tmp_path / f"good.{fmt}", rows if layout == "wide" else wide_to_long(rows, SYSTEMS))
    result = import_file(fresh_db, path, study="s", baseline="finetuned", overlap=2, pairing="all-pairs")
    assert (result.layout, result.created_study, result.items_added) == (layout, True, 4)
    study, items = _stored(fresh_db, "s")
    assert study.baseline == "finetuned" and study.overlap == 2 and study.pairing == "all-pairs"
    assert [s.name for s in study.systems] == list(SYSTEMS)
    assert list(items) == [r["item_id"] for r in rows]
    for r in rows:
        prompt, reference, meta, outputs = items[r["item_id"]]
        assert prompt == r["prompt"]
        assert reference == (r["reference"] or None)
        assert meta == {"category": r["category"], "difficulty": r["difficulty"]}
        for s in SYSTEMS:
            text, metrics = outputs[s]
            assert text == r[f"output_{s}"]
            assert metrics == {"latency_ms": r[f"latency_ms_{s}"], "score": r[f"metric_score_{s}"]}


def test_metric_columns_of_systems_with_overlapping_names(fresh_db, tmp_path):
    rows = [{"item_id": "a", "prompt": "p", "output_model": "x", "output_big_model": "y",
             "metric_bleu_model": 1, "metric_bleu_big_model": 2, "tokens_model": 5, "latency_ms_big_model": 7}]
    import_file(fresh_db, write_rows(tmp_path / "names.jsonl", rows), study="s")
    _study, items = _stored(fresh_db, "s")
    outputs = items["a"][3]
    assert outputs["model"][1] == {"bleu": 1.0, "tokens": 5.0}
    assert outputs["big_model"][1] == {"bleu": 2.0, "latency_ms": 7.0}
    assert items["a"][2] == {}


def test_jsonl_text_with_unicode_line_separators(fresh_db, tmp_path):
    rows = rows_of(2, ("base", "finetuned"))
    rows[0]["output_base"] = "first\u2028second\u2029third\x0cfourth\x85fifth"
    path = tmp_path / "separators.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert import_file(fresh_db, path, study="s").items_added == 2
    _study, items = _stored(fresh_db, "s")
    assert items["item-001"][3]["base"][0] == rows[0]["output_base"]


def test_csv_crlf_and_quoted_fields_round_trip(fresh_db, tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(b'item_id,prompt,output_base,output_finetuned\r\n'
                     b'a,"say ""hi""\r\nplease",x,"y, with comma"\r\n')
    import_file(fresh_db, path, study="s")
    _study, items = _stored(fresh_db, "s")
    assert items["a"][0] == 'say "hi"\r\nplease'
    assert items["a"][3]["finetuned"][0] == "y, with comma"


def test_read_table_row_numbers(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text('item_id,prompt,output_a,output_b\n\na,"x\ny",1,2\nb,p,1,2\n', newline="")
    table = read_table(path)
    assert table.rows().tolist() == [3, 5]


def test_file_as_given_relative_path(populated, tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    write_rows(tmp_path / "in" / "dup.csv", rows_of(2) + [rows_of(1)[0]])
    monkeypatch.chdir(tmp_path)
    lines = rejected(populated.db, "in/dup.csv")
    assert lines == ["in/dup.csv:4:item_id: duplicate item_id 'item-001' (first at row 2)"]


def test_missing_file_and_unsupported_extension(populated, tmp_path):
    lines = rejected(populated.db, tmp_path / "nope.csv")
    assert lines[0].startswith(f"{tmp_path / 'nope.csv'}:0:-: ")
    xlsx = tmp_path / "book.xlsx"
    xlsx.write_bytes(b"PK\x03\x04 not really")
    assert re.search(r"unsupported file type '\.xlsx'", rejected(populated.db, xlsx)[0])


def test_nothing_written_to_a_fresh_database_either(db_path, tmp_path):
    db = open_db(db_path)
    rows = rows_of(3)
    rows[2]["output_base"] = ""
    path = write_rows(tmp_path / "bad.csv", rows)
    one_problem(db, path, 4, "output_base")
    assert table_counts(db) == dict.fromkeys(table_counts(db), 0)
    assert os.path.exists(db_path)


def test_undecodable_byte_in_the_csv_header(populated, tmp_path):
    path = tmp_path / "latin1-header.csv"
    path.write_bytes("item_id,prompt,catégorie,output_base,output_finetuned\na,p,x,o1,o2\n".encode("latin-1"))
    one_problem(populated.db, path, 1, "-", contains=["0xe9", "UTF-8"])


def test_undecodable_byte_with_old_mac_line_endings(populated, tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(b"item_id,prompt,output_base,output_finetuned\ra,p,x,y\rb,p,x,caf\xe9\r")
    one_problem(populated.db, path, 3, "output_finetuned", contains=["0xe9"])


def test_parquet_with_a_duplicate_column_name(populated, tmp_path):
    rows = rows_of(2)
    names = list(rows[0]) + ["prompt"]
    arrays = [pa.array([r[k] for r in rows]) for k in rows[0]] + [pa.array(["again", "again"])]
    path = tmp_path / "dup-column.parquet"
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path)
    one_problem(populated.db, path, 1, "prompt", contains=["twice"])


@pytest.mark.parametrize("values", [
    ["1", " 2.5 ", "1e3", "", "+4", "0.1", "-0"],       # what Arrow parses at once
    ["1", "1_000", "\u0661\u0662", "7"],                # what only Python's float() reads: value by value
])
def test_metric_text_is_read_as_python_reads_it(fresh_db, tmp_path, values):
    rows = rows_of(len(values), ("base", "finetuned"))
    for row, value in zip(rows, values):
        row["latency_ms_base"] = value
    path = write_rows(tmp_path / "metrics.csv", rows)
    import_file(fresh_db, path, study="s")
    stored = [json.loads(m).get("latency_ms") for (m,) in fresh_db.conn.execute(
        "SELECT o.metrics FROM output o JOIN system s ON s.id = o.system_id WHERE s.name = 'base' ORDER BY o.id")]
    assert stored == [float(v) if v.strip() else None for v in values]
    assert [str(v) for v in stored] == [str(float(v)) if v.strip() else "None" for v in values]  # -0.0 stays


# ---------------------------------------------------------------- the stored texts and the content hash

# Text that json escapes in every way it can: quotes, backslashes, control characters, DEL (escaped only
# with ensure_ascii), non-ASCII, characters outside the BMP, %-signs (the texts are put together with
# %-templates).
AWKWARD = ['plain', 'a "quote"', 'back\\slash', 'tab\tline\nreturn\r', 'del\x7f', 'ctrl\x01\x1f\x0b', 'é accent',
           'emoji \U0001F600', 'separators\u2028\u2029\x85', 'nbsp\u00a0', '%s %d %% %(x)s', 'text \\u0000',
           'zero width\u200b', '"', '{"json": [1]}']


def _awkward_rows(n=40, seed=3):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append({
            "item_id": f"item {rng.choice(AWKWARD)} {i}", "prompt": rng.choice(AWKWARD) + f" {i}",
            "reference": rng.choice(AWKWARD + [None, "", "  "]), "catégorie": rng.choice(AWKWARD + [None]),
            "100%": rng.choice([1, 2.5, True, False, None, "x", {"a": [1, "é"]}, [1, 2], -0.0, 10**20]),
            "output_base": rng.choice(AWKWARD) + " o", "output_fine tuned": rng.choice(AWKWARD),
            "output_é": rng.choice(AWKWARD),
            "latency_ms_base": rng.choice([1, 2.5, None, 1e-7, 123456789.125, -0.0, 1e22]),
            "metric_bléu_base": rng.choice([0.5, None]), "metric_100%_fine tuned": rng.choice([0.25, None]),
            "tokens_é": rng.choice([3, None]), "metric_tokens_é": rng.choice([4, None]), "latency_ms_fine tuned": 7,
        })
    return rows


def _content_sha256(prompt, reference, metadata, outputs, metrics):
    """The content hash as every stored study has it: changing it makes unchanged items look changed."""
    content = {"prompt": prompt, "reference": reference, "metadata": metadata, "outputs": outputs,
               "metrics": metrics}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("layout", ["wide", "long"])
def test_stored_texts_and_content_hash_are_json_dumps_of_the_item(fresh_db, tmp_path, fmt, layout):
    rows = _awkward_rows()
    systems = ("base", "fine tuned", "é")
    if layout == "long":
        rows = [{k: v for k, v in r.items() if not k.startswith(("output_", "latency_ms_", "metric_", "tokens_"))}
                | {"system": s, "output": r["output_" + s], "latency_ms": r["latency_ms_base"]} for r in rows
                for s in systems]
    path = write_rows(tmp_path / f"awkward.{fmt}", rows)
    result = import_file(fresh_db, path, study="s")
    assert result.items_added == 40
    stored = fresh_db.conn.execute("SELECT id, prompt, reference, metadata, content_sha256 FROM item").fetchall()
    assert len(stored) == 40
    for rid, prompt, reference, metadata_text, digest in stored:
        metadata = json.loads(metadata_text)
        assert metadata_text == json.dumps(metadata, ensure_ascii=False)
        outputs, metrics = {}, {}
        for name, text, metrics_text in fresh_db.conn.execute(
                "SELECT s.name, o.text, o.metrics FROM output o JOIN system s ON s.id = o.system_id"
                " WHERE o.item_id = ?", [rid]):
            outputs[name], metrics[name] = text, json.loads(metrics_text)
            assert metrics_text == json.dumps(metrics[name], sort_keys=True)
        assert sorted(outputs) == sorted(systems)
        assert digest == _content_sha256(prompt, reference, metadata, outputs, metrics)
    assert import_file(fresh_db, path, study="s").items_unchanged == 40


def test_content_hash_of_a_stored_item_is_unchanged(fresh_db, tmp_path):
    # computed by the importer that wrote the studies already in use; they re-import as unchanged only
    # while this stays the same
    rows = [{"item_id": "a", "prompt": "Say \"hi\"\nplease", "reference": "", "category": "é",
             "output_base": "hi", "output_finetuned": "Hello!\t\x7f", "latency_ms_base": "12",
             "metric_bleu_finetuned": "0.25", "latency_ms_finetuned": ""}]
    import_file(fresh_db, write_rows(tmp_path / "one.csv", rows), study="s")
    (digest,) = fresh_db.conn.execute("SELECT content_sha256 FROM item").fetchone()
    assert digest == "0c8e293f6dca6b74601a6106c22c7eb48f410019d818812a3575ec4a864bd049"


@pytest.mark.parametrize("ascii_only", [True, False])
def test_json_strings_escape_as_json_dumps(ascii_only):
    from evalstore.importing import _json_strings

    characters = [chr(c) for c in range(128)] if ascii_only else [chr(c) for c in range(0x2100)] + ["\U0001F600"]
    values = characters + ["".join(characters), "plain text"]
    assert list(_json_strings(values)) == [json.dumps(v, ensure_ascii=False) for v in values]
