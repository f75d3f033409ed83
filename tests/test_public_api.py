"""The public API named in ``evalstore.__all__``, and a start-up that loads nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys

import evalstore


def test_all_names_the_public_api_at_its_documented_homes():
    from evalstore.analysis import analyze
    from evalstore.db import open_db
    from evalstore.rating import next_assignment, record_judgment

    assert set(evalstore.__all__) == {"__version__", "analyze", "next_assignment", "open_db", "record_judgment"}
    assert (evalstore.open_db, evalstore.analyze, evalstore.next_assignment, evalstore.record_judgment) == (
        open_db, analyze, next_assignment, record_judgment)
    assert set(evalstore.__all__) <= set(dir(evalstore))


def test_star_import_gives_every_name():
    namespace: dict = {}
    exec("from evalstore import *", namespace)
    assert {"open_db", "analyze", "next_assignment", "record_judgment", "__version__"} <= set(namespace)


def test_unknown_attribute_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no_such_thing"):
        evalstore.no_such_thing  # noqa: B018


def _modules_after(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code + "\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
                          capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_evalstore_and_the_command_loads_no_data_stack():
    """`evalstore --help` and the database commands should not wait for numpy, pandas or scipy."""
    heavy = {"numpy", "pandas", "scipy", "streamlit", "sqlite_utils"}
    assert not heavy & _modules_after("import evalstore")
    assert not heavy & _modules_after(
        "import sys; sys.argv = ['evalstore', '--help']\n"
        "from evalstore.cli import cli\n"
        "try:\n    cli(prog_name='evalstore')\nexcept SystemExit:\n    pass")
