"""What people read about a result, across every surface: the same pair names, in one order; words, not JSON
keys or flag codes; user data shown as text in Markdown, HTML and JSON; report files written whole or not at all.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from click.testing import CliRunner

from evalstore import page_data, reports
from evalstore.analysis import analyze
from evalstore.cli import cli
from evalstore.reports import words
from evalstore.reports.markdown import md_text, render_markdown

RESAMPLES = 100


def _three_systems() -> pd.DataFrame:
    """base against dpo and against sft, every prompt judged by three raters, sides alternating."""
    rows = []
    for sys_b, prefs in (("dpo", (1, 1, -1)), ("sft", (1, -1, -1))):
        for i in range(24):
            for k, p in enumerate(prefs):
                rows.append({"item_id": f"{sys_b}{i:02d}", "rater_id": f"r{k}", "system_a": "base",
                             "system_b": sys_b, "preference": p if i % 4 else 0,
                             "left_system": "base" if (i + k) % 2 else sys_b})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def three():
    return analyze(_three_systems(), resamples=RESAMPLES, baseline="base")


def _chart_comparisons(specs: dict) -> set[str]:
    """Every "comparison" value in the inline data of every chart."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("comparison"), str):
                found.add(node["comparison"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(specs)
    return found


def test_every_surface_names_each_pair_identically_baseline_first(three):
    pairs = [(c["criterion"], c["system_a"], c["system_b"]) for c in three["comparisons"]]
    assert {a for _, a, _ in pairs} == {"base"}  # the engine puts the baseline first
    md = reports.render_md(three)
    html_text = reports.render_html(three, specs={})
    specs = reports.chart_specs(three)
    page_what_if = page_data.what_if(three, three)
    page_tables = [cell for s in reports.sections(three) for t in s.tables for row in [t.headers, *t.rows]
                   for cell in row]
    for criterion, a, b in pairs:
        label, reverse = f"{a} vs {b}", f"{b} vs {a}"
        assert words.pair_label({"system_a": a, "system_b": b}) == label
        for name, text in (("markdown", md), ("html", html_text), ("charts", json.dumps(specs)),
                           ("page", json.dumps([page_what_if, page_tables]))):
            assert label in text, name
            assert reverse not in text, name
        assert f"{criterion}: {label}" in _chart_comparisons(specs)
        assert any(row["pair"] == label for row in page_what_if)
    # the sentences of several pairs name their pair the same way
    for v in reports.verdicts(three):
        assert any(f", {v['pair']}" in t for t in v["trust"])


def test_no_json_key_or_flag_code_reaches_a_reader(three):
    result = dict(three)
    result["raters"] = [{**r, "flags": ["too_fast", "always_left"]} if i == 0 else r
                        for i, r in enumerate(result["raters"])]
    md = render_markdown(result)
    html_text = reports.render_html(result, specs={})
    page = [cell for s in reports.sections(result) for t in s.tables for row in [t.headers, *t.rows] for cell in row]
    page += [p for s in reports.sections(result) for p in s.intro]
    page += [words.warning_words(w) for w in result["warnings"]] + [words.flagged_raters(result)]
    for key in ("win_rate_b", "win_rate_b_ties_half", "n_with_majority", "n_sided", "tie_sensitivity",
                "too_fast", "always_left", "krippendorff_alpha_ordinal", "p_value"):
        for name, text in (("markdown", md), ("html", html_text), ("page", "\n".join(page))):
            assert not re.search(rf"(?<![\w\\]){re.escape(key)}(?!\w)", text.replace("\\_", "_")), (name, key)
    assert "too fast, favours the left output" in md and "too fast, favours the left output" in html_text


def test_the_engine_warnings_read_in_words(three):
    ties = next(w for w in three["warnings"] if "ties" in w and "left out" in w)
    assert "win_rate_b" in ties  # the engine's own text keeps its keys ...
    said = words.warning_words(ties)
    assert "win_rate_b" not in said and "tie_sensitivity" not in said  # ... the reader gets words
    assert "the win rate with ties split half-half" in said and "the tie-sensitivity table" in said


HOSTILE = {
    "image": "![x](http://host/p.png)",
    "link": "[click](http://host/a)",
    "pipe": "a | b",
    "code": "`rm -rf`",
    "tag": "<img src=x onerror=alert(1)>",
    "bold": "**loud** _x_",
}


@pytest.fixture(scope="module")
def hostile_file(tmp_path_factory):
    rows = []
    values = list(HOSTILE.values())
    for i in range(60):
        for k in range(3):
            rows.append({"item_id": f"q{i:02d}", "rater_id": "<b>eve</b>" if k == 0 else f"r{k}",
                         "system_a": "base", "system_b": "tuned", "preference": (1, 1, -1)[k] if i % 5 else 0,
                         "category": values[i % len(values)]})
    path = tmp_path_factory.mktemp("hostile") / "judgments.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _report(path, fmt, tmp_path) -> str:
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(cli, ["report", str(path), "--format", fmt, "--resamples", str(RESAMPLES),
                                      "--slice", "category", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    return out.read_text(encoding="utf-8")


def _unescaped(text: str, char: str) -> int:
    return len(re.findall(rf"(?<!\\){re.escape(char)}", text))


def test_markdown_report_shows_hostile_data_as_text(hostile_file, tmp_path):
    md = _report(hostile_file, "md", tmp_path)
    # no image, link or HTML a Markdown viewer would render (and fetch): every bracket, backtick and tag escaped
    assert "![" not in md and "](" not in md.replace("\\](", "")
    assert "<img" not in md and "<b>" not in md
    assert "!\\[x\\](http://host/p.png)" in md and "&lt;img src=x onerror=alert(1)>" in md
    assert "\\`rm -rf\\`" in md and "\\*\\*loud\\*\\* \\_x\\_" in md
    # a pipe in a value cannot split a table row: each row of a table has as many cell borders as its header
    for block in re.findall(r"((?:^\|.*\|\n)+)", md, re.M):
        lines = block.splitlines()
        assert {_unescaped(line, "|") for line in lines} == {_unescaped(lines[0], "|")}, block
    # every slice value reached the report
    for value in HOSTILE.values():
        assert md_text(value) in md


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def test_html_and_json_reports_show_hostile_data_as_text(hostile_file, tmp_path):
    text = _report(hostile_file, "html", tmp_path)
    elements = _Elements()
    elements.feed(text)
    assert "img" not in elements.tags and "b" not in elements.tags
    assert "&lt;img src=x onerror=alert(1)&gt;" in text and "&lt;b&gt;eve&lt;/b&gt;" in text
    data = json.loads(_report(hostile_file, "json", tmp_path))
    assert {s["value"] for s in data["slices"]} == set(HOSTILE.values())  # JSON keeps the values as they are


def test_report_to_a_missing_folder_is_one_line_and_writes_nothing(hostile_file, tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "x.md"
    result = CliRunner().invoke(cli, ["report", str(hostile_file), "--format", "md", "--resamples", "20",
                                      "-o", str(target)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = result.stderr.strip().splitlines()
    assert str(target) in line and "Traceback" not in result.stderr
    assert not (tmp_path / "no").exists()


def test_a_failed_write_leaves_the_old_report_and_no_temporary_file(tmp_path, monkeypatch):
    from evalstore.errors import EvalstoreError
    from evalstore.reports import formats

    target = tmp_path / "report.md"
    target.write_text("the old report\n", encoding="utf-8")

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(EvalstoreError, match="No space left on device"):
        formats.write_text(target, "a new report\n")
    assert target.read_text(encoding="utf-8") == "the old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]
    monkeypatch.undo()
    formats.write_text(target, "a new report\n")
    assert target.read_text(encoding="utf-8") == "a new report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_every_registered_format_renders_and_refuses_a_database(tmp_path, three):
    from evalstore.errors import EvalstoreError
    from evalstore.reports import formats

    for name in reports.FORMATS:
        assert formats.get_format(name).render(three, None).endswith("\n")
    with pytest.raises(EvalstoreError, match="one of html, md, json, metrics"):
        formats.get_format("pdf")
    from evalstore.db import open_db

    db_file = tmp_path / "study.db"
    open_db(db_file).conn.close()
    for path in (db_file, tmp_path / "study.db-wal"):
        with pytest.raises(EvalstoreError, match="refusing to overwrite"):
            formats.write_report(three, "md", path)
