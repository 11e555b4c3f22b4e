import base64
import re
import socket
import traceback

import pytest
import requests

from addons.sms.twilio import (
    TWILIO_TO_STATE,
    GatewayAuthError,
    GatewayError,
    SendResult,
    StatusUpdate,
    TwilioClient,
    compute_signature,
    parse_status_callback,
    validate_signature,
)
from tests.addons.sms.fake_twilio import ACCOUNT_SID, AUTH_TOKEN

TO = "+32470123456"
FROM = "+15005550006"


@pytest.fixture
def client(fake_twilio):
    with TwilioClient(fake_twilio.base_url, ACCOUNT_SID, AUTH_TOKEN, timeout=2) as client:
        yield client


def assert_no_secret(exc):
    text = "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)
    basic = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert AUTH_TOKEN not in text
    assert basic not in text
    assert exc.__cause__ is None and exc.__context__ is None


# -- sending -------------------------------------------------------------------------


def test_send_success(client, fake_twilio):
    callback = "https://iap.example.com/sms/twilio/status"
    result = client.send(TO, "Hello {world} €", from_=FROM, status_callback=callback)

    assert isinstance(result, SendResult)
    assert re.fullmatch(r"SM[0-9a-f]{32}", result.sid)
    assert (result.status, result.state, result.error_code) == ("queued", "in_queue", None)
    assert fake_twilio.messages == [
        {
            "To": TO,
            "From": FROM,
            "Body": "Hello {world} €",
            "StatusCallback": callback,
            "sid": result.sid,
        }
    ]


def test_send_speaks_the_wire_format(client, fake_twilio):
    client.send(TO, "a&b=c+d", from_=FROM)
    request = fake_twilio.requests[-1]
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(
        f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()
    ).decode("ascii")
    assert request["body"] == b"To=%2B32470123456&Body=a%26b%3Dc%2Bd&From=%2B15005550006"


def test_send_through_a_messaging_service(client, fake_twilio):
    result = client.send(TO, "hi", messaging_service_sid="MG" + "1" * 32)
    assert result.status == "accepted"
    assert result.state == "in_queue"
    assert "From" not in fake_twilio.messages[0]
    assert fake_twilio.messages[0]["MessagingServiceSid"] == "MG" + "1" * 32


def test_send_requires_a_sender(client, fake_twilio):
    with pytest.raises(ValueError, match="sender"):
        client.send(TO, "hi")
    assert fake_twilio.requests == []


def test_many_sends_get_distinct_sids(client, fake_twilio):
    sids = {client.send(TO, f"n{i}", from_=FROM).sid for i in range(20)}
    assert len(sids) == 20
    assert len(fake_twilio.messages) == 20


@pytest.mark.parametrize(
    ("code", "failure_type"),
    [
        (21211, "wrong_format"),
        (21614, "wrong_format"),
        (21217, "wrong_format"),
        (21408, "country_not_supported"),
        (21612, "country_not_supported"),
        (21610, "blacklisted"),
    ],
)
def test_per_number_rejections(client, fake_twilio, code, failure_type):
    fake_twilio.reject_number(TO, code)
    with pytest.raises(GatewayError) as excinfo:
        client.send(TO, "hi", from_=FROM)
    error = excinfo.value
    assert (error.failure_type, error.retryable, error.maybe_sent) == (failure_type, False, False)
    assert (error.status_code, error.code) == (400, code)
    assert f"error {code}" in str(error)
    assert fake_twilio.messages == []
    # other recipients are unaffected
    assert client.send("+33612345678", "hi", from_=FROM).status == "queued"


def test_invalid_to_number_is_reported_with_provider_message(client):
    with pytest.raises(GatewayError) as excinfo:
        client.send("0470123456", "hi", from_=FROM)
    assert excinfo.value.failure_type == "wrong_format"
    assert "The 'To' number 0470123456 is not a valid phone number." in str(excinfo.value)


def test_other_4xx_is_a_non_retryable_server_error(client, fake_twilio):
    with pytest.raises(GatewayError) as excinfo:
        client.send(TO, "a" * 1601, from_=FROM)
    error = excinfo.value
    assert (error.failure_type, error.retryable, error.code) == ("server_error", False, 21617)
    assert "1600 character limit" in str(error)


def test_404_unknown_account(fake_twilio):
    fake_twilio.fail_next(404)
    client = TwilioClient(fake_twilio.base_url, ACCOUNT_SID, AUTH_TOKEN)
    with pytest.raises(GatewayError) as excinfo:
        client.send(TO, "hi", from_=FROM)
    assert (excinfo.value.failure_type, excinfo.value.retryable) == ("server_error", False)


def test_429_is_retryable(client, fake_twilio):
    fake_twilio.fail_next(429, 20429)
    with pytest.raises(GatewayError) as excinfo:
        client.send(TO, "hi", from_=FROM)
    assert (excinfo.value.failure_type, excinfo.value.retryable) == ("server_error", True)


def test_401_wrong_token(fake_twilio):
    wrong = "wrong-token-1234567890"
    client = TwilioClient(fake_twilio.base_url, ACCOUNT_SID, wrong)
    with pytest.raises(GatewayAuthError) as excinfo:
        client.send(TO, "hi", from_=FROM)
    error = excinfo.value
    assert isinstance(error, GatewayError)
    assert (error.status_code, error.code, error.retryable) == (401, 20003, False)
    assert error.failure_type == "server_error"
    assert ACCOUNT_SID in str(error)
    assert "auth token" in str(error)
    assert wrong not in str(error) and wrong not in repr(error)
    assert fake_twilio.messages == []


def test_401_wrong_account(fake_twilio):
    client = TwilioClient(fake_twilio.base_url, "AC" + "f" * 32, AUTH_TOKEN)
    with pytest.raises(GatewayAuthError) as excinfo:
        client.send(TO, "hi", from_=FROM)
    assert_no_secret(excinfo.value)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_retryable(client, fake_twilio, status):
    fake_twilio.fail_next(status)
    with pytest.raises(GatewayError) as excinfo:
        client.send(TO, "hi", from_=FROM)
    error = excinfo.value
    assert (error.failure_type, error.retryable, error.maybe_sent) == ("server_error", True, True)
    assert error.status_code == status
    assert_no_secret(error)
    # the fault was transient
    assert client.send(TO, "hi", from_=FROM).status == "queued"


def test_timeout_is_retryable(fake_twilio):
    # The fake answers only after a minute (or when it stops): the client
    # must give up on its own timeout, before the server has read the request.
    fake_twilio.delay = 60
    client = TwilioClient(fake_twilio.base_url, ACCOUNT_SID, AUTH_TOKEN, timeout=0.3)
    with pytest.raises(GatewayError) as excinfo:
        client.send(TO, "hi", from_=FROM)
    assert fake_twilio.requests == [] and fake_twilio.messages == []
    error = excinfo.value
    assert (error.failure_type, error.retryable, error.maybe_sent) == ("server_error", True, True)
    assert "0.3" in str(error)
    assert_no_secret(error)


def test_connection_refused_is_retryable_and_not_sent():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = TwilioClient(f"http://127.0.0.1:{port}", ACCOUNT_SID, AUTH_TOKEN, timeout=1)
    with pytest.raises(GatewayError) as excinfo:
        client.send(TO, "hi", from_=FROM)
    error = excinfo.value
    assert (error.failure_type, error.retryable, error.maybe_sent) == ("server_error", True, False)
    assert "unreachable" in str(error)
    assert_no_secret(error)


def test_token_never_in_repr_or_messages(fake_twilio):
    client = TwilioClient(fake_twilio.base_url, ACCOUNT_SID, AUTH_TOKEN)
    assert AUTH_TOKEN not in repr(client)
    assert AUTH_TOKEN not in str(client)
    fake_twilio.reject_number(TO, 21211)
    with pytest.raises(GatewayError) as excinfo:
        client.send(TO, "hi", from_=FROM)
    assert_no_secret(excinfo.value)


def test_provider_message_echoing_the_token_is_redacted(fake_twilio):
    # Some Twilio-compatible providers echo request data in errors; be defensive.
    client = TwilioClient(fake_twilio.base_url, ACCOUNT_SID, AUTH_TOKEN)
    with pytest.raises(GatewayError) as excinfo:
        client.send(f"bad-{AUTH_TOKEN}", "hi", from_=FROM)
    assert "bad-***" in str(excinfo.value)
    assert_no_secret(excinfo.value)


@pytest.mark.parametrize("url", ["ftp://example.com", "example.com", ""])
def test_client_rejects_bad_base_url(url):
    with pytest.raises(ValueError, match="http"):
        TwilioClient(url, ACCOUNT_SID, AUTH_TOKEN)


def test_client_requires_credentials():
    with pytest.raises(ValueError, match="required"):
        TwilioClient("https://api.twilio.com", ACCOUNT_SID, "")


def test_base_url_trailing_slash(fake_twilio):
    client = TwilioClient(fake_twilio.base_url + "/", ACCOUNT_SID, AUTH_TOKEN)
    assert client.messages_url == (
        f"{fake_twilio.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    )
    assert client.send(TO, "hi", from_=FROM).status == "queued"


def test_fake_speaks_twilio_json_errors(fake_twilio):
    # The fake's own contract, checked with plain requests.
    answer = requests.post(
        f"{fake_twilio.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        data={"To": TO, "Body": "hi", "From": FROM},
        timeout=2,
    )
    assert answer.status_code == 401
    assert answer.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }


# -- signatures ----------------------------------------------------------------------

# Twilio's published example (docs and helper-library test suites).
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
DOC_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_signature_matches_twilio_reference_vector():
    assert compute_signature("12345", DOC_URL, DOC_PARAMS) == DOC_SIGNATURE
    assert validate_signature("12345", DOC_URL, DOC_PARAMS, DOC_SIGNATURE)


def test_signature_with_repeated_parameters():
    class MultiDict(dict):
        def getlist(self, key):
            return self[key]

    params = MultiDict(Sid=["CA123"], SidAccount=["AC123"], Digits=["5678", "1234"])
    assert compute_signature("12345", DOC_URL, params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    plain = {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["1234", "5678"]}
    assert compute_signature("12345", DOC_URL, plain) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        (DOC_URL, "kvajT1Ptam85bY51eRf/AJRuM3w="),  # signed with :443 added
        (DOC_URL.replace(".com", ".com:1234"), DOC_SIGNATURE),  # port added by a proxy
        (DOC_URL.replace("https", "http"), "0ZXoZLH/DfblKGATFgpif+LLRf4="),  # with :80
        (
            DOC_URL.replace(".com", ".com:1234").replace("https", "http"),
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=",
        ),
    ],
)
def test_signature_port_variants(url, signature):
    assert validate_signature("12345", url, DOC_PARAMS, signature)


@pytest.mark.parametrize(
    ("token", "url", "params", "signature"),
    [
        ("12346", DOC_URL, DOC_PARAMS, DOC_SIGNATURE),  # wrong token
        ("12345", DOC_URL + "&x=1", DOC_PARAMS, DOC_SIGNATURE),  # other URL
        ("12345", DOC_URL.replace("https", "http"), DOC_PARAMS, DOC_SIGNATURE),
        ("12345", DOC_URL, {**DOC_PARAMS, "Digits": "9999"}, DOC_SIGNATURE),  # tampered
        ("12345", DOC_URL, {**DOC_PARAMS, "Extra": ""}, DOC_SIGNATURE),  # added
        ("12345", DOC_URL, {k: v for k, v in DOC_PARAMS.items() if k != "To"}, DOC_SIGNATURE),
        ("12345", DOC_URL, DOC_PARAMS, DOC_SIGNATURE.lower()),
        ("12345", DOC_URL, DOC_PARAMS, ""),
        ("12345", DOC_URL, DOC_PARAMS, None),
        ("12345", DOC_URL, DOC_PARAMS, "invalid \u738b"),
        ("", DOC_URL, DOC_PARAMS, DOC_SIGNATURE),
    ],
)
def test_signature_rejections(token, url, params, signature):
    assert not validate_signature(token, url, params, signature)


def test_signed_status_callback_from_the_fake(client, fake_twilio):
    sid = client.send(TO, "hi", from_=FROM).sid
    url = "https://iap.example.com/sms/twilio/status?db=main"
    params, signature = fake_twilio.status_callback(sid, "delivered", url)
    assert validate_signature(AUTH_TOKEN, url, params, signature)
    assert parse_status_callback(params) == (sid, "delivered", None)

    tampered = {**params, "MessageStatus": "failed"}
    assert not validate_signature(AUTH_TOKEN, url, tampered, signature)


# -- status callbacks ----------------------------------------------------------------


def test_status_mapping_is_complete():
    assert set(TWILIO_TO_STATE.values()) == {
        "in_queue",
        "processing",
        "sent",
        "delivered",
        "failed",
        "canceled",
    }
    for status in ["queued", "accepted", "sending", "sent", "delivered", "undelivered", "failed"]:
        assert status in TWILIO_TO_STATE
    assert "canceled" in TWILIO_TO_STATE


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("queued", "in_queue"),
        ("accepted", "in_queue"),
        ("scheduled", "in_queue"),
        ("sending", "processing"),
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("undelivered", "failed"),
        ("failed", "failed"),
        ("canceled", "canceled"),
    ],
)
def test_parse_status_callback(status, state):
    update = parse_status_callback({"MessageSid": "SM" + "a" * 32, "MessageStatus": status})
    assert isinstance(update, StatusUpdate)
    sid, parsed_state, error_code = update
    assert (sid, parsed_state, error_code) == ("SM" + "a" * 32, state, None)


def test_parse_status_callback_error_code():
    params = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert parse_status_callback(params) == ("SM1", "failed", 30003)


def test_parse_status_callback_legacy_names():
    assert parse_status_callback({"SmsSid": "SM1", "SmsStatus": "sent"}) == ("SM1", "sent", None)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "no MessageSid"),
        ({"MessageStatus": "sent"}, "no MessageSid"),
        ({"MessageSid": "  ", "MessageStatus": "sent"}, "no MessageSid"),
        ({"MessageSid": "SM1"}, "no MessageStatus"),
        ({"MessageSid": "SM1", "MessageStatus": ""}, "no MessageStatus"),
        ({"MessageSid": "SM1", "MessageStatus": "exploded"}, "unknown status 'exploded'"),
        ({"MessageSid": "SM1", "MessageStatus": "received"}, "unknown status"),
        ({"MessageSid": "SM1", "MessageStatus": "sent", "ErrorCode": "abc"}, "malformed"),
        ({"MessageSid": "SM1", "MessageStatus": "sent", "ErrorCode": "\u00b2"}, "malformed"),
    ],
)
def test_parse_status_callback_malformed(params, message):
    with pytest.raises(ValueError, match=message):
        parse_status_callback(params)
