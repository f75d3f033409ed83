"""Writing a file the user named: the one guarded writer behind every report and every judgments file.

It refuses a SQLite database or its -wal/-shm/-journal file (overwriting one would destroy a study), and
writes to a temporary file in the target's folder that replaces the target in one ``os.replace`` only once
complete: a reader never sees half a file, and a failed write leaves the old file as it was and no temporary
file behind. Every failure is one readable ``EvalstoreError`` naming the path.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO

from .errors import EvalstoreError


def write_file(path: str | os.PathLike, write: Callable[[IO], None], *, binary: bool = False) -> None:
    """Call ``write(handle)`` on a new file that then replaces ``path`` (text: UTF-8, newlines as written).

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_file(target, lambda f: f.write("one\\n"))
    >>> target.read_text()
    'one\\n'
    >>> sorted(p.name for p in target.parent.iterdir())
    ['out.txt']
    """
    from .db import refuse_database_output

    refuse_database_output(path)
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise EvalstoreError(f"{path}: cannot write: no folder {folder}")
    if target.is_dir():
        raise EvalstoreError(f"{path}: cannot write: is a folder")
    temporary = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
    created = False
    try:
        # created as open(path, "w") would create it (0o666 less the umask), never readable by others first
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as handle:
            write(handle)
        try:
            os.chmod(temporary, target.stat().st_mode & 0o777)  # replacing a file keeps its permissions
        except FileNotFoundError:
            pass
        os.replace(temporary, target)
        created = False
    except OSError as exc:
        raise EvalstoreError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        if created:
            try:
                os.unlink(temporary)
            except OSError:
                pass
