import pytest

ADDONS = ("addons.iap.plugin", "addons.lead_generation.plugin")
SMALL_SAMPLE = 800  # companies: enough of every filter, loaded in a second


@pytest.fixture
def host_config(host_config):
    host_config.update(HOST_BUILTIN_ADDONS=ADDONS, IAP_EDITION="community")
    return host_config


@pytest.fixture
def lg(app, enable):
    """The addon enabled, an empty dataset and no credits."""
    enable("lead_generation")
    return app


@pytest.fixture
def dataset(lg):
    """A small sample dataset (the generator's first companies) loaded."""
    from addons.lead_generation import dataset as loader
    from addons.lead_generation import sample

    report = loader.load_lines(sample.csv_lines(SMALL_SAMPLE), filename="sample", sample=True)
    assert report.refused == 0
    return report


@pytest.fixture
def give_credits(lg):
    from addons.iap import grant

    return lambda amount: grant("lead_generation", amount, reason="Test credits")


@pytest.fixture
def lg_balance(lg):
    from addons.iap import balance

    return lambda: balance("lead_generation")


def new_request(**values):
    """A saved mining request (draft), as the form would store it."""
    from addons.lead_generation.models import MiningRequest

    fields = {"countries": "BE", "lead_number": 5, "search_type": "companies"}
    fields.update(values)
    return MiningRequest.create(**fields)


def form_data(**values) -> dict:
    data = {
        "lead_number": "10",
        "search_type": "companies",
        "countries": ["BE"],
        "filter_on_size": "y",
        "size_min": "1",
        "size_max": "1000",
        "contact_number": "2",
        "contact_filter": "role",
        "lead_type": "lead",
    }
    data.update(values)
    return data
