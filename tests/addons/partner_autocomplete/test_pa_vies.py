"""The VIES client against a loopback server speaking checkVatService's SOAP."""

import datetime as dt

import pytest
import requests

from addons.partner_autocomplete import vies
from tests.addons.partner_autocomplete.fake_vies import TEST_FAULTS, FakeVies

# The loopback fake answers at once, but on a loaded machine (other suites
# sharing the cores) its thread may get no CPU for seconds: a short timeout
# would turn the answer a test expects into TIMEOUT. Only the timeout test
# itself waits less than the fake's delay.
ANSWER_TIMEOUT = 30


def test_the_shipped_wsdl_is_the_one_the_service_serves(fake_vies):
    served = requests.get(fake_vies.url + "?wsdl", timeout=5)
    assert served.status_code == 200
    assert served.content == vies.WSDL.read_bytes()
    assert b"checkVatService" in served.content


def test_test_service_number_100_is_valid_and_200_is_not(fake_vies):
    valid = vies.check("BE", "100", url=fake_vies.url, timeout=ANSWER_TIMEOUT)
    assert valid.valid and valid.name == "TEST COMPANY"
    assert valid.request_date == dt.date.today()
    assert valid.label == f"VIES: valid on {dt.date.today().isoformat()}"
    invalid = vies.check("BE", "200", url=fake_vies.url, timeout=ANSWER_TIMEOUT)
    assert not invalid.valid and invalid.label == "VIES: not valid"
    assert fake_vies.requests == [("BE", "100"), ("BE", "200")]


@pytest.mark.parametrize("number, fault", sorted(TEST_FAULTS.items()))
def test_each_fault_is_reported_and_only_transient_ones_are_retryable(fake_vies, number, fault):
    with pytest.raises(vies.ViesError) as caught:
        vies.check("DE", number, url=fake_vies.url, timeout=ANSWER_TIMEOUT)
    assert caught.value.fault == fault
    transient = {
        "SERVICE_UNAVAILABLE",
        "MS_UNAVAILABLE",
        "TIMEOUT",
        "GLOBAL_MAX_CONCURRENT_REQ",
        "MS_MAX_CONCURRENT_REQ",
    }
    assert caught.value.retryable == (fault in transient)


def test_malformed_xml_is_a_final_error(fake_vies):
    with pytest.raises(vies.ViesError) as caught:
        vies.check("BE", "900", url=fake_vies.url, timeout=ANSWER_TIMEOUT)
    assert caught.value.fault == "MALFORMED_ANSWER" and not caught.value.retryable


def test_a_slow_answer_times_out_and_is_retryable(fake_vies):
    with pytest.raises(vies.ViesError) as caught:
        vies.check("BE", "901", url=fake_vies.url, timeout=0.5)
    assert caught.value.fault == "TIMEOUT" and caught.value.retryable


def test_a_service_that_is_down_is_unavailable():
    server = FakeVies().start()
    url = server.url
    server.stop()
    with pytest.raises(vies.ViesError) as caught:
        vies.check("BE", "100", url=url, timeout=1)
    assert caught.value.fault == "SERVICE_UNAVAILABLE" and caught.value.retryable


def test_undisclosed_name_and_address_are_flagged_not_returned(fake_vies):
    fake_vies.register("DE", "136695976", "---", "---")
    result = vies.check("DE", "136695976", url=fake_vies.url, timeout=ANSWER_TIMEOUT)
    assert result.valid
    assert result.name is None and result.name_undisclosed
    assert result.address is None and result.address_undisclosed


def test_retry_delays_double_up_to_a_cap():
    assert [vies.retry_delay(n, base=60) for n in (1, 2, 3)] == [60, 120, 240]
    assert vies.retry_delay(30, base=60) == 6 * 3600
