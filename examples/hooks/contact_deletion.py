"""Phone calls logged against contacts. A call made is history: it stays in
the log when its contact is deleted, with the name and number copied on it.
A call still planned holds its contact."""

import peewee

from host import BaseModel, Manifest, hookimpl

manifest = Manifest(name="calls", title="Calls", summary="Log phone calls to contacts.")


class Call(BaseModel):
    contact_id = peewee.IntegerField(null=True, index=True)
    name = peewee.CharField(max_length=128)  # copied: the log reads without the contact
    number = peewee.CharField(max_length=32)
    state = peewee.CharField(max_length=8, default="planned")  # planned, done

    class Meta:
        table_name = "calls_call"


@hookimpl
def register_models():
    return [Call]


@hookimpl
def contact_delete_blockers(ids):
    planned = Call.select().where(Call.contact_id.in_(ids) & (Call.state == "planned"))
    return [f"A call to {call.name} ({call.number}) is planned." for call in planned]


@hookimpl
def contacts_deleting(ids):
    Call.update(contact_id=None).where(Call.contact_id.in_(ids)).execute()
