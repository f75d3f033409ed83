"""``evalstore report``: one analysis result as HTML, Markdown, JSON and flat metrics, plus the judgments table.

Round trip: the numbers in report.json equal ``evalstore analyze`` on the exported judgments. Determinism: the
same data and seed give the same bytes apart from the generation time. Offline: nothing in the HTML makes a
browser fetch anything (the Playwright test in tests/e2e opens it with the network blocked).
"""

from __future__ import annotations

import json
import re
import shlex
from html.parser import HTMLParser

import pandas as pd
import pytest
from click.testing import CliRunner

from evalstore import reports
from evalstore.analysis import analyze
from evalstore.cli.analysis import analyze_command
from evalstore.demo import build_demo
from evalstore.judgments import load_input, read_judgments
from evalstore.cli.report import report

RESAMPLES = "200"
ADDED_KEYS = {"generated_at", "report_command"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "demo.db"
    build_demo(path)
    return path


def run(command, *args, expect=0):
    result = CliRunner().invoke(command, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == expect, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def _diff(a, b, path="") -> list[str]:
    """Paths where two JSON values differ (floats compared exactly: both sides are the same computation)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in _diff(a.get(k, "<missing>"), b.get(k, "<missing>"),
                                                                   f"{path}/{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_report_json_equals_analyze_on_the_exported_judgments(demo_db, tmp_path):
    exported = tmp_path / "judgments.csv"
    run(report, demo_db, "--format", "csv", "-o", exported)
    run(report, demo_db, "--format", "json", "--resamples", RESAMPLES, "--seed", "7", "--slice", "category",
        "-o", tmp_path / "report.json")
    from_report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert ADDED_KEYS <= set(from_report)
    from_report = {k: v for k, v in from_report.items() if k not in ADDED_KEYS}

    analysed = run(analyze_command, exported, "--format", "json", "--resamples", RESAMPLES, "--seed", "7",
                   "--slice", "category")
    from_analyze = json.loads(analysed.stdout)
    # A file's hash is that of its bytes, a database's that of its table's rows (judgments.frame_sha256).
    assert from_report["input_sha256"] == load_input(demo_db).input_sha256
    # A judgments file does not know the study's overlap (raters per item by design); a database does. Only
    # the power section's judgments-per-item figures depend on it.
    differences = _diff(from_report, from_analyze)
    overlap_dependent = re.compile(r"^/input_sha256|^/overlap|^/warnings|^/power/comparisons\[\d+\]/"
                                   r"(?!n_items:|tie_rate:|observed_win_rate_b:)")
    assert [d for d in differences if not overlap_dependent.match(d)] == []
    assert from_report["comparisons"] == from_analyze["comparisons"]
    power_messages = {p["message"] for r in (from_report, from_analyze) for p in r["power"]["comparisons"]}
    # The exported file carries the study's scale in its scale column: nothing is inferred.
    assert not [w for w in from_analyze["warnings"] if w.startswith("scale: ")]
    assert [w for w in from_report["warnings"] if w not in power_messages] == \
        [w for w in from_analyze["warnings"] if w not in power_messages]

    # With the study's overlap given, analyze on the exported file reproduces every number.
    loaded = load_input(demo_db)
    in_process = analyze(read_judgments(exported), scale=loaded.scale, slices=["category"], seed=7,
                         resamples=int(RESAMPLES), baseline=loaded.baseline, overlap=loaded.overlap,
                         input_sha256=from_report["input_sha256"])
    assert _diff(from_report, json.loads(json.dumps(in_process))) == []


def test_same_data_and_seed_give_the_same_report_apart_from_the_timestamp(demo_db, tmp_path, monkeypatch):
    for fmt in ("html", "md", "json", "metrics"):
        texts = []
        for k, stamp in enumerate(("2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "2031-06-30T12:34:56Z")):
            # the same relative -o in separate directories: the regenerate command names the output file
            (tmp_path / f"{fmt}{k}").mkdir()
            monkeypatch.chdir(tmp_path / f"{fmt}{k}")
            run(report, demo_db, "--format", fmt, "--resamples", RESAMPLES, "--seed", "3", "--exclude-rater", "carol",
                "-o", f"report.{fmt}", "--generated-at", stamp)
            texts.append((tmp_path / f"{fmt}{k}" / f"report.{fmt}").read_bytes())
        assert texts[0] == texts[1], fmt
        if fmt == "metrics":
            assert texts[2] == texts[0]  # no timestamp in the metrics at all
        else:
            assert texts[2] != texts[0]
            assert texts[2].replace(b"2031-06-30T12:34:56Z", b"2025-01-01T00:00:00Z") == texts[0], fmt


def test_another_seed_changes_the_intervals(demo_db, tmp_path):
    a = json.loads(run(report, demo_db, "--format", "json", "--resamples", RESAMPLES, "--seed", "1").stdout)
    b = json.loads(run(report, demo_db, "--format", "json", "--resamples", RESAMPLES, "--seed", "2").stdout)
    assert a["comparisons"][0]["win_rate_b"] == b["comparisons"][0]["win_rate_b"]
    # the win-rate interval is closed form, the same for every seed; the bootstrap intervals move with it
    assert a["comparisons"][0]["win_rate_b_ci"] == b["comparisons"][0]["win_rate_b_ci"]
    rating_ci = lambda r: next(x["ci"] for x in r["ratings"] if not x["is_baseline"])  # noqa: E731
    assert rating_ci(a) != rating_ci(b)


class _Refs(HTMLParser):
    """Every attribute value that could make a browser fetch something, and every style text."""

    FETCHING = {"src", "href", "srcset", "poster", "data", "action", "formaction", "background", "xlink:href",
                "manifest", "ping", "codebase", "cite", "longdesc", "usemap", "icon"}

    def __init__(self):
        super().__init__()
        self.refs, self.styles, self.tags, self.scripts = [], [], [], []
        self._in = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in self.FETCHING or (tag == "meta" and name == "content" and "url=" in (value or "").lower()):
                self.refs.append((tag, name, value))
            if name == "style":
                self.styles.append(value or "")
        self._in = tag
        if tag == "script":
            self.scripts.append(dict(attrs))

    def handle_data(self, data):
        if self._in == "style":
            self.styles.append(data)

    def handle_endtag(self, tag):
        self._in = None


def test_html_is_self_contained_and_complete(demo_db, tmp_path):
    out = tmp_path / "report.html"
    run(report, demo_db, "--format", "html", "--resamples", RESAMPLES, "--slice", "category", "--exclude-rater",
        "carol", "-o", out)
    text = out.read_text(encoding="utf-8")
    refs = _Refs()
    refs.feed(text)
    # nothing to fetch: no src/href/... attribute at all, no <link>, <iframe>, <img>, <object>, <embed>, no CSS url()
    assert refs.refs == []
    assert not {"link", "iframe", "img", "object", "embed", "frame", "audio", "video", "source"} & set(refs.tags)
    assert all("url(" not in s and "@import" not in s for s in refs.styles)
    assert all("src" not in attrs for attrs in refs.scripts)
    # The only http(s) strings are inside the inlined JavaScript bundle (XML namespaces, an editor link
    # behind a menu we switch off); the page's own markup and the chart specs have none.
    bundle = reports.vega_bundle()
    assert bundle in text
    outside = text.replace(bundle, "")
    assert re.findall(r"https?://", outside) == []

    specs = json.loads(re.search(r'<script type="application/json" id="evalstore-chart-specs">(.*?)</script>', text,
                                 re.S).group(1))
    assert set(specs) >= {"win_rates", "slices", "agreement", "kappa", "position_bias", "power"}
    for key in specs:
        assert f'id="chart-{key}"' in text

    result = analyze(load_input(str(demo_db)), slices=["category"], resamples=int(RESAMPLES),
                     exclude_raters=["carol"])
    for v in reports.verdicts(result):
        assert _escaped(v["sentence"]) in text and _escaped(v["agreement"]) in text
    for section in ("Who wins", "Agreement", "Position bias", "Raters", "Slices", "Ratings", "Power",
                    "Automatic metrics vs human preference", "Length bias", "Warnings", "Methods", "Reproducibility"):
        assert f">{_escaped(section)}</h2>" in text, section
    for warning in result["warnings"]:
        assert _escaped(reports.warning_words(warning)) in text  # the engine's text, its keys in words
    for needle in (result["input_sha256"], "krippendorff version", "scipy version", "evalstore version",
                   "<td>seed</td><td>0</td>", f"<td>resamples</td><td>{RESAMPLES}</td>",
                   "<td>excluded raters</td><td>carol</td>"):
        assert needle in text, needle


def _escaped(s: str) -> str:
    import html

    return html.escape(s)


def test_the_printed_command_regenerates_the_report(demo_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run(report, demo_db, "--format", "md", "--resamples", RESAMPLES, "--seed", "5", "--tie-rule", "half",
        "--slice", "difficulty", "-o", "first.md", "--generated-at", "T0")
    first = (tmp_path / "first.md").read_text(encoding="utf-8")
    command = re.search(r"```sh\n(.*?)\n```", first).group(1)
    argv = shlex.split(command)
    assert argv[:2] == ["evalstore", "report"] and "--seed" in argv and "--tie-rule" in argv
    # run it as printed (only the output file renamed) and compare
    argv[argv.index("-o") + 1] = "again.md"
    run(report, *argv[2:], "--generated-at", "T0")
    again = (tmp_path / "again.md").read_text(encoding="utf-8")
    assert again.replace("again.md", "first.md") == first


def test_markdown_report_reads_like_analyze_md_plus_methods(demo_db):
    text = run(report, demo_db, "--format", "md", "--resamples", RESAMPLES).stdout
    result = analyze(load_input(str(demo_db)), resamples=int(RESAMPLES))
    from evalstore.reports.markdown import render_markdown

    assert text.startswith("# evalstore report: demo\n")
    body = render_markdown(result).split("\n", 1)[1]  # analyze --format md, without its title
    assert body.strip() in text
    assert "## Methods" in text and "Regenerate this report with:" in text


def test_metrics_json_is_flat_and_mlflow_ready(demo_db):
    metrics = json.loads(run(report, demo_db, "--format", "metrics", "--resamples", RESAMPLES).stdout)
    result = analyze(load_input(str(demo_db)), resamples=int(RESAMPLES))
    assert metrics and all(type(v) is float for v in metrics.values())
    # mlflow's rule for metric names: alphanumerics, _ - . space and /, at most 250 characters
    assert all(re.fullmatch(r"[A-Za-z0-9_\-. /]{1,250}", k) for k in metrics)
    c = result["comparisons"][0]
    prefix = f"comparisons/{c['criterion']}/{c['system_b']}_vs_{c['system_a']}"
    assert metrics[f"{prefix}/win_rate_b"] == c["win_rate_b"]
    assert metrics[f"{prefix}/win_rate_b_ci_low"] == c["win_rate_b_ci"][0]
    assert metrics[f"{prefix}/sign_test_p"] == c["sign_test_p"]
    a = result["agreement"][0]
    assert metrics["agreement/overall/finetuned_vs_base/krippendorff_alpha_nominal"] == a["krippendorff_alpha_nominal"]
    assert metrics["n_judgments"] == result["n_judgments"]
    for rater in result["raters"]:
        assert metrics[f"raters/{rater['rater_id']}/tie_rate"] == rater["tie_rate"]
    assert "seed" not in metrics and not any(k.startswith("versions") for k in metrics)


def test_flat_metrics_names_stay_unique_and_clean():
    result = {"comparisons": [
        {"criterion": "ton+", "system_a": "base", "system_b": "ft", "win_rate_b": 0.5, "win_rate_b_ci": [0.4, None]},
        {"criterion": "ton*", "system_a": "base", "system_b": "ft", "win_rate_b": 0.6, "win_rate_b_ci": [0.5, 0.7]},
    ]}
    metrics = reports.flat_metrics(result)
    assert metrics == {
        "comparisons/ton_/ft_vs_base/win_rate_b": 0.5,
        "comparisons/ton_/ft_vs_base/win_rate_b_ci_low": 0.4,
        "comparisons/ton_/ft_vs_base/win_rate_b_2": 0.6,
        "comparisons/ton_/ft_vs_base/win_rate_b_ci_low_2": 0.5,
        "comparisons/ton_/ft_vs_base/win_rate_b_ci_high": 0.7,
    }


def test_decoded_judgments_as_csv_and_parquet(demo_db, tmp_path):
    from evalstore.db import open_db
    from evalstore.judgments import judgments_frame

    expected = judgments_frame(open_db(demo_db, create=False), "demo")
    run(report, demo_db, "--format", "parquet", "-o", tmp_path / "j.parquet")
    parquet = pd.read_parquet(tmp_path / "j.parquet")
    pd.testing.assert_frame_equal(parquet, expected)
    assert set(parquet["system_a"]) == {"base"} and set(parquet["system_b"]) == {"finetuned"}
    csv_text = run(report, demo_db, "--format", "csv").stdout
    assert csv_text.splitlines()[0].startswith("item_id,rater_id,criterion,system_a,system_b,preference")
    assert len(csv_text.strip().splitlines()) == len(expected) + 1


def test_user_mistakes_are_one_line_and_exit_1(demo_db, tmp_path):
    for args, needle in (
        ((demo_db, "--study", "nope"), "unknown study 'nope'"),
        ((demo_db, "--format", "parquet"), "Parquet is binary"),
        ((demo_db, "--exclude-rater", "zed"), "cannot exclude rater 'zed'"),
        ((demo_db, "--slice", "colour"), "no column 'colour'"),
        ((tmp_path / "missing.db",), "no such file"),
    ):
        result = run(report, *args, "--resamples", "50", expect=1)
        assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stdout == ""


def test_report_of_a_judgments_file(tmp_path):
    from evalstore.demo import SAMPLE_DIR

    text = run(report, SAMPLE_DIR / "judgments.csv", "--format", "json", "--resamples", "100").stdout
    result = json.loads(text)
    analysed = json.loads(run(analyze_command, SAMPLE_DIR / "judgments.csv", "--resamples", "100").stdout)
    assert {k: v for k, v in result.items() if k not in ADDED_KEYS} == analysed
    assert "--study" not in result["report_command"]
