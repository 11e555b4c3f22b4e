import pytest

from tests.addons.partner_autocomplete.fake_vies import FakeVies

ADDONS = ("addons.iap.plugin", "addons.partner_autocomplete.plugin")


@pytest.fixture
def fake_vies():
    """A running fake VIES on loopback, stopped after the test."""
    server = FakeVies(slow_seconds=2).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def host_config(host_config, fake_vies):
    """Only the addons these tests need; VIES is the loopback fake."""
    host_config.update(
        HOST_BUILTIN_ADDONS=ADDONS,
        IAP_EDITION="community",
        VIES_URL=fake_vies.url,
        # Generous: the loopback fake answers at once, but a loaded machine may
        # starve its thread for seconds, and a timeout would turn the answer a
        # test expects into "unavailable, will retry".
        PARTNER_AUTOCOMPLETE_VIES_TIMEOUT=30,
    )
    return host_config


@pytest.fixture
def pa(app, enable):
    """The addon enabled, with an empty register and no credits."""
    enable("partner_autocomplete")
    return app


@pytest.fixture
def seeded(pa):
    """The shipped sample companies loaded."""
    from addons.partner_autocomplete import register

    report = register.load(register.SAMPLE)
    assert report.refused == 0
    return report


@pytest.fixture
def give_credits(pa):
    from addons.iap import grant

    return lambda amount: grant("partner_autocomplete", amount, reason="Test credits")


@pytest.fixture
def pa_balance(pa):
    from addons.iap import balance

    return lambda: balance("partner_autocomplete")


def sample_company(**where):
    """The first sample company matching ``where`` (Company field values)."""
    from addons.partner_autocomplete.models import Company

    query = Company.select()
    for name, value in where.items():
        query = query.where(getattr(Company, name) == value)
    return query.order_by(Company.id).first()
