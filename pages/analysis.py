"""The analysis page (``/analysis``, admin only): verdict, charts, what-if, triage, progress, rounds, report.

Thin: it reads the options, calls the library (``evalstore.page_data`` → the same ``analyze`` as
``evalstore analyze``), and draws. The analysis is cached per (database, study, data version, options): it is
recomputed only when a judgment changes or a filter moves to values not seen before; a new judgment is appended
to the study's table already read (``page_data.StudyTable``), and what is not on screen (the HTML report, the
triage CSV) is built only when its download button is clicked.
"""

import os
from dataclasses import replace

import pandas as pd
import streamlit as st

from evalstore import page_data, reports as report
from evalstore.analysis import AnalysisOptions
from evalstore.reports import words
from evalstore.reports.markdown import md_text
from evalstore.db import open_db
from evalstore.errors import EvalstoreError
from evalstore.render import safe_markdown
from evalstore.status import study_status
from evalstore.studies import get_study, list_studies
from evalstore.triage import regression_triage, triage_frame
from ui.access import require_admin
from ui.db import ENV_VAR, connection

require_admin()

DEFAULTS = AnalysisOptions()
RESAMPLES = tuple(sorted({200, 500, 1000, 2000, 5000, DEFAULTS.resamples}))
TRIAGE_SHOWN = 30


@st.cache_resource(max_entries=8, show_spinner=False)
def _table(db_path: str, study: str) -> page_data.StudyTable:
    # one per study for the whole server: a new judgment appends its rows to the table read before
    return page_data.StudyTable(db_path, study)


@st.cache_resource(max_entries=4, show_spinner=False)
def _loaded(db_path: str, study: str, version: tuple):
    # cache_resource: the loaded table is shared read-only (analyze copies what it changes); no pickling
    return _table(db_path, study).at(version)


# The analysis caches are keyed on (database, study, data version, options): ``AnalysisOptions`` is a frozen
# dataclass, which Streamlit hashes by its fields, so every option that changes a number is in the key once.
@st.cache_data(max_entries=64, show_spinner="Analysing…")
def _analysis(db_path: str, study: str, version: tuple, options: AnalysisOptions) -> dict:
    return page_data.analyze_loaded(_loaded(db_path, study, version), options)


@st.cache_data(max_entries=64, show_spinner=False)
def _chart_specs(db_path: str, study: str, version: tuple, options: AnalysisOptions) -> dict:
    # Vega-Lite specs built once per analysis (Altair's validation is the slow part of drawing the page)
    return report.chart_specs(_analysis(db_path, study, version, options))


@st.cache_data(max_entries=16, show_spinner=False)
def _report_html(db_path: str, study: str, version: tuple, options: AnalysisOptions) -> str:
    key = (db_path, study, version, options)
    return page_data.report_html(_analysis(*key), db_path, study, options, specs=_chart_specs(*key))


@st.cache_data(max_entries=16, show_spinner="Comparing rounds…")
def _rounds(db_path: str, first: str, first_version: tuple, second: str, second_version: tuple,
            options: AnalysisOptions) -> dict:
    return page_data.compare_with(_loaded(db_path, first, first_version), _loaded(db_path, second, second_version),
                                  (first, second), options)


# cache_resource: thousands of regressions are shared read-only instead of unpickled on every run
@st.cache_resource(max_entries=16, show_spinner=False)
def _triage(db_path: str, study: str, version: tuple, exclude: tuple) -> list:
    db = open_db(db_path, readonly=True)  # its own short-lived connection: cached functions run outside a session
    try:
        return regression_triage(db, study, judgments=_loaded(db_path, study, version).frame, exclude_raters=exclude)
    finally:
        db.conn.close()


@st.cache_data(max_entries=16, show_spinner=False)
def _status(db_path: str, study: str, version: tuple, assignments: tuple) -> dict:
    db = open_db(db_path, readonly=True)
    try:
        return study_status(db, study)
    finally:
        db.conn.close()


def _show_verdicts(result: dict) -> None:
    # every text is Markdown-escaped: system names, criteria and rater ids are data, not formatting
    for v in report.verdicts(result):
        st.markdown(f"#### {md_text(v['sentence'])}")
        if v["trust"]:
            st.markdown("**Can I trust this?**\n\n" + "\n".join(f"- {md_text(t, block=True)}" for t in v["trust"]))
        if v["power"]:
            st.caption(md_text(v["power"], block=True))
    flagged = words.flagged_raters(result)
    if flagged:
        st.warning(md_text(flagged, block=True))


def _unique(headers: list[str]) -> list[str]:
    """Column names a DataFrame shows (two columns with the same words get a number)."""
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


db = connection()
db_path = os.environ[ENV_VAR]
st.title("Analysis")
studies = [s.name for s in list_studies(db)]
if not studies:
    st.info("This database holds no study yet.")
    st.stop()
study_name = st.selectbox("Study", studies, key="analysis_study")
study = get_study(db, study_name)
version = page_data.data_version(db, study)
if version[0] == 0:
    st.info(f"Study '{study_name}' has no judgments yet. Share the raters' links; this page fills in as they judge.")
    st.stop()

try:
    loaded = _loaded(db_path, study_name, version)
except EvalstoreError as exc:
    st.error(str(exc))
    st.stop()

# ---------------------------------------------------------------- options
raters = page_data.raters_of(loaded.frame)
columns = page_data.slice_columns(loaded.frame)
default_slices = [c for c in columns if 2 <= loaded.frame[c].nunique() <= 12]
# widget keys carry the study: another study has other raters and columns to choose from
with st.container(border=True):
    left, middle, right = st.columns([2, 2, 2])
    exclude = left.multiselect("Exclude raters (what-if)", raters, key=f"analysis_exclude:{study_name}",
                               help="Recompute everything without these raters' judgments.")
    slices = middle.multiselect("Slice by", columns, default=default_slices,
                                key=f"analysis_slices:{study_name}",
                                help="Win rate per value of these item columns (forest plot).")
    tie_rule = right.radio("Ties", list(words.TIE_RULE_CHOICES), format_func=words.TIE_RULE_CHOICES.get,
                           horizontal=True,
                           key="analysis_tie_rule", help="How ties enter the headline win rate.")
    with st.expander("Bootstrap settings"):
        seed = int(st.number_input("Seed", min_value=0, value=DEFAULTS.seed, step=1, key="analysis_seed"))
        resamples = st.selectbox("Resamples", RESAMPLES, index=RESAMPLES.index(DEFAULTS.resamples),
                                 key="analysis_resamples")
options = AnalysisOptions(exclude_raters=tuple(exclude), slices=tuple(slices), tie_rule=tie_rule, seed=seed,
                          resamples=int(resamples))
key = (db_path, study_name, version, options)

try:
    result = _analysis(*key)
except EvalstoreError as exc:
    st.error(str(exc))
    st.stop()

# ---------------------------------------------------------------- verdict
st.header("Verdict")
_show_verdicts(result)
if options.exclude_raters:
    everyone = _analysis(db_path, study_name, version, page_data.without_exclusions(options))
    rows = page_data.what_if(everyone, result)
    st.subheader("What if these raters are left out?")
    for sentence in page_data.what_if_sentences(rows, options.exclude_raters):
        st.markdown(f"- {md_text(sentence, block=True)}")
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="analysis_what_if")

st.download_button(
    "Download the HTML report", data=lambda: _report_html(*key), file_name=page_data.report_filename(study_name),
    mime="text/html", icon=":material/download:", key="analysis_download",
    help="One self-contained file (charts included) that opens offline, with the command that regenerates it.")

# ---------------------------------------------------------------- charts
st.header("Charts")
for chart_key, chart in _chart_specs(*key).items():
    # the Altair charts of evalstore.charts, as the Vega-Lite specs the HTML report embeds too
    st.subheader(chart["title"])
    # width="content": the chart's own fixed width, as in the HTML report (stretching squeezes its labels)
    st.vega_lite_chart(chart["spec"], width="content", key=f"analysis_chart_{chart_key}")

# ---------------------------------------------------------------- live progress
st.header("Progress")
progress = page_data.progress(db, study, result, status=_status(
    db_path, study_name, version, page_data.assignment_version(db, study)))
status = progress["status"]
done, expected = status["judgments_done"], status["judgments_expected"]
a, b, c = st.columns(3)
a.metric("Judgments", f"{done} / {expected}")
b.metric("Items", status["items"])
c.metric("Raters", len(status["raters"]))
st.progress(min(1.0, done / expected) if expected else 0.0)
if len(progress["per_rater"]):
    st.dataframe(progress["per_rater"], hide_index=True, key="analysis_progress", column_config={
        "share done": st.column_config.ProgressColumn("share done", min_value=0.0, max_value=1.0, format="percent")})
st.markdown("Current estimate (updates as judgments arrive):")
st.dataframe(progress["estimates"], hide_index=True, key="analysis_estimates", column_config={
    name: st.column_config.NumberColumn(name, format="percent")
    for name in (page_data.ESTIMATE_RATE, "95 % CI low", "95 % CI high")})

# ---------------------------------------------------------------- regression triage (unblinded)
st.header("Regression triage")
st.caption("Items where the baseline beats the other system by consensus (more than half of the item's raters), "
           "worst first. Unblinded: outputs are labelled by system.")
regressions = _triage(db_path, study_name, version, options.exclude_raters)
if not regressions:
    st.success("No item where the baseline wins by consensus.")
else:
    st.markdown(f"**{len(regressions)} item(s)** where {md_text(study.baseline)} wins by consensus.")
    # the CSV is written when the button is clicked, not on every run of the page
    st.download_button("Download the triage list (CSV)", data=lambda: triage_frame(regressions).to_csv(index=False),
                       file_name=page_data.report_filename(study_name, "csv").replace("report", "regressions"),
                       mime="text/csv", key="analysis_triage_csv")
    for r in regressions[:TRIAGE_SHOWN]:
        label = md_text(f"{r.item_id} · {r.criterion} · {r.prefer_baseline} of {r.n_judgments} prefer {r.baseline} "
                        f"· mean preference {r.mean_preference:+.2f}")
        with st.expander(label):
            if r.metadata:
                st.caption(md_text(" · ".join(f"{k}: {v}" for k, v in r.metadata.items())))
            st.markdown("**Prompt**")
            st.markdown(safe_markdown(r.prompt))
            base_col, other_col = st.columns(2)
            with base_col.container(border=True):
                st.markdown(f"**{md_text(r.baseline)}** (baseline)")
                st.markdown(safe_markdown(r.output_baseline))
            with other_col.container(border=True):
                st.markdown(f"**{md_text(r.system)}**")
                st.markdown(safe_markdown(r.output_system))
            st.markdown("**What the raters said**")
            for v in r.verdicts:
                said = words.preference_words(v.preference, r.baseline, r.system)
                st.markdown(f"- {md_text(v.rater_id, block=True)}: {md_text(said)}"
                            + (f" — {safe_markdown(v.rationale)}" if v.rationale else ""))
    if len(regressions) > TRIAGE_SHOWN:
        st.caption(f"{len(regressions) - TRIAGE_SHOWN} more in the CSV.")

# ---------------------------------------------------------------- study rounds
st.header("Study rounds")
others = page_data.other_studies_with_shared_items(db, study)
if not others:
    st.caption("No other study in this database shares items with this one. Import the next checkpoint's "
               "outputs of the same prompts as a new study to compare rounds.")
else:
    labels = {name: f"{name} ({n} shared items)" for name, n in others}
    other = st.selectbox("Compare with", [None, *labels], format_func=lambda n: "—" if n is None else labels[n],
                         key="analysis_round")
    if other is not None:
        other_version = page_data.data_version(db, other)
        if other_version[0] == 0:
            st.info(f"Study '{other}' has no judgments yet.")
        else:
            other_loaded = _loaded(db_path, other, other_version)
            other_exclude = tuple(r for r in options.exclude_raters if r in page_data.raters_of(other_loaded.frame))
            first_col, second_col = st.columns(2)
            with first_col:
                st.subheader(md_text(study_name))
                _show_verdicts(result)
            with second_col:
                st.subheader(md_text(other))
                _show_verdicts(_analysis(db_path, other, other_version,
                                         replace(options, exclude_raters=other_exclude, slices=())))
            # slices do not enter the comparison of rounds: left out of the cache key
            rounds = _rounds(db_path, study_name, version, other, other_version, replace(options, slices=()))
            st.markdown(f"Change in win rate from **{md_text(study_name)}** to **{md_text(other)}**, on the items "
                        "both judged "
                        "(paired item bootstrap, 95 %):")
            changes = page_data.rounds_table(rounds)
            st.dataframe(pd.DataFrame(changes.rows, columns=_unique(changes.headers)), hide_index=True,
                         key="analysis_rounds_table")
            for warning in rounds["warnings"]:
                st.caption(md_text(words.warning_words(warning), block=True))

# ---------------------------------------------------------------- every table, warnings, methods
st.header("Tables")
for section in report.sections(result):
    with st.expander(section.title):
        for paragraph in section.intro:
            st.markdown(md_text(paragraph, block=True))
        for table in section.tables:
            st.markdown(f"**{md_text(table.title)}**")
            st.dataframe(pd.DataFrame(table.rows, columns=_unique(table.headers)), hide_index=True)
            if table.note:
                st.caption(md_text(table.note, block=True))
st.header("Warnings")
for warning in result["warnings"] or ["none"]:
    st.markdown(f"- {md_text(words.warning_words(warning), block=True)}")
with st.expander("Methods"):
    for paragraph in report.methods_paragraphs(result):
        st.markdown(md_text(paragraph, block=True))
