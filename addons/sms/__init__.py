"""SMS: send text messages to contacts for credits, one at a time or in bulk.

The host loads :mod:`addons.sms.plugin`. The pure helpers (``segments``,
``numbers``, ``pricing_table``, ``twilio``) import nothing from the host.
"""
