"""Versioned schema changes, applied once per addon and recorded in the database."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import peewee
from playhouse.migrate import SchemaMigrator

from host.db import BaseModel, db, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One change of an addon's schema.

    ``up`` is called with a playhouse ``SchemaMigrator`` and the database,
    inside a transaction. Versions are integers that only grow; the first
    install creates tables from the models and skips every migration.
    """

    version: int
    description: str
    up: Callable[[SchemaMigrator, peewee.Database], None]


class AddonSchema(BaseModel):
    """The schema version each addon's tables are at."""

    addon = peewee.CharField(max_length=64, primary_key=True)
    version = peewee.IntegerField(default=0)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "host_addon_schema"


def latest_version(migrations: list[Migration]) -> int:
    return max((m.version for m in migrations), default=0)


def check_migrations(addon: str, migrations: list[Migration]) -> None:
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise ValueError(f"addon {addon!r} declares the same migration version twice")


def install(addon: str, models: list[type[peewee.Model]], migrations: list[Migration]) -> bool:
    """Create the tables of an addon enabled for the first time.

    Returns False when the addon was installed before (its data is kept).
    """
    with db.atomic():
        if AddonSchema.get_or_none(AddonSchema.addon == addon) is not None:
            return False
        db.create_tables(models, safe=True)
        AddonSchema.create(addon=addon, version=latest_version(migrations))
    return True


def upgrade(addon: str, migrations: list[Migration]) -> list[int]:
    """Apply the migrations above the addon's recorded version, once each.

    The version row is locked for the duration, so two processes starting at
    once do not both apply a migration.
    """
    check_migrations(addon, migrations)
    applied: list[int] = []
    for migration in sorted(migrations, key=lambda m: m.version):
        with db.atomic():
            query = AddonSchema.select().where(AddonSchema.addon == addon)
            if isinstance(db.obj, peewee.PostgresqlDatabase):
                query = query.for_update()
            row = query.first()
            if row is None or row.version >= migration.version:
                continue
            log.info(
                "migrating %s to version %s: %s", addon, migration.version, migration.description
            )
            migration.up(SchemaMigrator.from_database(db.obj), db.obj)
            AddonSchema.update(version=migration.version, updated_at=utcnow()).where(
                AddonSchema.addon == addon
            ).execute()
            applied.append(migration.version)
    return applied
