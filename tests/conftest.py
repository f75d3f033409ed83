"""Shared fixtures: each test builds the tiny study it needs in its own temporary directory.

Fixtures (all function-scoped, all in ``tmp_path``):

``db_path``            path of a not-yet-created database file (``tmp_path / "study.db"``)
``fresh_db``           an opened, migrated, empty study database at ``db_path``
``write_study_file``   ``write_study_file(name, n_items=4, systems=("base", "finetuned"), layout="wide", ...)``
                       writes a small input file (format from the extension: .csv/.jsonl/.parquet) and
                       returns its path; see :func:`study_rows` for the columns
``make_study``         ``make_study(name="study", systems=..., n_items=4, raters=3, assign=True, ...)``
                       imports a file, adds raters, optionally assigns, and returns a :class:`StudyHandle`
``cli_runner``         ``click.testing.CliRunner()`` (stdout and stderr kept apart)
``run_cli``            ``run_cli(*args, expect=0, env=None)`` invokes ``evalstore`` in-process and checks the
                       exit code; never lets a traceback pass silently
``demo_study``         the demo database built from ``sample_data/`` (a :class:`evalstore.demo.DemoInfo`
                       with an extra ``db`` attribute)

Plain helpers, usable inside hypothesis tests where function-scoped fixtures are not allowed, live in
``tests/study_builders.py`` (``from study_builders import study_rows, wide_to_long, write_rows,
build_study``); never ``from conftest import``: tests/e2e has a conftest.py of its own.

``--run-slow`` runs tests marked ``slow`` (skipped otherwise, as pyproject.toml promises).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from study_builders import (  # noqa: E402,F401  (re-exported for fixtures and tests)
    DEFAULT_SYSTEMS,
    StudyHandle,
    build_study,
    study_rows,
    wide_to_long,
    write_rows,
)

from evalstore.db import open_db  # noqa: E402


# ---------------------------------------------------------------- pytest options


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False, help="also run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "study.db"


@pytest.fixture
def fresh_db(db_path) -> sqlite_utils.Database:
    db = open_db(db_path)
    yield db
    db.conn.close()


@pytest.fixture
def write_study_file(tmp_path):
    """``write_study_file(name, n_items=4, systems=..., layout="wide"|"long", rows=None, columns=None, **study_rows)``.

    Writes ``tmp_path / name`` (format from the extension) and returns the path. Pass ``rows`` to
    write exactly those rows; otherwise ``study_rows(n_items, systems, **kw)`` (made long when asked).
    """

    def write(name: str, n_items: int = 4, systems=DEFAULT_SYSTEMS, layout: str = "wide", rows=None,
              columns=None, **kw) -> Path:
        if rows is None:
            rows = study_rows(n_items, systems, **kw)
            if layout == "long":
                rows = wide_to_long(rows, systems)
        return write_rows(tmp_path / name, rows, columns)

    return write


@pytest.fixture
def make_study(fresh_db, tmp_path):
    """``make_study(**options)`` → :class:`StudyHandle` on ``fresh_db`` (options as :func:`build_study`)."""

    def make(**options) -> StudyHandle:
        db = options.pop("db", fresh_db)
        return build_study(db, tmp_path, **options)

    return make


@pytest.fixture
def cli_runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def run_cli(cli_runner):
    """``run_cli(*args, expect=0, env=None, input=None)`` → click ``Result``.

    Fails the test when the exit code differs from ``expect`` (showing stdout and stderr), and
    whenever the command raised anything but ``SystemExit`` — a traceback is never a valid answer.
    """
    from evalstore.cli import cli

    def run(*args, expect: int | None = 0, env: dict | None = None, input=None):
        result = cli_runner.invoke(cli, [str(a) for a in args], env=env, input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            import traceback

            tb = "".join(traceback.format_exception(*result.exc_info))
            pytest.fail(f"evalstore {' '.join(map(str, args))} raised:\n{tb}")
        if expect is not None and result.exit_code != expect:
            pytest.fail(f"evalstore {' '.join(map(str, args))} exited {result.exit_code}, expected {expect}\n"
                        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result

    return run


@pytest.fixture
def demo_study(tmp_path):
    """The demo database from ``sample_data/`` (DemoInfo plus ``.db``, an open connection)."""
    from evalstore.demo import build_demo

    info = build_demo(tmp_path / "demo.db")
    info.db = open_db(info.db_path, create=False)
    yield info
    info.db.conn.close()
