"""The docstring examples of the analysis modules are tests too (pytest collects only tests/ by default)."""

import doctest
import importlib

import pytest

MODULES = [
    "evalstore.analysis.options",
    "evalstore.stats.agreement",
    "evalstore.stats.bootstrap",
    "evalstore.stats.codes",
    "evalstore.stats.inference",
    "evalstore.stats.intervals",
    "evalstore.stats.length",
    "evalstore.stats.position",
    "evalstore.stats.power",
    "evalstore.stats.raters",
    "evalstore.stats.ratings",
    "evalstore.stats.significance",
    "evalstore.stats.two_way",
    "evalstore.stats.winrates",
    "evalstore.judgments",
    "evalstore.reports.markdown",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
