"""Template globals and filters shared by the host's and the addons' pages."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask, request

from host import security
from host.chatter import FINAL_STATES, STATE_ICONS


def init_templating(app: Flask) -> None:
    registry = app.extensions["host"]

    @app.context_processor
    def host_globals():
        user = security.current_user()
        return {
            "current_user": user,
            "csrf_field": security.csrf_field,
            "csrf_token": security.csrf_token,
            "menu": (
                lambda: [
                    item
                    for item in registry.hooks.menu_items(user=user)
                    if not item.admin_only or (user is not None and user.is_admin)
                ]
            )
            if user is not None
            else (lambda: []),
            "state_icons": STATE_ICONS,
            "final_states": FINAL_STATES,
        }

    @app.template_filter("credits")
    def format_credits(value) -> str:
        if value is None:
            return ""
        value = Decimal(value)
        text = f"{value:,.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
        return text

    @app.template_filter("dt")
    def format_datetime(value) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else ""

    @app.template_global()
    def page_url(**changes) -> str:
        args = request.args.to_dict()
        args.update({k: v for k, v in changes.items() if v is not None})
        from urllib.parse import urlencode

        return f"{request.path}?{urlencode(args)}"
