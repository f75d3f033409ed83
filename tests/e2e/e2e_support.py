"""Helpers for the end-to-end tests: a live `evalstore serve`, Debian's chromium, a rater's tab.

No browser is ever downloaded: Playwright drives /usr/bin/chromium (installed with apt-get).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from evalstore.db import open_db
from packaging_support import free_port, wait_healthy
from study_builders import build_study

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT_S = 60
STEP_TIMEOUT_MS = 20_000

# the app has finished a (full or fragment) run and nothing on screen is stale
SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === 'notRunning'
      && document.querySelectorAll('[data-stale="true"]').length === 0;
}"""
# ... and every element of the rating page has drawn: Streamlit loads an element's code on first use,
# so a container can stay empty for a moment after the run has finished
DRAWN_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]')]
      .every(e => e.childElementCount > 0)
  && (!document.querySelector('.st-key-prompt') || !!document.querySelector('[data-testid="stProgress"]'))"""
# a whole screen is up: a rating item, the instructions, the done screen, a message, or the password form
SCREEN_JS = """() => !!(document.querySelector('.st-key-response-b') || document.querySelector('.st-key-start')
  || document.querySelector('[data-testid="stAlert"]') || document.querySelector('input[type="password"]'))"""
AFTER_EFFECTS_JS = """() => new Promise(done =>
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0))))"""
STABLE_MS = 300
MAIN_TEXT_JS = "() => document.querySelector('[data-testid=\"stMain\"]')?.innerText ?? ''"


def evalstore_command() -> list[str]:
    script = Path(sys.executable).with_name("evalstore")
    if script.exists():
        return [str(script)]
    found = shutil.which("evalstore")
    return [found] if found else [sys.executable, "-m", "evalstore.cli"]


@dataclass
class Server:
    base_url: str
    db_path: Path
    proc: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


def start_server(db_path: Path, workdir: Path) -> Server:
    """`evalstore serve DB --port N` as a subprocess; returns once /_stcore/health answers."""
    port = free_port()
    log_path = workdir / f"serve-{port}.log"
    env = {k: v for k, v in os.environ.items() if k not in ("EVALSTORE_ADMIN_PASSWORD", "EVALSTORE_DB")}
    with log_path.open("wb") as log:
        # run from a directory without .streamlit/: the serve command's own flags must suffice
        proc = subprocess.Popen([*evalstore_command(), "serve", str(db_path), "--port", str(port)],
                                cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://localhost:{port}", db_path, proc, log_path)
    if wait_healthy(port, proc, START_TIMEOUT_S):
        return server
    if proc.poll() is not None:
        raise RuntimeError(f"evalstore serve exited with {proc.returncode}:\n{server.log()}")
    server.stop()
    raise RuntimeError(f"evalstore serve did not answer on /_stcore/health within {START_TIMEOUT_S} s:\n"
                       f"{server.log()}")


# --- studies built for the browser tests ------------------------------------------------------

@dataclass
class BuiltStudy:
    name: str
    systems: tuple[str, ...]
    tokens: dict[str, str]
    prompts: dict[str, str]  # item_id -> prompt
    outputs: dict[tuple[str, str], str] = field(default_factory=dict)  # (item_id, system) -> text


def make_study(db_path: Path, workdir: Path, name: str, *, code: str, systems: tuple[str, str],
               raters: tuple[str, ...], n_items: int = 0, scale: int = 3, criteria: list[str] | None = None,
               outputs=None, prompts=None) -> BuiltStudy:
    """Import a wide CSV study, add raters, assign with overlap 1 (raters' items are disjoint).

    Item ids and prompts use ``code``, never the study name, so a test can also look for the study
    name in what the browser received.
    """
    prompts = prompts or {f"{code}{i:02d}": f"Question {code}{i:02d}: explain idea number {i}."
                          for i in range(1, n_items + 1)}
    if outputs is None:
        outputs = {}
        for n, item in enumerate(prompts, start=1):
            for k, system in enumerate(systems):
                # a marker per (item, side in the file), free of any system name
                outputs[(item, system)] = (f"Reply mk-{item}-{'pq'[k]}{n}.\n\n- first point\n- second point\n\n"
                                           f"```python\nprint({n} + {k})\n```")
    rows = [{"item_id": item, "prompt": prompt, **{f"output_{s}": outputs[(item, s)] for s in systems}}
            for item, prompt in prompts.items()]
    db = open_db(db_path)
    tokens = build_study(db, workdir, name=name, systems=systems, rows=rows, raters=list(raters), overlap=1,
                         scale=scale, criteria=criteria,
                         instructions="Compare the two responses to each question.\n\nTake your time.").tokens
    db.conn.close()
    return BuiltStudy(name, systems, tokens, dict(prompts), dict(outputs))


def rater_queue(db_path: Path, study: str, rater: str) -> list[dict]:
    """The rater's assignments in queue order, with item and system names (test side only)."""
    db = open_db(db_path)
    rows = db.conn.execute(
        """SELECT a.id, i.item_id, i.prompt, sa.name, sb.name, sl.name FROM assignment a
           JOIN rater r ON r.id = a.rater_id JOIN study s ON s.id = r.study_id JOIN item i ON i.id = a.item_id
           JOIN system sa ON sa.id = a.system_a_id JOIN system sb ON sb.id = a.system_b_id
           JOIN system sl ON sl.id = a.left_system_id
           WHERE s.name = ? AND r.name = ? ORDER BY a.position""", [study, rater]).fetchall()
    db.conn.close()
    return [dict(zip(["assignment_id", "item_id", "prompt", "system_a", "system_b", "left_system"], r))
            for r in rows]


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]{3,}", text.lower()))


def closest(shown_text: str, candidates: dict[str, str]) -> str:
    """Which candidate text the rendered text comes from (by shared words)."""
    shown = words(shown_text)

    def score(name):
        cand = words(candidates[name])
        return len(shown & cand) / max(1, len(shown | cand))

    return max(candidates, key=score)


# --- a rater's browser tab --------------------------------------------------------------------

class RaterTab:
    """One rater in one browser page; every action waits until the app has settled."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        page.set_default_timeout(STEP_TIMEOUT_MS)

    def open(self, token: str | None, path: str = "/") -> "RaterTab":
        url = f"{self.base_url}{path}" + (f"?token={token}" if token is not None else "")
        self.page.goto(url)
        self.wait_screen()
        return self

    def reload(self) -> None:
        self.page.reload()
        self.wait_screen()

    def wait_screen(self) -> None:
        """Wait for a whole screen; the first run after a page load may be the router's, which draws nothing."""
        self.page.wait_for_function(f"() => ({SCREEN_JS})() && ({SETTLED_JS})()")
        self.settle()

    def settle(self) -> None:
        # A fragment rerun arrives as several deltas; on a loaded machine the run state can read
        # "notRunning" between them (seen in CI: the progress bar had changed, the item had not,
        # and the next key went to the previous screen's button, which the page rightly ignored).
        # So wait until the screen is settled, drawn, and unchanged for STABLE_MS.
        previous = None
        for _ in range(100):
            self.page.wait_for_function(f"() => ({SETTLED_JS})() && ({DRAWN_JS})()")
            # React binds a new button's keyboard shortcut in an effect that runs after the paint;
            # a key pressed before that reaches the previous screen's button (which the page then
            # ignores, see ui/rating.py). Let two frames and a task pass, like a person would.
            self.page.evaluate(AFTER_EFFECTS_JS)
            text = self.main_text()
            if text == previous:
                return
            previous = text
            self.page.wait_for_timeout(STABLE_MS)
        raise AssertionError("the screen kept changing")

    def main_text(self) -> str:
        return self.page.evaluate(MAIN_TEXT_JS)

    def press(self, key: str) -> None:
        """Press ``key`` and wait until the screen has changed and the app has settled."""
        self.wait_changed(self.press_nowait(key))

    def press_nowait(self, key: str) -> str:
        """Press ``key``; return the screen text from before, for ``wait_changed``."""
        before = self.main_text()
        self.page.keyboard.press(key)
        return before

    def wait_changed(self, before: str) -> None:
        self.page.wait_for_function(
            "(before) => (document.querySelector('[data-testid=\"stMain\"]')?.innerText ?? '') !== before",
            arg=before)
        self.settle()

    def url(self) -> str:
        return self.page.evaluate("location.href")

    def progress(self) -> str | None:
        bar = self.page.locator('[data-testid="stProgress"]')
        return bar.inner_text().strip() if bar.count() else None

    def has_item(self) -> bool:
        return self.page.locator(".st-key-response-a").count() == 1

    def prompt(self) -> str:
        return self.page.locator(".st-key-prompt").inner_text().strip()

    def left(self) -> str:
        return self.page.locator(".st-key-response-a").inner_text().strip()

    def right(self) -> str:
        return self.page.locator(".st-key-response-b").inner_text().strip()

    def done(self) -> bool:
        return self.page.get_by_text("All done").count() > 0
