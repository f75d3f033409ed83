"""Regenerate the evalstore demo set: `outputs.csv` (wide import file) and `judgments.csv` (canonical table).

    python sample_data/generate.py            # writes next to this file, byte-identical every time

The texts are hand-written in `items.py`. This script adds what is simulated: output latencies and the
judgments of three raters of differing care (see README.md). Only the standard library is used, and every
random draw comes from `random.Random` seeded with a fixed string, so the files do not depend on the
Python hash seed, numpy or pandas versions.
"""

import csv
import importlib.util
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = "evalstore-demo-2025"

SYSTEM_A = "base"  # the baseline; preference is oriented to (system_a, system_b)
SYSTEM_B = "finetuned"
CRITERION = "overall"

# How much better the fine-tune reads, per category, on the latent scale the raters perceive.
# The fine-tune was trained on support, extraction and safety data; code explanation regressed.
CATEGORY_EFFECT = {
    "support": 1.3,
    "summarization": 0.0,
    "extraction": 1.3,
    "code_explanation": -0.4,
    "safety": 1.3,
}
ITEM_NOISE_SD = 0.35

OUTPUT_COLUMNS = [
    "item_id", "prompt", "reference", "category", "language", "difficulty",
    "output_base", "output_finetuned", "latency_ms_base", "latency_ms_finetuned",
]
JUDGMENT_COLUMNS = [
    "item_id", "rater_id", "criterion", "system_a", "system_b", "preference", "left_system", "flag",
    "rationale", "duration_s", "submitted_at", "scale", "category", "language", "difficulty",
    "metric_latency_ms_a", "metric_latency_ms_b", "metric_length_chars_a", "metric_length_chars_b",
]

# Rater k sees `base` on the left when (item index + k) is even: each rater gets base-left on half of
# the items, and the three raters of an item see it 2-1 or 1-2.
RATERS = [
    {
        "rater_id": "alice",  # careful
        "noise_sd": 0.4,
        "tie_band": 0.3,
        "left_bias": 0.0,
        "rationale_share": 0.85,
        "duration": (40, 150),
        "sessions": [("2025-02-10T09:05:00", 32), ("2025-02-11T13:40:00", 28)],
        "gap_s": (3, 12),
    },
    {
        "rater_id": "bob",  # average
        "noise_sd": 1.1,
        "tie_band": 0.7,
        "left_bias": 0.0,
        "rationale_share": 0.2,
        "duration": (20, 90),
        "sessions": [("2025-02-10T15:20:00", 20), ("2025-02-11T10:10:00", 20),
                     ("2025-02-12T08:45:00", 20)],
        "gap_s": (1, 6),
    },
    {
        "rater_id": "carol",  # careless: fast, mostly picks whatever is on the left
        "noise_sd": 1.2,
        "tie_band": 0.3,
        "left_bias": 0.8,
        "rationale_share": 0.0,
        "duration": (3, 8),
        "sessions": [("2025-02-11T21:47:00", 60)],
        "gap_s": (0.5, 2),
    },
]

# (rater_id, item_id) -> rationale of a skip; the preference stays empty.
SKIPS = {
    ("bob", "sum-03"): "Can't read German well enough to check the summary.",
    ("alice", "ext-06"): "Not sure whether Warmmiete includes the Heizkosten here, so I can't tell which total is right.",
}

# Rationale templates: {W}/{w} is the side of the preferred output, {L}/{l} the other ("Left"/"left").
# Kept general enough to be true of any item of the category in that direction.
REASONS_FINETUNED_BETTER = {
    "support": [
        "{W} follows the policy in the prompt; {l} is generic.",
        "{W} gives concrete next steps.",
        "{L} doesn't really answer what the customer asked.",
        "{W} is friendlier and actually solves the problem.",
        "{W} has the right facts and says what happens next.",
    ],
    "summarization": [
        "{W} keeps the key facts.",
        "{L} leaves out an important point.",
        "{W} is more faithful to the source.",
        "{W} is complete and easier to read.",
    ],
    "extraction": [
        "{W} is clean JSON with the requested keys and formats.",
        "{L} gets at least one field wrong.",
        "{W} matches the requested schema; {l} doesn't quite.",
        "{W} is more accurate.",
    ],
    "code_explanation": [
        "{W} explains it correctly; {l} gets a detail wrong.",
        "{W} is clearer.",
        "{W} is better structured.",
    ],
    "safety": [
        "{W} is helpful where it can be and firm where it must be.",
        "{W} handles this better.",
        "{L} is unhelpful.",
        "{W} is safe and still useful.",
    ],
}
REASONS_BASE_BETTER = {
    "support": [
        "{W} answers the actual question.",
        "{L} misses what the customer asked.",
        "{W} gets the facts right.",
    ],
    "summarization": REASONS_FINETUNED_BETTER["summarization"] + [
        "{L} overstates what the text says.",
    ],
    "extraction": [
        "{W} keeps the values exactly as written.",
        "{L} changes a value that should be copied verbatim.",
        "Both valid; {w} is slightly more faithful.",
    ],
    "code_explanation": [
        "{W} is accurate and concise; {l} is padded.",
        "{W} is more precise.",
        "{L} gets a detail wrong.",
        "{W} is to the point.",
    ],
    "safety": [
        "{W} handles this better.",
        "{W} is more appropriate here.",
        "{L} misjudges the request.",
    ],
}
REASONS_TIE = ["Both fine.", "Hard to separate.", "Both acceptable, different style."]
REASONS_SHORT = ["{W} more complete", "{w} is better", "{L} has mistakes", "prefer {w}", "{W} clearer"]
REASON_BOTH_BAD = "Both miss key points of the text."


def load_items() -> list[dict]:
    """The hand-written items, loaded from items.py beside this file (it is not a package)."""
    path = Path(__file__).with_name("items.py")
    spec = importlib.util.spec_from_file_location("evalstore_sample_items", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ITEMS


def _rng(*parts: object) -> random.Random:
    # A str seed is hashed with SHA-512 by random.seed (version 2): stable across runs and platforms.
    return random.Random("/".join([SEED, *map(str, parts)]))


def latency_ms(text: str, system: str, rng: random.Random) -> int:
    """Time to first token plus per-token decode time; the fine-tune's adapter decodes a little slower."""
    tokens = len(text) / 3.8
    first_token, per_token = (220, 17.0) if system == SYSTEM_A else (245, 18.5)
    return round(first_token + tokens * per_token * rng.lognormvariate(0, 0.12))


def latent_differences(items: list[dict]) -> dict[str, float]:
    """Per item: how much better the fine-tune's output is (> 0) or worse (< 0) on the perceived scale."""
    rng = _rng("latent")
    return {
        it["item_id"]: CATEGORY_EFFECT[it["category"]] + it["adjust"] + rng.gauss(0, ITEM_NOISE_SD)
        for it in items
    }


def judge(rater: dict, latent: float, left_system: str, rng: random.Random) -> int:
    """One 3-point preference oriented to (base, finetuned)."""
    if rng.random() < rater["left_bias"]:
        return -1 if left_system == SYSTEM_A else 1
    perceived = latent + rng.gauss(0, rater["noise_sd"])
    if abs(perceived) <= rater["tie_band"]:
        return 0
    return 1 if perceived > 0 else -1


def rationale(rater: dict, it: dict, preference: int, left_system: str, rng: random.Random) -> str:
    if rng.random() >= rater["rationale_share"]:
        return ""
    if preference == 0:
        return rng.choice(REASONS_TIE)
    winner = SYSTEM_B if preference > 0 else SYSTEM_A
    w, l = ("Left", "Right") if winner == left_system else ("Right", "Left")
    if rater["rationale_share"] < 0.5:
        pool = REASONS_SHORT
    elif preference > 0:
        pool = REASONS_FINETUNED_BETTER[it["category"]]
    else:
        pool = REASONS_BASE_BETTER[it["category"]]
    return rng.choice(pool).format(W=w, w=w.lower(), L=l, l=l.lower())


def simulate_rater(k: int, rater: dict, items: list[dict], latent: dict[str, float]) -> dict[str, dict]:
    """All judgments of one rater, keyed by item_id, with times along the rater's own queue order."""
    rng = _rng("rater", rater["rater_id"])
    index = {it["item_id"]: i for i, it in enumerate(items)}
    queue = [it["item_id"] for it in items]
    rng.shuffle(queue)
    by_id = {it["item_id"]: it for it in items}
    rows = {}
    position = 0
    for start, count in rater["sessions"]:
        clock = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
        for item_id in queue[position:position + count]:
            it = by_id[item_id]
            left_system = SYSTEM_A if (index[item_id] + k) % 2 == 0 else SYSTEM_B
            lo, hi = rater["duration"]
            # Careful raters take longer on longer outputs.
            reading = (len(it["output_base"]) + len(it["output_finetuned"])) / 1500
            duration = min(hi, max(lo, lo + (hi - lo) * reading * rng.uniform(0.6, 1.3)))
            if rater["rater_id"] == "carol":
                duration = rng.uniform(lo, hi)
            skip = SKIPS.get((rater["rater_id"], item_id))
            if skip is not None:
                preference, flag, text = None, "skip:cant_judge", skip
            else:
                preference = judge(rater, latent[item_id], left_system, rng)
                text = rationale(rater, it, preference, left_system, rng)
                flag = ""
                if it["both_bad"] and rater["rater_id"] != "carol" and rng.random() < 0.8:
                    flag, text = "both_bad", REASON_BOTH_BAD
            clock += timedelta(seconds=duration)
            rows[item_id] = {
                "preference": "" if preference is None else str(preference),
                "left_system": left_system,
                "flag": flag,
                "rationale": text,
                "duration_s": f"{duration:.1f}",
                "submitted_at": clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            clock += timedelta(seconds=rng.uniform(*rater["gap_s"]))
        position += count
    assert position == len(items), "sessions must cover every item"
    return rows


def build(items: list[dict]) -> tuple[list[list], list[list]]:
    """The rows of outputs.csv and judgments.csv (without headers)."""
    rng = _rng("latency")
    outputs = []
    for it in items:
        it["latency_ms_base"] = latency_ms(it["output_base"], SYSTEM_A, rng)
        it["latency_ms_finetuned"] = latency_ms(it["output_finetuned"], SYSTEM_B, rng)
        outputs.append([it[c] for c in OUTPUT_COLUMNS])

    latent = latent_differences(items)
    by_rater = [simulate_rater(k, r, items, latent) for k, r in enumerate(RATERS)]
    judgments = []
    for it in items:
        for rater, rows in zip(RATERS, by_rater):
            row = rows[it["item_id"]]
            judgments.append([
                it["item_id"], rater["rater_id"], CRITERION, SYSTEM_A, SYSTEM_B, row["preference"],
                row["left_system"], row["flag"], row["rationale"], row["duration_s"], row["submitted_at"], 3,
                it["category"], it["language"], it["difficulty"],
                it["latency_ms_base"], it["latency_ms_finetuned"],
                len(it["output_base"]), len(it["output_finetuned"]),
            ])
    return outputs, judgments


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    # UTF-8 without BOM, RFC 4180 quoting; "\n" line ends so the files diff cleanly in git.
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(out_dir: Path) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs, judgments = build(load_items())
    write_csv(out_dir / "outputs.csv", OUTPUT_COLUMNS, outputs)
    write_csv(out_dir / "judgments.csv", JUDGMENT_COLUMNS, judgments)


if __name__ == "__main__":
    main(Path(__file__).parent)
