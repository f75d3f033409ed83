"""Rater sensitivity: system_b's win rate when raters, as well as items, are a sample (the pigeonhole bootstrap).

evalstore's intervals resample items and keep the raters fixed: they answer "how sure are we, for *these*
raters?". A study's raters are a sample too, and a verdict that rests on a few of them may not carry over to
others. Owen's (2007) pigeonhole bootstrap treats items and raters as two crossed random factors: a resample
draws the items with replacement and, independently, the raters with replacement, and keeps every judgment of a
drawn item by a drawn rater, as many times as the product of the two draw counts (Owen, A. B. 2007, "The
pigeonhole bootstrap", Annals of Applied Statistics 1(2), 386-411).

Every win rate is a ratio of sums over judgments (``ratio_parts``), and a judgment of item i by rater j enters
a resample with weight ``W[i] * V[j]`` (item counts W ~ Multinomial(I, 1/I), rater counts V ~ Multinomial(J,
1/J)). So with the judgments' numerator and denominator parts in an items × (raters × 2) table X, a resample's
per-rater sums are ``W @ X`` (one matrix product for all resamples, as in ``stats.bootstrap``) and its totals are
those sums weighted by V. The item-only resample is the same W with every rater once (V = 1): the two intervals
share their item draws, so the ratio of their widths is not blurred by two independent sets of draws.

No bootstrap is exact for crossed random factors (McCullagh 2000, Bernoulli 6, 285-301), and the pigeonhole
bootstrap errs on the safe side (Owen 2007; Owen & Eckles 2012, Ann. Appl. Stat. 6(3), "mildly conservative").
For a linear statistic its variance is exactly (1 − 1/J)·ΣR² + (1 − 1/I)·ΣC² + Σz², where z are the judgments'
contributions to the win rate and R, C their item and rater totals, against ΣR² for the item-only bootstrap.
Judgment noise enters Σz² and, through the raters' totals, ΣC²: with interchangeable raters the interval still
widens, by 1.2-1.7× on simulated preference data. A widening is news only beyond that baseline, so
``widening_if_raters_exchangeable`` gives it — the same variance with ΣC² at its expectation for interchangeable
raters who get their items at random, given the study's design — and the reader compares the two.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse

from .bootstrap import _MULTINOMIAL_MIN_ITEMS_PER_TYPE
from .codes import unique_codes
from .intervals import percentile_interval
from .winrates import TIE_RULES, TIES, WINS_A, WINS_B, N, tally, win_rate

#: Fewer raters than this get a warning: drawing 2-4 raters with replacement often repeats one of them.
FEW_RATERS = 5

#: ``raters_differ`` when the widening exceeds the interchangeable-rater baseline by this factor. On simulated
#: studies (100-500 items, 4-30 raters, 1-4 judgments per item, 40 studies per design) the ratio's 95th percentile
#: was 1.07-1.16 with interchangeable raters (above 1.25 in at most 3 %), and above 1.25 in 72-100 % of studies
#: whose raters' leanings had a standard deviation of 0.6 on the latent scale (judgment noise 1).
RATERS_DIFFER = 1.25

# Cells of one chunk of item counts (resamples × items). Smaller than stats.bootstrap's: the count matrix is
# rebuilt for every chunk and at this size its buffers are reused rather than faulted in afresh (2x faster).
_CHUNK_CELLS = 1 << 20

# X is a dense float32 matrix (BLAS) unless it has more cells than this, or is so sparse that multiplying only
# its non-zeros (scipy.sparse: tens of times the cost per cell of BLAS) is cheaper.
_DENSE_CELLS = 1 << 24
_DENSE_PER_NONZERO = 40


@dataclass(frozen=True)
class RaterSensitivity:
    """system_b's win-rate interval with raters resampled too, beside the item-only one.

    ``ci_items_and_raters`` and ``ci_items_only`` are 95 % percentile intervals (None when undefined);
    ``widening`` is the ratio of their widths; ``widening_if_raters_exchangeable`` is what that ratio would be,
    to first order, if rater identity carried no information (see the module docstring); ``raters_differ`` says
    whether ``widening`` exceeds it by more than ``RATERS_DIFFER``, i.e. whether the raters differ
    systematically enough that the interval for *these* raters understates the uncertainty; ``undefined``
    counts the resamples (of items and raters) whose win rate was undefined (only ties under ``drop``);
    ``warning`` is a sentence for the reader or None.
    """

    tie_rule: str
    n_items: int
    n_raters: int
    resamples: int
    ci_items_and_raters: list[float | None] | None
    ci_items_only: list[float | None] | None
    widening: float | None
    widening_if_raters_exchangeable: float | None
    raters_differ: bool | None
    undefined: int
    warning: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def ratio_parts(tallies: np.ndarray, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of each tally row's part in system_b's win rate under ``rule``.

    ``stats.winrates.win_rate(totals, rule)`` is ``numerator.sum() / denominator.sum()``: ``drop`` wins_b over
    wins_a + wins_b, ``half`` wins_b + ties / 2 over n, ``against_b`` wins_b over n. The row's linearised
    contribution to the win rate θ is ``numerator − θ · denominator`` (over the denominator's sum).

    Examples
    --------
    >>> t = np.array([[1, 1, 2, 4, 1], [0, 2, 0, 2, 0]])
    >>> [(num.tolist(), den.tolist()) for num, den in (ratio_parts(t, rule) for rule in TIE_RULES)]
    [([2.0, 0.0], [3.0, 0.0]), ([2.5, 1.0], [4.0, 2.0]), ([2.0, 0.0], [4.0, 2.0])]
    """
    t = np.asarray(tallies, dtype=np.float64)
    if rule == "drop":
        return t[:, WINS_B], t[:, WINS_A] + t[:, WINS_B]
    if rule == "half":
        return t[:, WINS_B] + t[:, TIES] / 2, t[:, N]
    if rule == "against_b":
        return t[:, WINS_B], t[:, N]
    raise ValueError(f"rule must be one of {TIE_RULES}, not {rule!r}")


def pigeonhole_sums(
    row_weights: np.ndarray, rater_weights: np.ndarray, table: np.ndarray | sparse.csr_matrix
) -> tuple[np.ndarray, np.ndarray]:
    """Resampled (numerator, denominator) sums for given item and rater draw counts: two-way and item-only.

    Parameters
    ----------
    row_weights : ndarray, shape (R, K)
        How often each resample drew each row of ``table`` (an item, or a kind of identical items).
    rater_weights : ndarray, shape (R, J)
        How often each resample drew each rater.
    table : ndarray or scipy.sparse matrix, shape (K, 2 J)
        Columns ``2 j`` and ``2 j + 1``: the numerator and denominator parts of the row's judgments by rater j.

    Returns
    -------
    two_way, items_only : ndarray of float64, shape (R, 2)
        Sums with each judgment of row i by rater j counted ``row_weights[r, i] * rater_weights[r, j]`` times,
        and ``row_weights[r, i]`` times.

    Examples
    --------
    Item 0 was judged by raters 0 (a win for b: parts 1, 1) and 1 (a win for a: 0, 1); item 1 by rater 1 (a win
    for b). Drawing item 0 twice and rater 1 twice keeps item 0's win for a, four times:

    >>> table = np.array([[1, 1, 0, 1], [0, 0, 1, 1]])
    >>> two, only = pigeonhole_sums(np.array([[2, 0]]), np.array([[0, 2]]), table)
    >>> two.tolist(), only.tolist()
    ([[0.0, 4.0]], [[2.0, 4.0]])
    """
    raters = np.asarray(rater_weights, dtype=np.float64)
    if sparse.issparse(table):
        # scipy computes dense × sparse as (Xᵀ Wᵀ)ᵀ, touching only the non-zeros.
        per_rater = np.asarray(np.asarray(row_weights, dtype=np.float64) @ table)
    else:
        table = np.asarray(table)
        per_rater = np.asarray(row_weights, dtype=table.dtype) @ table
    per_rater = per_rater.astype(np.float64, copy=False).reshape(len(raters), raters.shape[1], 2)
    return np.einsum("rjc,rj->rc", per_rater, raters), per_rater.sum(axis=1)


def _item_counts(n_items: int, resamples: int, rng: np.random.Generator):
    """Yield ``(start, counts)``: Multinomial(n_items, 1/n_items) item counts, n_items uniform draws per row binned.

    The same draws as ``stats.bootstrap.item_weights``, in smaller chunks (``_CHUNK_CELLS``) with one reused
    index buffer.
    """
    size_max = max(1, _CHUNK_CELLS // max(n_items, 1))
    offsets = (np.arange(size_max, dtype=np.int64) * n_items)[:, None]
    index = np.empty((min(size_max, resamples), n_items), dtype=np.int64)
    index_type = np.uint32 if n_items < 2**32 else np.uint64
    for start in range(0, resamples, size_max):
        size = min(size_max, resamples - start)
        draws = rng.integers(0, n_items, size=(size, n_items), dtype=index_type)
        np.add(draws, offsets[:size], out=index[:size], casting="unsafe")
        yield start, np.bincount(index[:size].ravel(), minlength=size * n_items).reshape(size, n_items)


def _rater_counts(n_raters: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` rows of Multinomial(n_raters, 1/n_raters) rater counts, drawn like the item counts."""
    draws = rng.integers(0, n_raters, size=(size, n_raters)).astype(np.int64)
    draws += (np.arange(size, dtype=np.int64) * n_raters)[:, None]
    return np.bincount(draws.ravel(), minlength=size * n_raters).reshape(size, n_raters)


def _kinds(table) -> tuple[np.ndarray, np.ndarray] | None:
    """Distinct rows of ``table`` (dense, float64) and how many items have each, or None if they are not few.

    Items with identical rows (the same raters with the same outcomes) are exchangeable, so when there are few
    kinds their counts can be drawn as Multinomial(I, share of each kind), the same distribution as drawing the
    items (``stats.bootstrap.bootstrap_sums`` does the same). Rows are grouped by one random projection each and
    the grouping is then checked exactly.
    """
    n_items = table.shape[0]
    limit = n_items // _MULTINOMIAL_MIN_ITEMS_PER_TYPE
    if limit < 1:
        return None
    direction = np.random.default_rng(0).random(table.shape[1])  # fixed: the caller's rng draws only resamples
    keys = np.asarray(table @ direction).ravel()
    _, first, inverse, multiplicity = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    if len(first) > limit:
        return None
    rows = table[first]
    inverse = inverse.ravel()
    # Two different rows with one key: never seen, but be exact. In blocks: a full copy of the table's rows
    # would double its memory.
    block = max(1, _CHUNK_CELLS // max(table.shape[1], 1))
    for start in range(0, n_items, block):
        if (table[start : start + block] != rows[inverse[start : start + block]]).sum() != 0:
            return None
    rows = rows.toarray() if sparse.issparse(rows) else np.asarray(rows)
    return rows.astype(np.float64), multiplicity


def _resampled_sums(table, n_items: int, n_raters: int, resamples: int, rng: np.random.Generator):
    """(numerator, denominator) sums of ``resamples`` pigeonhole resamples, two-way and item-only, shape (R, 2).

    The rater counts of all resamples are drawn first (R × J is small), then the item counts chunk by chunk.
    """
    raters = _rater_counts(n_raters, resamples, rng)
    two_way = np.empty((resamples, 2))
    items_only = np.empty((resamples, 2))
    kinds = _kinds(table)
    if kinds is not None:
        rows, multiplicity = kinds
        chunk = max(1, _CHUNK_CELLS // len(rows))
        for start in range(0, resamples, chunk):
            size = min(chunk, resamples - start)
            counts = rng.multinomial(n_items, multiplicity / n_items, size=size)
            part = slice(start, start + size)
            two_way[part], items_only[part] = pigeonhole_sums(counts, raters[part], rows)
        return two_way, items_only
    for start, counts in _item_counts(n_items, resamples, rng):
        part = slice(start, start + len(counts))
        two_way[part], items_only[part] = pigeonhole_sums(counts, raters[part], table)
    return two_way, items_only


def _judgment_table(cell_item, cell_rater, numerator, denominator, n_items: int, n_raters: int):
    """The items × (raters × 2) table of numerator and denominator parts: dense float32 or scipy CSR."""
    rows = np.repeat(cell_item, 2)
    columns = (cell_rater[:, None] * 2 + np.arange(2)).ravel()
    values = np.column_stack([numerator, denominator]).ravel()
    keep = values != 0
    rows, columns, values = rows[keep], columns[keep], values[keep]
    shape = (n_items, 2 * n_raters)
    cells = shape[0] * shape[1]
    # float32 sums are exact while every partial sum is a multiple of 1/2 below 2**23.
    exact_in_float32 = float(np.abs(values).max(initial=0.0)) * n_items < 2**23
    if cells <= _DENSE_CELLS and cells <= _DENSE_PER_NONZERO * max(len(values), 1) and exact_in_float32:
        table = np.zeros(shape, dtype=np.float32)
        np.add.at(table, (rows, columns), values.astype(np.float32))
        return table
    return sparse.csr_matrix((values, (rows, columns)), shape=shape)


def _widening_if_raters_exchangeable(
    z: np.ndarray, cell_item: np.ndarray, cell_rater: np.ndarray, n_items: int, n_raters: int
) -> float | None:
    """First-order ratio of the pigeonhole to the item-only interval width when rater identity carries no information.

    With z the cells' linearised contributions to the win rate (``ratio_parts``), R and C their item and rater
    totals, the pigeonhole bootstrap's variance is (1 − 1/J)·ΣR² + (1 − 1/I)·ΣC² + Σz² and the item-only one ΣR²
    (exact for a linear statistic). Here ΣC² is replaced by its expectation when the raters are interchangeable
    and the items reach them at random, given the design (which rater judged how many cells of which items): a
    rater's total is then one of the item's values for each of its items, so
    E ΣC² = Σ_i m_i s_i² + Σ_j n_j (I − n_j) / (I − 1) · Σ_i m_i ū_i² / Σ_i m_i, with ū_i and s_i² the mean and
    variance of z within item i, m_i its cells and n_j rater j's cells. In a fully crossed design the second term
    vanishes; with one judgment per item the first does.
    """
    per_item = np.bincount(cell_item, minlength=n_items).astype(np.float64)
    per_rater = np.bincount(cell_rater, minlength=n_raters).astype(np.float64)
    item_total = np.bincount(cell_item, weights=z, minlength=n_items)
    item_part = float((item_total**2).sum())
    if not item_part > 0:
        return None
    item_mean = item_total / per_item
    within = float(((z - item_mean[cell_item]) ** 2).sum())
    between = float((per_item * item_mean**2).sum()) / len(z)
    fpc = (n_items - per_rater) / (n_items - 1) if n_items > 1 else np.zeros(n_raters)
    rater_part = within + float((per_rater * fpc).sum()) * between
    variance = (1 - 1 / n_raters) * item_part + (1 - 1 / n_items) * rater_part + float((z**2).sum())
    return math.sqrt(variance / item_part)


def _rates(sums: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sums[:, 1] > 0, sums[:, 0] / np.where(sums[:, 1] > 0, sums[:, 1], 1), np.nan)


def _width(interval) -> float | None:
    if interval is None or interval[0] is None or interval[1] is None:
        return None
    return interval[1] - interval[0]


def rater_sensitivity(
    item_codes: np.ndarray,
    rater_codes: np.ndarray,
    preference: np.ndarray,
    tie_rule: str,
    resamples: int,
    rng: np.random.Generator,
) -> RaterSensitivity:
    """system_b's win-rate interval when both items and raters are resampled, beside the item-only interval.

    Parameters
    ----------
    item_codes, rater_codes : ndarray of int, shape (n_judgments,)
        Item and rater of each judgment (any integer codes; only equality matters).
    preference : ndarray of float, shape (n_judgments,)
        > 0: system_b won, 0: tie, < 0: system_a won. No NaN (skipped judgments are removed first).
    tie_rule : {"drop", "half", "against_b"}
        How ties enter the win rate (``stats.winrates.win_rate``).
    resamples : int
        Bootstrap resamples R.
    rng : numpy.random.Generator

    Returns
    -------
    RaterSensitivity
        With a one-rater study (or no judgments, or no resamples) the intervals and ratios are None and
        ``warning`` says why.

    Examples
    --------
    Two raters who disagree systematically: rater 0 prefers system_b on every item, rater 1 on half of them.

    >>> items = np.repeat(np.arange(40), 2)
    >>> raters = np.tile([0, 1], 40)
    >>> preference = np.where(raters == 0, 1.0, np.where(items % 2 == 0, 1.0, -1.0))
    >>> result = rater_sensitivity(items, raters, preference, "drop", 500, np.random.default_rng(0))
    >>> result.n_items, result.n_raters, result.raters_differ
    (40, 2, True)
    >>> print(result.warning)  # doctest: +NORMALIZE_WHITESPACE
    only 2 raters: a resample of so few raters often repeats one of them, so the interval with raters
    resampled is coarse
    >>> one = rater_sensitivity(items, np.zeros(80), preference, "drop", 500, np.random.default_rng(0))
    >>> one.ci_items_and_raters is None, one.warning.startswith("one rater")
    (True, True)
    """
    if tie_rule not in TIE_RULES:
        raise ValueError(f"tie_rule must be one of {TIE_RULES}, not {tie_rule!r}")
    preference = np.asarray(preference, dtype=np.float64)
    item_codes, rater_codes = np.asarray(item_codes), np.asarray(rater_codes)
    if not (len(item_codes) == len(rater_codes) == len(preference)):
        raise ValueError("item_codes, rater_codes and preference must have the same length")
    if np.isnan(preference).any():
        raise ValueError("preference has NaN: remove skipped judgments first")
    _, item_of = unique_codes(item_codes)
    _, rater_of = unique_codes(rater_codes)
    n_items = int(item_of.max()) + 1 if len(item_of) else 0
    n_raters = int(rater_of.max()) + 1 if len(rater_of) else 0

    def empty(warning: str, interval=None) -> RaterSensitivity:
        return RaterSensitivity(tie_rule, n_items, n_raters, resamples, None, interval, None, None, None, 0, warning)

    if n_raters == 0:
        return empty("no judgments: rater sensitivity is null")
    if n_raters == 1:
        return empty(
            "one rater: every judgment comes from the same person, so nothing shows how other raters would "
            "judge; the verdict rests on this rater alone and no interval can include rater-to-rater differences"
        )
    if resamples < 1:
        return empty("no bootstrap resamples: rater sensitivity is null")

    # One tally row per (item, rater) cell; a rater who judged an item twice has two judgments in its cell.
    cells, cell_of = unique_codes(item_of.astype(np.int64) * n_raters + rater_of)
    cell_tallies = tally(cell_of, preference, len(cells))
    cell_item, cell_rater = cells // n_raters, cells % n_raters
    numerator, denominator = ratio_parts(cell_tallies, tie_rule)
    table = _judgment_table(cell_item, cell_rater, numerator, denominator, n_items, n_raters)

    two_way, items_only = _resampled_sums(table, n_items, n_raters, resamples, rng)
    two_way_ci = percentile_interval(_rates(two_way))
    items_ci = percentile_interval(_rates(items_only))
    width_two_way, width_items = _width(two_way_ci.interval), _width(items_ci.interval)
    widening = width_two_way / width_items if width_two_way is not None and width_items else None

    theta = win_rate(cell_tallies.sum(axis=0), tie_rule)
    exchangeable = None
    if np.isfinite(theta):
        z = numerator - theta * denominator
        exchangeable = _widening_if_raters_exchangeable(z, cell_item, cell_rater, n_items, n_raters)
    warnings = []
    if n_raters < FEW_RATERS:
        warnings.append(
            f"only {n_raters} raters: a resample of so few raters often repeats one of them, so the interval with "
            "raters resampled is coarse"
        )
    if two_way_ci.undefined:
        warnings.append(
            f"{two_way_ci.undefined} of {resamples} resamples of items and raters drew only ties; the interval "
            "uses the others"
        )
    return RaterSensitivity(
        tie_rule=tie_rule,
        n_items=n_items,
        n_raters=n_raters,
        resamples=resamples,
        ci_items_and_raters=two_way_ci.interval,
        ci_items_only=items_ci.interval,
        widening=widening,
        widening_if_raters_exchangeable=exchangeable,
        raters_differ=None if widening is None or exchangeable is None else widening > RATERS_DIFFER * exchangeable,
        undefined=two_way_ci.undefined,
        warning="; ".join(warnings) or None,
    )
