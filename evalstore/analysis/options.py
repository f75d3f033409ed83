"""Every option of the analysis and its default, written once.

``AnalysisOptions`` is what ``analyze`` runs on; the CLI, the reports and the analysis page build one (the page
caches on it: it is frozen and hashable). Values that can be checked without the data are checked here, with
the messages the CLI prints; the ones that need the table (a rater to exclude, a slice column, the baseline)
are checked when the table is prepared.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ..errors import EvalstoreError
from ..judgments import SCALES
from ..stats.winrates import TIE_RULES

#: Bootstrap resamples per interval unless a caller says otherwise.
DEFAULT_RESAMPLES = 2000
DEFAULT_TIE_RULE = "drop"


def _whole(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise EvalstoreError(f"{name} must be a whole number >= 0, not {value!r}")
    return int(value)


def _names(value) -> tuple:
    if isinstance(value, str):  # one name, not its characters
        return (value,)
    return tuple(value)


@dataclass(frozen=True)
class AnalysisOptions:
    """How to analyse a judgments table (see ``analyze`` for what each option does).

    ``slices`` keeps its order without repeats; ``exclude_raters`` becomes a sorted tuple of distinct ids, so
    two option objects that ask for the same analysis are equal and hash alike.

    >>> AnalysisOptions(slices=["category", "category"], exclude_raters=["bob", "al"])
    AnalysisOptions(scale=None, slices=('category',), seed=0, resamples=2000, exclude_raters=('al', 'bob'), baseline=None, overlap=None, input_sha256=None, tie_rule='drop')
    """

    scale: int | None = None
    slices: tuple[str, ...] = ()
    seed: int = 0
    resamples: int = DEFAULT_RESAMPLES
    exclude_raters: tuple[str, ...] = ()
    baseline: str | None = None
    overlap: int | None = None
    input_sha256: str | None = None
    tie_rule: str = DEFAULT_TIE_RULE

    def __post_init__(self) -> None:
        if self.tie_rule not in TIE_RULES:
            raise EvalstoreError(f"tie rule must be one of {', '.join(TIE_RULES)}, not {self.tie_rule!r}")
        seed = _whole("seed", self.seed)
        resamples = _whole("resamples", self.resamples)
        if self.scale is not None and self.scale not in SCALES:
            raise EvalstoreError(f"scale must be 3 or 5, not {self.scale}")
        if self.overlap is not None and self.overlap < 1:
            raise EvalstoreError(f"overlap must be at least 1, not {self.overlap}")
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "seed", seed)
        set_(self, "resamples", resamples)
        set_(self, "slices", tuple(dict.fromkeys(_names(self.slices))))
        set_(self, "exclude_raters", tuple(sorted(dict.fromkeys(str(r) for r in _names(self.exclude_raters)))))

    @classmethod
    def of(cls, options: "AnalysisOptions | None" = None, **overrides) -> "AnalysisOptions":
        """``options`` with ``overrides`` (today's keyword arguments of ``analyze``) applied.

        An unknown keyword is a programming error (TypeError), as it was for the keyword-only ``analyze``.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise TypeError(f"analyze() got an unexpected keyword argument {unknown[0]!r}")
        if options is None:
            return cls(**overrides)
        if not overrides:
            return options
        return cls(**{**{name: getattr(options, name) for name in names}, **overrides})

    def for_input(self, loaded) -> "AnalysisOptions":
        """These options for a loaded input (``judgments.JudgmentsInput``): the study's scale, baseline and
        overlap where these options leave them unset, and the input's hash."""
        return replace(self, scale=self.scale or loaded.scale, baseline=self.baseline or loaded.baseline,
                       overlap=self.overlap or loaded.overlap, input_sha256=loaded.input_sha256)

    def argv(self) -> list[str]:
        """These options as ``evalstore analyze``/``report`` arguments, every one spelled out (the study's
        baseline, overlap and hash are not options of the command: they come with the input)."""
        argv = ["--scale", str(self.scale)] if self.scale else []
        argv += ["--seed", str(self.seed), "--resamples", str(self.resamples), "--tie-rule", self.tie_rule]
        for rater in self.exclude_raters:
            argv += ["--exclude-rater", rater]
        for column in self.slices:
            argv += ["--slice", column]
        return argv
