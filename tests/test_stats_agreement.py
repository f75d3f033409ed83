"""Agreement statistics against published worked examples and against krippendorff / statsmodels.

Published sources used here:
- Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. 4 observers × 12 units, values 1-5 with
  missing data: nominal α = 0.743, interval α = 0.849, ratio α = 0.797.
- Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin 76, 378-382:
  30 patients × 5 diagnoses, 6 psychiatrists each, κ = 0.430.
- Wikipedia, "Fleiss' kappa", worked example: 10 subjects × 5 categories, 14 raters: P̄ = 0.378, κ = 0.210.
- Wikipedia, "Cohen's kappa", worked example: 50 proposals, κ = 0.4.
- Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed., p. 120 (Krippendorff's data above, as the
  irrCAC dataset cac.raw4raters): percent agreement 0.8181818, AC1 = 0.77544 (pa 0.8181818, pe 0.1903212),
  Krippendorff's α 0.74342. Gwet's irrCAC README also gives, for the first 15 patients of Fleiss's table
  (dataset distrib.6raters), AC1 = 0.4448007 and Fleiss's κ = 0.4139265; and for the 2-rater table
  cont3x3abstractors, Cohen's κ = 0.7964094, AC1 = 0.8493305, α = 0.7972585, percent agreement 0.89.
- irrCAC's documentation (``irrCAC.raw``): Fleiss's κ for cac.raw4raters, with its missing ratings, 0.76117
  (pa 0.81818, pe 0.23872).

Incomplete designs (units with different numbers of ratings, some with one or none) are checked against irrCAC
0.4.4's ``CAC.fleiss()`` and ``CAC.gwet()``, the reference implementation of Gwet's Handbook (4th ed., ch. 2-4).
irrCAC pins scipy==1.12.0, which evalstore's own requirement (scipy>=1.13) excludes, so it cannot be installed
beside evalstore: ``irrcac_reference.py`` computes its values in an environment of its own for the tables in
``agreement_tables.py``, and the values are written below (``IRRCAC``). Where irrCAC is importable anyway, a test
also runs it live on random tables. The Handbook's own worked examples for Fleiss's κ with missing ratings were
not available to us; the raw4raters values above are the book's p. 120 data as shipped with irrCAC.
"""

from __future__ import annotations

import doctest
import json

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from agreement_tables import SCALE3, TABLES
from evalstore.stats import agreement
from evalstore.stats.agreement import (
    agreement_summary,
    alphas_from_unit_weights,
    bootstrap_alphas,
    cohen_kappa,
    cohen_kappa_pairs,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    value_counts_matrix,
)

NAN = np.nan

# Krippendorff (2011), section C; the same table is Gwet's Handbook p. 120. Rows are observers, columns units.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)

# Gwet (2014) p. 120 / irrCAC cac.raw4raters: rows are units, columns raters (a different table from the above:
# unit 6 is rated 1, 2, 3, 4 here).
GWET_RAW4RATERS = np.array(
    [
        [1, 1, NAN, 1],
        [2, 2, 3, 2],
        [3, 3, 3, 3],
        [3, 3, 3, 3],
        [2, 2, 2, 2],
        [1, 2, 3, 4],
        [4, 4, 4, 4],
        [1, 1, 2, 1],
        [2, 2, 2, 2],
        [NAN, 5, 5, 5],
        [NAN, NAN, 1, 1],
        [NAN, NAN, 3, NAN],
    ]
)

# Fleiss (1971), Table 1: patients × (depression, personality disorder, schizophrenia, neurosis, other).
FLEISS_1971 = np.array(
    [
        [0, 0, 0, 6, 0],
        [0, 3, 0, 0, 3],
        [0, 1, 4, 0, 1],
        [0, 0, 0, 0, 6],
        [0, 3, 0, 3, 0],
        [2, 0, 4, 0, 0],
        [0, 0, 4, 0, 2],
        [2, 0, 3, 1, 0],
        [2, 0, 0, 4, 0],
        [0, 0, 0, 0, 6],
        [1, 0, 0, 5, 0],
        [1, 1, 0, 4, 0],
        [0, 3, 3, 0, 0],
        [1, 0, 0, 5, 0],
        [0, 2, 0, 3, 1],
        [0, 0, 5, 0, 1],
        [3, 0, 0, 1, 2],
        [5, 1, 0, 0, 0],
        [0, 2, 0, 4, 0],
        [1, 0, 2, 0, 3],
        [0, 0, 0, 0, 6],
        [0, 1, 0, 5, 0],
        [0, 2, 0, 1, 3],
        [2, 0, 0, 4, 0],
        [1, 0, 0, 4, 1],
        [0, 5, 0, 1, 0],
        [4, 0, 0, 0, 2],
        [0, 2, 0, 4, 0],
        [1, 0, 5, 0, 0],
        [0, 0, 0, 0, 6],
    ]
)

# Wikipedia, "Fleiss' kappa": 10 subjects, 14 raters, 5 categories.
WIKIPEDIA_FLEISS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)

# irrCAC cont3x3abstractors: 100 pregnancies, abstractor 1 (rows) × abstractor 2 (columns).
ABSTRACTORS = np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]])

SCALE5 = (-2.0, -1.0, 0.0, 1.0, 2.0)

# Output of ``irrcac_reference.py`` (irrCAC 0.4.4, pandas 2.3.3; categories = the whole scale, digits=15).
IRRCAC = {  # name: (fleiss kappa, fleiss pa, fleiss pe, AC1, AC1 pe)
    "T3_12X3": (0.331428571428571, 0.566666666666667, 0.351851851851852, 0.358904109589041, 0.324074074074074),
    "T3_20X4": (-0.042079871348164, 0.333333333333333, 0.360253772290809, 0.0197907475104, 0.319873113854595),
    "T5_15X5": (0.107055365017148, 0.307692307692308, 0.224691358024691, 0.141241606785252, 0.193827160493827),
    "T5_25X6_UNUSED": (0.251028321047503, 0.448484848484848, 0.26363684099979, 0.324048381135201, 0.184090789750052),
}


def counts_from_raw(raw_units_by_raters: np.ndarray, value_domain) -> np.ndarray:
    """Units × values counts from a units × raters table with NaN for missing, written independently of the module."""
    domain = np.asarray(value_domain, dtype=float)
    return np.array([[(row == v).sum() for v in domain] for row in raw_units_by_raters])


def counts_from_table(table: np.ndarray) -> np.ndarray:
    """One unit per subject of a 2-rater contingency table: its 2 ratings as a counts row."""
    q = table.shape[0]
    rows = []
    for a in range(q):
        for b in range(q):
            row = np.zeros(q, dtype=int)
            row[a] += 1
            row[b] += 1
            rows.extend([row] * table[a, b])
    return np.array(rows)


def judgments_frame(rng: np.random.Generator, n_items: int, n_raters: int, scale: int, missing: float = 0.3):
    """Random judgments: each item rated by a random subset of raters, values correlated through an item effect."""
    half = scale // 2
    rows = []
    for item in range(n_items):
        effect = rng.normal(0, 1)
        for rater in range(n_raters):
            if rng.random() < missing:
                continue
            value = float(np.clip(np.round(effect + rng.normal(0, 1)), -half, half))
            rows.append((f"item{item}", f"r{rater:02d}", value))
    return pd.DataFrame(rows, columns=["item_id", "rater_id", "preference"])


# --------------------------------------------------------------------------------------------------------
# Published worked examples


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.743), ("interval", 0.849), ("ratio", 0.797)])
def test_krippendorff_2011_published_values(level, published):
    counts = counts_from_raw(KRIPPENDORFF_2011.T, [1, 2, 3, 4, 5])
    assert round(krippendorff_alpha(counts, level, [1, 2, 3, 4, 5]), 3) == published


def test_krippendorff_2011_ordinal_matches_package_documentation():
    # The krippendorff package documents ordinal α = 0.815 for this data (its docstring, citing the 2011 paper).
    counts = counts_from_raw(KRIPPENDORFF_2011.T, [1, 2, 3, 4, 5])
    assert round(krippendorff_alpha(counts, "ordinal", [1, 2, 3, 4, 5]), 3) == 0.815


def test_krippendorff_gwet_handbook_value():
    # Gwet's irrCAC, krippen.alpha.raw(cac.raw4raters): 0.74342.
    counts = counts_from_raw(GWET_RAW4RATERS, [1, 2, 3, 4, 5])
    assert round(krippendorff_alpha(counts, "nominal", [1, 2, 3, 4, 5]), 5) == 0.74342


def test_fleiss_1971_published_kappa():
    kappa = fleiss_kappa(FLEISS_1971)
    assert round(kappa, 3) == 0.430
    assert kappa == pytest.approx(sm_fleiss_kappa(FLEISS_1971), abs=1e-12)


def test_fleiss_1971_first_15_patients_gwet_values():
    # irrCAC README, distrib.6raters (Fleiss 1971, patients 1-15): Fleiss's κ 0.4139265, AC1 0.4448007, pa 0.5511111.
    table = FLEISS_1971[:15]
    assert fleiss_kappa(table) == pytest.approx(0.4139265, abs=5e-8)
    assert gwet_ac1(table) == pytest.approx(0.4448007, abs=5e-8)
    assert percent_agreement(table) == pytest.approx(0.5511111, abs=5e-8)


def test_wikipedia_fleiss_example():
    assert round(fleiss_kappa(WIKIPEDIA_FLEISS), 3) == 0.210
    assert round(percent_agreement(WIKIPEDIA_FLEISS), 3) == 0.378


def test_gwet_handbook_ac1_with_missing_ratings():
    counts = counts_from_raw(GWET_RAW4RATERS, [1, 2, 3, 4, 5])
    assert round(gwet_ac1(counts), 5) == 0.77544
    assert percent_agreement(counts) == pytest.approx(0.8181818, abs=5e-8)  # = 9/11


def test_fleiss_kappa_with_missing_ratings_irrcac_documentation():
    # irrCAC's documentation: CAC(raw_4raters).fleiss() = 0.76117, pa 0.81818, pe 0.23872 (0.761169275422411 with
    # digits=15, from irrcac_reference.py's environment).
    counts = counts_from_raw(GWET_RAW4RATERS, [1, 2, 3, 4, 5])
    assert round(fleiss_kappa(counts), 5) == 0.76117
    assert fleiss_kappa(counts) == pytest.approx(0.761169275422411, abs=1e-14)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_incomplete_designs_match_irrcac(name):
    table, scale = TABLES[name]
    kappa, pa, pe_kappa, ac1, pe_ac1 = IRRCAC[name]
    counts = counts_from_raw(table, scale)
    assert (counts.sum(axis=1) == 1).any()  # units with one rating: they enter pe, not pa
    assert fleiss_kappa(counts) == pytest.approx(kappa, abs=1e-14)
    assert gwet_ac1(counts) == pytest.approx(ac1, abs=1e-14)
    assert percent_agreement(counts) == pytest.approx(pa, abs=1e-14)
    # The chance agreements, backed out of each coefficient: (pa − κ) / (1 − κ).
    assert (pa - fleiss_kappa(counts)) / (1 - fleiss_kappa(counts)) == pytest.approx(pe_kappa, abs=1e-13)
    assert (pa - gwet_ac1(counts)) / (1 - gwet_ac1(counts)) == pytest.approx(pe_ac1, abs=1e-13)


def test_incomplete_designs_match_irrcac_live_where_installed():
    irrcac_raw = pytest.importorskip("irrCAC.raw", reason="irrCAC pins scipy==1.12.0; see irrcac_reference.py")
    rng = np.random.default_rng(31)
    for _ in range(20):
        scale = SCALE5 if rng.random() < 0.5 else SCALE3
        raw = random_raw(rng, rng.integers(5, 30), rng.integers(2, 7), scale, missing=0.45)
        counts = counts_from_raw(raw, scale)
        if (counts.sum(axis=1) >= 2).sum() == 0 or np.count_nonzero(counts.sum(axis=0)) < 2:
            continue
        ratings = pd.DataFrame(raw)
        expected_kappa = irrcac_raw.CAC(ratings, categories=list(scale), digits=15).fleiss()["est"]
        expected_ac1 = irrcac_raw.CAC(ratings, categories=list(scale), digits=15).gwet()["est"]
        assert fleiss_kappa(counts) == pytest.approx(float(expected_kappa["coefficient_value"]), abs=1e-13)
        assert gwet_ac1(counts) == pytest.approx(float(expected_ac1["coefficient_value"]), abs=1e-13)


def test_gwet_two_rater_table_published_values():
    counts = counts_from_table(ABSTRACTORS)
    assert gwet_ac1(counts) == pytest.approx(0.8493305, abs=5e-8)
    assert percent_agreement(counts) == pytest.approx(0.89)
    assert krippendorff_alpha(counts, "nominal", [0, 1, 2]) == pytest.approx(0.7972585, abs=5e-8)


def test_gwet_ac1_by_hand_on_a_tiny_table():
    # 3 units, 3 raters, 2 categories: (3, 0), (0, 3), (2, 1).
    # pa = mean(1, 1, 2·1/(3·2)) = 7/9.  π = mean((1, 0), (0, 1), (2/3, 1/3)) = (5/9, 4/9).
    # pe = [5/9 · 4/9 + 4/9 · 5/9] / (q − 1) = 40/81.  AC1 = (63/81 − 40/81) / (1 − 40/81) = 23/41.
    assert gwet_ac1(np.array([[3, 0], [0, 3], [2, 1]])) == pytest.approx(23 / 41, abs=1e-15)


def test_wikipedia_cohen_example():
    x = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    y = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert cohen_kappa(x, y) == pytest.approx(0.4, abs=1e-12)


def test_cohen_two_rater_table_published_value():
    codes = np.arange(3)
    x = np.repeat(np.repeat(codes, 3), ABSTRACTORS.ravel())
    y = np.repeat(np.tile(codes, 3), ABSTRACTORS.ravel())
    assert cohen_kappa(x, y) == pytest.approx(0.7964094, abs=5e-8)


def test_doctests():
    result = doctest.testmod(agreement, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 5
    assert result.failed == 0


# --------------------------------------------------------------------------------------------------------
# Reference implementations on random data


def _agreement_and_shares_loop(raw_units_by_raters: np.ndarray, categories) -> tuple[float, list[float]]:
    """Gwet's incomplete-design pa (over units rated twice or more) and category shares π_k (averaged over every
    rated unit), as plain loops over units and categories (Handbook, 4th ed., ch. 2-3)."""
    pa_terms, pi, rated_units = [], [0.0] * len(categories), 0
    for row in raw_units_by_raters:
        ratings = [r for r in row if not np.isnan(r)]
        if not ratings:
            continue
        rated_units += 1
        for k, c in enumerate(categories):
            pi[k] += ratings.count(c) / len(ratings)
        if len(ratings) >= 2:
            agreeing = sum(ratings.count(c) * (ratings.count(c) - 1) for c in categories)
            pa_terms.append(agreeing / (len(ratings) * (len(ratings) - 1)))
    return sum(pa_terms) / len(pa_terms), [p / rated_units for p in pi]


def gwet_ac1_loop(raw_units_by_raters: np.ndarray, categories) -> float:
    """Gwet (2008) eqs. for AC1 with missing ratings: pe = Σ π_k (1 − π_k) / (q − 1)."""
    pa, pi = _agreement_and_shares_loop(raw_units_by_raters, categories)
    pe = sum(p * (1 - p) for p in pi) / (len(categories) - 1)
    return (pa - pe) / (1 - pe)


def fleiss_kappa_loop(raw_units_by_raters: np.ndarray, categories) -> float:
    """Gwet's generalised Fleiss kappa with missing ratings: pe = Σ π_k²."""
    pa, pi = _agreement_and_shares_loop(raw_units_by_raters, categories)
    pe = sum(p * p for p in pi)
    return (pa - pe) / (1 - pe)


def random_raw(rng, n_units, n_raters, values, missing):
    raw = rng.choice(np.asarray(values, dtype=float), size=(n_units, n_raters))
    raw[rng.random(raw.shape) < missing] = np.nan
    return raw


def test_gwet_ac1_matches_loop_implementation_on_random_data():
    rng = np.random.default_rng(20240501)
    for _ in range(50):
        raw = random_raw(rng, rng.integers(3, 40), rng.integers(2, 7), SCALE5, missing=0.3)
        counts = counts_from_raw(raw, SCALE5)
        if (counts.sum(axis=1) >= 2).sum() == 0:
            continue
        assert gwet_ac1(counts) == pytest.approx(gwet_ac1_loop(raw, SCALE5), abs=1e-12)


def test_fleiss_kappa_matches_loop_implementation_on_incomplete_data():
    rng = np.random.default_rng(20240502)
    checked = 0
    for _ in range(50):
        raw = random_raw(rng, rng.integers(3, 40), rng.integers(2, 7), SCALE5, missing=0.4)
        counts = counts_from_raw(raw, SCALE5)
        if (counts.sum(axis=1) >= 2).sum() == 0 or np.count_nonzero(counts.sum(axis=0)) < 2:
            continue
        assert fleiss_kappa(counts) == pytest.approx(fleiss_kappa_loop(raw, SCALE5), abs=1e-12)
        checked += 1
    assert checked >= 40


def test_fleiss_kappa_matches_statsmodels_on_random_tables():
    rng = np.random.default_rng(7)
    for _ in range(50):
        n_raters, n_categories = rng.integers(2, 8), rng.integers(2, 6)
        table = np.array([rng.multinomial(n_raters, rng.dirichlet(np.ones(n_categories))) for _ in range(30)])
        assert fleiss_kappa(table) == pytest.approx(sm_fleiss_kappa(table, method="fleiss"), abs=1e-12)


def test_percent_agreement_matches_pairwise_loop():
    rng = np.random.default_rng(3)
    for _ in range(30):
        raw = random_raw(rng, 20, 5, SCALE5, missing=0.4)
        shares = []
        for row in raw:
            ratings = row[~np.isnan(row)]
            pairs = [(a, b) for i, a in enumerate(ratings) for b in ratings[i + 1 :]]
            if pairs:
                shares.append(np.mean([a == b for a, b in pairs]))
        expected = np.mean(shares) if shares else None
        got = percent_agreement(counts_from_raw(raw, SCALE5))
        assert got == pytest.approx(expected, abs=1e-12) if expected is not None else got is None


def test_cohen_kappa_matches_statsmodels_on_random_pairs():
    rng = np.random.default_rng(11)
    for _ in range(50):
        n = rng.integers(5, 60)
        x = rng.integers(-2, 3, n)
        y = np.where(rng.random(n) < 0.5, x, rng.integers(-2, 3, n))
        table = pd.crosstab(x, y).reindex(index=range(-2, 3), columns=range(-2, 3), fill_value=0).to_numpy()
        assert cohen_kappa(x, y) == pytest.approx(sm_cohens_kappa(table, return_results=False), abs=1e-12)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_krippendorff_wrapper_matches_package_on_reliability_data(level):
    rng = np.random.default_rng(5)
    defined = 0
    for _ in range(20):
        raw = random_raw(rng, rng.integers(5, 40), rng.integers(2, 6), SCALE5, missing=0.35)
        rated = ~np.isnan(raw)
        units = np.nonzero(rated)[0]
        counts = value_counts_matrix(units, np.searchsorted(SCALE5, raw[rated]), raw.shape[0], 5)
        with np.errstate(invalid="ignore"):  # the package gives NaN (with a warning) where we give None
            expected = krippendorff.alpha(reliability_data=raw.T, value_domain=SCALE5, level_of_measurement=level)
        got = krippendorff_alpha(counts, level, SCALE5)
        assert got is None if np.isnan(expected) else got == pytest.approx(expected, abs=1e-12)
        defined += got is not None
    assert defined >= 15


def random_pairable_counts(rng, n_units, n_values, max_raters=6):
    sizes = rng.integers(2, max_raters + 1, n_units)
    return np.array([rng.multinomial(m, rng.dirichlet(np.ones(n_values) * 0.7)) for m in sizes])


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_numpy_alpha_equals_package_on_unresampled_data(level):
    rng = np.random.default_rng(17)
    for _ in range(30):
        counts = random_pairable_counts(rng, rng.integers(2, 60), 5)
        ours = alphas_from_unit_weights(np.ones((1, len(counts)), dtype=int), counts, level, SCALE5)[0]
        package = krippendorff.alpha(value_counts=counts, value_domain=SCALE5, level_of_measurement=level)
        assert ours == pytest.approx(package, abs=1e-12)


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_numpy_alpha_equals_package_on_explicit_item_resamples(level):
    # Resample item indices the slow way, then check every resample's α against the package on those rows.
    rng = np.random.default_rng(23)
    counts = random_pairable_counts(rng, 25, 5, max_raters=4)
    indices = rng.integers(0, len(counts), size=(40, len(counts)))
    weights = np.stack([np.bincount(row, minlength=len(counts)) for row in indices])
    ours = alphas_from_unit_weights(weights, counts, level, SCALE5)
    for alpha_r, row in zip(ours, indices):
        package = krippendorff.alpha(value_counts=counts[row], value_domain=SCALE5, level_of_measurement=level)
        assert alpha_r == pytest.approx(package, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=2, max_size=15),
    st.sampled_from(["nominal", "ordinal", "interval"]),
)
def test_numpy_alpha_equals_package_property(rows, level):
    counts = np.array(rows)
    counts = counts[counts.sum(axis=1) >= 2]
    if len(counts) < 2 or np.count_nonzero(counts.sum(axis=0)) < 2:
        return
    ours = alphas_from_unit_weights(np.ones((1, len(counts)), dtype=int), counts, level, [-1.0, 0.0, 1.0])[0]
    package = krippendorff.alpha(value_counts=counts, value_domain=[-1.0, 0.0, 1.0], level_of_measurement=level)
    assert ours == pytest.approx(package, abs=1e-10)


def test_pattern_bootstrap_has_the_distribution_of_an_item_bootstrap():
    # Drawing pattern counts from a multinomial must give the same distribution as resampling item indices.
    # The index bootstrap below is the textbook one (np.random integers → rows); its per-resample α is the
    # package's (test above). With 5,000 resamples each, the Monte-Carlo SE of a difference in the 2.5 % quantile
    # is about 0.006 here (bootstrap SD ≈ 0.1), so 0.02 is > 3 SE.
    rng = np.random.default_rng(99)
    counts = random_pairable_counts(rng, 60, 5, max_raters=3)
    fast = bootstrap_alphas(counts, "ordinal", SCALE5, 5000, np.random.default_rng(1))
    indices = np.random.default_rng(2).integers(0, len(counts), size=(5000, len(counts)))
    weights = np.stack([np.bincount(row, minlength=len(counts)) for row in indices])
    slow = alphas_from_unit_weights(weights, counts, "ordinal", SCALE5)
    np.testing.assert_allclose(np.percentile(fast, [2.5, 50, 97.5]), np.percentile(slow, [2.5, 50, 97.5]), atol=0.02)
    assert np.std(fast) == pytest.approx(np.std(slow), rel=0.05)


def test_bootstrap_result_does_not_depend_on_chunk_size(monkeypatch):
    counts = random_pairable_counts(np.random.default_rng(4), 50, 5)
    whole = bootstrap_alphas(counts, "ordinal", SCALE5, 300, np.random.default_rng(8))
    monkeypatch.setattr(agreement, "_CHUNK_CELLS", 7 * 25)  # chunks of 7 resamples
    chunked = bootstrap_alphas(counts, "ordinal", SCALE5, 300, np.random.default_rng(8))
    np.testing.assert_array_equal(whole, chunked)


# --------------------------------------------------------------------------------------------------------
# agreement_summary

SUMMARY_KEYS = [
    "n_units",
    "krippendorff_alpha_nominal",
    "krippendorff_alpha_ordinal",
    "krippendorff_alpha_interval",
    "alpha_ci",
    "alpha_ci_level",
    "headline_coefficient",
    "fleiss_kappa",
    "gwet_ac1",
    "percent_agreement",
    "cohen_kappa_pairs",
    "warnings",
]


def assert_plain_json(value):
    """Only dict/list/str/int/float/bool/None, no NaN: json.dumps(allow_nan=False) must succeed."""
    json.dumps(value, allow_nan=False)
    if isinstance(value, dict):
        for v in value.values():
            assert_plain_json(v)
    elif isinstance(value, list):
        for v in value:
            assert_plain_json(v)
    else:
        assert value is None or type(value) in (str, int, float, bool), type(value)


def reliability_matrix(judgments: pd.DataFrame) -> np.ndarray:
    rated = judgments.dropna(subset=["preference"])
    return rated.pivot(index="rater_id", columns="item_id", values="preference").to_numpy(dtype=float)


@pytest.mark.parametrize("scale", [3, 5])
def test_summary_matches_reference_implementations(scale):
    judgments = judgments_frame(np.random.default_rng(scale), n_items=80, n_raters=5, scale=scale)
    domain = agreement.SCALE_VALUES[scale]
    result = agreement_summary(judgments, scale=scale, resamples=300, seed=1)

    assert list(result) == SUMMARY_KEYS
    assert_plain_json(result)
    raw = reliability_matrix(judgments)
    for level in ("nominal", "ordinal", "interval"):
        expected = krippendorff.alpha(reliability_data=raw, value_domain=domain, level_of_measurement=level)
        assert result[f"krippendorff_alpha_{level}"] == pytest.approx(expected, abs=1e-12)
    assert result["n_units"] == int((np.sum(~np.isnan(raw), axis=0) >= 2).sum())
    # Both scales are ordered: the sentence quotes the ordinal alpha, and alpha_ci is its interval.
    assert result["alpha_ci_level"] == "ordinal"
    assert result["headline_coefficient"] == "krippendorff_alpha_ordinal"
    low, high = result["alpha_ci"]
    assert low < result[result["headline_coefficient"]] < high

    # Fleiss and AC1 over every item (Gwet's incomplete-design formulas), checked against the loops above; the
    # data has items with one, two, ... five ratings.
    per_item = np.sum(~np.isnan(raw), axis=0)
    assert len(np.unique(per_item)) >= 3 and (per_item == 1).any()
    assert result["fleiss_kappa"] == pytest.approx(fleiss_kappa_loop(raw.T, domain), abs=1e-12)
    assert result["gwet_ac1"] == pytest.approx(gwet_ac1_loop(raw.T, domain), abs=1e-12)
    assert not any("fleiss_kappa and gwet_ac1 use the" in w for w in result["warnings"])


def test_summary_fleiss_and_ac1_match_irrcac_on_a_table_with_missing_ratings():
    table, scale = TABLES["T5_25X6_UNUSED"]
    rows = [(u, f"r{j}", table[u, j]) for u in range(table.shape[0]) for j in range(table.shape[1])]
    judgments = pd.DataFrame(rows, columns=["item_id", "rater_id", "preference"])  # NaN = not rated
    result = agreement_summary(judgments, scale=5, resamples=50, seed=0)
    kappa, pa, _, ac1, _ = IRRCAC["T5_25X6_UNUSED"]
    assert result["fleiss_kappa"] == pytest.approx(kappa, abs=1e-14)
    assert result["gwet_ac1"] == pytest.approx(ac1, abs=1e-14)
    assert result["percent_agreement"] == pytest.approx(pa, abs=1e-14)


def test_summary_fleiss_kappa_is_defined_when_only_single_ratings_differ():
    # Items 1-12 rated 1 by both raters; item 13 rated -1 once: alpha undefined, kappa's pe < 1 so kappa is 1.
    judgments = pd.DataFrame(
        {"item_id": list(np.repeat(np.arange(12), 2)) + [12], "rater_id": ["a", "b"] * 12 + ["a"],
         "preference": [1.0] * 24 + [-1.0]}
    )
    result = agreement_summary(judgments, scale=3, resamples=50, seed=0)
    assert result["krippendorff_alpha_ordinal"] is None and result["alpha_ci"] is None
    assert result["fleiss_kappa"] == pytest.approx(1.0) and result["gwet_ac1"] == pytest.approx(1.0)
    assert any("every rating of the items rated twice or more is 1" in w for w in result["warnings"])


def test_summary_cohen_pairs_match_statsmodels():
    judgments = judgments_frame(np.random.default_rng(2), n_items=30, n_raters=6, scale=5, missing=0.5)
    result = agreement_summary(judgments, scale=5, resamples=50, seed=0)
    wide = judgments.pivot(index="item_id", columns="rater_id", values="preference")
    expected = []
    raters = sorted(wide.columns)
    for i, r1 in enumerate(raters):
        for r2 in raters[i + 1 :]:
            both = wide[[r1, r2]].dropna()
            if len(both) >= agreement.MIN_SHARED_ITEMS:
                table = pd.crosstab(both[r1], both[r2]).reindex(index=SCALE5, columns=SCALE5, fill_value=0)
                kappa = sm_cohens_kappa(table.to_numpy(), return_results=False)
                expected.append((r1, r2, len(both), kappa))
    # The data must exercise both sides of the ten-shared-items threshold.
    assert 0 < len(expected) < len(raters) * (len(raters) - 1) // 2
    got = [(p["rater_1"], p["rater_2"], p["n"], p["kappa"]) for p in result["cohen_kappa_pairs"]]
    assert [g[:3] for g in got] == [e[:3] for e in expected]
    for g, e in zip(got, expected):
        assert g[3] == pytest.approx(e[3], abs=1e-12)


def test_summary_threshold_excludes_pairs_with_fewer_than_ten_shared_items():
    rows = [(i, r, float(i % 3 - 1)) for i in range(9) for r in ("a", "b")]
    rows += [(i, r, float(i % 3 - 1)) for i in range(10) for r in ("c", "d")]
    judgments = pd.DataFrame(rows, columns=["item_id", "rater_id", "preference"])
    pairs = agreement_summary(judgments, scale=3, resamples=20, seed=0)["cohen_kappa_pairs"]
    # Every other pair shares only items 0-8.
    assert [(p["rater_1"], p["rater_2"], p["n"]) for p in pairs] == [("c", "d", 10)]
    assert pairs[0]["kappa"] == pytest.approx(1.0)


def test_summary_integer_rater_ids_stay_plain_ints():
    rng = np.random.default_rng(6)
    judgments = judgments_frame(rng, 40, 3, 5, missing=0.0)
    judgments["rater_id"] = judgments["rater_id"].str[1:].astype("int64")
    result = agreement_summary(judgments, scale=5, resamples=20, seed=0)
    assert [(p["rater_1"], p["rater_2"]) for p in result["cohen_kappa_pairs"]] == [(0, 1), (0, 2), (1, 2)]
    assert_plain_json(result)


def test_summary_drops_skipped_judgments_first():
    judgments = judgments_frame(np.random.default_rng(8), 40, 4, 5)
    skipped = pd.DataFrame({"item_id": ["item0", "extra", "extra"], "rater_id": ["zz", "r00", "r01"]})
    skipped["preference"] = np.nan
    with_skips = pd.concat([judgments, skipped], ignore_index=True)
    assert agreement_summary(with_skips, 5, 100, 3) == agreement_summary(judgments, 5, 100, 3)


def test_summary_is_deterministic_for_a_seed():
    judgments = judgments_frame(np.random.default_rng(9), 60, 4, 3)
    first = json.dumps(agreement_summary(judgments, 3, 500, 42))
    assert json.dumps(agreement_summary(judgments.sample(frac=1.0, random_state=1), 3, 500, 42)) == first
    assert json.dumps(agreement_summary(judgments, 3, 500, 43)) != first


def test_summary_single_value_everywhere_gives_nulls_and_a_warning():
    judgments = pd.DataFrame(
        {"item_id": np.repeat(np.arange(12), 2), "rater_id": ["a", "b"] * 12, "preference": 1.0}
    )
    result = agreement_summary(judgments, scale=5, resamples=100, seed=0)
    assert result["n_units"] == 12
    for key in ("krippendorff_alpha_nominal", "krippendorff_alpha_ordinal", "krippendorff_alpha_interval"):
        assert result[key] is None
    assert result["alpha_ci"] is None and result["fleiss_kappa"] is None
    assert result["cohen_kappa_pairs"] == [{"rater_1": "a", "rater_2": "b", "n": 12, "kappa": None}]
    assert result["percent_agreement"] == 1.0 and result["gwet_ac1"] == 1.0
    assert any("every rating is 1" in w for w in result["warnings"])
    assert_plain_json(result)


@pytest.mark.parametrize(
    ("judgments", "message"),
    [
        (pd.DataFrame({"item_id": [1, 2, 3], "rater_id": ["a"] * 3, "preference": [1.0, -1.0, 0.0]}), "only one rater"),
        (pd.DataFrame({"item_id": [1, 2, 3], "rater_id": ["a", "b", "c"], "preference": [1.0, -1.0, 0.0]}), "no item"),
        (pd.DataFrame({"item_id": [1, 1], "rater_id": ["a", "b"], "preference": [np.nan, np.nan]}), "no ratings"),
        (pd.DataFrame({"item_id": [], "rater_id": [], "preference": []}), "no ratings"),
    ],
)
def test_summary_degenerate_inputs_never_crash(judgments, message):
    result = agreement_summary(judgments, scale=3, resamples=100, seed=0)
    assert list(result) == SUMMARY_KEYS
    labels = ("n_units", "alpha_ci_level", "headline_coefficient", "cohen_kappa_pairs", "warnings")
    coefficients = [k for k in SUMMARY_KEYS if k not in labels]
    assert all(result[k] is None for k in coefficients)
    assert result["cohen_kappa_pairs"] == []
    assert any(message in w for w in result["warnings"])
    assert_plain_json(result)


def test_summary_one_pairable_item_gives_null_alpha_with_warning():
    judgments = pd.DataFrame({"item_id": [1, 1, 2], "rater_id": ["a", "b", "a"], "preference": [1.0, -1.0, 0.0]})
    result = agreement_summary(judgments, scale=3, resamples=50, seed=0)
    assert result["n_units"] == 1
    assert result["krippendorff_alpha_nominal"] is None and result["alpha_ci"] is None
    assert result["percent_agreement"] == 0.0
    assert any("only one item" in w for w in result["warnings"])


def test_summary_rejects_values_off_the_scale():
    judgments = pd.DataFrame({"item_id": [1, 1], "rater_id": ["a", "b"], "preference": [2.0, 1.0]})
    with pytest.raises(ValueError, match="not on the scale"):
        agreement_summary(judgments, scale=3, resamples=10, seed=0)
    with pytest.raises(ValueError, match="scale"):
        agreement_summary(judgments, scale=4, resamples=10, seed=0)


def test_summary_rejects_missing_ids():
    judgments = pd.DataFrame({"item_id": [1, 1], "rater_id": ["a", None], "preference": [1.0, 1.0]})
    with pytest.raises(ValueError, match="must not be missing"):
        agreement_summary(judgments, scale=3, resamples=10, seed=0)


@pytest.mark.parametrize("big", [False, True])
def test_distinct_rows_match_numpy_unique(big):
    rng = np.random.default_rng(12)
    counts = random_pairable_counts(rng, 300, 5, max_raters=4)
    if big:  # a unit with 10,000 ratings: base 10,001 ** 5 columns overflows 62 bits, so the fallback runs
        counts = np.vstack([counts, [[10_000, 0, 0, 0, 0]]])
    patterns, multiplicity = agreement._distinct_rows(counts)
    expected_patterns, expected_multiplicity = np.unique(counts, axis=0, return_counts=True)
    got = sorted(zip(map(tuple, patterns.tolist()), multiplicity.tolist()))
    assert got == sorted(zip(map(tuple, expected_patterns.tolist()), expected_multiplicity.tolist()))


def test_fleiss_kappa_takes_unequal_rater_counts_and_ignores_unrated_units():
    # By hand: pa over [2, 0] and [1, 2] = (1 + 1/3) / 2 = 2/3; π over [2, 0], [1, 2], [0, 1] =
    # ((1 + 1/3 + 0) / 3, (0 + 2/3 + 1) / 3) = (4/9, 5/9); pe = 41/81; κ = (2/3 − 41/81) / (40/81) = 13/40.
    counts = np.array([[2, 0], [1, 2], [0, 1], [0, 0]])
    assert fleiss_kappa(counts) == pytest.approx(13 / 40, abs=1e-15)
    assert fleiss_kappa(counts[:3]) == fleiss_kappa(counts)


def test_coefficients_return_none_when_undefined():
    one_value = np.array([[3, 0, 0], [3, 0, 0]])
    assert fleiss_kappa(one_value) is None
    assert krippendorff_alpha(one_value, "nominal", [0, 1, 2]) is None
    assert krippendorff_alpha(np.array([[1, 1, 0]]), "nominal", [0, 1, 2]) is None  # a single pairable unit
    assert percent_agreement(np.array([[1, 0], [0, 1]])) is None
    assert gwet_ac1(np.array([[1, 0], [0, 1]])) is None
    assert cohen_kappa([1, 1, 1], [1, 1, 1]) is None
    assert cohen_kappa([], []) is None


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_summary_alphas_from_distinct_rows_equal_the_package(level):
    # The summary computes alpha from the distinct value-count rows (many units alike); the package sees
    # every unit. Three raters on a 5-point scale with ratings missing, so units have 1 to 3 ratings.
    rng = np.random.default_rng(41)
    for trial in range(10):
        n_items, n_raters = int(rng.integers(30, 400)), int(rng.integers(2, 6))
        raw = random_raw(rng, n_items, n_raters, SCALE5, missing=0.3)
        item, rater = np.nonzero(~np.isnan(raw))
        judgments = pd.DataFrame({"item_id": item, "rater_id": [f"r{r}" for r in rater], "preference": raw[item, rater]})
        summary = agreement_summary(judgments, scale=5, resamples=0, seed=trial)
        counts = value_counts_matrix(item, np.searchsorted(SCALE5, raw[item, rater]), n_items, 5)
        package = krippendorff_alpha(counts, level, SCALE5)  # the package, on every unit
        got = summary[f"krippendorff_alpha_{level}"]
        assert (got is None) == (package is None)
        if got is not None:
            assert got == pytest.approx(package, abs=1e-12)


def test_kappa_pairs_equal_a_self_join_of_the_ratings():
    rng = np.random.default_rng(43)
    for _ in range(10):
        n = int(rng.integers(50, 600))
        items = rng.integers(0, n // 3 + 1, n)
        raters = rng.integers(0, 7, n)
        keep = ~pd.DataFrame({"i": items, "r": raters}).duplicated().to_numpy()
        items, raters, values = items[keep], raters[keep], rng.integers(0, 3, keep.sum())
        names = [f"r{k}" for k in range(7)]
        ratings = pd.DataFrame({"item": items, "rater": raters, "value": values})
        joined = ratings.merge(ratings, on="item", suffixes=("_1", "_2"))
        joined = joined[joined["rater_1"] < joined["rater_2"]]
        expected = []
        for (r1, r2), group in joined.groupby(["rater_1", "rater_2"]):
            if len(group) >= agreement.MIN_SHARED_ITEMS:
                expected.append((names[r1], names[r2], len(group),
                                 cohen_kappa(group["value_1"].to_numpy(), group["value_2"].to_numpy())))
        got = [(p["rater_1"], p["rater_2"], p["n"], p["kappa"])
               for p in cohen_kappa_pairs(items, raters, values, names, 3)]
        assert [g[:3] for g in got] == [e[:3] for e in expected]
        for g, e in zip(got, expected):
            assert (g[3] is None) == (e[3] is None) and (g[3] is None or g[3] == pytest.approx(e[3], abs=1e-12))
