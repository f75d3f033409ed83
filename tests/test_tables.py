"""The one file reader and the one judgments writer: what one writes, the other reads back unchanged.

Through the CLI (``evalstore export`` then ``evalstore analyze`` / ``evalstore import``), for every format.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from evalstore.judgments import COLUMNS, FORMULA_STARTS, judgments_frame, load_input, write_table
from evalstore.rating import next_assignment, record_judgment
from evalstore.tables import Problems, read_table

FORMATS = ["csv", "jsonl", "parquet"]

# Characters that str.splitlines() (and so a naive JSON Lines reader) takes for line ends, and other
# control characters a rater's text may hold; NUL is refused by every text reader, so it is not here.
AWKWARD = ["line\u2028separator", "paragraph\u2029separator", "next\x85line", "carriage\rreturn",
           "form\x0cfeed", "vertical\x0btab", "unit\x1fseparator", 'quote " and, comma', "new\nline"]
FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "-", "=1\r+2"]


@pytest.fixture
def judged(make_study):
    """A study whose judgments carry the awkward and formula-like rationales, with preferences -1, 0, 1."""
    handle = make_study(name="s", systems=("base", "finetuned"), n_items=8, raters=2, overlap=2)
    texts = iter(AWKWARD + FORMULAS + ["plain"] * 16)
    choices = iter([-1, 0, 1] * 10)
    for token in handle.tokens.values():
        while (shown := next_assignment(handle.db, token)) is not None:
            record_judgment(handle.db, token, shown.assignment_id, "overall", next(choices), rationale=next(texts))
    return handle


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_then_analyze_keeps_awkward_rationales(judged, tmp_path, run_cli, fmt):
    exported = tmp_path / f"judgments.{fmt}"
    run_cli("export", judged.db.conn.execute("PRAGMA database_list").fetchone()[2], "--format", fmt,
            "-o", exported)
    analysed = run_cli("analyze", exported, "--resamples", "20")
    from_db = run_cli("analyze", judged.db.conn.execute("PRAGMA database_list").fetchone()[2], "--resamples", "20")
    result, expected = json.loads(analysed.stdout), json.loads(from_db.stdout)
    assert result["n_judgments"] == expected["n_judgments"] == 16
    for key in ("comparisons", "tie_sensitivity", "raters", "position_bias"):
        assert result[key] == expected[key], key
    read = load_input(exported).frame
    rationales = set(read["rationale"])
    for text in AWKWARD:
        # validation strips surrounding spaces of text cells; these are all inside the text
        assert text in rationales, (fmt, text)


def test_jsonl_export_holds_unicode_line_separators_unescaped(judged, tmp_path):
    path = tmp_path / "j.jsonl"
    write_table(judgments_frame(judged.db, "s"), "jsonl", path)
    data = path.read_text(encoding="utf-8")
    assert "\u2028" in data and "\u2029" in data and "\x85" in data  # what made splitlines() break records
    assert len(read_table(path).records()) == 16


def test_csv_export_neutralises_formulas_and_reads_back_every_number(judged, tmp_path, run_cli):
    db_path = judged.db.conn.execute("PRAGMA database_list").fetchone()[2]
    exported = tmp_path / "j.csv"
    run_cli("export", db_path, "-o", exported)
    back = pd.read_csv(exported, keep_default_na=False, dtype=str)
    written = set(back["rationale"])
    for text in FORMULAS:
        assert "'" + text in written and text not in written, text
    # numbers are numbers, not text: a preference of -1 is written as -1
    assert "-1" in set(back["preference"]) and not any(v.startswith("'") for v in back["preference"])
    loaded = load_input(exported).frame
    frame = judgments_frame(judged.db, "s")
    for column in ("preference", "duration_s", "metric_length_chars_a", "metric_length_chars_b"):
        np.testing.assert_array_equal(loaded[column].to_numpy(float), frame[column].to_numpy(float), column)
    from_db, from_file = (json.loads(run_cli("analyze", p, "--resamples", "20").stdout) for p in (db_path, exported))
    for key in ("comparisons", "tie_sensitivity", "ratings", "raters", "position_bias", "agreement"):
        assert from_file[key] == from_db[key], key


def test_raw_csv_writes_cells_verbatim(tmp_path):
    frame = pd.DataFrame({"rationale": ["=1+1", "-x", "@me", "\tx", "ok"], "preference": [-1, -2, 0, 1, 2],
                          "metric_x_a": [-0.5, 1.0, -3.0, 0.0, 1.5]})
    neutral, raw = tmp_path / "n.csv", tmp_path / "r.csv"
    write_table(frame, "csv", neutral)
    write_table(frame, "csv", raw, raw=True)
    assert raw.read_text(encoding="utf-8") == \
        "rationale,preference,metric_x_a\n=1+1,-1,-0.5\n-x,-2,1.0\n@me,0,-3.0\n\tx,1,0.0\nok,2,1.5\n"
    assert neutral.read_text(encoding="utf-8") == \
        "rationale,preference,metric_x_a\n'=1+1,-1,-0.5\n'-x,-2,1.0\n'@me,0,-3.0\n'\tx,1,0.0\nok,2,1.5\n"
    carriage = tmp_path / "cr.csv"
    write_table(pd.DataFrame({"t": ["\rx", "a\rb"], "n": [1, 2]}), "csv", carriage)
    # a carriage return in a cell: rows end with CRLF, so the writer quotes the cell and readers keep it whole
    assert carriage.read_bytes() == b"t,n\r\n\"'\rx\",1\r\n\"a\rb\",2\r\n"
    assert read_table(carriage).records() == [{"t": "'\rx", "n": "1"}, {"t": "a\rb", "n": "2"}]
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}


def test_export_header_is_the_canonical_columns(judged, tmp_path):
    path = tmp_path / "j.csv"
    write_table(judgments_frame(judged.db, "s"), "csv", path)
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[: len(COLUMNS)] == COLUMNS


@pytest.mark.parametrize("text", ["a,b\n1,2\n", "a,b\r\n1,2\r\n", "a,b\r1,2\r", "\ufeffa,b\n1,2\n"])
def test_line_ends_and_byte_order_mark(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    table = read_table(path)
    assert table.columns == ["a", "b"] and table.records() == [{"a": "1", "b": "2"}]
    assert table.rows().tolist() == [2]


def test_tsv_is_read_with_tabs(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\nx, y\tz\n", encoding="utf-8")
    assert read_table(path).records() == [{"a": "x, y", "b": "z"}]


def test_fast_and_careful_paths_agree(tmp_path):
    """A number column with a non-number makes the fast path hand over to the csv module: same records."""
    text = 'id,n,t\n1,2,"multi\nline"\n\n3,x,plain\n'
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8", newline="")
    fast = read_table(path)
    careful = read_table(path, types=lambda name: "number" if name == "n" else None)
    assert fast.records() == careful.records() == [{"id": "1", "n": "2", "t": "multi\nline"},
                                                  {"id": "3", "n": "x", "t": "plain"}]
    assert fast.rows().tolist() == careful.rows().tolist() == [2, 5]


def test_problems_are_reported_in_file_order_and_counted():
    problems = Problems("f.csv", ["a", "b"], rows=lambda: np.array([2, 4, 7]))
    problems.add_record(2, "b", "late")
    problems.add_where(np.array([True, False, True]), "a", lambda i: f"mask {i}")
    problems.add(1, None, "header")
    with pytest.raises(Exception) as info:
        problems.raise_if_any()
    assert str(info.value).splitlines() == ["f.csv:1:-: header", "f.csv:2:a: mask 0", "f.csv:7:a: mask 2",
                                            "f.csv:7:b: late"]
    assert info.value.total == 4


@pytest.mark.parametrize("body", ['x,"p"q\n', 'x,ab"c\n', 'x,"a""b"\n', 'x,""\n', '"x",y\n', 'x,"open\n',
                                  'x,"a\nb"\n', 'x,"a"\r\n'])
def test_quotes_are_read_as_the_csv_module_reads_them(tmp_path, body):
    import csv
    import io

    path = tmp_path / "q.csv"
    path.write_bytes(("a,b\n" + body).encode())
    try:
        expected = [dict(zip(["a", "b"], r)) for r in csv.reader(io.StringIO(body, newline=""), strict=True)]
    except csv.Error:
        expected = None
    if expected is None:
        with pytest.raises(Exception, match="malformed CSV"):
            read_table(path)
    else:
        assert read_table(path).records() == expected


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_failed_judgments_write_leaves_the_old_file_and_no_temporary_file(fmt, tmp_path, monkeypatch):
    import os

    from evalstore.errors import EvalstoreError
    from evalstore.judgments import write_table

    frame = pd.DataFrame({"item_id": ["q1"], "preference": [1]})
    target = tmp_path / f"judgments.{fmt}"
    target.write_bytes(b"the old file\n")
    os.chmod(target, 0o640)

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(EvalstoreError, match="No space left on device"):
        write_table(frame, fmt, target)
    assert target.read_bytes() == b"the old file\n"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    monkeypatch.undo()
    write_table(frame, fmt, target)
    assert target.read_bytes() != b"the old file\n" and target.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / f"fresh.{fmt}"
    write_table(frame, fmt, fresh)
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
