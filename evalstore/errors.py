"""User mistakes as exceptions with one readable line each.

The CLI turns any ``EvalstoreError`` into its message on stderr and exit status 1;
the UI shows the same text with ``st.error``. Anything that is not an
``EvalstoreError`` is a bug and may show a traceback.
"""

from __future__ import annotations

MAX_REPORTED_PROBLEMS = 20


class EvalstoreError(Exception):
    """Base class for every mistake a user can make (bad file, unknown study, ...)."""


class UnknownStudy(EvalstoreError):
    pass


class StudyClosed(EvalstoreError):
    pass


class InvalidRaterToken(EvalstoreError):
    pass


class JudgmentConflict(EvalstoreError):
    """The judgment changed since the rater's screen showed it (another tab of the same rater saved one)."""


class RationaleRequired(EvalstoreError):
    pass


class InvalidInputFile(EvalstoreError):
    """One problem in an input file, located as ``FILE:ROW:COLUMN: message``.

    ROW is the 1-based line of the file for CSV (the header is line 1) and the
    1-based record number for JSONL and Parquet; 0 when the problem concerns
    the file as a whole. COLUMN is the file's own column name, or ``-`` when
    the problem is not about one column.
    """

    def __init__(self, path, row: int, column: str | None, message: str):
        self.path = str(path)
        self.row = int(row)
        self.column = column if column else "-"
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}:{self.row}:{self.column}: {self.message}"


class InvalidInput(EvalstoreError):
    """Several problems found while validating one input; nothing was written."""

    def __init__(self, problems: list[InvalidInputFile], total: int | None = None):
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else int(total)
        super().__init__(str(self))

    def __str__(self) -> str:
        shown = self.problems[:MAX_REPORTED_PROBLEMS]
        lines = [str(p) for p in shown]
        rest = self.total - len(shown)
        if rest > 0:
            lines.append(f"... and {rest} more problem{'s' if rest != 1 else ''}")
        return "\n".join(lines)
