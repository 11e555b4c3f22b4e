"""Files only the app's own user may read: the instance folder, the SQLite
databases, the job queue, the keys.

Each is created with its final mode (``os.open`` with 0600, ``mkdir`` with
0700 under a 077 umask), so there is no moment when another local user could
open it; one left readable by an older version is tightened at start-up.
SQLite creates its ``-wal`` and ``-shm`` files with the database's mode.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


@contextlib.contextmanager
def _umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def private_dir(path: str | os.PathLike, *, tighten: bool = True) -> Path:
    """Create ``path`` (and missing parents) 0700; tighten an existing one
    unless ``tighten`` is false (a folder the app does not own)."""
    path = Path(path)
    if path.is_dir():
        if tighten:
            _tighten(path, DIR_MODE)
        return path
    with _umask(0o077):
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return path


def private_file(path: str | os.PathLike) -> Path:
    """Create ``path`` empty and 0600 unless it exists; tighten an existing one.
    For files another library opens afterwards (SQLite, huey)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        _tighten(path, FILE_MODE)
        for suffix in ("-wal", "-shm", "-journal"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                _tighten(side, FILE_MODE)
    else:
        os.close(fd)
    return path


def write_new(path: str | os.PathLike, text: str) -> bool:
    """Write ``text`` to a new 0600 file; False if it exists (another process won)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    return True


def read_key(path: str | os.PathLike, make) -> str:
    """The key kept in ``path``, created 0600 with ``make()`` on first use."""
    path = Path(path)
    private_dir(path.parent)
    if not path.exists():
        write_new(path, make())
    _tighten(path, FILE_MODE)
    return path.read_text().strip()


def _tighten(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & 0o077:
        with contextlib.suppress(PermissionError):
            path.chmod(current & mode)
