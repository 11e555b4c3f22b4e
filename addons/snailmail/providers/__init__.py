"""Print shops: what takes a prepared letter and posts it. Addons add theirs
with the ``snailmail_print_shops`` hook; see :mod:`addons.snailmail.providers.base`."""
