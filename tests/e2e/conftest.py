"""Fixtures for the browser tests: live servers on temporary databases, and Debian's chromium."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_support import CHROMIUM, CHROMIUM_ARGS, make_study, start_server  # noqa: E402

from evalstore.demo import build_demo  # noqa: E402

XSS_PAYLOAD = """Here is my answer, with tricks.

<script>window.__evalstore_xss = 'script'; alert('script')</script>

<img src=x onerror="window.__evalstore_xss = 'img'; alert('img')">

<img src="http://198.51.100.7/tag.png">

<iframe src="http://198.51.100.7/frame"></iframe>

<svg onload="window.__evalstore_xss = 'svg'"></svg>

<style>body { background: url(http://198.51.100.7/bg.png) }</style>

<link rel="stylesheet" href="http://198.51.100.7/style.css">

[click me](javascript:window.__evalstore_xss='link';alert('link'))

<a href="javascript:alert('html-link')">html link</a>

[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

![remote picture](http://198.51.100.7/x.png)

![reference picture][pic]

[pic]: http://198.51.100.7/ref.png

Made with :streamlit: and $\\href{javascript:alert('tex')}{tex link}$ and $\\includegraphics{http://198.51.100.7/k.png}$
"""

XSS_CODE_OUTPUT = """The safe way to show markup is a code block:

```html
<script>alert('in code')</script>
```

and inline: `<img src=x onerror=alert(1)>`.
"""


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
                    "the e2e tests never download a browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """The quick start's demo database behind `evalstore serve`."""
    work = tmp_path_factory.mktemp("demo-server")
    info = build_demo(work / "demo.db")
    server = start_server(info.db_path, work)
    yield server, info
    server.stop()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """One server on a database holding the studies the browser tests need."""
    work = tmp_path_factory.mktemp("lab-server")
    db_path = work / "lab.db"
    studies = {
        # blinding audit: distinctive system names that never occur in ordinary text
        "blind": make_study(db_path, work, "blindstudy", code="bl", systems=("zebramodel", "quokkamodel"),
                            raters=("auditor",), n_items=6, scale=5, criteria=["overall", "accuracy"]),
        # two raters at once; overlap 1, so their items are disjoint
        "pair": make_study(db_path, work, "pairstudy", code="pa", systems=("alphasys", "betasys"),
                           raters=("ana", "ben"), n_items=10),
        "xss": make_study(db_path, work, "xssstudy", code="xs", systems=("plainsys", "trickysys"),
                          raters=("eve",), prompts={"xs01": "Prompt with <script>window.__evalstore_xss = "
                                                    "'prompt'</script> and ![p](http://198.51.100.7/p.png)",
                                                    "xs02": "A second, ordinary prompt."},
                          outputs={("xs01", "plainsys"): XSS_CODE_OUTPUT, ("xs01", "trickysys"): XSS_PAYLOAD,
                                   ("xs02", "plainsys"): XSS_PAYLOAD, ("xs02", "trickysys"): XSS_CODE_OUTPUT}),
    }
    server = start_server(db_path, work)
    yield server, studies
    server.stop()


@pytest.fixture
def fresh_server(tmp_path):
    """A server started for this test alone, so the test's first request is the server's first."""
    db_path = tmp_path / "fresh.db"
    study = make_study(db_path, tmp_path, "freshstudy", code="fr", systems=("zebramodel", "quokkamodel"),
                       raters=("fay",), n_items=5)
    server = start_server(db_path, tmp_path)
    yield server, study
    server.stop()
