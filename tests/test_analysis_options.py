"""``AnalysisOptions``: one object for every option of ``analyze``, and the keyword arguments as a layer over it."""

from __future__ import annotations

import json

import pytest

from analysis_studies import rich_study
from evalstore.analysis import DEFAULT_RESAMPLES, AnalysisOptions, analyze
from evalstore.analysis import prepare as prepare_module
from evalstore.errors import EvalstoreError
from evalstore.judgments import load_input, validate_judgments


def test_defaults_are_the_documented_ones():
    options = AnalysisOptions()
    assert options.resamples == DEFAULT_RESAMPLES and options.seed == 0 and options.tie_rule == "drop"
    assert options.slices == () and options.exclude_raters == () and options.scale is None


def test_equal_requests_are_equal_and_hash_alike():
    one = AnalysisOptions(slices=["category", "category"], exclude_raters=["r2", "r1", "r2"])
    two = AnalysisOptions(slices=("category",), exclude_raters=("r1", "r2"))
    assert one == two and hash(one) == hash(two)
    assert {one: "cached"}[two] == "cached"
    assert AnalysisOptions(exclude_raters="r1").exclude_raters == ("r1",)  # one id, not its characters


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"tie_rule": "coin"}, "tie rule must be one of drop, half, against_b, not 'coin'"),
    ({"seed": -1}, "seed must be a whole number >= 0, not -1"),
    ({"seed": True}, "seed must be a whole number >= 0, not True"),
    ({"resamples": 1.5}, "resamples must be a whole number >= 0, not 1.5"),
    ({"scale": 4}, "scale must be 3 or 5, not 4"),
    ({"overlap": 0}, "overlap must be at least 1, not 0"),
])
def test_bad_values_are_refused_when_the_options_are_made(kwargs, message):
    with pytest.raises(EvalstoreError) as error:
        AnalysisOptions(**kwargs)
    assert str(error.value) == message
    with pytest.raises(EvalstoreError) as error:  # the same check, the same words, through analyze
        analyze(rich_study(8), **kwargs)
    assert str(error.value) == message


def test_keyword_arguments_and_the_options_object_give_the_same_result():
    frame = rich_study(24)
    by_keywords = analyze(frame, seed=3, resamples=50, tie_rule="half", slices=["category"])
    by_object = analyze(frame, AnalysisOptions(seed=3, resamples=50, tie_rule="half", slices=("category",)))
    assert json.dumps(by_keywords) == json.dumps(by_object)
    overridden = analyze(frame, AnalysisOptions(seed=9, resamples=50, tie_rule="half", slices=("category",)), seed=3)
    assert json.dumps(overridden) == json.dumps(by_object)
    assert by_object["tie_rule"] == "half" and by_object["seed"] == 3 and by_object["resamples"] == 50


def test_an_unknown_keyword_is_a_programming_error():
    with pytest.raises(TypeError, match="resample"):
        analyze(rich_study(8), resample=10)


def test_what_load_input_read_is_not_validated_again_but_a_frame_always_is(monkeypatch, tmp_path):
    raw = rich_study(12)
    path = tmp_path / "judgments.csv"
    raw.to_csv(path, index=False)
    loaded = load_input(path)  # validates once, as it reads
    calls = []

    def counting(frame, **kwargs):
        calls.append(len(frame))
        return validate_judgments(frame, **kwargs)

    monkeypatch.setattr(prepare_module, "validate_judgments", counting)
    first = analyze(loaded, resamples=20)
    assert calls == []
    # the same table as a bare frame, even one that came out of load_input, is validated
    second = analyze(loaded.frame, resamples=20, scale=loaded.scale, input_sha256=loaded.input_sha256)
    assert calls == [len(raw)]
    assert json.dumps(first) == json.dumps({**second, "warnings": [*loaded.warnings, *second["warnings"]]})
    edited = loaded.frame.copy()
    edited.loc[0, "preference"] = 7
    with pytest.raises(EvalstoreError):
        analyze(edited, resamples=0)


def test_a_raw_frame_with_a_problem_is_still_refused():
    raw = rich_study(6)
    raw.loc[0, "preference"] = 7
    with pytest.raises(EvalstoreError):
        analyze(raw, resamples=0)
