"""Input that cannot silently change the analysis, through `evalstore analyze` and
`evalstore report`: the scale is declared or the warnings say it was inferred; one system, one spelling."""

import json

from click.testing import CliRunner

from evalstore.cli.analysis import analyze_command
from evalstore.cli.report import report

HEADER = "item_id,rater_id,system_a,system_b,preference,left_system\n"


def run(command, *args):
    result = CliRunner().invoke(command, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def three_point_file(tmp_path, stray_two=True):
    """30 items × 3 raters on the 3-point scale; with ``stray_two`` one preference (line 5) is a 2."""
    lines = [
        f"q{i},{r},base,ft,{1 if (i + k) % 3 else -1},{'base' if (i + k) % 2 else 'ft'}\n"
        for i in range(30) for k, r in enumerate(["ann", "bob", "cy"])
    ]
    if stray_two:
        lines[3] = lines[3].replace(",1,", ",2,").replace(",-1,", ",2,")
    path = tmp_path / "judgments.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def test_inferred_scale_is_a_warning_of_the_analysis(tmp_path):
    path = three_point_file(tmp_path)
    result = run(analyze_command, path, "--resamples", "0")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["scale"] == 5  # one stray 2 makes it a 5-point study ...
    assert data["warnings"][0] == (  # ... and the analysis says so, with the line of that 2
        f"scale: 5-point, inferred from the values of {path} (1 preference is -2 or 2, the first on line 5); "
        "give --scale or a scale column to declare it (a value outside a declared scale is an error)"
    )
    md = run(analyze_command, path, "--resamples", "0", "--format", "md")
    assert "scale: 5-point, inferred" in md.stdout
    from_report = json.loads(run(report, path, "--format", "json", "--resamples", "0").stdout)
    assert from_report["warnings"][0] == data["warnings"][0]


def test_declared_scale_makes_the_stray_value_an_error(tmp_path):
    path = three_point_file(tmp_path)
    result = run(analyze_command, path, "--scale", "3")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"{path}:5:preference: preference 2 is out of range: it must be from -1 to 1 on the 3-point scale"
    )
    clean = three_point_file(tmp_path, stray_two=False)
    data = json.loads(run(analyze_command, clean, "--scale", "3", "--resamples", "0").stdout)
    assert data["scale"] == 3 and not [w for w in data["warnings"] if w.startswith("scale:")]


def test_scale_column_and_a_conflicting_option(tmp_path):
    path = three_point_file(tmp_path, stray_two=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",scale"] + [line + ",5" for line in lines[1:]]) + "\n", encoding="utf-8")
    data = json.loads(run(analyze_command, path, "--resamples", "0").stdout)
    assert data["scale"] == 5 and not [w for w in data["warnings"] if w.startswith("scale:")]
    result = run(analyze_command, path, "--scale", "3")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"{path}:2:scale: the scale column says 5-point but the scale given (--scale) is 3-point"
    )


def test_case_variant_system_names_are_refused(tmp_path):
    path = tmp_path / "judgments.csv"
    path.write_text(HEADER + "q1,ann,base,finetuned,1,base\nq1,bob,base,Finetuned,-1,base\n", encoding="utf-8")
    result = run(analyze_command, path)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"{path}:3:system_b: system name 'Finetuned' and 'finetuned' (on line 2) differ only by case or "
        "surrounding spaces: spell one system one way"
    )
