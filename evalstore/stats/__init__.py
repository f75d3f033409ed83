"""Statistics for evalstore: small pure functions over arrays and DataFrames, no I/O and no Streamlit."""
