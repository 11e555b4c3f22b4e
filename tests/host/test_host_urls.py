"""The URLs of a page's items are url_for's, kept per app and site root."""

from flask import url_for

from host.urls import endpoint_url


def test_the_kept_url_is_url_for_s(app):
    cases = [
        ("host.contact", {"contact_id": 4}),
        ("host.contacts", {"q": "bru"}),
        ("host.contact", {"contact_id": True}),  # True == 1, but not the same URL
        ("host.contact", {"contact_id": 1}),
        ("host.static", {"filename": "host.js"}),
    ]
    with app.test_request_context("/"):
        for endpoint, values in cases * 2:
            assert endpoint_url(endpoint, values) == url_for(endpoint, **values)
    with app.test_request_context("/", base_url="http://localhost/erp"):
        assert endpoint_url("host.contact", {"contact_id": 4}) == "/erp/contacts/4"


def test_what_is_not_kept_is_built_each_time(app):
    with app.test_request_context("/"):
        assert endpoint_url("host.contacts", {"tag": ["a", "b"]}) == "/contacts?tag=a&tag=b"
        assert endpoint_url("host.contacts", {"_external": True}) == "http://localhost/contacts"
    app.config["SERVER_NAME"] = "localhost"
    with app.app_context():  # a job's mail: no request
        assert endpoint_url("host.contacts", {}) == "http://localhost/contacts"
