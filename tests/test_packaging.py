"""A non-editable install (a wheel) runs `evalstore demo` and `evalstore serve` from any folder.

The wheel is built from a copy of the repository and installed into a fresh virtual environment where
evalstore comes only from the wheel (packaging_support).
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest
from packaging_support import REPO, build_wheel, clean_env, free_port, install_wheel, stop_group, wait_healthy


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    built, output = build_wheel(tmp_path_factory.mktemp("build"))
    # the build backend has nothing to warn about (a deprecated license table printed three warnings)
    assert "deprecat" not in output.lower(), output
    return built


def test_pyproject_lists_every_package_of_the_library():
    """packages is a list (the app folders are mapped into evalstore_app): a new subpackage must be added."""
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "evalstore").rglob("*.py")
             if "__pycache__" not in p.parts}
    assert found <= listed, sorted(found - listed)


def test_the_wheel_carries_the_app_and_the_sample_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"evalstore_app/app.py"}
    expected |= {f"evalstore_app/pages/{p.name}" for p in (REPO / "pages").glob("*.py")}
    expected |= {f"evalstore_app/ui/{p.name}" for p in (REPO / "ui").glob("*.py")}
    expected |= {f"evalstore_app/sample_data/{name}" for name in ("outputs.csv", "judgments.csv")}
    expected |= {f"evalstore/{p.relative_to(REPO / 'evalstore').as_posix()}" for p in (REPO / "evalstore").rglob("*.py")
                 if "__pycache__" not in p.parts}
    assert len(expected) > 20
    assert expected <= names, sorted(expected - names)
    # the bytes of the sample data are those of the checkout (the demo is compared against them)
    with zipfile.ZipFile(wheel) as z:
        shipped = z.read("evalstore_app/sample_data/judgments.csv")
    assert shipped == (REPO / "sample_data" / "judgments.csv").read_bytes()
    assert not any(n.startswith(("tests/", "benchmarks/", "pages/", "ui/", "sample_data/")) for n in names)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    return install_wheel(wheel, tmp_path_factory.mktemp("venv") / "v")


def test_installed_demo_and_serve_work_from_another_folder(installed, tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = clean_env()
    python, evalstore = installed / "bin" / "python", installed / "bin" / "evalstore"

    where = json.loads(subprocess.run(
        [str(python), "-c", "import json, evalstore, evalstore.bundle as b; "
                            "print(json.dumps([evalstore.__file__, str(b.app_path()), str(b.sample_dir())]))"],
        cwd=work, env=env, capture_output=True, text=True, check=True).stdout)
    for path in where:
        assert Path(path).resolve().is_relative_to(installed.resolve()), where
        assert not Path(path).resolve().is_relative_to(REPO.resolve()), where

    done = subprocess.run([str(evalstore), "demo", "demo.db"], cwd=work, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    link = re.search(r"^rater link: http://localhost:8501/(\?token=[\w-]+)$", done.stdout, re.M)
    assert link and "admin password: " in done.stdout, done.stdout
    assert (work / "demo.db").is_file()

    # the installed app itself runs a rater's link: the rating page's first screen, no exception
    check = subprocess.run([str(python), "-c", f"""
import sys
from evalstore.bundle import app_path
sys.path.insert(0, str(app_path().parent))  # as `streamlit run` puts the script's folder first
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(str(app_path()), default_timeout=60)
at.query_params["token"] = {link.group(1).split('=', 1)[1]!r}
at.run()
assert not at.exception, [e.value for e in at.exception]
print([b.label for b in at.button])
"""], cwd=work, env={**env, "EVALSTORE_DB": str(work / "demo.db")}, capture_output=True, text=True, timeout=180)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Start" in check.stdout, check.stdout

    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([str(evalstore), "serve", "demo.db", "--port", str(port)], cwd=work, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert wait_healthy(port, proc), (tmp_path / "serve.log").read_text()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{link.group(1)}", timeout=10) as r:
            assert r.status == 200
            assert b"<html" in r.read(4096).lower()
    finally:
        stop_group(proc)
        log.close()
