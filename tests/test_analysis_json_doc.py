"""docs/analysis-json.md lists every key of the analysis JSON, and only keys the engine emits.

The engine runs on studies that between them reach every section (slices, metrics, several criteria, three
systems, output lengths, gold answers, a few items, nothing but ties, a pair given both ways round); every key
path they emit must be documented, with "null" in its type when any of them emits null there, and every
documented path must be emitted by at least one of them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis_studies import all_ties_study, one_sided_study, rich_study, small_study
from evalstore.analysis import analyze

DOC = Path(__file__).resolve().parent.parent / "docs" / "analysis-json.md"
ROW = re.compile(r"^\| `([^`]+)` \| ([^|]+) \|")
#: The type words of the document for each JSON value.
WORDS = {str: "string", bool: "bool", int: "int", float: "float", list: ("list", "["), dict: "object"}


def documented() -> dict[str, str]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            assert match.group(1) not in rows, f"{match.group(1)} is documented twice"
            rows[match.group(1)] = match.group(2).strip()
    return rows


def emitted_paths(value, prefix: str, seen: dict[str, set]) -> None:
    """Every key path of a JSON value (``a.b``, ``a[].b``) with the Python types found there."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            seen.setdefault(path, set()).add(type(item))
            emitted_paths(item, path, seen)
    elif isinstance(value, list):
        for item in value:
            emitted_paths(item, prefix + "[]", seen)


@pytest.fixture(scope="module")
def emitted() -> dict[str, set]:
    seen: dict[str, set] = {}
    studies = [
        (rich_study(), {"slices": ["category"], "resamples": 200}),
        (rich_study(30, seed=4), {"tie_rule": "against_b", "resamples": 0, "overlap": 3, "exclude_raters": ["r5"]}),
        (small_study(), {}),
        (all_ties_study(), {"tie_rule": "half"}),
        (one_sided_study(), {"resamples": 100, "input_sha256": "0" * 64}),
    ]
    for frame, options in studies:
        emitted_paths(analyze(frame, **options), "", seen)
    return seen


def test_every_emitted_key_is_documented(emitted):
    missing = sorted(set(emitted) - set(documented()))
    assert not missing, f"not in {DOC.name}: {missing}"


def test_every_documented_key_is_emitted(emitted):
    unknown = sorted(set(documented()) - set(emitted))
    assert not unknown, f"documented but never emitted: {unknown}"


def test_documented_types_cover_what_is_emitted(emitted):
    rows = documented()
    wrong = []
    for path, types in emitted.items():
        described = rows.get(path, "")
        for kind in types:
            if kind is type(None):
                ok = "null" in described
            else:
                words = WORDS[kind]
                ok = any(w in described for w in (words if isinstance(words, tuple) else (words,)))
            if not ok:
                wrong.append(f"{path}: {kind.__name__} emitted, documented as {described!r}")
    assert not wrong, "\n".join(wrong)
