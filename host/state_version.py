"""A counter the database bumps whenever the enabled addons or the saved
settings change, whoever changes them.

Every request and job needs the enabled addons (a disabled addon's pages and
charges stop at the next one, in every process). Reading them and the saved
settings, and building the sets, costs several times what reading this one
row costs: a process keeps what it read and reads it again only when the
counter moved. Triggers bump it, so a write from another process, a script
or plain SQL is seen as surely as the registry's own.

The counter starts at a random value: a database made again from nothing (a
test's) never repeats the value a process kept for the one before.
"""

from __future__ import annotations

import secrets

import peewee

from host.db import BaseModel, Prepared, db, is_postgres

# The tables whose rows ``AddonRegistry.enabled_names`` reads.
WATCHED = ("host_addon_state", "host_setting")


class StateVersion(BaseModel):
    """One row: moves on every write to the watched tables."""

    id = peewee.IntegerField(primary_key=True)
    version = peewee.BigIntegerField()

    class Meta:
        table_name = "host_state_version"


READ_VERSION = Prepared(
    lambda: StateVersion.select(StateVersion.version).where(StateVersion.id == 1)
)

_BUMP = "UPDATE host_state_version SET version = version + 1"
# Some key of this module's own, for PostgreSQL's advisory lock: two
# processes starting at once do not both create the triggers.
_LOCK_KEY = 0x1A5_57A7E


def install() -> None:
    """Create the row and the triggers when missing (each app start)."""
    with db.atomic():
        StateVersion.insert(id=1, version=secrets.randbits(62)).on_conflict_ignore().execute()
        if is_postgres():
            _install_postgres()
        else:
            _install_sqlite()


def _install_sqlite() -> None:
    for table in WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute_sql(
                f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_bumps_version "
                f"AFTER {event} ON {table} BEGIN {_BUMP}; END"
            )


def _install_postgres() -> None:
    db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
    missing = [
        table
        for table in WATCHED
        if db.execute_sql(
            "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
            (f"{table}_bumps_version", table),
        ).fetchone()
        is None
    ]
    if not missing:
        return
    db.execute_sql(
        "CREATE OR REPLACE FUNCTION host_state_version_bump() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {_BUMP}; RETURN NULL; END $$"
    )
    for table in missing:
        db.execute_sql(
            f"CREATE TRIGGER {table}_bumps_version "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION host_state_version_bump()"
        )


def state_unchanged(version) -> peewee.Expression:
    """A condition for a statement a caller sends anyway: the counter is still
    ``version`` (a ``P`` placeholder in a ``Prepared``). A charge's hold checks
    with it that the enabled addons are still the ones the process kept,
    rather than reading the counter first."""
    return (StateVersion.select(StateVersion.version).where(StateVersion.id == 1)) == version


def current() -> int | None:
    """The counter now; None when its row is missing (then nothing is kept)."""
    row = READ_VERSION.run().fetchone()
    return row[0] if row is not None else None
