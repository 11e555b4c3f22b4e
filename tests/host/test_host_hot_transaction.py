"""``host.hot_transaction``: the ledger's write transaction, driven on one
cursor, keeps every promise ``write_transaction()`` makes: all or nothing,
callbacks after the commit only, savepoints inside, a savepoint itself
inside another transaction, and peewee's exceptions."""

import peewee
import pytest

from host import P, Prepared, db, hot_transaction, write_transaction
from host.models import Setting
from host.testing import on_another_connection

INSERT = Prepared(lambda: Setting.insert(key=P.key, value=P.value))


def _elsewhere(app, key):
    """The setting as another connection sees it (committed or not there)."""
    seen = []
    on_another_connection(app, lambda: seen.append(Setting.read(key, default=None)))
    return seen[0]


def test_what_its_statements_write_commits_and_then_the_callbacks_run(app):
    seen_by_callback = []
    with hot_transaction() as cursor:
        INSERT.run_on(cursor, key="hot.one", value="1")
        assert db.obj.in_transaction()
        db.after_commit(lambda: seen_by_callback.append(_elsewhere(app, "hot.one")))
        assert seen_by_callback == []  # not before the commit
    assert not db.obj.in_transaction()
    assert seen_by_callback == ["1"]  # after it: another connection sees the row
    assert _elsewhere(app, "hot.one") == "1"


def test_an_exception_rolls_everything_back_and_drops_the_callbacks(app):
    called = []
    with pytest.raises(RuntimeError, match="body failed"):
        with hot_transaction() as cursor:
            INSERT.run_on(cursor, key="hot.two", value="2")
            db.after_commit(lambda: called.append(True))
            raise RuntimeError("body failed")
    assert not db.obj.in_transaction()
    assert Setting.read("hot.two", default=None) is None
    assert called == []
    with hot_transaction() as cursor:  # the connection is usable again
        INSERT.run_on(cursor, key="hot.two", value="again")
    assert Setting.read("hot.two") == "again"


def test_a_driver_error_is_peewees_and_leaves_no_transaction_open(app):
    Setting.insert(key="hot.taken", value="first").execute()
    with pytest.raises(peewee.IntegrityError):
        with hot_transaction() as cursor:
            INSERT.run_on(cursor, key="hot.new", value="x")
            INSERT.run_on(cursor, key="hot.taken", value="second")
    assert not db.obj.in_transaction()
    assert Setting.read("hot.new", default=None) is None  # all or nothing
    assert Setting.read("hot.taken") == "first"


def test_atomic_blocks_inside_are_savepoints(app):
    with hot_transaction() as cursor:
        INSERT.run_on(cursor, key="hot.outer", value="kept")
        with pytest.raises(ValueError):
            with write_transaction():
                Setting.insert(key="hot.inner", value="undone").execute()
                raise ValueError("inner block failed")
        with db.atomic():
            Setting.insert(key="hot.inner2", value="kept too").execute()
    assert Setting.read("hot.outer") == "kept"
    assert Setting.read("hot.inner", default=None) is None
    assert Setting.read("hot.inner2") == "kept too"


def test_inside_another_transaction_it_is_a_savepoint_of_it(app):
    with pytest.raises(LookupError):
        with write_transaction():
            with hot_transaction() as cursor:
                INSERT.run_on(cursor, key="hot.nested", value="1")
            assert db.obj.in_transaction()  # the outer one is still open
            raise LookupError("the outer transaction fails")
    assert Setting.read("hot.nested", default=None) is None

    with write_transaction():
        with pytest.raises(RuntimeError):
            with hot_transaction() as cursor:
                INSERT.run_on(cursor, key="hot.nested2", value="undone")
                raise RuntimeError("the savepoint fails")
        Setting.insert(key="hot.after", value="kept").execute()
    assert Setting.read("hot.nested2", default=None) is None
    assert Setting.read("hot.after") == "kept"
