"""evalstore: blinded pairwise human evaluation of model outputs, stored in SQLite.

The public API: ``open_db`` (a study database), ``next_assignment`` and ``record_judgment`` (a rater's
next item and their answer), ``analyze`` (a judgments table to its analysis). They load on first use, so
``evalstore --help`` does not wait for pandas and scipy.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "open_db": "db",
    "analyze": "analysis",
    "next_assignment": "rating",
    "record_judgment": "rating",
}

__all__ = ["__version__", "analyze", "next_assignment", "open_db", "record_judgment"]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
