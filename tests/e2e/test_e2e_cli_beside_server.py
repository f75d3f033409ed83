"""The README's mid-study sequence against a live server: nothing the page showed as saved is lost.

A rater votes, the admin opens the analysis page (which loads the study in the server process), then
`status`, `export`, `analyze`, `report`, `close` and `reopen` run from other processes while the rater
keeps voting. Every vote the page moved past is in the export exactly once, the database passes
`PRAGMA integrity_check`, and the server's -wal file is never deleted (same inode throughout): the
failure this guards against is a process dropping its own SQLite locks by opening the database file with
plain file I/O, after which a CLI command deletes the live WAL.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from e2e_support import MAIN_TEXT_JS, SETTLED_JS, RaterTab, closest, evalstore_command, make_study, rater_queue, \
    start_server

from evalstore.auth import admin_password
from evalstore.db import open_db

pytestmark = pytest.mark.e2e

KEY_CHOICE = {"1": -1, "2": 0, "3": 1}


def run(*args: str, cwd: Path) -> str:
    result = subprocess.run([*evalstore_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"evalstore {' '.join(args)}: {result.stderr}"
    return result.stdout


def open_analysis(page, base_url: str, password: str) -> None:
    """Sign in on /analysis (a sign-in lasts one browser session) and wait for the verdict."""
    page.goto(f"{base_url}/analysis")
    page.get_by_label("Admin password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Verdict", exact=True).wait_for(timeout=60_000)  # not "... no verdict."
    page.wait_for_function(SETTLED_JS, timeout=60_000)


def test_cli_commands_beside_the_server_lose_nothing(tmp_path, browser, context):
    db_path = tmp_path / "live.db"
    study = make_study(db_path, tmp_path, "livestudy", code="lv", systems=("alphasys", "betasys"),
                       raters=("rita",), n_items=8)
    db = open_db(db_path, create=False)
    password = admin_password(db)
    db.conn.close()
    queue = {a["item_id"]: a for a in rater_queue(db_path, "livestudy", "rita")}
    wal = Path(f"{db_path}-wal")
    server = start_server(db_path, tmp_path)
    voted: dict[str, int] = {}  # item_id -> preference oriented to (system_a, system_b)

    def vote(tab: RaterTab, key: str) -> None:
        item = closest(tab.prompt(), study.prompts)
        before = tab.progress()
        tab.press(key)
        assert tab.progress() != before, "the page did not move past the vote"
        a = queue[item]
        voted[item] = KEY_CHOICE[key] if a["left_system"] == a["system_a"] else -KEY_CHOICE[key]

    def wal_inode() -> int:
        assert wal.exists(), "the server's -wal file was deleted"
        return os.stat(wal).st_ino

    try:
        tab = RaterTab(context.new_page(), server.base_url).open(study.tokens["rita"])
        tab.press("Enter")
        vote(tab, "1")
        inode = wal_inode()

        admin = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = admin.new_page()
        open_analysis(page, server.base_url, password)
        assert wal_inode() == inode

        commands = [["status", str(db_path)], ["status", str(db_path), "--format", "json"],
                    ["export", str(db_path), "-o", str(tmp_path / "mid.csv")],
                    ["analyze", str(db_path), "--resamples", "100"],
                    ["report", str(db_path), "--format", "md", "--resamples", "100", "-o", str(tmp_path / "r.md")]]
        for k, command in enumerate(commands):
            run(*command, cwd=tmp_path)
            assert wal_inode() == inode, f"after evalstore {command[0]}"
            vote(tab, "3" if k % 2 else "2")
        run("close", str(db_path), cwd=tmp_path)
        assert wal_inode() == inode
        run("reopen", str(db_path), cwd=tmp_path)
        assert wal_inode() == inode
        vote(tab, "1")

        open_analysis(page, server.base_url, password)  # the study loaded again, with the new judgments
        assert "disk I/O error" not in page.evaluate(MAIN_TEXT_JS)
        admin.close()
        run("status", str(db_path), cwd=tmp_path)
        vote(tab, "3")
        assert wal_inode() == inode

        rows = list(csv.DictReader(io.StringIO(run("export", str(db_path), cwd=tmp_path))))
        items = [r["item_id"] for r in rows]
        assert sorted(items) == sorted(voted), "every vote the page moved past, exactly once"
        assert {r["item_id"]: int(r["preference"]) for r in rows} == voted
        status = json.loads(run("status", str(db_path), "--format", "json", cwd=tmp_path))
        assert status["judgments_done"] == len(voted) == 8
        tab.reload()
        assert tab.done() and "disk I/O" not in tab.main_text()
        assert wal_inode() == inode
    finally:
        server.stop()
    db = open_db(db_path, readonly=True)
    assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.conn.execute("SELECT count(*) FROM judgment").fetchone()[0] == len(voted)
    db.conn.close()
