"""Streamlit helpers shared by the pages (kept out of pages/, where Streamlit would list them as pages)."""
