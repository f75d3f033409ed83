"""``evalstore analyze`` through click's CliRunner, on the command object itself."""

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from evalstore.cli.analysis import analyze_command

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "judgments.csv"
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason="sample_data/judgments.csv not written yet")


def run(*args):
    result = CliRunner().invoke(analyze_command, [str(a) for a in args])
    # A traceback is never an answer: anything but a clean exit is a bug.
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _small_file(tmp_path, rows=None):
    header = "item_id,rater_id,system_a,system_b,preference,left_system,category\n"
    if rows is None:
        rows = "".join(
            f"q{i},{r},base,ft,{1 if (i + k) % 3 else -1},{'base' if (i + k) % 2 else 'ft'},{'ab'[i % 2]}\n"
            for i in range(30) for k, r in enumerate(["ann", "bob", "cy"])
        )
    path = tmp_path / "judgments.csv"
    path.write_text(header + rows, encoding="utf-8")
    return path


@needs_sample
def test_sample_data_json():
    result = run(SAMPLE, "--format", "json", "--resamples", "500")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["n_items"] > 0 and data["comparisons"] and data["agreement"]
    assert data["input_sha256"] == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert data["resamples"] == 500


@needs_sample
def test_sample_data_md_starts_with_the_headline():
    result = run(SAMPLE, "--format", "md", "--resamples", "200", "--slice", "category")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "# evalstore analysis"
    headline = lines[2]
    assert headline.startswith("**") and "95 % CI" in headline and "sign test p" in headline and "prompts" in headline
    assert "## Slices" in result.stdout and "## Warnings" in result.stdout


def test_same_seed_same_bytes(tmp_path):
    path = _small_file(tmp_path)
    first = run(path, "--seed", "5", "--resamples", "300")
    second = run(path, "--seed", "5", "--resamples", "300")
    assert first.exit_code == 0 and first.stdout == second.stdout
    json.loads(first.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def test_options_reach_the_engine(tmp_path):
    path = _small_file(tmp_path)
    result = run(path, "--exclude-rater", "cy", "--slice", "category", "--seed", "2", "--resamples", "100",
                 "--tie-rule", "half", "--scale", "5")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["excluded_raters"] == ["cy"] and data["n_raters"] == 2
    assert {s["value"] for s in data["slices"]} == {"a", "b"}
    assert data["seed"] == 2 and data["resamples"] == 100 and data["scale"] == 5
    assert data["headline"][0]["tie_rule"] == "half"


def test_bad_file_is_one_line_per_problem_and_exit_1(tmp_path):
    path = _small_file(tmp_path, rows="q1,ann,base,ft,1,base,a\nq2,ann,base,base,1,base,a\nq3,ann,base,ft,4,ft,a\n")
    result = run(path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}:3:system_b: system_a and system_b are both 'base': a judgment compares two different systems",
        f"{path}:4:preference: preference 4 is out of range: it must be from -2 to 2",
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--exclude-rater", "zed"], "cannot exclude rater 'zed'"),
        (["--slice", "colour"], "no column 'colour' to slice by"),
        (["--study", "demo"], "not a study database"),
        (["--resamples", "-1"], "resamples must be"),
    ],
)
def test_user_mistakes_exit_1_with_a_message(tmp_path, args, message):
    result = run(_small_file(tmp_path), *args)
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_missing_input_file(tmp_path):
    result = run(tmp_path / "nothing.csv")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{tmp_path / 'nothing.csv'}:0:-: no such file"


def test_database_input_equals_its_exported_table(demo_study, tmp_path):
    from evalstore.judgments import judgments_frame, write_table

    from_db = run(demo_study.db_path, "--resamples", "300")
    assert from_db.exit_code == 0, from_db.stderr
    exported = tmp_path / "exported.csv"
    write_table(judgments_frame(demo_study.db, demo_study.study), "csv", exported)
    from_file = run(exported, "--resamples", "300")
    db_result, file_result = json.loads(from_db.stdout), json.loads(from_file.stdout)
    # A file's hash is that of its bytes, a database's that of its table's rows (judgments.frame_sha256).
    assert db_result["input_sha256"] == json.loads(run(demo_study.db_path, "--resamples", "0").stdout)["input_sha256"]
    # The database knows its baseline and overlap; a bare file does not know the overlap.
    assert db_result["overlap"] is not None and file_result["overlap"] is None
    for key in ("comparisons", "agreement", "tie_sensitivity", "ratings", "raters", "position_bias", "metrics"):
        assert db_result[key] == file_result[key], key


def test_database_unknown_study_exit_1(demo_study):
    result = run(demo_study.db_path, "--study", "nope")
    assert result.exit_code == 1 and "unknown study 'nope'" in result.stderr


def test_registered_on_the_evalstore_group():
    from evalstore.cli import cli

    assert cli.get_command(None, "analyze") is analyze_command
