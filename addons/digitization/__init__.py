"""Documents Digitization: vendor bills, receipts and resumes read into records.

The host loads :mod:`addons.digitization.plugin`. The extraction library is
usable alone::

    from addons.digitization import extract, count_pages, ExtractionError
"""

from addons.digitization.extract import FIELDS, ExtractionError, count_pages, extract

__all__ = ["FIELDS", "ExtractionError", "count_pages", "extract"]
