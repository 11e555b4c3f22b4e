def test_pages(widget, admin_client):
    from addons.iap import grant

    grant("widget", 10, reason="gift")
    for url in ["/iap/accounts", "/iap/accounts/widget", "/iap/buy/widget", "/settings"]:
        r = admin_client.get(url)
        assert r.status_code == 200, (url, r.get_data(as_text=True)[:3000])
    r = admin_client.post("/iap/buy/widget/standard")
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    pay = r.headers["Location"]
    assert admin_client.get(pay).status_code == 200
    r = admin_client.post(
        pay, data={"number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123"}
    )
    assert r.status_code == 303, r.get_data(as_text=True)[:3000]
    page = admin_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Thank you" in page
    from addons.iap import balance

    assert balance("widget") == 110
