"""IAP Host: a Flask host whose features come from pluggy addons.

Addons import only these names::

    from host import hookimpl, Manifest, BaseModel, db, job, post_message
"""

from host.access import Group, check_owner, group_required, has_group, own_records
from host.addon_settings import AddonSettings
from host.app import create_app
from host.chatter import (
    ChatterModel,
    delete_chatter,
    messages_for,
    post_message,
    post_messages,
    register_chatter_model,
    set_message_state,
    set_messages_state,
)
from host.configuration import Config, ConfigError, ConfigKey
from host.contact_values import email_address, field_check, website_url
from host.db import (
    BaseModel,
    ByIds,
    DecimalAsIntegerField,
    P,
    Prepared,
    db,
    hot_transaction,
    is_postgres,
    locked,
    sql_datetime,
    sql_named,
    utcnow,
    write_transaction,
)
from host.documents import Document, Recipient, documents_of, find_document
from host.hookcalls import Hooks, HostHooks, hooks
from host.hookspecs import hookimpl, hookspec
from host.jobs import RetryTask, crontab, job
from host.local_path import local_path
from host.mail import send_mail
from host.manifest import AddonError, Manifest
from host.migrations import Migration
from host.models import Contact, Setting, User
from host.notify import MailTemplate, MailTemplateError, send_mail_template
from host.page_assets import PageAsset
from host.plugins import notify_saved, registry, request_cache
from host.public_endpoints import BadToken, public_endpoint, read_token, sign_token
from host.secret_store import read_secret, write_secret
from host.security import admin_required, csrf_exempt, current_user, public, webhook
from host.state_lists import StateList, state_list
from host.state_version import state_unchanged
from host.ui import BulkAction, Button, FieldButton, MenuItem, MessageAction, SettingsBlock
from host.views import selected_contacts
from host.widgets import FieldWidget, Suggestion, suggestions_response

__all__ = [
    "AddonError",
    "AddonSettings",
    "BadToken",
    "BaseModel",
    "BulkAction",
    "ByIds",
    "Button",
    "ChatterModel",
    "Config",
    "ConfigError",
    "ConfigKey",
    "Contact",
    "DecimalAsIntegerField",
    "Document",
    "FieldButton",
    "FieldWidget",
    "Group",
    "Hooks",
    "HostHooks",
    "MailTemplate",
    "MailTemplateError",
    "Manifest",
    "MenuItem",
    "MessageAction",
    "Migration",
    "P",
    "PageAsset",
    "Recipient",
    "Prepared",
    "RetryTask",
    "Setting",
    "SettingsBlock",
    "StateList",
    "Suggestion",
    "User",
    "admin_required",
    "check_owner",
    "create_app",
    "crontab",
    "csrf_exempt",
    "current_user",
    "db",
    "delete_chatter",
    "documents_of",
    "email_address",
    "field_check",
    "find_document",
    "group_required",
    "has_group",
    "hookimpl",
    "hooks",
    "hookspec",
    "hot_transaction",
    "is_postgres",
    "job",
    "local_path",
    "locked",
    "messages_for",
    "notify_saved",
    "own_records",
    "post_message",
    "post_messages",
    "public",
    "public_endpoint",
    "read_secret",
    "read_token",
    "register_chatter_model",
    "registry",
    "request_cache",
    "selected_contacts",
    "send_mail",
    "send_mail_template",
    "set_message_state",
    "set_messages_state",
    "sql_datetime",
    "sql_named",
    "state_list",
    "state_unchanged",
    "sign_token",
    "suggestions_response",
    "utcnow",
    "webhook",
    "website_url",
    "write_secret",
    "write_transaction",
]
