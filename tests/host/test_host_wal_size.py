"""SQLite's write-ahead log gives back the disk it grew into: a reader that
held it back (a long report, a backup) lets it grow past the size it
reaches between checkpoints, and the host's connections cut it back when
the log restarts, where SQLite alone would keep the peak size for ever."""

import os
import sqlite3

import pytest

from host.db import WAL_SIZE_LIMIT, parse_database_url
from host.testing import backend

pytestmark = pytest.mark.skipif(backend() != "sqlite", reason="SQLite's log")

ROW = 3000  # bytes of blob a row: about a page each


def _write(database, rows: int) -> None:
    for _ in range(rows // 100):
        with database.atomic():
            for _ in range(100):
                database.execute_sql("INSERT INTO filler (data) VALUES (randomblob(?))", (ROW,))


def test_a_log_grown_behind_a_reader_is_cut_back_when_it_restarts(tmp_path):
    path = tmp_path / "host.db"
    database = parse_database_url(f"sqlite:///{path}")
    database.connect()
    try:
        database.execute_sql("CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB)")
        wal = f"{path}-wal"
        # A reader's snapshot keeps every frame after it: no checkpoint can
        # restart the log, which grows past the limit.
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM filler").fetchone()
        _write(database, (2 * WAL_SIZE_LIMIT) // ROW)
        grown = os.path.getsize(wal)
        assert grown > WAL_SIZE_LIMIT * 1.5
        reader.execute("COMMIT")
        reader.close()
        # Checkpoints catch up, the log restarts and its first commit trims it.
        _write(database, 3000)
        assert os.path.getsize(wal) <= WAL_SIZE_LIMIT
        assert database.execute_sql("SELECT count(*) FROM filler").fetchone()[0] == (
            (2 * WAL_SIZE_LIMIT) // ROW // 100 * 100 + 3000
        )
    finally:
        database.close()
