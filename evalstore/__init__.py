"""evalstore: blinded pairwise human evaluation of model outputs, stored in SQLite."""

__version__ = "0.1.0"
