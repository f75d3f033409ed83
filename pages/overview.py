"""Admin home: the studies in the database and how far each rater is."""

import pandas as pd
import streamlit as st

from evalstore.reports.markdown import md_text
from evalstore.reports.words import study_words
from evalstore.status import study_status
from evalstore.studies import list_studies
from ui.access import require_admin
from ui.db import connection

require_admin()

db = connection()
st.title("Studies")
studies = list_studies(db)
if not studies:
    st.info("This database holds no study yet. Create one with `evalstore import DB FILE --study NAME`.")
for study in studies:
    status = study_status(db, study)
    with st.container(border=True):
        # names and the objective are data: shown as text, never as Markdown
        st.subheader(md_text(f"{status['study']} ({status['status']})"))
        if study.objective:
            st.caption(md_text(study.objective, block=True))
        st.markdown(md_text(study_words(status), block=True))
        items, raters, done = st.columns(3)
        items.metric("Items", status["items"])
        raters.metric("Raters", len(status["raters"]))
        done.metric("Judgments", f"{status['judgments_done']} / {status['judgments_expected']}")
        expected = status["judgments_expected"]
        st.progress(min(1.0, status["judgments_done"] / expected) if expected else 0.0)
        if status["raters"]:
            table = pd.DataFrame(status["raters"]).rename(columns={
                "rater": "Rater", "active": "Active", "assigned": "Assigned", "done": "Done",
                "judgments": "Judgments"})
            st.dataframe(table, hide_index=True)
