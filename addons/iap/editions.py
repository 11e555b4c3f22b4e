"""Which databases receive trial credits.

``IAP_EDITION`` names the edition; the paid ones also need a subscription that
has not expired (``IAP_SUBSCRIPTION_EXPIRES``, an ISO date).
"""

from __future__ import annotations

import datetime as dt

EDITIONS = ("enterprise", "demo", "training", "educational", "one_app_free", "community")
TRIAL_EDITIONS = frozenset({"enterprise", "demo", "training", "educational", "one_app_free"})
NEEDS_SUBSCRIPTION = frozenset({"enterprise", "one_app_free"})


def trial_eligible(config, today: dt.date | None = None) -> bool:
    edition = str(config.get("IAP_EDITION", "demo")).lower()
    if edition not in EDITIONS:
        raise ValueError(f"IAP_EDITION {edition!r} is not one of {', '.join(EDITIONS)}")
    if edition not in TRIAL_EDITIONS:
        return False
    if edition in NEEDS_SUBSCRIPTION:
        expires = config.get("IAP_SUBSCRIPTION_EXPIRES")
        if not expires:
            return False
        try:
            until = dt.date.fromisoformat(str(expires))
        except ValueError:
            raise ValueError(
                f"IAP_SUBSCRIPTION_EXPIRES {expires!r} is not a YYYY-MM-DD date"
            ) from None
        return (today or dt.date.today()) <= until
    return True
