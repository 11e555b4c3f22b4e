"""In-app purchases: per-service credit accounts and the ``charge()`` API.

Service addons use::

    from addons.iap import charge, balance, grant, InsufficientCreditError

    with charge("sms", 3, description="SMS to +32470123456",
                reference="sms.message:42") as tx:
        gateway.send(...)
        tx.credit = 2  # optional: capture less than was held
"""

from addons.iap.amounts import to_credit
from addons.iap.charging import (
    InsufficientCreditError,
    Transaction,
    balance,
    charge,
    grant,
    refund,
    trial_only,
)
from addons.iap.ledger import ChargeInProgressError, HoldClosedError, IdempotencyConflict
from addons.iap.payments import PaymentProvider
from addons.iap.services import (
    Pack,
    Service,
    UnknownServiceError,
    services_changed,
    standard_packs,
)

__all__ = [
    "ChargeInProgressError",
    "HoldClosedError",
    "IdempotencyConflict",
    "InsufficientCreditError",
    "Pack",
    "PaymentProvider",
    "Service",
    "Transaction",
    "UnknownServiceError",
    "balance",
    "charge",
    "trial_only",
    "grant",
    "refund",
    "services_changed",
    "standard_packs",
    "to_credit",
]
