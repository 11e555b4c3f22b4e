"""Snailmail: letters and documents sent by post, paid with credits.

The host loads :mod:`addons.snailmail.plugin`. Other addons and tests may
import the names below; ``prepare`` needs no app (it imports nothing from
the host)::

    from addons.snailmail import LetterError, prepare

    pdf = prepare(document, {"name": "Marie Dubois", "street": "Rue de la Loi 16",
                             "zip": "1000", "city": "Bruxelles", "country_code": "BE"})
"""

from addons.snailmail.errors import LetterError
from addons.snailmail.printable import prepare

__all__ = ["LetterError", "prepare"]
