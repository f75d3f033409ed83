"""Build evalstore's wheel from a copy of the repository and install it into a fresh virtual environment.

The environment gets its third-party packages (streamlit, pandas, ...) from the running test environment
through a .pth file placed after its own site-packages, while evalstore itself comes only from the wheel:
nothing of the checkout is on the installed command's path.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.db", "*.db-*", ".pytest_cache", ".hypothesis",
                                "*.egg-info", "build", "node_modules", ".playwright-profile")


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "EVALSTORE_DB", "EVALSTORE_ADMIN_PASSWORD", "EVALSTORE_BASE_URL")}
    return {**env, **extra}


def build_wheel(workdir: Path) -> tuple[Path, str]:
    """The wheel and the build backend's output (-v shows it). Built from a copy: in place it would leave build/ and
    *.egg-info in the checkout."""
    source = workdir / "source"
    shutil.copytree(REPO, source, ignore=IGNORE)
    out = workdir / "wheel"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(out), str(source)],
                          capture_output=True, text=True, timeout=300, env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = out.glob("evalstore-*.whl")
    return built, done.stdout + done.stderr


def install_wheel(wheel: Path, venv: Path) -> Path:
    """A venv at ``venv`` with evalstore from ``wheel``; returns ``venv``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                           "--no-index", str(wheel)], capture_output=True, text=True, timeout=300, env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, proc: subprocess.Popen, seconds: float = 60) -> bool:
    """True once the server on ``port`` answers /_stcore/health; False if it exits or takes longer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def stop_group(proc: subprocess.Popen, seconds: float = 20) -> None:
    """Stop a server started with ``start_new_session=True`` and everything it started (TERM, then KILL)."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
