"""The README's first command, run as a newcomer would: in a fresh copy, with no virtualenv yet."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from packaging_support import stop_group

REPO = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.db", "*.db-*", ".pytest_cache",
                                ".hypothesis", "*.egg-info", "build", "node_modules")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _readme_first_command() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", text, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert len(commands) == 2, "the quick start is exactly two commands"
    return commands[0]


@pytest.mark.timeout(900)
def test_quick_start_sets_up_builds_demo_and_serves(tmp_path):
    work = tmp_path / "evalstore"
    shutil.copytree(REPO, work, ignore=IGNORE)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "EVALSTORE_ADMIN_PASSWORD",
                                                              "EVALSTORE_BASE_URL", "EVALSTORE_VENV")}
    env["EVALSTORE_PORT"] = str(port)
    command = _readme_first_command()
    proc = subprocess.Popen(command, shell=True, cwd=work, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output: list[str] = []
    # a thread drains the pipe so the script never blocks on a full buffer
    reader = threading.Thread(target=lambda: output.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 840
        healthy = False
        while time.monotonic() < deadline and proc.poll() is None:
            if "rater link:" in "".join(output):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                        healthy = r.status == 200
                except OSError:
                    healthy = False
                if healthy:
                    break
            time.sleep(0.5)
        text = "".join(output)
        assert healthy, f"app did not answer on /_stcore/health:\n{text[-3000:]}"
        assert (work / ".venv" / "bin" / "evalstore").exists()
        # the password and the link are the last lines, after the set-up and the app's start-up, so a
        # newcomer finds them without scrolling; nothing above them is a build tool's deprecation notice
        last = [line.strip() for line in text.splitlines() if line.strip()][-2:]
        password = re.fullmatch(r"admin password: (\S+)", last[0])
        link = re.fullmatch(rf"rater link: (http://localhost:{port}/\?token=[\w-]+)", last[1])
        assert password and len(password.group(1)) >= 12, text
        assert link, text
        assert "Deprecat" not in text and "license" not in text.lower(), text
        # the printed password is the one the database holds
        from evalstore.auth import check_admin_password
        from evalstore.db import open_db

        assert check_admin_password(open_db(work / "demo.db", create=False), password.group(1))
    finally:
        stop_group(proc)
