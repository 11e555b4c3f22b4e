"""The contact form's country list, rendered once per process, is wtforms'
own HTML byte for byte, whatever is selected."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms.widgets import Select

from host.forms import ContactForm


@pytest.mark.parametrize("country", [None, "", "BE", "CI", "XX", '"><script>'])
def test_same_html_as_wtforms(country):
    form = ContactForm(MultiDict({} if country is None else {"country": country}))
    assert form.country() == Select()(form.country)
    assert form.country(class_="wide") == Select()(form.country, class_="wide")
    selected = form.country().count("<option selected")
    assert selected == (1 if country in ("", "BE", "CI") else 0)
