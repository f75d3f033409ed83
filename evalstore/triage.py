"""Regression triage: the items where the baseline beats the fine-tune by consensus, unblinded.

The list an engineer fixes the next fine-tune from: for each such item, the prompt, both outputs labelled by
system, and what every rater said. It names systems, so it is for the admin pages and reports only — never
for raters.

*By consensus* means: strictly more than half of the item's answered judgments (for that criterion and
pair) prefer the baseline, and the item's mean preference leans to the baseline. A single judgment is not a
consensus, so by default an item needs two answered judgments (``min_judgments``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pandas as pd
import sqlite_utils

from .errors import EvalstoreError
from .studies import Study, get_study


@dataclass
class RaterVerdict:
    rater_id: str
    preference: int | None  # oriented as in the table: negative = the baseline better
    rationale: str
    flag: str
    left_system: str | None


@dataclass
class Regression:
    item_id: str
    criterion: str
    baseline: str
    system: str
    n_judgments: int  # answered (not skipped) judgments of this item, criterion and pair
    prefer_baseline: int
    ties: int
    prefer_system: int
    mean_preference: float  # towards ``system``: negative = the baseline better
    prompt: str = ""
    reference: str = ""
    output_baseline: str = ""
    output_system: str = ""
    metadata: dict = field(default_factory=dict)
    verdicts: list[RaterVerdict] = field(default_factory=list)

    @property
    def baseline_share(self) -> float:
        return self.prefer_baseline / self.n_judgments if self.n_judgments else 0.0

    def to_dict(self) -> dict:
        out = asdict(self)
        out["baseline_share"] = self.baseline_share
        return out


def find_regressions(
    judgments: pd.DataFrame,
    baseline: str,
    *,
    criterion: str | None = None,
    exclude_raters=(),
    min_judgments: int = 2,
) -> list[Regression]:
    """Items where ``baseline`` beats the other system of the pair by consensus, worst first.

    Parameters
    ----------
    judgments : DataFrame
        The canonical judgments table (``item_id, rater_id, system_a, system_b, preference`` and optionally
        ``criterion, rationale, flag, left_system``). Pairs that do not contain ``baseline`` are ignored;
        a pair with the baseline as ``system_b`` is read the other way round.
    baseline : str
        The baseline system's name.
    criterion : str, optional
        Only this criterion (default: every criterion).
    exclude_raters : iterable of str
        Raters left out, as in ``analyze``.
    min_judgments : int
        Answered judgments an item needs to count.

    Returns
    -------
    list of Regression
        Sorted by mean preference (strongest regression first), then by item_id; prompts and outputs empty
        (``regression_triage`` fills them from the study database).
    """
    # only the columns used here are copied (a study's table carries metadata and metrics too)
    frame = judgments[[c for c in judgments.columns if c in _USED]].copy()
    if "criterion" not in frame.columns:
        frame["criterion"] = "overall"
    frame["criterion"] = frame["criterion"].fillna("overall").astype(str)
    for column in ("rationale", "flag", "left_system"):
        if column not in frame.columns:
            frame[column] = None
    frame["item_id"] = frame["item_id"].astype(str)
    frame["rater_id"] = frame["rater_id"].astype(str)
    excluded = {str(r) for r in exclude_raters}
    if excluded:
        frame = frame[~frame["rater_id"].isin(excluded)]
    if criterion is not None:
        frame = frame[frame["criterion"] == criterion]
    frame = frame[(frame["system_a"] == baseline) | (frame["system_b"] == baseline)]
    if frame.empty:
        return []
    preference = pd.to_numeric(frame["preference"], errors="coerce").astype("float64")
    # orient every judgment to (baseline, other): negative = the baseline better
    flipped = (frame["system_b"] == baseline).to_numpy()
    preference = preference.where(~flipped, -preference)
    frame = frame.assign(
        _pref=preference,
        _system=frame["system_b"].where(~flipped, frame["system_a"]),
    )
    answered = frame[frame["_pref"].notna()]
    keys = ["criterion", "_system", "item_id"]
    stats = answered.assign(
        _a=(answered["_pref"] < 0).astype("int64"), _t=(answered["_pref"] == 0).astype("int64"),
        _b=(answered["_pref"] > 0).astype("int64"),
    ).groupby(keys, sort=False).agg(
        n=("_pref", "size"), prefer_baseline=("_a", "sum"), ties=("_t", "sum"), prefer_system=("_b", "sum"),
        mean=("_pref", "mean"))
    consensus = stats[(stats["n"] >= min_judgments) & (2 * stats["prefer_baseline"] > stats["n"])
                      & (stats["mean"] < 0)]
    if consensus.empty:
        return []
    # one pass over the chosen judgments, sorted by item then rater (no per-group pandas calls: thousands of
    # regressions on a large study must stay fast)
    chosen = frame.merge(consensus.reset_index()[keys], on=keys, how="inner").sort_values(
        keys + ["rater_id"], kind="stable")
    verdicts: dict[tuple, list[RaterVerdict]] = {}
    columns = [chosen[c].tolist() for c in (*keys, "rater_id")]
    columns.append([None if p != p else int(p) for p in chosen["_pref"].tolist()])  # p != p: NaN, skipped
    columns += [_texts(chosen[c]) for c in ("rationale", "flag", "left_system")]
    for crit, system, item_id, rater, pref, rationale, flag, left in zip(*columns):
        verdicts.setdefault((crit, system, item_id), []).append(RaterVerdict(
            rater_id=rater, preference=pref, rationale=rationale, flag=flag, left_system=left or None))
    out = []
    stats = consensus.reset_index()
    for crit, system, item_id, n, prefer_baseline, ties, prefer_system, mean in zip(
            *(stats[c].tolist() for c in (*keys, "n", "prefer_baseline", "ties", "prefer_system", "mean"))):
        out.append(Regression(
            item_id=item_id, criterion=crit, baseline=baseline, system=system, n_judgments=int(n),
            prefer_baseline=int(prefer_baseline), ties=int(ties), prefer_system=int(prefer_system),
            mean_preference=float(mean), verdicts=verdicts[(crit, system, item_id)]))
    out.sort(key=lambda r: (r.mean_preference, -r.baseline_share, r.criterion, r.system, r.item_id))
    return out


_USED = ("item_id", "rater_id", "criterion", "system_a", "system_b", "preference", "rationale", "flag",
         "left_system")


def _texts(column: pd.Series) -> list[str]:
    """``_text`` of every value (a text column, as a validated table has, without a call per value)."""
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return column.fillna("").tolist()
    return [_text(v) for v in column.tolist()]


def _text(value) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def regression_triage(
    db: sqlite_utils.Database,
    study: Study | str | None = None,
    *,
    judgments: pd.DataFrame | None = None,
    criterion: str | None = None,
    exclude_raters=(),
    min_judgments: int | None = None,
) -> list[Regression]:
    """``find_regressions`` on a study, with the prompts, references, metadata and both outputs filled in.

    ``judgments`` may pass the study's canonical table when the caller already has it (the page caches it);
    otherwise it is read with ``judgments.judgments_frame``. ``min_judgments`` defaults to 2, or 1 for a study
    whose overlap is 1.
    """
    if not isinstance(study, Study):
        study = get_study(db, study)
    baseline = study.baseline
    if baseline is None:
        raise EvalstoreError(f"study '{study.name}' has no baseline system")
    if judgments is None:
        from .judgments import judgments_frame

        judgments = judgments_frame(db, study)
    if min_judgments is None:
        min_judgments = min(2, study.overlap)
    found = find_regressions(judgments, baseline, criterion=criterion, exclude_raters=exclude_raters,
                             min_judgments=min_judgments)
    if not found:
        return found
    item_ids = sorted({r.item_id for r in found})
    items: dict[str, tuple] = {}
    outputs: dict[tuple[str, str], str] = {}
    conn = db.conn
    for start in range(0, len(item_ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = item_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for item_id, prompt, reference, metadata in conn.execute(
                f"SELECT item_id, prompt, reference, metadata FROM item WHERE study_id = ? AND item_id IN ({marks})",
                [study.id, *chunk]):
            items[item_id] = (prompt, reference or "", json.loads(metadata or "{}"))
        for item_id, system, text in conn.execute(
                f"""SELECT i.item_id, s.name, o.text FROM output o
                    JOIN item i ON i.id = o.item_id JOIN system s ON s.id = o.system_id
                    WHERE i.study_id = ? AND i.item_id IN ({marks})""", [study.id, *chunk]):
            outputs[(item_id, system)] = text
    for r in found:
        prompt, reference, metadata = items.get(r.item_id, ("", "", {}))
        r.prompt, r.reference, r.metadata = prompt, reference, metadata
        r.output_baseline = outputs.get((r.item_id, r.baseline), "")
        r.output_system = outputs.get((r.item_id, r.system), "")
    return found


def triage_frame(regressions: list[Regression]) -> pd.DataFrame:
    """One row per regression for a table or a CSV: counts, mean preference and the raters' rationales joined."""
    rows = []
    for r in regressions:
        rows.append({
            "item_id": r.item_id, "criterion": r.criterion, "baseline": r.baseline, "system": r.system,
            "prefer_baseline": r.prefer_baseline, "ties": r.ties, "prefer_system": r.prefer_system,
            "mean_preference": r.mean_preference,
            **{f"meta_{k}": v for k, v in r.metadata.items()},
            "rationales": " | ".join(f"{v.rater_id}: {v.rationale}" for v in r.verdicts if v.rationale),
        })
    return pd.DataFrame.from_records(rows)
