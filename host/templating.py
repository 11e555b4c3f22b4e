"""Template globals and filters shared by the host's and the addons' pages."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask, has_request_context, render_template, request
from markupsafe import Markup

from host import access, security
from host.chatter import FINAL_STATES, STATE_ICONS
from host.request_cache import request_cache


def init_templating(app: Flask) -> None:
    registry = app.extensions["host"]

    def message_actions(messages: list) -> dict[int, list]:
        """The addons' buttons on these chatter messages of one record, by message id."""
        if not messages:
            return {}
        first = messages[0]
        found: dict[int, list] = {}
        for action in registry.hooks.chatter_message_actions(
            model=first.model, res_id=first.res_id, messages=messages
        ):
            found.setdefault(action.message_id, []).append(action)
        return found

    def page_assets(kind: str) -> list:
        """The enabled addons' assets of ``kind`` ("style", "script") for
        the request's page; the hook is asked once per request."""
        cache = request_cache()
        found = cache.get("page_assets") if cache is not None else None
        if found is None:
            endpoint = request.endpoint if has_request_context() else None
            found = registry.hooks.page_assets(endpoint=endpoint or "")
            if cache is not None:
                cache["page_assets"] = found
        return [asset for asset in found if asset.kind == kind]

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
            "message_actions": message_actions,
            "page_assets": page_assets,
            # Access groups: a button shown only to who may follow it.
            "has_group": access.has_group,
        }

    @app.after_request
    def dialog_as_page(response):
        """A pop-up's URL opened directly (a new tab, a link copied) answers its
        fragment inside the app's page instead of unstyled HTML. A pop-up is
        HTML carrying the dialog's title id, ``host-dialog-title``."""
        if (
            request.method != "GET"
            or request.headers.get("X-Requested-With") == "fetch"
            or response.status_code != 200
            or response.mimetype != "text/html"
            or response.direct_passthrough
        ):
            return response
        body = response.get_data(as_text=True)
        if 'id="host-dialog-title"' not in body or "<html" in body[:1000].lower():
            return response
        response.set_data(render_template("host/dialog_page.html", fragment=Markup(body)))
        return response

    @app.template_filter("credits")
    def format_credits(value) -> str:
        if value is None:
            return ""
        value = Decimal(value)
        text = f"{value:,.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
        return text

    @app.template_filter("plural")
    def plural(count, word: str, many: str | None = None) -> str:
        """``{{ n|plural("credit") }}``: "1 credit", "2 credits", "1.5 credits"."""
        shown = format_credits(count) if count is not None else "0"
        one = count is not None and Decimal(count) == 1
        return f"{shown} {word if one else (many or word + 's')}"

    @app.template_filter("dt")
    def format_datetime(value) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else ""

    @app.template_global()
    def page_url(**changes) -> str:
        args = request.args.to_dict()
        args.update({k: v for k, v in changes.items() if v is not None})
        from urllib.parse import urlencode

        return f"{request.path}?{urlencode(args)}"
