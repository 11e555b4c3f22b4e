"""Secrets on disk: the instance folder is 0700 and every file the app
creates in it 0600 from the start (issue 11 #6)."""

import os
import stat

import pytest

from host import create_app
from host.db import db


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)  # what most shells give: files world-readable
    yield
    os.umask(old)


def _fresh_app(instance):
    return create_app(
        {
            "TESTING": True,
            "HOST_INSTANCE_PATH": str(instance),
            "HOST_LOAD_ENTRY_POINTS": False,
            "HOST_BUILTIN_ADDONS": ("addons.iap.plugin",),
        }
    )


def _close(app):
    if not db.is_closed():
        db.close()
    app.extensions["host_db"].close()


def test_instance_files_are_private_from_creation(tmp_path, loose_umask):
    instance = tmp_path / "instance"
    app = _fresh_app(instance)
    try:
        with app.app_context():
            from host.models import Setting

            Setting.write("probe", "x")  # a write: SQLite's -wal and -shm exist now
            app.extensions["host_jobs"].huey.storage.enqueued_items()
            assert _mode(instance) == 0o700
            names = {p.name for p in instance.iterdir()}
            assert {"iap.db", "jobs.db", "secret_key"} <= names
            for path in instance.iterdir():
                assert _mode(path) == 0o600, path.name
    finally:
        _close(app)


def test_files_left_readable_by_an_older_version_are_tightened(tmp_path, loose_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    for name in ("iap.db", "secret_key"):
        (instance / name).touch(mode=0o644)
    (instance / "secret_key").write_text("an-old-key")
    app = _fresh_app(instance)
    try:
        assert app.config["SECRET_KEY"] == "an-old-key"
        assert _mode(instance) == 0o700
        assert _mode(instance / "iap.db") == 0o600
        assert _mode(instance / "secret_key") == 0o600
    finally:
        _close(app)


def test_the_secret_key_is_never_written_to_a_readable_file(tmp_path, monkeypatch, loose_umask):
    """Created with its mode by os.open: no chmod after the key is on disk."""
    from host import config

    opened = []
    real_open = os.open

    def watching(path, flags, mode=0o777, *args, **kwargs):
        opened.append((os.fspath(path), mode))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", watching)
    key = config.persistent_secret_key(str(tmp_path / "inst"))
    assert key and (str(tmp_path / "inst" / "secret_key"), 0o600) in opened
    assert _mode(tmp_path / "inst" / "secret_key") == 0o600
