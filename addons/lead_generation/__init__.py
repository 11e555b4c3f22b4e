"""Lead Generation: leads mined by criteria, and website visitors turned into leads.

The host loads :mod:`addons.lead_generation.plugin`. Credits are charged for
exactly the companies and contacts a provider returns (``mining``, ``reveal``).
"""
