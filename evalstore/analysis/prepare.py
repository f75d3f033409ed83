"""The analysed table: validated, raters excluded, skipped judgments counted, pairs oriented, text coded.

String work happens once, here: every section works on integer codes of items, systems, raters, criteria and
comparisons. ``prepare`` returns a ``Prepared`` that the sections read; they add their warnings to it in the
order they run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import EvalstoreError
from ..judgments import METRIC_PREFIX, infer_scale, text_codes, validate_judgments
from ..stats.codes import unique_codes
from ..stats.winrates import tally
from .common import group_rows
from .options import AnalysisOptions


def _orient_pairs(frame: pd.DataFrame, baseline: str, warnings: list[str]) -> pd.DataFrame:
    """Give every pair one orientation, so (a, b) and (b, a) rows form one comparison.

    A pair that appears both ways is turned to (baseline, other) when it contains the baseline, else to the
    orientation most of its rows have. Flipping a row swaps the systems, the metric pairs and the sign of
    the preference (and of the gold answer).
    """
    # On integer codes: a table of a million judgments names a handful of systems. The system columns are
    # categoricals on one sorted list of names (``_coded``), so their codes compare directly.
    names = list(frame["system_a"].cat.categories)
    n = max(len(names), 1)
    a = frame["system_a"].cat.codes.to_numpy().astype(np.int64)
    b = frame["system_b"].cat.codes.to_numpy().astype(np.int64)
    pair_counts = np.bincount(a * n + b, minlength=n * n)
    counts = {int(pair): int(pair_counts[pair]) for pair in np.flatnonzero(pair_counts)}
    flip = np.zeros(len(frame), dtype=bool)
    for pair, count in counts.items():
        first, second = names[pair // n], names[pair % n]
        reverse_pair = (pair % n) * n + pair // n
        if first > second or reverse_pair not in counts:
            continue
        reverse = counts[reverse_pair]
        if baseline in (first, second):
            keep = (baseline, second if first == baseline else first)
        else:
            keep = (first, second) if count >= reverse else (second, first)
        drop = (keep[1], keep[0])
        mask = (a == names.index(drop[0])) & (b == names.index(drop[1]))
        flip |= mask
        warnings.append(
            f"{int(mask.sum())} judgments of the pair {keep[0]} vs {keep[1]} were given as {drop[0]} vs "
            f"{drop[1]}; they are analysed as {keep[0]} vs {keep[1]} (preference sign flipped)"
        )
    if not flip.any():
        return frame
    frame = frame.copy()
    frame.loc[flip, ["system_a", "system_b"]] = frame.loc[flip, ["system_b", "system_a"]].to_numpy()
    for column in ("preference", "gold_preference"):
        if column in frame:
            frame.loc[flip, column] = -frame.loc[flip, column]
    for column in frame.columns:
        if column.startswith(METRIC_PREFIX) and column.endswith("_a") and column[:-2] + "_b" in frame:
            other = column[:-2] + "_b"
            frame.loc[flip, [column, other]] = frame.loc[flip, [other, column]].to_numpy()
    return frame


#: The text columns the analysis codes (the system columns share one list of names).
_CODED_COLUMNS = ("item_id", "rater_id", "criterion")
_SYSTEM_COLUMNS = ("system_a", "system_b", "left_system")


def _dictionary_codes(series: pd.Series) -> tuple[np.ndarray, list]:
    """(codes, distinct values) of a text column, in no particular order: Arrow-backed text is
    dictionary-encoded by Arrow (no Python string per row)."""
    codes, uniques = text_codes(series)
    return codes.astype(np.int64, copy=False), uniques.tolist()


def _sorted_categorical(codes: np.ndarray, values: list, index: pd.Index, categories: list | None = None) -> pd.Series:
    """Codes into ``values`` as a categorical on ``categories`` (default: ``values`` sorted)."""
    categories = sorted(values) if categories is None else categories
    position = {v: k for k, v in enumerate(categories)}
    remap = np.array([position[v] for v in values], dtype=np.int32)
    return pd.Series(pd.Categorical.from_codes(remap[codes] if len(values) else codes.astype(np.int32),
                                               categories=categories), index=index)


def _coded(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its id and system columns as categoricals on sorted names.

    String work happens once, per distinct value: filtering a million rows then moves integer codes, and the
    sections' codes are the categoricals' codes. The system columns share one list of names, so that
    orienting a pair swaps codes within it. (Categories left unused by a filter are dropped by ``_tidy``.)
    """
    columns = {}
    for name in _CODED_COLUMNS:
        if name in frame:
            columns[name] = _sorted_categorical(*_dictionary_codes(frame[name]), frame.index)
    systems = {name: _dictionary_codes(frame[name]) for name in _SYSTEM_COLUMNS if name in frame}
    names = sorted(set().union(*(values for _, values in systems.values())))
    for name, (codes, values) in systems.items():
        columns[name] = _sorted_categorical(codes, values, frame.index, names)
    return frame.assign(**columns)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the id categories no row uses any more (an excluded rater is no rater of the analysis); the
    system columns keep their shared list (``Codes.of`` numbers the systems the rows name)."""
    columns = {name: frame[name].cat.remove_unused_categories() for name in _CODED_COLUMNS
               if name in frame and isinstance(frame[name].dtype, pd.CategoricalDtype)}
    return frame.assign(**columns) if columns else frame


def default_baseline(frame: pd.DataFrame) -> str:
    """The system most often in system_a (ties: the alphabetically first)."""
    counts = frame["system_a"].value_counts()
    top = counts.max()
    return sorted(counts.index[counts == top].tolist())[0]


def metric_names(columns: Iterable[str]) -> list[str]:
    """Names with both ``metric_<name>_a`` and ``metric_<name>_b`` columns, in column order."""
    columns = list(columns)
    names = []
    for column in columns:
        if column.startswith(METRIC_PREFIX) and column.endswith("_a"):
            name = column[len(METRIC_PREFIX) : -2]
            if name and f"{METRIC_PREFIX}{name}_b" in columns:
                names.append(name)
    return names


@dataclass
class Comparison:
    criterion: str
    system_a: str
    system_b: str
    rows: np.ndarray  # indices into the analysed table
    items: np.ndarray  # global item codes of its items, ascending
    unit_of_row: np.ndarray  # for each of ``rows``: index into ``items``
    tallies: np.ndarray  # (len(items), 5)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.criterion, self.system_a, self.system_b)

    def label(self) -> dict:
        return {"criterion": self.criterion, "system_a": self.system_a, "system_b": self.system_b}


def make_comparison(criterion, system_a, system_b, rows, item_codes, preference) -> Comparison:
    items, unit_of_row = unique_codes(item_codes[rows])
    return Comparison(
        criterion, system_a, system_b, rows, items, unit_of_row,
        tally(unit_of_row, preference[rows], len(items)),
    )


@dataclass
class Codes:
    """Integer codes of the analysed judgments' text columns: string work happens once, up front."""

    systems: list[str]  # sorted names; system codes index this
    a: np.ndarray
    b: np.ndarray
    left: np.ndarray  # -1 where the side is unknown
    raters: list[str]  # sorted ids; rater codes index this
    rater: np.ndarray

    @classmethod
    def of(cls, data: pd.DataFrame) -> "Codes":
        """From the ``_coded`` categoricals of the analysed table: system and rater codes from the categories'."""
        names = list(data["system_a"].cat.categories)
        a = data["system_a"].cat.codes.to_numpy().astype(np.int64)
        b = data["system_b"].cat.codes.to_numpy().astype(np.int64)
        present = np.zeros(len(names) + 1, dtype=bool)  # the last slot: a missing (-1) code
        present[a] = True
        present[b] = True
        observed = np.flatnonzero(present[:-1])
        remap = np.full(len(names) + 1, -1, dtype=np.int64)
        remap[observed] = np.arange(observed.size)
        if "left_system" in data:
            left = remap[data["left_system"].cat.codes.to_numpy().astype(np.int64)]
        else:
            left = np.full(len(data), -1, dtype=np.int64)
        rater = data["rater_id"]
        if isinstance(rater.dtype, pd.CategoricalDtype):
            rater_codes, raters = rater.cat.codes.to_numpy().astype(np.int64), list(rater.cat.categories)
        else:
            rater_codes, raters = pd.factorize(rater, sort=True)
        return cls(
            [names[k] for k in observed], remap[a], remap[b], left, [str(r) for r in raters],
            np.asarray(rater_codes, dtype=np.int64),
        )


def left_won(codes: Codes, preference: np.ndarray) -> np.ndarray:
    """1.0 when the left output won, 0.0 when the right one did, NaN for ties or an unknown side."""
    won = ((preference < 0) == (codes.left == codes.a)).astype(np.float64)
    return np.where((codes.left >= 0) & (preference != 0), won, np.nan)


def output_lengths(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """The two outputs' lengths in characters per analysed row, or None without the length columns."""
    a_col, b_col = f"{METRIC_PREFIX}length_chars_a", f"{METRIC_PREFIX}length_chars_b"
    if a_col not in data or b_col not in data:
        return None
    return data[a_col].to_numpy(dtype=np.float64), data[b_col].to_numpy(dtype=np.float64)
_USED_COLUMNS = frozenset({
    "item_id", "rater_id", "criterion", "system_a", "system_b", "preference", "left_system", "duration_s",
    "gold_preference",
})


@dataclass
class Prepared:
    """What every section reads: the analysed judgments (skipped ones removed) as codes, and the warnings."""

    data: pd.DataFrame  # analysed judgments, skipped ones removed, pairs oriented
    scale: int
    baseline: str | None
    excluded: list[str]
    all_systems: set
    n_skipped: int
    skipped_per_rater: pd.Series
    preference: np.ndarray
    item_codes: np.ndarray
    item_ids: pd.Index
    codes: Codes
    criteria: list[str]
    criterion_codes: np.ndarray
    comparison_codes: np.ndarray
    comparisons: list[Comparison]
    warnings: list[str]
    #: the sections built so far, by key: a section may read an earlier one's entries
    result: dict = field(default_factory=dict)

    @property
    def n_systems(self) -> int:
        return max(len(self.codes.systems), 1)

    @cached_property
    def pair_items(self) -> np.ndarray:
        """(item, system_a, system_b) code of each judgment: one pair of outputs, whatever the criterion."""
        return (self.item_codes.astype(np.int64) * self.n_systems + self.codes.a) * self.n_systems + self.codes.b

    @cached_property
    def units(self) -> np.ndarray:
        """(criterion, pair, item) code of each judgment, 0.. in order of first appearance."""
        unit_codes = self.comparison_codes.astype(np.int64) * max(len(self.item_ids), 1) + self.item_codes
        return pd.factorize(unit_codes)[0]

    @cached_property
    def strata(self) -> np.ndarray:
        """(pair, item) code of each judgment, 0.. in order of first appearance."""
        return pd.factorize(self.pair_items)[0]

    @cached_property
    def left_won(self) -> np.ndarray:
        return left_won(self.codes, self.preference)

    @cached_property
    def rater_side_tests(self) -> list[dict]:
        """Each rater's within-item side test (``stats.position.rater_side_tests``), one per rater code: the
        position section shows them and the raters' always_left/always_right flags come from them."""
        from ..stats.position import rater_side_tests
        from ..stats.raters import MIN_JUDGMENTS_FOR_FLAGS

        codes = self.codes
        sided = ~np.isnan(self.left_won)
        rater = codes.rater[sided]
        return rater_side_tests(
            rater, self.strata[sided], (codes.left == codes.b)[sided], (self.preference > 0)[sided],
            self.comparison_codes.astype(np.int64)[sided], np.zeros(rater.size, dtype=np.int64),
            min_judgments=MIN_JUDGMENTS_FOR_FLAGS, n_raters=len(codes.raters),
        )

    @cached_property
    def lengths(self) -> tuple[np.ndarray, np.ndarray] | None:
        return output_lengths(self.data)

    @cached_property
    def metric_names(self) -> list[str]:
        return metric_names(self.data.columns)


def _counts(column: pd.Series) -> pd.Series:
    """Rows per value of a column, most first, only the values that occur (as ``value_counts`` of text)."""
    counts = column.value_counts()
    counts = counts[counts > 0]
    counts.index = pd.Index(counts.index.astype(object), dtype=object)
    return counts


def prepare(judgments: pd.DataFrame, options: AnalysisOptions, validated: bool = False) -> Prepared:
    """Validate (unless ``validated``), exclude raters, orient pairs, code the text columns.

    ``validated`` is for the table of what ``judgments.load_input`` read: it was validated when it was read,
    at the study's scale, so doing it again would only cost time. (A flag on the frame itself would not do:
    pandas copies ``attrs`` to every frame derived from it, edited or not.) Any other frame is validated
    here, and a problem raises ``InvalidInput``.
    """
    warnings: list[str] = []
    if validated:
        frame = judgments
    else:
        frame = validate_judgments(judgments, scale=options.scale)
    unknown_slices = [c for c in options.slices if c not in frame.columns]
    if unknown_slices:
        raise EvalstoreError(
            f"no column {unknown_slices[0]!r} to slice by; columns: {', '.join(map(str, frame.columns))}"
        )
    # Only the columns a section reads go further (the rest, rationales and times, would only be copied along),
    # the ids and systems as codes.
    frame = frame[[c for c in frame.columns if c in _USED_COLUMNS or c.startswith(METRIC_PREFIX) or c in options.slices]]
    frame = _coded(frame)
    excluded = list(options.exclude_raters)
    if excluded:
        rater_codes = frame["rater_id"].cat.codes.to_numpy()
        categories = frame["rater_id"].cat.categories
        known_raters = set(categories[np.unique(rater_codes[rater_codes >= 0])].tolist())
        unknown = [r for r in excluded if r not in known_raters]
        if unknown:
            raise EvalstoreError(
                f"cannot exclude rater {unknown[0]!r}: no such rater in the judgments "
                f"(raters: {', '.join(sorted(known_raters))})"
            )
    scale = options.scale
    if scale is None:
        scale = infer_scale(frame["preference"].to_numpy())
    if excluded:
        frame = frame[~frame["rater_id"].isin(excluded).to_numpy()].reset_index(drop=True)
    names = frame["system_a"].cat.categories
    used = np.unique(np.concatenate([frame["system_a"].cat.codes.to_numpy(), frame["system_b"].cat.codes.to_numpy()]))
    all_systems = set(names[used[used >= 0]].tolist())
    baseline = options.baseline
    if baseline is not None and all_systems and baseline not in all_systems:
        raise EvalstoreError(f"unknown baseline system {baseline!r} (systems: {', '.join(sorted(all_systems))})")
    if baseline is None and len(frame):
        baseline = default_baseline(frame)
    if excluded:
        warnings.append(f"excluded raters (all their judgments removed first): {', '.join(excluded)}")

    skipped = frame["preference"].isna().to_numpy()
    skipped_per_rater = _counts(frame["rater_id"][skipped])
    if skipped.any():
        warnings.append(f"{int(skipped.sum())} skipped judgments (empty preference) are excluded from every statistic")
    frame = _orient_pairs(frame, baseline, warnings) if len(frame) else frame
    data = frame[~skipped].reset_index(drop=True) if skipped.any() else frame.reset_index(drop=True)
    data = _tidy(data)
    preference = data["preference"].to_numpy(dtype=np.float64)

    item_codes = data["item_id"].cat.codes.to_numpy().astype(np.int64)
    item_ids = pd.Index(data["item_id"].cat.categories)
    codes = Codes.of(data)
    # criteria in order of first appearance
    criterion_codes, first_criteria = pd.factorize(data["criterion"].cat.codes.to_numpy())
    criteria = [str(data["criterion"].cat.categories[k]) for k in first_criteria.tolist()]
    criterion_codes = criterion_codes.astype(np.int64)
    n_systems = max(len(codes.systems), 1)
    comparison_codes, comparison_uniques = pd.factorize((criterion_codes * n_systems + codes.a) * n_systems + codes.b)
    comparison_keys = [
        (criteria[k // n_systems**2], codes.systems[k // n_systems % n_systems], codes.systems[k % n_systems])
        for k in comparison_uniques.tolist()
    ]
    comparisons = [
        make_comparison(*key, rows, item_codes, preference)
        for key, rows in zip(comparison_keys, group_rows(comparison_codes, len(comparison_keys)))
    ]
    return Prepared(
        data=data, scale=scale, baseline=baseline, excluded=excluded, all_systems=all_systems,
        n_skipped=int(skipped.sum()), skipped_per_rater=skipped_per_rater, preference=preference,
        item_codes=item_codes, item_ids=item_ids, codes=codes, criteria=criteria, criterion_codes=criterion_codes,
        comparison_codes=comparison_codes, comparisons=comparisons, warnings=warnings,
    )
