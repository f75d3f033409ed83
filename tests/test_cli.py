"""The `evalstore` command, in-process with click's CliRunner (stdout and stderr kept apart).

The round trip: init → import (wide and long; CSV, JSONL, Parquet) → add 3 raters → assign with
overlap 2 → status → export. User mistakes: one readable line on stderr, exit 1, no traceback.
"""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from study_builders import study_rows, wide_to_long, write_rows
from evalstore.db import open_db, table_counts
from evalstore.rating import next_assignment, rater_for_token, record_judgment, skip_item

SYSTEMS = ("base", "finetuned", "other")
CANONICAL = ["item_id", "rater_id", "criterion", "system_a", "system_b", "preference", "left_system", "flag",
             "rationale", "duration_s", "submitted_at", "scale"]
LINK = re.compile(r"^(?P<base>.+)/\?token=(?P<token>[A-Za-z0-9_-]{20,})$")


def no_traceback(result):
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def one_line_error(result, *, contains=()):
    """Exit 1, nothing on stdout, one line on stderr."""
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip("\n").splitlines()
    assert len(lines) == 1, result.stderr
    for word in contains:
        assert word in lines[0], (word, lines[0])
    return lines[0]


@pytest.fixture
def input_files(tmp_path):
    """Six files of the same 3-system study, two items each: wide and long × csv, jsonl, parquet."""
    files, start = [], 1
    for layout in ("wide", "long"):
        for fmt in ("csv", "jsonl", "parquet"):
            rows = study_rows(2, SYSTEMS, start=start)
            if layout == "long":
                rows = wide_to_long(rows, SYSTEMS)
            files.append((layout, write_rows(tmp_path / f"{layout}.{fmt}", rows)))
            start += 2
    return files


def test_round_trip_on_a_three_system_study(run_cli, input_files, db_path, tmp_path, monkeypatch):
    monkeypatch.delenv("EVALSTORE_BASE_URL", raising=False)
    r = run_cli("init", db_path)
    assert r.stdout == "" and "created" in r.stderr
    assert table_counts(open_db(db_path)) == dict.fromkeys(table_counts(open_db(db_path)), 0)

    for n, (layout, path) in enumerate(input_files):
        extra = ["--baseline", "base", "--overlap", "2"] if n == 0 else []
        r = run_cli("import", db_path, path, "--study", "s", *extra)
        assert r.stdout == ""
        assert f"{layout} layout" in r.stderr and "2 items added" in r.stderr
    db = open_db(db_path)
    counts = table_counts(db)
    assert (counts["study"], counts["system"], counts["item"], counts["output"]) == (1, 3, 12, 36)

    # three raters: --base-url, EVALSTORE_BASE_URL, and the default
    links = {}
    for name, args, env in (("ann", ["--base-url", "https://eval.example.org/"], None),
                            ("ben", [], {"EVALSTORE_BASE_URL": "http://rater-host:9000"}),
                            ("cat", [], None)):
        r = run_cli("add-rater", db_path, "--study", "s", "--name", name, *args, env=env)
        last = r.stdout.strip("\n").splitlines()[-1]
        m = LINK.match(last)
        assert m, last
        links[name] = m
    assert links["ann"]["base"] == "https://eval.example.org"
    assert links["ben"]["base"] == "http://rater-host:9000"
    assert links["cat"]["base"] == "http://localhost:8501"
    tokens = {name: m["token"] for name, m in links.items()}
    assert len(set(tokens.values())) == 3
    assert {rater_for_token(db, t).name for t in tokens.values()} == {"ann", "ben", "cat"}

    r = run_cli("assign", db_path, "--study", "s", "--overlap", "2")
    loads = dict(line.split("\t") for line in r.stdout.strip("\n").splitlines())
    assert loads == {"ann": "16", "ben": "16", "cat": "16"}  # 12 items × 2 pairs × overlap 2 = 48
    assert table_counts(db)["assignment"] == 48

    r = run_cli("status", db_path, "--study", "s")
    assert "items: 12" in r.stdout and "units: 24" in r.stdout and "raters: 3" in r.stdout
    assert "judgments: 0 / 48" in r.stdout
    status = json.loads(run_cli("status", db_path, "--study", "s", "--format", "json").stdout)
    assert (status["items"], status["units"], status["assignments_made"], status["judgments_done"]) == (12, 24, 48, 0)
    assert status["baseline"] == "base" and status["systems"] == list(SYSTEMS)

    # judgments through the rating core, then export
    for name, token in tokens.items():
        for k in range(3):
            shown = next_assignment(db, token)
            if k == 2 and name == "cat":
                skip_item(db, token, shown.assignment_id, "cant_judge")
            else:
                record_judgment(db, token, shown.assignment_id, "overall", k - 1)
    status = json.loads(run_cli("status", db_path, "--format", "json").stdout)
    assert status["judgments_done"] == 9 and status["assignments_done"] == 9

    r = run_cli("export", db_path, "--study", "s")
    frame = pd.read_csv(io.StringIO(r.stdout), dtype={"item_id": str}, keep_default_na=False)
    assert list(frame.columns) == CANONICAL + ["category", "difficulty", "metric_latency_ms_a",
                                               "metric_latency_ms_b", "metric_score_a", "metric_score_b",
                                               "metric_length_chars_a", "metric_length_chars_b"]
    assert len(frame) == 9
    assert set(frame["rater_id"]) == {"ann", "ben", "cat"}
    assert set(frame["system_a"]) == {"base"} and set(frame["system_b"]) <= {"finetuned", "other"}
    assert r.stdout.startswith("item_id,rater_id,criterion,")  # nothing before the table
    assert r.stderr == ""

    r = run_cli("export", db_path, "--study", "s", "--format", "jsonl")
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(records) == 9 and list(records[0])[:12] == CANONICAL

    r = run_cli("export", db_path, "--study", "s", "--format", "parquet", expect=1)
    one_line_error(r, contains=["-o"])
    out = tmp_path / "judgments.parquet"
    r = run_cli("export", db_path, "--study", "s", "--format", "parquet", "-o", out)
    assert r.stdout == "" and "9 judgments" in r.stderr
    assert len(pd.read_parquet(out)) == 9

    out_csv = tmp_path / "judgments.csv"
    run_cli("export", db_path, "--study", "s", "-o", out_csv)
    assert pd.read_csv(out_csv, dtype={"item_id": str}, keep_default_na=False).equals(frame)


def test_export_of_a_study_without_judgments_is_the_header_alone(run_cli, make_study, db_path):
    make_study(name="quiet", systems=SYSTEMS, n_items=3, raters=3, overlap=2)
    r = run_cli("export", db_path, "--study", "quiet")
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and lines[0].split(",")[:12] == CANONICAL
    assert "metric_length_chars_a" in lines[0] and "metric_length_chars_b" in lines[0]
    assert run_cli("export", db_path, "--format", "jsonl").stdout == ""


def test_study_may_be_left_out_when_the_database_holds_one(run_cli, make_study, db_path):
    make_study(name="only", n_items=3, raters=0, assign=False, overlap=1)
    r = run_cli("add-rater", db_path, "--name", "solo")
    assert "study 'only'" in r.stdout
    r = run_cli("assign", db_path)
    assert r.stdout.strip() == "solo\t3"
    assert "study: only" in run_cli("status", db_path).stdout
    assert run_cli("export", db_path).stdout.startswith("item_id,")
    run_cli("deactivate-rater", db_path, "--name", "solo")


def test_several_studies_need_study(run_cli, make_study, db_path, tmp_path):
    make_study(name="one", n_items=2, raters=1, overlap=1)
    make_study(name="two", n_items=2, raters=1, overlap=1)
    for args in (["status", db_path], ["export", db_path], ["assign", db_path],
                 ["add-rater", db_path, "--name", "x"]):
        one_line_error(run_cli(*args, expect=1), contains=["one, two", "--study"])


@pytest.mark.parametrize("command", [
    ["status"], ["export"], ["assign"], ["add-rater", "--name", "x"], ["deactivate-rater", "--name", "r1"],
    ["export", "--format", "parquet", "-o", "x.parquet"],
])
def test_unknown_study_is_one_line(run_cli, make_study, db_path, command):
    make_study(name="real", n_items=2, raters=1, overlap=1)
    before = table_counts(open_db(db_path))
    r = run_cli(command[0], db_path, "--study", "imaginary", *command[1:], expect=1)
    one_line_error(r, contains=["unknown study 'imaginary'", "real"])
    assert table_counts(open_db(db_path)) == before


def test_bad_import_via_cli_names_the_file_as_given(run_cli, make_study, db_path, tmp_path, monkeypatch):
    make_study(name="s", systems=SYSTEMS, n_items=2, raters=2)
    (tmp_path / "incoming").mkdir()
    rows = study_rows(3, SYSTEMS, start=10)
    rows[1]["output_other"] = ""
    rows[2]["item_id"] = rows[0]["item_id"]
    write_rows(tmp_path / "incoming" / "batch.csv", rows)
    monkeypatch.chdir(tmp_path)
    before = table_counts(open_db(db_path))
    r = run_cli("import", db_path, "incoming/batch.csv", "--study", "s", expect=1)
    no_traceback(r)
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        "incoming/batch.csv:3:output_other: empty output: item 'item-011' has no output for system 'other'",
        "incoming/batch.csv:4:item_id: duplicate item_id 'item-010' (first at row 2)",
    ]
    assert table_counts(open_db(db_path)) == before


@pytest.mark.parametrize("name,content", [
    ("empty.csv", b""),
    ("header.csv", b"item_id,prompt,output_base,output_finetuned\n"),
    ("latin1.csv", "item_id,prompt,output_base,output_finetuned\na,caf\xe9,x,y\n".encode("latin-1")),
    ("garbage.jsonl", b"\x89PNG\r\n\x1a\n not jsonl"),
    ("text.parquet", b"item_id,prompt\n"),
])
def test_bad_files_via_cli_exit_1_without_traceback(run_cli, make_study, db_path, tmp_path, name, content):
    make_study(name="s", n_items=2, raters=2)
    path = tmp_path / name
    path.write_bytes(content)
    before = table_counts(open_db(db_path))
    r = run_cli("import", db_path, path, "--study", "s", expect=1)
    line = one_line_error(r)
    assert re.match(re.escape(str(path)) + r":\d+:[^:]+: ", line), line
    assert table_counts(open_db(db_path)) == before


def test_many_problems_via_cli_are_capped_then_counted(run_cli, fresh_db, db_path, tmp_path):
    rows = study_rows(25)
    for r_ in rows:
        r_["latency_ms_base"] = "slow"
    path = write_rows(tmp_path / "slow.csv", rows)
    r = run_cli("import", db_path, path, "--study", "s", expect=1)
    no_traceback(r)
    lines = r.stderr.strip("\n").splitlines()
    assert len(lines) == 21 and lines[-1] == "... and 5 more problems"
    assert all(line.startswith(f"{path}:") for line in lines[:-1])


def test_reimport_unchanged_via_cli_exits_0_and_adds_nothing(run_cli, make_study, db_path):
    handle = make_study(name="s", systems=SYSTEMS, n_items=3, raters=3)
    token = handle.tokens["r1"]
    record_judgment(handle.db, token, next_assignment(handle.db, token).assignment_id, "overall", 1)
    before = table_counts(open_db(db_path))
    r = run_cli("import", db_path, handle.path, "--study", "s")
    assert "0 items added, 3 already present" in r.stderr
    assert table_counts(open_db(db_path)) == before


def test_changed_item_via_cli(run_cli, make_study, db_path, tmp_path):
    make_study(name="s", systems=SYSTEMS, n_items=3, raters=1, overlap=1)
    rows = study_rows(3, SYSTEMS)
    rows[2]["prompt"] = "A different prompt"
    path = write_rows(tmp_path / "changed.jsonl", rows)
    before = table_counts(open_db(db_path))
    line = one_line_error(run_cli("import", db_path, path, "--study", "s", expect=1))
    assert line.startswith(f"{path}:3:item_id: item_id 'item-003' is already in study 's' with different content")
    assert table_counts(open_db(db_path)) == before


@pytest.mark.parametrize("args,words", [
    (["--overlap", "0"], ["overlap"]),
    (["--criteria", " , "], ["criterion"]),
    (["--baseline", "nobody"], ["unknown baseline 'nobody'"]),
])
def test_bad_import_options_are_one_line(run_cli, db_path, tmp_path, args, words):
    path = write_rows(tmp_path / "ok.csv", study_rows(2))
    one_line_error(run_cli("import", db_path, path, "--study", "s", *args, expect=1), contains=words)
    assert table_counts(open_db(db_path))["study"] == 0


def test_other_user_mistakes_are_one_line(run_cli, make_study, db_path, tmp_path):
    make_study(name="s", n_items=2, raters=2, overlap=2)
    one_line_error(run_cli("assign", db_path, "--overlap", "3", expect=1), contains=["needs at least 3"])
    one_line_error(run_cli("add-rater", db_path, "--name", "r1", expect=1), contains=["already has a rater"])
    one_line_error(run_cli("deactivate-rater", db_path, "--name", "nobody", expect=1), contains=["no rater"])
    one_line_error(run_cli("export", db_path, "-o", tmp_path / "no" / "such" / "dir.csv", expect=1),
                   contains=["cannot write"])
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database at all" * 100)
    one_line_error(run_cli("status", garbage, expect=1), contains=["not an evalstore database"])
    path = write_rows(tmp_path / "ok.csv", study_rows(2))
    one_line_error(run_cli("import", garbage, path, "--study", "s", expect=1),
                   contains=["not an evalstore database"])


@pytest.mark.parametrize("command", [["status"], ["export"], ["assign"], ["add-rater", "--name", "x"]])
def test_missing_database_is_one_line(run_cli, db_path, command):
    one_line_error(run_cli(command[0], db_path, *command[1:], expect=1), contains=["no such database"])
    assert not db_path.exists()


def test_usage_errors_keep_clicks_exit_code(run_cli, make_study, db_path):
    make_study(name="s", n_items=2, raters=1, overlap=1)
    no_traceback(run_cli("export", db_path, "--no-such-option", expect=2))
    no_traceback(run_cli("export", db_path, "--format", "xlsx", expect=2))


def test_help_documents_every_command(run_cli):
    out = run_cli("--help").stdout
    for command in ("init", "import", "add-rater", "deactivate-rater", "assign", "status", "export", "close",
                    "reopen", "serve", "demo"):
        assert re.search(rf"^\s+{command}\s", out, re.M), command
    for command in ("import", "add-rater", "assign", "status", "export"):
        assert "--study" in run_cli(command, "--help").stdout


def test_init_twice_migrates_and_keeps_data(run_cli, make_study, db_path):
    make_study(name="s", n_items=2, raters=1, overlap=1)
    before = table_counts(open_db(db_path))
    r = run_cli("init", db_path)
    assert "migrated" in r.stderr
    assert table_counts(open_db(db_path)) == before


def test_commands_never_wait_for_input(run_cli, make_study, db_path, tmp_path):
    make_study(name="s", n_items=2, raters=1, overlap=1)
    # with stdin closed, every command still finishes (a prompt would fail with "Aborted!")
    for args in (["status", db_path], ["export", db_path], ["assign", db_path],
                 ["add-rater", db_path, "--name", "late"]):
        r = run_cli(*args, input="")
        assert "Aborted" not in r.stderr


def test_close_and_reopen(run_cli, make_study, db_path, tmp_path):
    from evalstore.errors import StudyClosed

    handle = make_study(name="s", n_items=3, raters=1, overlap=1)
    token = handle.tokens["r1"]
    shown = next_assignment(handle.db, token)
    r = run_cli("close", db_path)
    assert "closed" in r.stderr
    with pytest.raises(StudyClosed):
        record_judgment(handle.db, token, shown.assignment_id, "overall", 1)
    more = write_rows(tmp_path / "more.csv", study_rows(2, start=50))
    one_line_error(run_cli("import", db_path, more, "--study", "s", expect=1), contains=["closed"])
    one_line_error(run_cli("assign", db_path, expect=1), contains=["closed"])
    assert "(closed)" in run_cli("status", db_path).stdout
    run_cli("reopen", db_path, "--study", "s")
    record_judgment(handle.db, token, shown.assignment_id, "overall", 1)
    assert "judgments: 1 / 3" in run_cli("status", db_path).stdout


def test_status_lists_raters_with_their_progress(run_cli, make_study, db_path):
    handle = make_study(name="s", n_items=4, raters=3, overlap=2)
    token = handle.tokens["r2"]
    for _ in range(2):
        record_judgment(handle.db, token, next_assignment(handle.db, token).assignment_id, "overall", 0)
    run_cli("deactivate-rater", db_path, "--name", "r3")
    out = run_cli("status", db_path).stdout
    assert "judgments: 2 / 8 expected" in out
    assert re.search(r"^\s+r2: 2 / \d+$", out, re.M)
    assert re.search(r"^\s+r3: 0 / \d+  \(inactive\)$", out, re.M)
    status = json.loads(run_cli("status", db_path, "--format", "json").stdout)
    assert [(r["rater"], r["active"], r["done"]) for r in status["raters"]] == [
        ("r1", True, 0), ("r2", True, 2), ("r3", False, 0)]


# ---------------------------------------------------------------------------------------------------------
# one error handler for every command, shared options


def _judged_study(make_study):
    """A small study whose raters have judged everything they were given."""
    handle = make_study(name="s", n_items=4, raters=2, overlap=2)
    for k, token in enumerate(handle.tokens.values()):
        while (shown := next_assignment(handle.db, token)) is not None:
            record_judgment(handle.db, token, shown.assignment_id, "overall", k % 3 - 1)
            k += 1
    return handle


def test_report_to_a_missing_folder_is_one_line(run_cli, make_study, db_path, tmp_path):
    _judged_study(make_study)
    target = tmp_path / "no" / "such" / "dir" / "x.md"
    for fmt in ("md", "html", "json", "csv", "parquet"):
        one_line_error(run_cli("report", db_path, "--format", fmt, "--resamples", "0", "-o", target, expect=1),
                       contains=[str(target), "cannot write"])
    assert not target.parent.exists()


def test_every_command_answers_sqlite_errors_in_one_line(run_cli, make_study, db_path, monkeypatch):
    import sqlite3

    import evalstore.status

    make_study(name="s", n_items=2, raters=1, overlap=1)

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(evalstore.status, "study_status", locked)
    assert one_line_error(run_cli("status", db_path, expect=1)) == "database error: database is locked"


def test_an_unwritable_output_is_one_line_even_when_the_writer_does_not_guard_it(
        run_cli, make_study, db_path, tmp_path, monkeypatch):
    """The handler, not each writer, stands between an OSError and a traceback."""
    import evalstore.judgments

    make_study(name="s", n_items=2, raters=1, overlap=1)
    target = tmp_path / "out.csv"

    def unguarded(frame, fmt, out, raw=False):
        raise PermissionError(13, "Permission denied", str(out))

    monkeypatch.setattr(evalstore.judgments, "write_table", unguarded)
    line = one_line_error(run_cli("export", db_path, "-o", target, expect=1))
    assert line == f"{target}: cannot write (Permission denied)"


def test_commands_run_on_their_own_keep_the_one_line_errors(tmp_path):
    """Tests and tools invoke a command object without the group: the same handler answers."""
    from click.testing import CliRunner

    from evalstore.cli.analysis import analyze_command
    from evalstore.cli.report import report

    missing = tmp_path / "missing.csv"
    for command in (analyze_command, report):
        result = CliRunner().invoke(command, [str(missing)])
        one_line_error(result, contains=[str(missing)])


def test_analysis_defaults_are_read_from_the_engine(run_cli, monkeypatch):
    """--resamples and --tie-rule show and use the engine's defaults, not copies of them."""
    import evalstore.analysis

    for command in ("analyze", "report"):
        out = run_cli(command, "--help").stdout
        assert f"[default: {evalstore.analysis.DEFAULT_RESAMPLES}]" in " ".join(out.split())
    monkeypatch.setattr(evalstore.analysis, "DEFAULT_RESAMPLES", 17)
    assert "[default: 17]" in " ".join(run_cli("analyze", "--help").stdout.split())


def test_analyze_and_report_parse_the_same_analysis_options(tmp_path, monkeypatch):
    """Both commands hand the same parsed options to the one analysis call, and the report's regenerate
    command is built from them (--scale included) rather than patched."""
    from click.testing import CliRunner

    import evalstore.cli.analysis
    import evalstore.cli.report
    import evalstore.errors
    from evalstore.cli import cli

    seen = []

    def fake_analysis(source, study, analysis):
        seen.append(analysis)
        raise evalstore.errors.EvalstoreError("stop here")

    for module in (evalstore.cli.analysis, evalstore.cli.report):
        monkeypatch.setattr(module, "run_analysis", fake_analysis)
    options = ["--slice", "category", "--seed", "3", "--resamples", "40", "--exclude-rater", "r1",
               "--scale", "5", "--tie-rule", "half"]
    for command in ("analyze", "report"):
        result = CliRunner().invoke(cli, [command, str(tmp_path / "x.csv"), *options])
        assert result.exit_code == 1 and result.stderr.strip() == "stop here"
    assert len(seen) == 2 and seen[0] == seen[1]
    choices = seen[0]
    assert (choices.slices, choices.seed, choices.resamples, choices.exclude_raters, choices.scale,
            choices.tie_rule) == (("category",), 3, 40, ("r1",), 5, "half")


def test_regenerate_command_carries_the_scale(run_cli, make_study, db_path, tmp_path):
    import shlex

    _judged_study(make_study)
    out = tmp_path / "r.json"
    run_cli("report", db_path, "--format", "json", "--scale", "3", "--resamples", "0", "-o", out)
    argv = shlex.split(json.loads(out.read_text(encoding="utf-8"))["report_command"])
    assert argv[argv.index("--scale") + 1] == "3"
    assert argv[argv.index("--resamples") + 1] == "0"
    run_cli("report", db_path, "--format", "json", "--resamples", "0", "-o", out)
    assert "--scale" not in json.loads(out.read_text(encoding="utf-8"))["report_command"]


def test_python_dash_m_runs_the_command(tmp_path):
    import subprocess
    import sys

    for module in ("evalstore", "evalstore.cli"):
        done = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True,
                              cwd=tmp_path, timeout=60)
        assert done.returncode == 0 and "evalstore" in done.stdout, done.stderr


def test_the_tie_rule_choices_are_the_engines():
    """The command lists the rules without importing the engine; they must be the engine's own."""
    from evalstore.cli.options import TIE_RULES
    from evalstore.stats.winrates import TIE_RULES as ENGINE_TIE_RULES

    assert tuple(TIE_RULES) == tuple(ENGINE_TIE_RULES)


def test_the_report_formats_are_the_registry_and_the_judgments_writer():
    # listed by hand in the CLI so that `evalstore --help` need not import the reports
    from evalstore.cli.report import FORMATS, TABLE_FORMATS
    from evalstore.judgments import FORMATS as JUDGMENT_FORMATS
    from evalstore.reports import FORMATS as REPORT_FORMATS

    assert tuple(FORMATS) == (*REPORT_FORMATS, *TABLE_FORMATS)
    assert set(TABLE_FORMATS) <= set(JUDGMENT_FORMATS)
