"""The analysis page (pages/analysis.py) through Streamlit's AppTest.

AppTest runs the page script directly, without app.py — exactly what Streamlit does on the first request
after a server start (before st.navigation has run once), so the password gate is tested in
that situation. Every number on the page must be the one ``evalstore analyze`` / ``evalstore report``
computes with the same options.
"""

from __future__ import annotations

import time

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evalstore import page_data, reports
from evalstore.analysis import analyze
from evalstore.judgments import load_input
from evalstore.reports.markdown import headline_sentence
from evalstore.auth import admin_password
from evalstore.demo import SAMPLE_DIR, build_demo, load_simulated_judgments
from evalstore.importing import import_file
from evalstore.rating import next_assignment, record_judgment
from evalstore.rounds import compare_study_rounds
from evalstore.studies import get_study
from evalstore.triage import regression_triage

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "analysis.py")
RESAMPLES = 200


def _serve_demo(path: Path, monkeypatch):
    info = build_demo(path)
    from evalstore.db import open_db

    info.db = open_db(info.db_path, create=False)
    monkeypatch.setenv("EVALSTORE_DB", str(info.db_path))
    monkeypatch.delenv("EVALSTORE_ADMIN_PASSWORD", raising=False)
    monkeypatch.syspath_prepend(str(ROOT))  # `ui` lives at the repository root, as under `streamlit run app.py`
    return info


@pytest.fixture(scope="module")
def demo_readonly(tmp_path_factory):
    """One demo database for the tests that only read it (the page's caches then serve later tests too)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        info = _serve_demo(tmp_path_factory.mktemp("page") / "demo.db", monkeypatch)
        yield info
        info.db.conn.close()


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """A demo database of the test's own, for tests that add judgments or studies."""
    info = _serve_demo(tmp_path / "demo.db", monkeypatch)
    yield info
    info.db.conn.close()


def signed_in(demo) -> AppTest:
    """The page after the admin typed the password (the way a user does, through the form)."""
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    at.text_input[0].input(admin_password(demo.db))
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="analysis_resamples").set_value(RESAMPLES)
    at.run()
    assert not at.exception, at.exception
    return at


def verdicts_on(at) -> list[str]:
    return [m.value[5:] for m in at.markdown if m.value.startswith("#### ")]


def texts(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_opening_the_page_directly_asks_for_the_password(demo_readonly):
    demo = demo_readonly
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Admin password"]
    assert not at.header and verdicts_on(at) == []
    at.text_input[0].input("wrong")
    at.button[0].click()
    at.run()
    assert [e.value for e in at.error] == ["Wrong password."]
    assert verdicts_on(at) == []
    at.text_input[0].input(admin_password(demo.db))
    at.button[0].click()
    at.run()
    assert not at.exception and not at.error
    assert [h.value for h in at.header][:2] == ["Verdict", "Charts"]


def test_verdict_is_what_analyze_says(demo_readonly):
    demo = demo_readonly
    at = signed_in(demo)
    result = analyze(load_input(str(demo.db_path)), resamples=RESAMPLES)
    assert verdicts_on(at) == [headline_sentence(h) for h in result["headline"]]
    assert verdicts_on(at)[0].startswith("finetuned beats base on overall")
    agreement = reports.verdicts(result)[0]["agreement"]
    assert agreement in texts(at)
    subheaders = [s.value for s in at.subheader]
    for title in ("Who wins", "Win rate per slice", "Agreement", "Rater × rater agreement", "Position bias",
                  "Power", "Length bias", "Automatic metrics vs human preference"):
        assert title in subheaders
    # flags in words, never their codes
    assert "Raters to look at: carol (too fast, favours the left output)." in [w.value for w in at.warning]
    assert not any("too_fast" in t or "always_left" in t for t in texts(at))


def test_filters_change_the_numbers(demo_readonly):
    demo = demo_readonly
    at = signed_in(demo)
    before = verdicts_on(at)
    at.radio(key="analysis_tie_rule").set_value("half")
    at.run()
    half = analyze(load_input(str(demo.db_path)), resamples=RESAMPLES, tie_rule="half")
    assert verdicts_on(at) == [headline_sentence(h) for h in half["headline"]] != before
    assert "ties split half-half" in verdicts_on(at)[0]

    at.multiselect(key="analysis_slices:demo").set_value([])
    at.run()
    assert "Win rate per slice" not in [s.value for s in at.subheader]
    at.multiselect(key="analysis_slices:demo").set_value(["category"])
    at.run()
    assert "Win rate per slice" in [s.value for s in at.subheader]

    at.number_input(key="analysis_seed").set_value(11)
    at.run()
    seeded = analyze(load_input(str(demo.db_path)), resamples=RESAMPLES, tie_rule="half", seed=11)
    assert verdicts_on(at) == [headline_sentence(h) for h in seeded["headline"]]


def test_excluding_the_careless_rater_shows_the_what_if(demo_readonly):
    demo = demo_readonly
    at = signed_in(demo)
    everyone = verdicts_on(at)
    at.multiselect(key="analysis_exclude:demo").set_value(["carol"])
    at.run()
    assert not at.exception
    without = analyze(load_input(str(demo.db_path)), resamples=RESAMPLES, exclude_raters=["carol"])
    with_all = analyze(load_input(str(demo.db_path)), resamples=RESAMPLES)
    assert verdicts_on(at) == [headline_sentence(h) for h in without["headline"]] != everyone
    assert "What if these raters are left out?" in [s.value for s in at.subheader]
    alpha_before = with_all["agreement"][0]["krippendorff_alpha_ordinal"]
    alpha_after = without["agreement"][0]["krippendorff_alpha_ordinal"]
    assert alpha_after > alpha_before  # the careless rater drags agreement down
    sentence = next(m.value for m in at.markdown if m.value.startswith("- Without carol"))
    assert f"α ordinal {alpha_before:.2f} → {alpha_after:.2f}" in sentence
    assert "finetuned still wins" in sentence
    table = next(d.value for d in at.dataframe if "verdict changed" in d.value.columns)
    assert table["win rate (all raters)"].tolist() == [with_all["headline"][0]["win_rate_b"]]
    assert table["win rate (without excluded)"].tolist() == [without["headline"][0]["win_rate_b"]]
    assert "rater carol flagged" not in texts(at)  # carol's judgments are out of every statistic


def test_live_progress_follows_new_judgments(demo):
    at = signed_in(demo)
    judged = next(m for m in at.metric if m.label == "Judgments")
    assert judged.value == "180 / 240"
    estimates = next(d.value for d in at.dataframe if "judgments so far" in d.value.columns)
    assert estimates["judgments so far"].tolist() == [178]
    # the simulated page visitor "you" judges one item: the page must notice (new data version) and re-analyse
    shown = next_assignment(demo.db, demo.rater_token)
    record_judgment(demo.db, demo.rater_token, shown.assignment_id, "overall", 1)
    at.run()
    assert next(m for m in at.metric if m.label == "Judgments").value == "181 / 240"
    estimates = next(d.value for d in at.dataframe if "judgments so far" in d.value.columns)
    assert estimates["judgments so far"].tolist() == [179]
    per_rater = next(d.value for d in at.dataframe if "share done" in d.value.columns)
    assert per_rater.set_index("rater").loc["you", "assignments done"] == 1
    result = analyze(load_input(str(demo.db_path)), resamples=RESAMPLES)
    assert verdicts_on(at) == [headline_sentence(h) for h in result["headline"]]


def test_regression_triage_is_unblinded(demo_readonly):
    demo = demo_readonly
    at = signed_in(demo)
    expected = regression_triage(demo.db, "demo")
    assert expected
    labels = [e.label for e in at.expander if " prefer base " in e.label]
    assert [label.split(" · ")[0] for label in labels] == [r.item_id for r in expected][:30]
    page = texts(at)
    assert "**base** (baseline)" in page and "**finetuned**" in page
    first = expected[0]
    assert any(first.verdicts[0].rater_id in m.value for m in at.markdown if m.value.startswith("- "))


def test_study_rounds_side_by_side(demo, tmp_path):
    # Round 2: the same prompts judged again, the fine-tune losing every "support" item
    frame = pd.read_csv(SAMPLE_DIR / "judgments.csv", dtype=str, keep_default_na=False)
    support = frame["item_id"].str.startswith("sup-") & (frame["preference"] != "")
    frame.loc[support, "preference"] = "-1"
    second = tmp_path / "round2.csv"
    frame.to_csv(second, index=False)
    import_file(demo.db, SAMPLE_DIR / "outputs.csv", study="round2", baseline="base", overlap=3)
    load_simulated_judgments(demo.db, get_study(demo.db, "round2"), second)

    at = signed_in(demo)
    at.selectbox(key="analysis_round").set_value("round2")
    at.run()
    assert not at.exception, at.exception
    expected = compare_study_rounds(demo.db, "demo", "round2", seed=0, resamples=RESAMPLES)
    # in words: rounds named, the change in percentage points, no result key as a column
    table = next(d.value for d in at.dataframe if "95 % CI of the change" in d.value.columns)
    assert table["change"].tolist() == [page_data.change_words(c["change"]) for c in expected["changes"]]
    assert "win rate in demo" in table.columns and "win rate in round2" in table.columns
    assert not any("_" in column for column in table.columns)
    assert expected["changes"][0]["change"] < 0
    assert [s.value for s in at.subheader if s.value in ("demo", "round2")] == ["demo", "round2"]

    # switching the page to the other study: its own filters, its own verdict
    at.multiselect(key="analysis_exclude:demo").set_value(["carol"])
    at.run()
    at.selectbox(key="analysis_study").set_value("round2")
    at.run()
    assert not at.exception, at.exception
    round2 = analyze(load_input(str(demo.db_path), study="round2"), resamples=RESAMPLES)
    assert verdicts_on(at) == [headline_sentence(h) for h in round2["headline"]]
    assert at.multiselect(key="analysis_exclude:round2").value == []


def test_data_version_changes_with_every_kind_of_judgment_change(make_study, fresh_db):
    from evalstore.page_data import assignment_version, data_version
    from evalstore.rating import skip_item

    handle = make_study(n_items=3, raters=1, overlap=1)
    token = handle.tokens["r1"]
    versions = [data_version(fresh_db, "study")]
    assert versions[0][0] == 0
    shown = next_assignment(fresh_db, token)
    record_judgment(fresh_db, token, shown.assignment_id, "overall", 1)  # new
    versions.append(data_version(fresh_db, "study"))
    record_judgment(fresh_db, token, shown.assignment_id, "overall", -1)  # revised
    versions.append(data_version(fresh_db, "study"))
    record_judgment(fresh_db, token, shown.assignment_id, "overall", 1)  # revised back
    versions.append(data_version(fresh_db, "study"))
    skip_item(fresh_db, token, shown.assignment_id, "cant_judge")  # skipped
    versions.append(data_version(fresh_db, "study"))
    # every change gives a version different from the one before it (what the page's cache key needs); a
    # revision back to an earlier preference within the same millisecond may return an earlier version,
    # whose cached analysis then has exactly these preferences
    assert all(a != b for a, b in zip(versions, versions[1:]))
    assert len({v[3] for v in versions[1:]}) == 3  # +1 and -1 and skip: three preference checksums
    assert versions[-1][0] == 1  # still one judgment row: an update, not a new row
    before = assignment_version(fresh_db, "study")
    from evalstore.rating import add_rater

    add_rater(fresh_db, "study", "r2")
    assert assignment_version(fresh_db, "study") != before


def _same_as_a_fresh_load(loaded, db_path, study):
    fresh = load_input(str(db_path), study=study)
    pd.testing.assert_frame_equal(loaded.frame, fresh.frame, check_exact=True)
    assert loaded.input_sha256 == fresh.input_sha256
    assert (loaded.study, loaded.scale, loaded.overlap, loaded.baseline) == (
        fresh.study, fresh.scale, fresh.overlap, fresh.baseline)


def test_the_page_table_reads_only_new_judgments_and_rereads_after_a_revision(make_study, fresh_db, db_path):
    from evalstore.page_data import StudyTable, data_version
    from evalstore.rating import skip_item

    handle = make_study(n_items=4, raters=2, overlap=2)
    tokens = list(handle.tokens.values())
    shown = next_assignment(fresh_db, tokens[0])
    record_judgment(fresh_db, tokens[0], shown.assignment_id, "overall", 1, rationale="first")
    table = StudyTable(str(db_path), "study")
    first = table.at(data_version(fresh_db, "study"))
    assert table.last == "read" and len(first.frame) == 1
    assert table.at(data_version(fresh_db, "study")) is first and table.last == "cached"

    # two new judgments (another rater, then the first rater's next item): appended, as a fresh load has them
    for token in (tokens[1], tokens[0]):
        item = next_assignment(fresh_db, token)
        record_judgment(fresh_db, token, item.assignment_id, "overall", -1)
    appended = table.at(data_version(fresh_db, "study"))
    assert table.last == "appended" and len(appended.frame) == 3
    _same_as_a_fresh_load(appended, db_path, "study")
    assert appended.input_sha256 != first.input_sha256

    # a revision and a skip update earlier rows: the table is read again
    record_judgment(fresh_db, tokens[0], shown.assignment_id, "overall", 0, rationale="on second thought")
    revised = table.at(data_version(fresh_db, "study"))
    assert table.last == "read"
    _same_as_a_fresh_load(revised, db_path, "study")
    assert "on second thought" in revised.frame["rationale"].tolist()
    skip_item(fresh_db, tokens[1], next_assignment(fresh_db, tokens[1]).assignment_id, "cant_judge")
    item = next_assignment(fresh_db, tokens[1])
    record_judgment(fresh_db, tokens[1], item.assignment_id, "overall", 1)
    _same_as_a_fresh_load(table.at(data_version(fresh_db, "study")), db_path, "study")
    # the latest judgment revised with the same preference (only its time and rationale move): read again
    latest = next_assignment(fresh_db, tokens[0])
    record_judgment(fresh_db, tokens[0], latest.assignment_id, "overall", 1, rationale="as it was")
    table.at(data_version(fresh_db, "study"))
    time.sleep(0.002)  # judgment times are in milliseconds: the revision must come after the first save
    record_judgment(fresh_db, tokens[0], latest.assignment_id, "overall", 1, rationale="changed my mind")
    again = table.at(data_version(fresh_db, "study"))
    assert table.last == "read"
    _same_as_a_fresh_load(again, db_path, "study")
    assert "changed my mind" in again.frame["rationale"].tolist()
