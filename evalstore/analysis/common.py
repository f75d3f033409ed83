"""Small helpers every section uses: named random streams, JSON-ready values, thresholds.

Every random draw comes from a generator seeded by ``seed`` and the name of what it is drawn for, so the same
input and seed give the same JSON byte for byte, and adding a slice does not move the intervals of the
comparisons.
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np

ALPHA = 0.05
#: Slices with fewer items show their interval but no verdict.
SMALL_SLICE_ITEMS = 20
#: Below this many items a comparison gets a warning that its intervals are wide.
FEW_ITEMS = 30
#: Fewer bootstrap resamples than this get a warning that interval ends are noisy.
FEW_RESAMPLES = 1000


def named_rng(seed: int, *key) -> np.random.Generator:
    """A generator for one named use of the seed: the same (seed, key) always draws the same numbers."""
    digest = hashlib.sha256(json.dumps(key, default=str).encode("utf-8")).digest()
    words = np.frombuffer(digest[:16], dtype="<u4").tolist()
    return np.random.default_rng(np.random.SeedSequence([seed, *words]))


def named_seed(seed: int, *key) -> int:
    digest = hashlib.sha256(json.dumps(key, default=str).encode("utf-8")).digest()
    words = np.frombuffer(digest[:16], dtype="<u4").tolist()
    state = np.random.SeedSequence([seed, *words]).generate_state(2, dtype=np.uint32)
    return int(state[0]) << 32 | int(state[1])


def count_of(n: int, one: str, many: str, every: bool = False) -> str:
    """"1 item" / "5 items" ("the one item" / "all 5 items" with ``every``)."""
    if every:
        return f"the one {one}" if n == 1 else f"all {n} {many}"
    return f"{n} {one if n == 1 else many}"


def finite(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def json_ready(value):
    """numpy scalars / arrays → Python; NaN and ±inf → None; recursively through dicts and lists."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return finite(value)
    return value


def group_rows(codes: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Row indices of each code 0..n_groups-1, each in original order (a stable counting sort)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
    return [order[bounds[g] : bounds[g + 1]] for g in range(n_groups)]


def direction(rate: float | None, ci: list | None, p_value: float | None) -> str | None:
    """"b" or "a" when the test rejects one half and the printed interval lies wholly on that side, else None.

    Both conditions, although the interval and the test are dual by construction: a verdict must never sit
    beside an interval that contains one half or lies on the losing side.
    """
    if rate is None or p_value is None or ci is None or ci[0] is None or ci[1] is None or p_value >= ALPHA:
        return None
    if rate > 0.5 and ci[0] > 0.5:
        return "b"
    if rate < 0.5 and ci[1] < 0.5:
        return "a"
    return None
