"""Partner Autocomplete: company data that fills a contact as you type.

The host loads :mod:`addons.partner_autocomplete.plugin`. The pure helpers
(``vat``, ``vies``, ``normalize``, ``addresses``) import nothing from the host.
"""
