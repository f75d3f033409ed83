"""Every statistics module documents itself with a worked example (pytest runs them: ``--doctest-modules``)."""

import doctest
import importlib
import pkgutil

import pytest

import evalstore.stats

STATS_MODULES = sorted(m.name for m in pkgutil.iter_modules(evalstore.stats.__path__, "evalstore.stats."))


@pytest.mark.parametrize("name", STATS_MODULES)
def test_every_statistics_module_has_examples(name):
    examples = doctest.DocTestFinder().find(importlib.import_module(name))
    assert sum(len(test.examples) for test in examples) > 0, f"{name} has no docstring example"
