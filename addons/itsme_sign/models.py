"""The itsme_sign addon's tables. The rules that move a request live in ``requests``
and ``signing``; identification is recorded through ``signers.record_identification``."""

from __future__ import annotations

import peewee

from host import BaseModel, User, utcnow

# A sign request's states, as the issue names them, and ``failed``: every
# signer signed but the signed PDF could not be made (``completion_error`` says why).
STATES = ("draft", "sent", "signed", "declined", "canceled", "expired", "failed")
# A signer's own state: ``waiting`` (not their turn yet, or draft), ``sent``
# (their link is out), ``signed``, ``declined``.
SIGNER_STATES = ("waiting", "sent", "signed", "declined")
FIELD_KINDS = ("signature", "date", "name", "text")
# Where itsme identification is offered (the signer's country).
ITSME_COUNTRIES = ("BE", "NL")


class Role(BaseModel):
    """A signer's role (``Customer``, ``Employee``); a role may require itsme."""

    name = peewee.CharField(max_length=64, unique=True)
    requires_itsme = peewee.BooleanField(default=False)

    class Meta:
        table_name = "itsme_sign_role"


class SignRequest(BaseModel):
    """One PDF to sign, its signers and what became of it."""

    name = peewee.CharField(max_length=200)
    filename = peewee.CharField(max_length=255, default="document.pdf")
    original = peewee.BlobField()
    original_sha256 = peewee.CharField(max_length=64)
    page_count = peewee.IntegerField(default=0)
    # The PDF with the fields stamped and the certificate page, before the
    # digital signature: its SHA-256 is printed on the certificate.
    stamped_sha256 = peewee.CharField(max_length=64, default="")
    signed = peewee.BlobField(null=True)
    signed_sha256 = peewee.CharField(max_length=64, default="")
    state = peewee.CharField(max_length=16, default="draft", index=True)
    reason = peewee.CharField(max_length=1000, default="")  # why declined or canceled
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)
    sent_at = peewee.DateTimeField(null=True)
    expires_at = peewee.DateTimeField(null=True)
    completed_at = peewee.DateTimeField(null=True)
    # Making the signed PDF: the attempts that failed, and once they reach
    # ``ITSME_SIGN_COMPLETION_ATTEMPTS`` the error the sender is shown (the
    # sweep then leaves the request alone).
    completion_attempts = peewee.IntegerField(default=0)
    completion_error = peewee.CharField(max_length=1000, default="")

    class Meta:
        table_name = "itsme_sign_request"


class Page(BaseModel):
    """A page of the original, its size in PDF points and its picture for the editor."""

    request = peewee.ForeignKeyField(SignRequest, on_delete="CASCADE", backref="pages")
    number = peewee.IntegerField()  # from 1
    width = peewee.FloatField()
    height = peewee.FloatField()
    png = peewee.BlobField()

    class Meta:
        table_name = "itsme_sign_page"
        indexes = ((("request", "number"), True),)


class Signer(BaseModel):
    """Someone who signs a request, reached by a secret link.

    ``access_nonce`` is part of the signer's link; clearing it (cancel)
    voids every link sent. The identification fields are written only by
    ``signers.record_identification``.
    """

    request = peewee.ForeignKeyField(SignRequest, on_delete="CASCADE", backref="signers")
    name = peewee.CharField(max_length=200)
    email = peewee.CharField(max_length=254)
    role = peewee.ForeignKeyField(Role, on_delete="RESTRICT", backref="+")
    order = peewee.IntegerField(default=1)
    country = peewee.CharField(max_length=2, default="")
    language = peewee.CharField(max_length=8, default="en")
    state = peewee.CharField(max_length=16, default="waiting")
    access_nonce = peewee.CharField(max_length=64, default="")
    sent_at = peewee.DateTimeField(null=True)
    signed_at = peewee.DateTimeField(null=True)
    signed_ip = peewee.CharField(max_length=64, default="")
    signature_png = peewee.BlobField(null=True)
    signature_kind = peewee.CharField(max_length=8, default="")  # drawn, typed
    decline_reason = peewee.CharField(max_length=1000, default="")
    # Identification (itsme): what the provider verified, and when.
    identification_method = peewee.CharField(max_length=32, default="")
    identified_name = peewee.CharField(max_length=200, default="")
    identified_birthdate = peewee.CharField(max_length=10, default="")  # YYYY-MM-DD
    identification_result = peewee.CharField(max_length=200, default="")
    identified_at = peewee.DateTimeField(null=True)
    national_number = peewee.CharField(max_length=32, null=True)

    class Meta:
        table_name = "itsme_sign_signer"

    @property
    def identified(self) -> bool:
        return self.identified_at is not None and bool(self.identified_name)

    @property
    def name_mismatch(self) -> bool:
        """The verified name is not the name the sender typed."""
        from addons.itsme_sign.names import same_person

        return self.identified and not same_person(self.name, self.identified_name)


class Field(BaseModel):
    """A box a signer fills, placed on a page; the position in PDF points from the top left."""

    request = peewee.ForeignKeyField(SignRequest, on_delete="CASCADE", backref="fields")
    signer = peewee.ForeignKeyField(Signer, on_delete="CASCADE", backref="fields")
    kind = peewee.CharField(max_length=16)
    page = peewee.IntegerField()
    x = peewee.FloatField()
    y = peewee.FloatField()
    width = peewee.FloatField()
    height = peewee.FloatField()
    value = peewee.CharField(max_length=500, default="")

    class Meta:
        table_name = "itsme_sign_field"


MODELS = [Role, SignRequest, Page, Signer, Field]
