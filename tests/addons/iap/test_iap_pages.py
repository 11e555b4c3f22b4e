"""The pages admins use: Settings → View My Services → account → Buy Credit."""

import re

from click.testing import CliRunner

from addons.iap import charge, grant
from addons.iap.models import Account
from host.cli import cli


def test_settings_block_leads_to_the_accounts(widget, admin_client):
    page = admin_client.get("/settings").get_data(as_text=True)
    block = re.search(r'data-block="iap".*?</div>\s*</div>', page, re.S).group(0)
    assert "IAP" in block and "View My Services" in block
    assert 'href="/iap/accounts"' in block
    assert 'data-section="Contacts"' in page


def test_accounts_list_shows_balances_and_low_ones_in_red(widget, admin_client):
    grant("widget", 3, reason="gift")
    page = admin_client.get("/iap/accounts").get_data(as_text=True)
    assert "IAP Accounts" in page and "Widgets" in page
    assert 'class="num balance "' in page and ">3 credits<" in page
    assert 'target="_blank"' in page and "Buy Credit" in page
    Account.update(alert_enabled=True, alert_threshold=5).execute()
    page = admin_client.get("/iap/accounts").get_data(as_text=True)
    assert 'class="num balance low"' in page


def test_account_information_page(widget, admin_client):
    grant("widget", 10, reason="welcome gift")
    with charge("widget", 4, description="four widgets", reference="w:4"):
        pass
    page = admin_client.get("/iap/accounts/widget").get_data(as_text=True)
    for label in (
        "Account Information",
        "Balance",
        "Held",
        "Buy Credit",
        "Receive threshold warning",
        "Warning Threshold",
        "Contact Email",
        "four widgets",
        "welcome gift",
    ):
        assert label in page, label
    assert "data-balance>6<" in page
    # One word, one meaning: "Balance" is what can be spent; the journal's
    # column, which counts held credits too, has its own name.
    assert "Balance after" not in page and '<th class="num">Credits after</th>' in page
    assert re.search(r'<g data-day="\d{4}-\d\d-\d\d" data-spent="4\.000000">', page)
    assert "4 free · 0 paid" in page


def test_journal_filters_and_pages(widget, admin_client):
    grant("widget", 100, reason="gift")
    for i in range(30):
        with charge("widget", 1, description=f"job {i}"):
            pass
    captures = admin_client.get("/iap/accounts/widget?kind=capture").get_data(as_text=True)
    assert captures.count('data-kind="capture"') == 25 and 'data-kind="hold"' not in captures
    second = admin_client.get("/iap/accounts/widget?kind=capture&page=2").get_data(as_text=True)
    assert second.count('data-kind="capture"') == 5


def test_refund_from_the_account_page(widget, admin_client):
    from addons.iap.models import Hold

    grant("widget", 10, reason="gift")
    with charge("widget", 4, description="oops"):
        pass
    hold = Hold.get()
    response = admin_client.post(
        f"/iap/accounts/widget/refund/{hold.id}", data={"amount": "", "reason": "wrong job"}
    )
    assert response.status_code == 302
    from addons.iap import balance

    assert balance("widget") == 10
    response = admin_client.post(
        f"/iap/accounts/widget/refund/{hold.id}", data={"amount": "1", "reason": "again"}
    )
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not refunded" in page


def test_buy_page_lists_the_packs(widget, admin_client):
    page = admin_client.get("/iap/buy/widget").get_data(as_text=True)
    assert "Buy Credits for Widgets" in page
    names = re.findall(r"<h2>(\w+ Pack)</h2>", page)
    assert names == ["Starter Pack", "Standard Pack", "Advanced Pack", "Expert Pack"]
    assert page.count(">Buy</button>") == 4


def test_iap_pages_are_for_admins(widget, user_client, client):
    for url in ("/iap/accounts", "/iap/accounts/widget", "/iap/buy/widget"):
        assert user_client.get(url).status_code == 403
        assert client.get(url).status_code == 302  # anonymous: to the login page


def test_cli_balance_grant_history_verify(widget, app):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, ["credits", *args], obj={"app": app})

    from addons.iap.cli import credits

    cli.add_command(credits)
    result = run("grant", "widget", "12.5", "--reason", "support gesture")
    assert result.exit_code == 0, result.output
    assert "available 12.500000" in result.output
    assert run("grant", "widget", "0.1e400", "--reason", "x").exit_code == 1
    assert "larger than the maximum" in run("grant", "widget", "1e10", "--reason", "x").output
    assert "widget" in run("balance").output
    assert "support gesture" in run("history", "widget").output
    assert run("verify").exit_code == 0
    Account.update(available=Account.available + 1).execute()
    result = run("verify")
    assert result.exit_code == 1 and "balance (available + held)" in result.output
    assert run("balance", "nope").exit_code == 1
    # A service no enabled addon declares: refused, no account made for it.
    refused = run("grant", "nope", "5", "--reason", "typo")
    assert refused.exit_code == 1 and "no credit service 'nope' is enabled" in refused.output
    assert "(enabled services: widget)" in refused.output
    assert not Account.select().where(Account.service == "nope").exists()


def test_the_journal_shows_one_row_per_charge(widget, admin_client):
    import re as regex

    from addons.iap import ledger

    grant("widget", 10, reason="gift")
    with charge("widget", 3, description="three widgets") as tx:
        tx.credit = 2
    try:
        with charge("widget", 1, description="broken widget"):
            raise RuntimeError("failed")
    except RuntimeError:
        pass
    live = ledger.hold("widget", 4, description="widget in the making")
    page = admin_client.get("/iap/accounts/widget").get_data(as_text=True)
    rows = regex.findall(r'<tr data-kind="(\w+)">(.*?)</tr>', page, flags=regex.S)
    assert [kind for kind, _ in rows] == ["hold", "release", "capture", "promotion"]
    held, canceled, charged, _ = (text for _, text in rows)
    assert "Charge in progress" in held and ">-4<" in held
    assert "Charge canceled" in canceled and 'data-step="hold"' in canceled
    assert 'data-step="release"' in canceled
    assert "Charge</summary>" in charged and "three widgets" in charged
    assert 'data-step="hold"' in charged and 'data-step="capture"' in charged
    assert regex.search(r"class=\"num\">-2</td><td class=\"num\">2<", charged)
    assert "Change 0" not in page
    ledger.release(live.id)
